// Drives the real taskwire binary as a person would: start it on a free port with a fresh data
// dir, talk HTTP to it, stop it with a signal, and run its other commands.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include "testing/http_client.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace taskwire {
namespace {

using namespace std::chrono_literals;
using testing::HttpRequest;
using testing::Process;

class ServeTest : public ::testing::Test {
 protected:
  std::unique_ptr<Process> Run(std::vector<std::string> args, Process::Options options = {}) {
    options.environment.emplace("HOME", dir_.path());  // never the developer's own data
    auto process = Process::Start(TASKWIRE_BINARY, std::move(args), std::move(options));
    EXPECT_NE(process, nullptr);
    return process;
  }

  // Runs a command to its end; returns its exit code.
  int RunToEnd(std::vector<std::string> args, Process::Options options = {},
               std::string* out = nullptr, std::string* err = nullptr) {
    auto process = Run(std::move(args), std::move(options));
    const auto code = process->Wait(60s);
    EXPECT_TRUE(code.has_value());
    if (out != nullptr) *out = process->Stdout();
    if (err != nullptr) *err = process->Stderr();
    return code.value_or(-1);
  }

  // Starts `taskwire serve` on a free port; returns the process and sets port_.
  std::unique_ptr<Process> Serve(std::vector<std::string> extra = {},
                                 const std::string& listen = "127.0.0.1:0") {
    std::vector<std::string> args = {"serve", "--listen", listen, "--data-dir", data_dir()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto process = Run(args);
    auto line = process->WaitForOutput("is listening on ", 30s);
    EXPECT_TRUE(line.has_value()) << process->Stdout() << process->Stderr();
    if (!line) return process;
    std::smatch match;
    const std::regex address(R"(http://(?:127\.0\.0\.1|localhost):(\d+)/)");
    EXPECT_TRUE(std::regex_search(*line, match, address)) << *line;
    port_ = static_cast<uint16_t>(std::stoi(match[1]));
    return process;
  }

  std::string data_dir() const { return dir_.File("data"); }

  testing::TempDir dir_;
  uint16_t port_ = 0;
};

TEST_F(ServeTest, FirstRunCreatesTheAdminServesAndStopsCleanly) {
  auto server = Serve();
  ASSERT_NE(port_, 0);
  const std::string out = server->Stdout();
  EXPECT_NE(out.find("user:      admin"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(password:  [A-Za-z0-9_-]{24}\n)"))) << out;
  EXPECT_NE(out.find("taskwire user passwd admin"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(data_dir() + "/taskwire.db"));

  auto health = HttpRequest(port_, "GET", "/healthz");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"ok"})");

  auto ready = HttpRequest(port_, "GET", "/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 200);
  EXPECT_NE(ready->body.find(R"("status":"ready")"), std::string::npos) << ready->body;

  auto home = HttpRequest(port_, "GET", "/");
  ASSERT_TRUE(home.has_value());
  EXPECT_EQ(home->status, 200);
  EXPECT_NE(home->body.find("Taskwire"), std::string::npos);
  // Anyone may load the home page: it names the kind of database, never where it lives.
  EXPECT_NE(home->body.find("SQLite"), std::string::npos) << home->body;
  EXPECT_EQ(home->body.find(data_dir()), std::string::npos) << home->body;
  EXPECT_EQ(home->body.find("taskwire.db"), std::string::npos) << home->body;
  EXPECT_EQ(HttpRequest(port_, "GET", "/static/style.css")->status, 200);

  // DNS rebinding: a page on another name may not reach the server.
  auto rebound = HttpRequest(port_, "GET", "/", {{"Host", "evil.example.com"}});
  ASSERT_TRUE(rebound.has_value());
  EXPECT_EQ(rebound->status, 403);

  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(15s), 0);
  EXPECT_NE(server->Stderr().find("server.stopped"), std::string::npos);
}

TEST_F(ServeTest, SecondRunKeepsTheDataAndCreatesNoSecondAdmin) {
  {
    auto first = Serve();
    first->Signal(SIGINT);
    ASSERT_EQ(first->Wait(15s), 0);
  }
  auto second = Serve();
  EXPECT_EQ(second->Stdout().find("password:"), std::string::npos);
  second->Signal(SIGTERM);
  ASSERT_EQ(second->Wait(15s), 0);

  std::string out;
  EXPECT_EQ(RunToEnd({"user", "list", "--data-dir", data_dir()}, {}, &out), 0);
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n1\s+admin\s+yes)"))) << out;
}

TEST_F(ServeTest, APortInUseIsOneClearLineAndExit1) {
  auto first = Serve();
  std::string err;
  const int code = RunToEnd(
      {"serve", "--listen", "127.0.0.1:" + std::to_string(port_), "--data-dir", dir_.File("other")},
      {}, nullptr, &err);
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("taskwire: cannot listen on 127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("in use"), std::string::npos) << err;
}

TEST_F(ServeTest, AnUnusableDataDirIsOneClearLineAndExit1) {
  testing::WriteFile(dir_.File("a-file"), "x");
  std::string err;
  EXPECT_EQ(RunToEnd({"serve", "--listen", "127.0.0.1:0", "--data-dir", dir_.File("a-file/data")},
                     {}, nullptr, &err),
            1);
  EXPECT_TRUE(err.starts_with("taskwire: cannot create data dir")) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(ServeTest, ACorruptDatabaseIsOneClearLineAndExit1) {
  std::filesystem::create_directories(data_dir());
  testing::WriteFile(data_dir() + "/taskwire.db", std::string(10000, 'z'));
  // Private already, so the one line is the error (a readable one is tightened, with a notice).
  ASSERT_EQ(::chmod((data_dir() + "/taskwire.db").c_str(), 0600), 0);
  std::string err;
  EXPECT_EQ(
      RunToEnd({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir()}, {}, nullptr, &err),
      1);
  EXPECT_NE(err.find("not a database"), std::string::npos) << err;
  EXPECT_NE(err.find("taskwire.db"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(ServeTest, BadConfigurationNamesTheKeyAndExits2) {
  std::string err;
  EXPECT_EQ(RunToEnd({"serve", "--set", "server.nope=1"}, {}, nullptr, &err), 2);
  EXPECT_NE(err.find("server.nope"), std::string::npos) << err;

  EXPECT_EQ(RunToEnd({"serve"}, {.environment = {{"TASKWIRE_LISTEN", "nowhere"}}}, nullptr, &err),
            2);
  EXPECT_NE(err.find("TASKWIRE_LISTEN"), std::string::npos) << err;

  const std::string file = dir_.File("taskwire.toml");
  testing::WriteFile(file, "[server]\nlisten = \"127.0.0.1:0\"\nthreds = 2\n");
  EXPECT_EQ(RunToEnd({"serve", "--config", file}, {}, nullptr, &err), 2);
  EXPECT_NE(err.find("server.threds"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(ServeTest, ABadJobIsOneLineNamingTheJobAndExit2) {
  const std::string file = dir_.File("taskwire.toml");
  testing::WriteFile(file,
                     "[[jobs]]\nname = \"deploy\"\ncommand = [\"/srv/bin/deploy\", \"{env}\"]\n");
  std::string err;
  EXPECT_EQ(
      RunToEnd({"serve", "--config", file, "--listen", "127.0.0.1:0", "--data-dir", data_dir()}, {},
               nullptr, &err),
      2);
  EXPECT_EQ(err,
            "taskwire: config: jobs[deploy].command[1]: {env} names no parameter (declare it "
            "in params)\n");
  EXPECT_FALSE(std::filesystem::exists(data_dir() + "/taskwire.db"));  // stopped before opening
}

TEST_F(ServeTest, AJobOfAnOrganizationThatDoesNotExistIsOneLineAndExit2) {
  const std::string file = dir_.File("taskwire.toml");
  // "default" exists from the first run on, so its jobs start on the first run too.
  testing::WriteFile(file,
                     "[[jobs]]\nname = \"ok\"\ncommand = [\"/bin/true\"]\norganization = "
                     "\"default\"\n");
  auto server = Serve({"--config", file});
  ASSERT_NE(port_, 0);
  EXPECT_TRUE(server->WaitForOutput(R"("event":"jobs.loaded","jobs":1)", 20s).has_value())
      << server->Stderr();
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(20s), 0);
  testing::WriteFile(file,
                     "[[jobs]]\nname = \"deploy\"\ncommand = [\"/bin/true\"]\norganization = "
                     "\"nowhere\"\n");
  std::string err;
  EXPECT_EQ(
      RunToEnd({"serve", "--config", file, "--listen", "127.0.0.1:0", "--data-dir", data_dir()}, {},
               nullptr, &err),
      2);
  EXPECT_TRUE(
      err.ends_with("taskwire: config: jobs[deploy].organization: no organization is "
                    "named 'nowhere' (taskwire org list)\n"))
      << err;
}

TEST_F(ServeTest, SighupRereadsTheJobsAndABadFileKeepsThem) {
  const std::string file = dir_.File("taskwire.toml");
  const std::string one = "[[jobs]]\nname = \"one\"\ncommand = [\"/bin/true\"]\n";
  testing::WriteFile(file, one);
  auto server = Serve({"--config", file});
  ASSERT_NE(port_, 0);
  testing::WriteFile(file, one + "[[jobs]]\nname = \"two\"\ncommand = [\"/bin/echo\", \"{x}\"]\n");
  server->Signal(SIGHUP);
  auto failed = server->WaitForOutput("jobs.reload_failed", 20s);
  ASSERT_TRUE(failed.has_value()) << server->Stderr();
  EXPECT_NE(failed->find("{x} names no parameter"), std::string::npos) << *failed;
  testing::WriteFile(file, one + "[[jobs]]\nname = \"two\"\ncommand = [\"/bin/true\"]\n");
  server->Signal(SIGHUP);
  auto reloaded = server->WaitForOutput(R"("event":"jobs.reloaded","jobs":2)", 20s);
  EXPECT_TRUE(reloaded.has_value()) << server->Stderr();
  // Still serving, and it stops as ever.
  auto health = HttpRequest(port_, "GET", "/healthz");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(20s), 0);
}

TEST_F(ServeTest, ConfigFileAndEnvironmentAreHonoured) {
  const std::string file = dir_.File("taskwire.toml");
  testing::WriteFile(file, "[server]\nlisten = \"127.0.0.1:1\"\n[log]\nformat = \"text\"\n");
  std::string out;
  EXPECT_EQ(RunToEnd({"config", "--config", file},
                     {.environment = {{"TASKWIRE_LISTEN", "127.0.0.1:2"}}}, &out),
            0);
  EXPECT_TRUE(
      std::regex_search(out, std::regex(R"(server\.listen\s+= "127\.0\.0\.1:2"\s+# environment)")))
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(log\.format\s+= "text"\s+# file)"))) << out;
}

TEST_F(ServeTest, BackupCopiesTheDatabaseWhileTheServerRuns) {
  auto server = Serve();
  const std::string copy = dir_.File("backup.db");
  std::string err;
  EXPECT_EQ(RunToEnd({"backup", copy, "--data-dir", data_dir()}, {}, nullptr, &err), 0) << err;
  EXPECT_TRUE(std::filesystem::exists(copy));
  std::string out;
  EXPECT_EQ(RunToEnd({"migrate", "--status", "--set", "storage.url=sqlite:" + copy}, {}, &out), 0);
  EXPECT_NE(out.find("(up to date)"), std::string::npos) << out;
  // A second backup to the same file refuses to overwrite it: bad input, exit 2.
  EXPECT_EQ(RunToEnd({"backup", copy, "--data-dir", data_dir()}, {}, nullptr, &err), 2);
  EXPECT_NE(err.find("exists already"), std::string::npos) << err;
  EXPECT_EQ(HttpRequest(port_, "GET", "/readyz")->status, 200);
}

// Every file under `dir` (not `dir` itself) with its permission bits.
std::map<std::string, unsigned> ModesUnder(const std::string& dir) {
  std::map<std::string, unsigned> modes;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) == 0)
      modes[entry.path().string()] = info.st_mode & 07777;
  }
  return modes;
}

TEST_F(ServeTest, EveryFileIsPrivateEvenInAnOpenDataDirAndTheServerSaysSo) {
  // A data dir someone made by hand, readable by everyone, and a umask that lets files be read.
  std::filesystem::create_directories(data_dir());
  ASSERT_EQ(::chmod(data_dir().c_str(), 0755), 0);
  struct RestoreUmask {
    mode_t old;
    ~RestoreUmask() { ::umask(old); }
  } restore{::umask(022)};
  {
    auto server = Serve();
    ASSERT_NE(port_, 0);
    std::string out, err;
    EXPECT_EQ(
        RunToEnd({"key", "create", "--user", "admin", "--name", "probe", "--data-dir", data_dir()},
                 {}, &out, &err),
        0)
        << err;
    EXPECT_EQ(RunToEnd({"key", "revoke", "1", "--data-dir", data_dir()}, {}, nullptr, &err), 0)
        << err;
    EXPECT_EQ(
        RunToEnd({"backup", dir_.File("backup.db"), "--data-dir", data_dir()}, {}, nullptr, &err),
        0)
        << err;
    EXPECT_EQ(
        RunToEnd({"backup", data_dir() + "/copy.db", "--data-dir", data_dir()}, {}, nullptr, &err),
        0)
        << err;
    // While the server runs: the database, its -wal and -shm, the backups, the revocation signal.
    const auto modes = ModesUnder(data_dir());
    EXPECT_TRUE(modes.contains(data_dir() + "/taskwire.db-wal")) << ::testing::PrintToString(modes);
    EXPECT_TRUE(modes.contains(data_dir() + "/credentials.revoked"))
        << ::testing::PrintToString(modes);
    for (const auto& [file, mode] : modes) EXPECT_EQ(mode, 0600u) << file;
    struct stat info {};
    ASSERT_EQ(::stat(dir_.File("backup.db").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(15s), 0);
    const std::string log = server->Stderr();
    EXPECT_NE(log.find("server.files_exposed"), std::string::npos) << log;
    EXPECT_NE(log.find("data dir " + data_dir() + " is mode 0755: group and others can list it"),
              std::string::npos)
        << log;
  }
  // A database an older version left readable is made private, and the log says so.
  ASSERT_EQ(::chmod((data_dir() + "/taskwire.db").c_str(), 0644), 0);
  {
    auto server = Serve();
    ASSERT_NE(port_, 0);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(15s), 0);
    EXPECT_NE(server->Stderr().find("store.file_mode_tightened"), std::string::npos)
        << server->Stderr();
  }
  for (const auto& [file, mode] : ModesUnder(data_dir())) EXPECT_EQ(mode, 0600u) << file;
  // doctor warns about the open data dir too, and passes once it is closed.
  std::string out;
  RunToEnd({"doctor", "--data-dir", data_dir(), "--set", "server.listen=127.0.0.1:0"}, {}, &out);
  EXPECT_NE(out.find("warn  files      data dir " + data_dir() + " is mode 0755"),
            std::string::npos)
      << out;
  ASSERT_EQ(::chmod(data_dir().c_str(), 0700), 0);
  EXPECT_EQ(RunToEnd({"doctor", "--data-dir", data_dir(), "--set", "server.listen=127.0.0.1:0"}, {},
                     &out),
            0)
      << out;
  EXPECT_NE(out.find("ok    files"), std::string::npos) << out;
}

TEST_F(ServeTest, TheSigningKeysNeedTheSecretsKeyFile) {
  const std::string key_file = data_dir() + "/secrets.key";
  {
    auto server = Serve();
    ASSERT_NE(port_, 0);
    EXPECT_EQ(HttpRequest(port_, "GET", "/oauth/jwks")->status, 200);
    std::string err;
    EXPECT_EQ(
        RunToEnd({"backup", dir_.File("backup.db"), "--data-dir", data_dir()}, {}, nullptr, &err),
        0)
        << err;
    // The backup says what it does not hold.
    EXPECT_NE(err.find("sealed with " + key_file), std::string::npos) << err;
    EXPECT_NE(err.find("stored apart from the backups"), std::string::npos) << err;
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(15s), 0);
  }
  struct stat info {};
  ASSERT_EQ(::stat(key_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // Neither the database nor its backup holds a private key anyone could use.
  for (const std::string& file : {data_dir() + "/taskwire.db", dir_.File("backup.db")}) {
    const std::string bytes = testing::ReadFile(file);
    EXPECT_EQ(bytes.find("PRIVATE KEY"), std::string::npos) << file;
    EXPECT_NE(bytes.find("sealed1."), std::string::npos) << file;
  }

  // The backup restored elsewhere without the key file: a clear refusal naming it, no new key.
  const std::string restored = dir_.File("restored");
  std::filesystem::create_directories(restored);
  ASSERT_EQ(::chmod(restored.c_str(), 0700), 0);
  std::filesystem::copy_file(dir_.File("backup.db"), restored + "/taskwire.db");
  std::string err;
  EXPECT_EQ(
      RunToEnd({"serve", "--listen", "127.0.0.1:0", "--data-dir", restored}, {}, nullptr, &err), 1);
  EXPECT_NE(err.find("the secrets key file " + restored + "/secrets.key does not exist"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("taskwire oauth reset-keys"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(std::filesystem::exists(restored + "/secrets.key"));

  // With another key file (a second process configured apart): refused too.
  const std::string other = dir_.File("other.key");
  testing::WriteFile(other, "bm90LXRoZS1rZXktYnV0LTMyLWJ5dGVzLWxvbmctLS0\n");
  EXPECT_EQ(RunToEnd({"serve", "--listen", "127.0.0.1:0", "--data-dir", restored, "--set",
                      "auth.secrets_key_file=" + other},
                     {}, nullptr, &err),
            1);
  EXPECT_NE(err.find("does not open with the secrets key file " + other), std::string::npos) << err;
  // The same through the environment, with the right file: it serves the restored data.
  {
    auto server = Run({"serve", "--listen", "127.0.0.1:0", "--data-dir", restored},
                      {.environment = {{"TASKWIRE_AUTH_SECRETS_KEY_FILE", key_file}}});
    EXPECT_TRUE(server->WaitForOutput("is listening on ", 30s).has_value()) << server->Stderr();
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(15s), 0);
  }
  // Starting over without the file: reset-keys makes a new secrets key and signing key.
  EXPECT_EQ(RunToEnd({"oauth", "reset-keys", "--data-dir", restored}, {}, nullptr, &err), 0) << err;
  EXPECT_NE(err.find("no longer verify"), std::string::npos) << err;
  EXPECT_TRUE(std::filesystem::exists(restored + "/secrets.key"));
  auto server = Run({"serve", "--listen", "127.0.0.1:0", "--data-dir", restored});
  EXPECT_TRUE(server->WaitForOutput("is listening on ", 30s).has_value()) << server->Stderr();
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(15s), 0);
}

TEST_F(ServeTest, UsersAreManagedFromTheCommandLine) {
  std::string out, err;
  // Only serve and migrate create a database.
  EXPECT_EQ(RunToEnd({"user", "add", "grace", "--data-dir", data_dir()}, {}, nullptr, &err), 2);
  EXPECT_NE(err.find("no Taskwire database in " + data_dir()), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(data_dir() + "/taskwire.db"));
  ASSERT_EQ(RunToEnd({"migrate", "--data-dir", data_dir()}), 0);
  EXPECT_EQ(RunToEnd({"user", "add", "grace", "--password-stdin", "--data-dir", data_dir()},
                     {.stdin_data = "a long enough password\n"}, &out, &err),
            0)
      << err;
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(RunToEnd({"user", "add", "ada", "--admin", "--data-dir", data_dir()}, {}, &out), 0);
  EXPECT_TRUE(std::regex_match(out, std::regex(R"([A-Za-z0-9_-]{24}\n)"))) << out;
  EXPECT_EQ(RunToEnd({"user", "add", "grace", "--data-dir", data_dir()}, {}, nullptr, &err), 2);
  EXPECT_NE(err.find("exists already"), std::string::npos);
  EXPECT_EQ(RunToEnd({"user", "add", "bad name", "--data-dir", data_dir()}, {}, nullptr, &err), 2);
  EXPECT_EQ(RunToEnd({"user", "passwd", "nobody", "--data-dir", data_dir()}, {}, nullptr, &err), 1);
  EXPECT_NE(err.find("user nobody not found"), std::string::npos) << err;
  EXPECT_EQ(RunToEnd({"user", "passwd", "grace", "--password-stdin", "--data-dir", data_dir()},
                     {.stdin_data = "short\n"}, nullptr, &err),
            2);  // bad input
  EXPECT_NE(err.find("at least 8 characters"), std::string::npos) << err;
}

TEST_F(ServeTest, DoctorReportsEachCheck) {
  std::string out;
  EXPECT_EQ(RunToEnd({"doctor", "--data-dir", data_dir(), "--set", "server.listen=127.0.0.1:0"}, {},
                     &out),
            1);
  EXPECT_NE(out.find("FAIL  data dir   " + data_dir() + " does not exist"), std::string::npos)
      << out;
  EXPECT_FALSE(std::filesystem::exists(data_dir()));
  ASSERT_TRUE(std::filesystem::create_directory(data_dir()));
  std::filesystem::permissions(data_dir(), std::filesystem::perms::owner_all);
  EXPECT_EQ(RunToEnd({"doctor", "--data-dir", data_dir(), "--set", "server.listen=127.0.0.1:0"}, {},
                     &out),
            1);  // no database yet, and doctor makes none
  EXPECT_NE(out.find("ok    data dir"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL  database   no Taskwire database in " + data_dir()), std::string::npos)
      << out;
  EXPECT_FALSE(std::filesystem::exists(data_dir() + "/taskwire.db"));
  EXPECT_EQ(RunToEnd({"migrate", "--data-dir", data_dir()}), 0);
  EXPECT_EQ(RunToEnd({"doctor", "--data-dir", data_dir(), "--set", "server.listen=127.0.0.1:0"}, {},
                     &out),
            0)
      << out;
}

TEST_F(ServeTest, HelpReadsWellAndUsageErrorsExit2) {
  std::string out, err;
  EXPECT_EQ(RunToEnd({"--help"}, {}, &out), 0);
  for (const char* command : {"serve", "user", "backup", "migrate", "doctor", "config"}) {
    EXPECT_NE(out.find(command), std::string::npos) << command;
  }
  EXPECT_EQ(RunToEnd({"serve", "--help"}, {}, &out), 0);
  EXPECT_NE(out.find("--listen"), std::string::npos);
  EXPECT_NE(out.find("--public-url"), std::string::npos);
  EXPECT_EQ(RunToEnd({"--version"}, {}, &out), 0);
  EXPECT_NE(out.find("0.1.0"), std::string::npos);
  EXPECT_EQ(RunToEnd({"frobnicate"}, {}, nullptr, &err), 2);
  EXPECT_NE(err.find("taskwire --help"), std::string::npos);
  EXPECT_EQ(RunToEnd({}, {}, nullptr, &err), 2);
}

TEST_F(ServeTest, TheMcpEndpointWantsAKeyAndCanBeSwitchedOff) {
  {
    auto server = Serve();
    ASSERT_NE(port_, 0);
    EXPECT_NE(server->Stdout().find("/mcp"), std::string::npos) << server->Stdout();
    auto refused = HttpRequest(port_, "POST", "/mcp", {{"Content-Type", "application/json"}},
                               R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->status, 401);
    EXPECT_NE(refused->Header("WWW-Authenticate").find("Bearer"), std::string::npos);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(20s), 0);
  }
  // The first run made the organization "default", owned by admin.
  std::string out;
  EXPECT_EQ(RunToEnd({"org", "list", "--data-dir", data_dir()}, {}, &out), 0);
  EXPECT_NE(out.find("default"), std::string::npos) << out;

  auto server = Serve({"--set", "server.mcp=false"});
  ASSERT_NE(port_, 0);
  auto off = HttpRequest(port_, "POST", "/mcp", {{"Content-Type", "application/json"}}, "{}");
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(off->status, 404);
  EXPECT_EQ(RunToEnd({"serve", "--data-dir", data_dir(), "--set", "server.mcp=maybe"}), 2);
}

TEST_F(ServeTest, LoopbackBypassActsAsTheConfiguredUserOnlyOnLoopback) {
  {
    auto server = Serve({"--set", "auth.loopback_bypass=admin"});
    ASSERT_NE(port_, 0);
    auto me = HttpRequest(port_, "GET", "/api/v1/me");
    ASSERT_TRUE(me.has_value());
    EXPECT_EQ(me->status, 200) << me->body;
    EXPECT_NE(me->body.find(R"("name":"admin")"), std::string::npos) << me->body;
    // A presented credential is still checked, and a header cannot make a peer local.
    auto bad = HttpRequest(port_, "GET", "/api/v1/me", {{"Authorization", "Bearer tw_nope"}});
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->status, 401);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(20s), 0);
  }
  std::string err;
  // A configuration error (settings that do not go together): exit 2, as every bad setting.
  EXPECT_EQ(RunToEnd({"serve", "--listen", "0.0.0.0:0", "--data-dir", data_dir(), "--set",
                      "auth.loopback_bypass=admin"},
                     {}, nullptr, &err),
            2);
  EXPECT_NE(err.find("loopback"), std::string::npos) << err;
  EXPECT_EQ(RunToEnd({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir(), "--set",
                      "auth.loopback_bypass=nobody"},
                     {}, nullptr, &err),
            1);
  EXPECT_NE(err.find("nobody"), std::string::npos) << err;
}

// The fields of a text-format log record, read as a logfmt reader reads them: tokens split at
// spaces outside double quotes; a quoted value ends at its first unescaped quote.
std::vector<std::pair<std::string, std::string>> LogFields(const std::string& line) {
  std::vector<std::pair<std::string, std::string>> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::string key;
    while (i < line.size() && line[i] != '=' && line[i] != ' ') key += line[i++];
    std::string value;
    if (i < line.size() && line[i] == '=') {
      ++i;
      if (i < line.size() && line[i] == '"') {
        for (++i; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          value += line[i];
        }
        ++i;
      } else {
        while (i < line.size() && line[i] != ' ') value += line[i++];
      }
    }
    if (!key.empty()) fields.emplace_back(std::move(key), std::move(value));
  }
  return fields;
}

TEST_F(ServeTest, AQueryStringCannotForgeAFieldOrARecordInTheTextLog) {
  auto server = Serve({"--set", "log.format=text"});
  ASSERT_NE(port_, 0);
  // The client_id of a refused authorization request is logged: here it carries a space and
  // " user=admin", then a newline and a whole forged record.
  auto refused = HttpRequest(
      port_, "GET",
      "/oauth/authorize?response_type=code&client_id=evil%20user%3Dadmin%0A2026-01-01T00:00:00.000Z"
      "%20ERROR%20forged.record%20user%3Dadmin&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 400) << refused->body;
  ASSERT_TRUE(server->WaitForOutput("oauth.authorize.refused", 10s).has_value())
      << server->Stderr();
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(15s), 0);

  std::istringstream lines(server->Stderr());
  std::string line;
  int refusals = 0;
  const std::string event = " WARN oauth.authorize.refused ";
  while (std::getline(lines, line)) {
    EXPECT_FALSE(line.starts_with("2026-01-01")) << "a forged record: " << line;
    const size_t at = line.find(event);
    if (at == std::string::npos) {
      EXPECT_EQ(line.find("forged.record"), std::string::npos) << line;
      continue;
    }
    ++refusals;
    const auto fields = LogFields(line.substr(at + event.size()));
    std::vector<std::string> keys;
    keys.reserve(fields.size());
    for (const auto& field : fields) keys.push_back(field.first);
    EXPECT_EQ(keys, (std::vector<std::string>{"client_id", "answer", "detail"})) << line;
    ASSERT_FALSE(fields.empty()) << line;
    // The reader above keeps the letter after a backslash, so the escaped newline reads as n.
    EXPECT_EQ(fields[0].second,
              "evil user=adminn2026-01-01T00:00:00.000Z ERROR forged.record user=admin")
        << line;
  }
  EXPECT_EQ(refusals, 1) << server->Stderr();
}

// Issue 16: discovery and the authorization server's metadata echoed a forged Host as the
// issuer, marked public for any cache to hand on.
TEST_F(ServeTest, DiscoveryRefusesAForgedHostAndIsPrivateToEachHost) {
  auto server = Serve();
  ASSERT_NE(port_, 0);
  const std::string own = "127.0.0.1:" + std::to_string(port_);
  for (const char* path :
       {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    auto forged = HttpRequest(port_, "GET", path, {{"Host", "evil.example"}});
    ASSERT_TRUE(forged.has_value()) << path;
    EXPECT_EQ(forged->status, 403) << path << ": " << forged->body;
    EXPECT_EQ(forged->body.find("evil.example"), std::string::npos) << forged->body;
    auto real = HttpRequest(port_, "GET", path, {{"Host", own}});
    ASSERT_TRUE(real.has_value()) << path;
    EXPECT_EQ(real->status, 200) << path << ": " << real->body;
    EXPECT_NE(real->body.find("http://" + own), std::string::npos) << real->body;
    EXPECT_EQ(real->Header("Vary"), "Host") << path;
    EXPECT_TRUE(real->Header("Cache-Control").starts_with("private"))
        << path << ": " << real->Header("Cache-Control");
  }
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(20s), 0);
}

TEST_F(ServeTest, WithAPublicUrlDiscoveryNamesItWhateverTheHost) {
  // The address printed is the public URL; the port is in the start-up log.
  auto server = Run({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir(), "--set",
                     "server.public_url=https://tasks.example.com"});
  auto started = server->WaitForOutput("server.started", 30s);
  ASSERT_TRUE(started.has_value()) << server->Stderr();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(*started, match, std::regex(R"(127\.0\.0\.1:(\d+))"))) << *started;
  port_ = static_cast<uint16_t>(std::stoi(match[1]));
  for (const char* path :
       {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server"}) {
    auto answer = HttpRequest(port_, "GET", path, {{"Host", "evil.example"}});
    ASSERT_TRUE(answer.has_value()) << path;
    EXPECT_EQ(answer->status, 200) << path << ": " << answer->body;
    EXPECT_NE(answer->body.find("https://tasks.example.com"), std::string::npos) << answer->body;
    EXPECT_EQ(answer->body.find("evil.example"), std::string::npos) << answer->body;
    EXPECT_EQ(answer->Header("Vary"), "") << path;
  }
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(20s), 0);
}

TEST_F(ServeTest, OnEveryAddressWithoutAPublicUrlOnlyIpAndLocalhostHostsAreServed) {
  auto server = Serve({}, "0.0.0.0:0");
  ASSERT_NE(port_, 0);
  auto warning = server->WaitForOutput("server.host_names_refused", 5s);
  ASSERT_TRUE(warning.has_value()) << server->Stderr();
  EXPECT_NE(warning->find("set server.public_url"), std::string::npos) << *warning;
  const std::string port = ":" + std::to_string(port_);
  for (const char* path : {"/", "/.well-known/oauth-protected-resource/mcp",
                           "/.well-known/oauth-authorization-server", "/signin", "/api/v1/me"}) {
    auto rebound = HttpRequest(port_, "GET", path, {{"Host", "rebind.attacker.example" + port}});
    ASSERT_TRUE(rebound.has_value()) << path;
    EXPECT_EQ(rebound->status, 403) << path << ": " << rebound->body;
    EXPECT_NE(rebound->body.find("server.public_url"), std::string::npos) << rebound->body;
    EXPECT_NE(rebound->body.find("DNS"), std::string::npos) << rebound->body;
  }
  // Any IP literal is still served (the server's own addresses are unknown), and localhost.
  for (const std::string& host :
       {"127.0.0.1" + port, "192.0.2.7" + port, "[2001:db8::7]" + port, "localhost" + port}) {
    auto home = HttpRequest(port_, "GET", "/", {{"Host", host}});
    ASSERT_TRUE(home.has_value()) << host;
    EXPECT_EQ(home->status, 200) << host << ": " << home->body;
    auto metadata =
        HttpRequest(port_, "GET", "/.well-known/oauth-protected-resource/mcp", {{"Host", host}});
    ASSERT_TRUE(metadata.has_value()) << host;
    EXPECT_EQ(metadata->status, 200) << host << ": " << metadata->body;
  }
  auto health = HttpRequest(port_, "GET", "/healthz", {{"Host", "probe.lb.internal"}});
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200) << "load balancers probe by any name";
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(20s), 0);
}

}  // namespace
}  // namespace taskwire
