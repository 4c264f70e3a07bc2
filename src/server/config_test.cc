#include "server/config.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/temp_dir.h"

namespace taskwire::server {
namespace {

using std::chrono::milliseconds;

class ConfigTest : public ::testing::Test {
 protected:
  base::Result<LoadedConfig> Load() { return LoadConfig(sources_); }
  std::string File(const std::string& toml) {
    std::string path = dir_.File("taskwire.toml");
    testing::WriteFile(path, toml);
    return path;
  }

  testing::TempDir dir_;
  ConfigSources sources_{.file = std::nullopt, .environment = {{"HOME", "/home/ada"}}, .flags = {}};
};

TEST_F(ConfigTest, DefaultsNeedNothing) {
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  const Config& config = loaded->config;
  EXPECT_EQ(config.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.server.data_dir, "/home/ada/.local/share/taskwire");
  EXPECT_EQ(config.SqlitePath(), "/home/ada/.local/share/taskwire/taskwire.db");
  EXPECT_EQ(loaded->sources.at("server.listen"), Source::kDefault);
}

TEST_F(ConfigTest, TheSecretsKeyFileIsInTheDataDirUnlessGivenAbsolute) {
  EXPECT_EQ(Load()->config.SecretsKeyPath(), "/home/ada/.local/share/taskwire/secrets.key");
  sources_.environment["TASKWIRE_AUTH_SECRETS_KEY_FILE"] = "/etc/taskwire/secrets.key";
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.SecretsKeyPath(), "/etc/taskwire/secrets.key");
  EXPECT_EQ(loaded->sources.at("auth.secrets_key_file"), Source::kEnvironment);
  sources_.environment.erase("TASKWIRE_AUTH_SECRETS_KEY_FILE");
  sources_.flags = {{"auth.secrets_key_file", "keys/sealing.key"}};
  EXPECT_EQ(Load()->config.SecretsKeyPath(), "/home/ada/.local/share/taskwire/keys/sealing.key");
  for (const char* bad : {"", "keys/"}) {
    sources_.flags = {{"auth.secrets_key_file", bad}};
    auto refused = Load();
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_NE(refused.error().message().find("auth.secrets_key_file"), std::string::npos)
        << refused.error().message();
  }
}

TEST_F(ConfigTest, XdgDataHomeWins) {
  sources_.environment["XDG_DATA_HOME"] = "/xdg";
  EXPECT_EQ(Load()->config.server.data_dir, "/xdg/taskwire");
}

TEST_F(ConfigTest, FlagsBeatEnvironmentWhichBeatsTheFile) {
  sources_.file = File(
      "[server]\nlisten = \"127.0.0.1:1111\"\ndata_dir = \"/from/file\"\npublic_url = "
      "\"https://file.example\"\n"
      "[storage]\nbusy_timeout = \"2s\"\n");
  sources_.environment["TASKWIRE_LISTEN"] = "127.0.0.1:2222";
  sources_.environment["TASKWIRE_DATA_DIR"] = "/from/env";
  sources_.flags = {{"server.listen", "127.0.0.1:3333"}};
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.listen, "127.0.0.1:3333");
  EXPECT_EQ(loaded->sources.at("server.listen"), Source::kFlag);
  EXPECT_EQ(loaded->config.server.data_dir, "/from/env");
  EXPECT_EQ(loaded->sources.at("server.data_dir"), Source::kEnvironment);
  EXPECT_EQ(loaded->config.server.public_url, "https://file.example");
  EXPECT_EQ(loaded->sources.at("server.public_url"), Source::kFile);
  EXPECT_EQ(loaded->config.storage.busy_timeout, milliseconds(2000));
}

TEST_F(ConfigTest, ListsComeAsTomlArraysOrCommaSeparatedText) {
  sources_.file = File("[server]\nallow_origins = [\"local\", \"10.0.0.0/8\"]\n");
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.allow_origins, (std::vector<std::string>{"local", "10.0.0.0/8"}));
  const auto described = DescribeConfig(loaded->config);
  const auto key = std::find_if(described.begin(), described.end(),
                                [](const ConfigKey& k) { return k.key == "server.allow_origins"; });
  ASSERT_NE(key, described.end());
  EXPECT_EQ(key->toml_value, R"(["local", "10.0.0.0/8"])");

  sources_.environment["TASKWIRE_ALLOW_ORIGINS"] = " anthropic , 2001:db8::/32,";
  loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.allow_origins,
            (std::vector<std::string>{"anthropic", "2001:db8::/32"}));

  for (const char* bad : {"10.0.0.0/33", "Local!", "10.0.0.1/8"}) {
    sources_.environment["TASKWIRE_ALLOW_ORIGINS"] = bad;
    auto refused = Load();
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_NE(refused.error().message().find("TASKWIRE_ALLOW_ORIGINS"), std::string::npos);
  }
  sources_.environment.erase("TASKWIRE_ALLOW_ORIGINS");
  sources_.file = File("[server]\nallow_origins = [1, 2]\n");
  ASSERT_FALSE(Load().has_value());
  sources_.file = File("[server]\ntrusted_proxies = \"local\"\n");
  ASSERT_FALSE(Load().has_value()) << "trusted proxies are ranges, not sets";
}

TEST_F(ConfigTest, AddressSetsResolveThroughTheBuiltInFileAndTheOperatorsOwn) {
  Config config;
  config.server.allow_origins = {"anthropic", "192.0.2.0/24"};
  auto ranges = ResolveSourceRanges(config);
  ASSERT_TRUE(ranges.has_value()) << ranges.error().message();
  const auto allowed = [&](std::string_view address) {
    return http::AnyContains(ranges->allowed, *http::IpAddress::Parse(address));
  };
  EXPECT_TRUE(allowed("160.79.105.1"));
  EXPECT_TRUE(allowed("2607:6bc0::10"));
  EXPECT_TRUE(allowed("192.0.2.200"));
  EXPECT_FALSE(allowed("127.0.0.1"));

  // Every built-in set loads, with ranges.
  auto sets = LoadAddressSets("");
  ASSERT_TRUE(sets.has_value()) << sets.error().message();
  for (const char* name : {"local", "tailscale", "anthropic", "openai"}) {
    ASSERT_TRUE(sets->contains(name)) << name;
    EXPECT_FALSE(sets->at(name).empty()) << name;
  }

  // An operator's file replaces a set by name and may add new ones.
  config.server.address_sets = dir_.File("sets.toml");
  testing::WriteFile(config.server.address_sets,
                     "[sets]\nanthropic = [\"198.51.100.0/24\"]\noffice = [\"203.0.113.0/24\"]\n");
  config.server.allow_origins = {"anthropic", "office", "local"};
  ranges = ResolveSourceRanges(config);
  ASSERT_TRUE(ranges.has_value()) << ranges.error().message();
  EXPECT_FALSE(allowed("160.79.105.1"));
  EXPECT_TRUE(allowed("198.51.100.9"));
  EXPECT_TRUE(allowed("203.0.113.9"));
  EXPECT_TRUE(allowed("::1"));

  config.server.allow_origins = {"nosuch"};
  auto unknown = ResolveSourceRanges(config);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message().find("no address set named 'nosuch'"), std::string::npos);
  testing::WriteFile(config.server.address_sets, "[sets]\noffice = [\"203.0.113.0/33\"]\n");
  config.server.allow_origins = {"office"};
  auto bad = ResolveSourceRanges(config);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("sets.office"), std::string::npos) << bad.error().message();
  config.server.address_sets = dir_.File("missing.toml");
  EXPECT_FALSE(ResolveSourceRanges(config).has_value());
}

TEST_F(ConfigTest, EveryKeyHasItsCanonicalEnvironmentVariable) {
  sources_.environment["TASKWIRE_SERVER_LISTEN"] = "127.0.0.1:4444";
  sources_.environment["TASKWIRE_STORAGE_URL"] = "sqlite:/var/lib/tw.db";
  sources_.environment["TASKWIRE_LOG_LEVEL"] = "debug";
  sources_.environment["TASKWIRE_SERVER_IDLE_TIMEOUT"] = "90s";
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.listen, "127.0.0.1:4444");
  EXPECT_EQ(loaded->config.SqlitePath(), "/var/lib/tw.db");
  EXPECT_EQ(loaded->config.log.level, "debug");
  EXPECT_EQ(loaded->config.server.idle_timeout, milliseconds(90'000));
  EXPECT_EQ(EnvironmentNames("server.public_url"),
            (std::vector<std::string>{"TASKWIRE_SERVER_PUBLIC_URL", "TASKWIRE_PUBLIC_URL"}));
}

TEST_F(ConfigTest, ConfigFileFromTheEnvironment) {
  sources_.environment["TASKWIRE_CONFIG"] = File("[log]\nformat = \"text\"\n");
  EXPECT_EQ(Load()->config.log.format, "text");
}

TEST_F(ConfigTest, RelativeSqlitePathsLiveInTheDataDir) {
  sources_.flags = {{"server.data_dir", "/srv/tw"}, {"storage.url", "sqlite:other.db"}};
  EXPECT_EQ(Load()->config.SqlitePath(), "/srv/tw/other.db");
  sources_.flags = {{"storage.url", "sqlite:///abs/x.db"}};
  EXPECT_EQ(Load()->config.SqlitePath(), "/abs/x.db");
}

// Each bad input gives one message that names the key or variable.
struct BadCase {
  const char* name;
  std::string toml;
  std::map<std::string, std::string> env;
  std::vector<std::pair<std::string, std::string>> flags;
  const char* must_mention;
};

TEST_F(ConfigTest, BadInputNamesTheKey) {
  const std::vector<BadCase> cases = {
      {"unknown key", "[server]\nlisten_on = \"x\"\n", {}, {}, "server.listen_on"},
      {"unknown section", "[servr]\nlisten = \"x\"\n", {}, {}, "servr.listen"},
      {"top-level key", "listen = \"x\"\n", {}, {}, "'listen'"},
      {"wrong type", "[server]\nthreads = \"two\"\n", {}, {}, "server.threads"},
      {"string wanted", "[server]\nlisten = 8080\n", {}, {}, "server.listen"},
      {"bad listen", "[server]\nlisten = \"nowhere\"\n", {}, {}, "server.listen"},
      {"bad duration", "[server]\nidle_timeout = \"soon\"\n", {}, {}, "server.idle_timeout"},
      {"out of range", "[storage]\nread_connections = 0\n", {}, {}, "storage.read_connections"},
      {"bad url", "[server]\npublic_url = \"tasks.example.com\"\n", {}, {}, "server.public_url"},
      {"postgres", "[storage]\nurl = \"postgres://db/tw\"\n", {}, {}, "storage.url"},
      {"bad level", "[log]\nlevel = \"loud\"\n", {}, {}, "log.level"},
      {"toml syntax", "[server\n", {}, {}, "taskwire.toml:1"},
      {"unknown env", "", {{"TASKWIRE_LISTN", "x"}}, {}, "TASKWIRE_LISTN"},
      {"bad env", "", {{"TASKWIRE_SERVER_THREADS", "many"}}, {}, "TASKWIRE_SERVER_THREADS"},
      {"conflicting env",
       "",
       {{"TASKWIRE_LISTEN", "127.0.0.1:1"}, {"TASKWIRE_SERVER_LISTEN", "127.0.0.1:2"}},
       {},
       "TASKWIRE_LISTEN"},
      {"unknown flag key", "", {}, {{"server.nope", "1"}}, "server.nope"},
      {"bad flag value", "", {}, {{"server.max_connections", "-1"}}, "server.max_connections"},
      // Valid alone, not together.
      {"external without issuer",
       "[auth]\nmode = \"external\"\nexternal_jwks_url = \"https://id.example/jwks\"\n",
       {},
       {},
       "auth.external_issuer"},
      {"external without jwks",
       "",
       {},
       {{"auth.mode", "external"}, {"auth.external_issuer", "https://id.example"}},
       "auth.external_jwks_url"},
      {"bypass off loopback",
       "",
       {},
       {{"auth.loopback_bypass", "ada"}, {"server.listen", "0.0.0.0:8080"}},
       "auth.loopback_bypass"},
  };
  for (const BadCase& c : cases) {
    ConfigSources sources = sources_;
    if (!c.toml.empty()) sources.file = File(c.toml);
    for (const auto& [k, v] : c.env) sources.environment[k] = v;
    sources.flags = c.flags;
    auto loaded = LoadConfig(sources);
    ASSERT_FALSE(loaded.has_value()) << c.name;
    EXPECT_EQ(loaded.error().code(), base::ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(loaded.error().message().find(c.must_mention), std::string::npos)
        << c.name << ": " << loaded.error().message();
    EXPECT_EQ(loaded.error().message().find('\n'), std::string::npos) << c.name;
  }
}

TEST_F(ConfigTest, SettingsThatGoTogetherAreAccepted) {
  sources_.flags = {{"auth.loopback_bypass", "ada"}, {"server.listen", "127.0.0.1:9000"}};
  EXPECT_TRUE(Load().has_value());
  sources_.flags = {{"auth.loopback_bypass", "ada"}, {"server.listen", "[::1]:9000"}};
  EXPECT_TRUE(Load().has_value());
  sources_.flags = {{"auth.mode", "external"},
                    {"auth.external_issuer", "https://id.example"},
                    {"auth.external_jwks_url", "https://id.example/jwks"}};
  EXPECT_TRUE(Load().has_value());
}

TEST_F(ConfigTest, MissingConfigFileIsNotFound) {
  sources_.file = dir_.File("absent.toml");
  auto loaded = Load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), base::ErrorCode::kNotFound);
}

TEST_F(ConfigTest, DescribeListsEveryKeyWithItsValue) {
  const auto keys = DescribeConfig(Load()->config);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys[0].key, "server.listen");
  EXPECT_EQ(keys[0].value, "127.0.0.1:8080");
  EXPECT_EQ(keys[0].toml_value, "\"127.0.0.1:8080\"");
  const auto threads = std::find_if(keys.begin(), keys.end(),
                                    [](const ConfigKey& k) { return k.key == "server.threads"; });
  ASSERT_NE(threads, keys.end());
  EXPECT_EQ(threads->toml_value, "0");
  for (const auto& key : keys) EXPECT_FALSE(key.help.empty()) << key.key;
}

// The [[jobs]] of issue 17, as the docs show it.
constexpr std::string_view kDeploy = R"toml(
[[jobs]]
name = "deploy"
description = "Deploy the site to an environment"
command = ["/srv/bin/deploy", "--env", "{env}"]
params = { type = "object", properties = { env = { enum = ["staging", "prod"] }, token = { type = "string", writeOnly = true } }, required = ["env"] }
timeout = "10m"
max_concurrent = 1
on_limit = "queue"
organization = "default"
run_roles = ["owner", "admin", "member"]
workdir = "/srv/app"
env = { LANG = "C.UTF-8" }
)toml";

TEST_F(ConfigTest, JobsAreDeclaredAsTheIssueShowsThem) {
  sources_.file =
      File(std::string(kDeploy) +
           "\n[[jobs]]\nname = \"backup\"\ncommand = [\"/srv/bin/backup\"]\n"
           "on_limit = \"reject\"\nparams = { type = \"object\", properties = { "
           "level = { type = \"integer\", minimum = 1, maximum = 9.5, default = 3 } } }\n");
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  const auto& declared = loaded->config.jobs.declared;
  ASSERT_EQ(declared.size(), 2u);
  const jobs::Declaration& deploy = declared[0];
  EXPECT_EQ(deploy.name, "deploy");
  EXPECT_EQ(deploy.description, "Deploy the site to an environment");
  EXPECT_EQ(deploy.command, (std::vector<std::string>{"/srv/bin/deploy", "--env", "{env}"}));
  // As JSON, keys in order (a TOML table keeps no order).
  EXPECT_EQ(deploy.params,
            R"({"properties":{"env":{"enum":["staging","prod"]},"token":{"type":"string",)"
            R"("writeOnly":true}},"required":["env"],"type":"object"})");
  EXPECT_EQ(deploy.timeout, std::chrono::minutes(10));
  EXPECT_EQ(deploy.max_concurrent, 1);
  EXPECT_EQ(deploy.on_limit, jobs::OnLimit::kQueue);
  EXPECT_EQ(deploy.organization, "default");
  EXPECT_EQ(deploy.run_roles, (std::vector<std::string>{"owner", "admin", "member"}));
  EXPECT_EQ(deploy.workdir, "/srv/app");
  ASSERT_EQ(deploy.env.size(), 1u);
  EXPECT_EQ(deploy.env[0], (std::pair<std::string, std::string>{"LANG", "C.UTF-8"}));
  const jobs::Declaration& backup = declared[1];
  EXPECT_EQ(backup.timeout, std::chrono::minutes(15));  // the default
  EXPECT_EQ(backup.on_limit, jobs::OnLimit::kReject);
  EXPECT_FALSE(backup.run_roles.has_value());
  EXPECT_EQ(backup.params,
            R"({"properties":{"level":{"default":3,"maximum":9.5,"minimum":1,"type":"integer"}},)"
            R"("type":"object"})");
}

TEST_F(ConfigTest, JobSettingsHaveDefaultsAndGoBesideTheJobs) {
  auto defaults = Load();
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->config.jobs.max_output, 1024 * 1024);
  EXPECT_EQ(defaults->config.jobs.kill_grace, milliseconds(5000));
  EXPECT_EQ(defaults->config.jobs.max_running, 0);
  EXPECT_EQ(defaults->config.jobs.retention, std::chrono::hours(24 * 30));
  EXPECT_TRUE(defaults->config.jobs.declared.empty());
  sources_.file = File(std::string(kDeploy) +
                       "\n[job_settings]\nmax_output = 4096\nkill_grace = \"1s\"\n"
                       "max_running = 3\nretention = \"7d\"\n");
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.jobs.max_output, 4096);
  EXPECT_EQ(loaded->config.jobs.kill_grace, milliseconds(1000));
  EXPECT_EQ(loaded->config.jobs.max_running, 3);
  EXPECT_EQ(loaded->config.jobs.retention, std::chrono::hours(24 * 7));
  EXPECT_EQ(loaded->sources.at("jobs.max_output"), Source::kFile);
  // A file without jobs may name the section as the keys do; so may variables and flags.
  sources_.file = File("[jobs]\nmax_running = 5\n");
  sources_.environment["TASKWIRE_JOBS_RETENTION"] = "2d";
  sources_.flags = {{"jobs.kill_grace", "0s"}};
  loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.jobs.max_running, 5);
  EXPECT_EQ(loaded->config.jobs.retention, std::chrono::hours(48));
  EXPECT_EQ(loaded->config.jobs.kill_grace, milliseconds(0));
}

TEST_F(ConfigTest, TheRecoveryWindowComesFromTheFileTheEnvironmentOrAFlag) {
  auto defaults = Load();
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->config.tasks.recovery_window, std::chrono::hours(24 * 30));
  sources_.file = File("[tasks]\nrecovery_window = \"7d\"\n");
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.tasks.recovery_window, std::chrono::hours(24 * 7));
  EXPECT_EQ(loaded->sources.at("tasks.recovery_window"), Source::kFile);
  sources_.environment["TASKWIRE_TASKS_RECOVERY_WINDOW"] = "2d";
  loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.tasks.recovery_window, std::chrono::hours(48));
  sources_.flags = {{"tasks.recovery_window", "90m"}};
  loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.tasks.recovery_window, std::chrono::minutes(90));
  EXPECT_EQ(loaded->sources.at("tasks.recovery_window"), Source::kFlag);
}

TEST_F(ConfigTest, JobSettingsOutOfRangeAreRefused) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"jobs.max_output", "100"},
                                                        {"jobs.kill_grace", "2h"},
                                                        {"jobs.retention", "30s"},
                                                        {"tasks.recovery_window", "30s"},
                                                        {"jobs.max_running", "-1"},
                                                        {"oauth.access_token_ttl", "2h"}}) {
    sources_.flags = {{key, value}};
    auto refused = Load();
    ASSERT_FALSE(refused.has_value()) << key;
    EXPECT_TRUE(refused.error().message().starts_with(key + ": ")) << refused.error().message();
  }
}

class JobConfigTest : public ConfigTest {
 protected:
  std::string Refusal(const std::string& job) {
    sources_.file = File("[[jobs]]\n" + job);
    auto loaded = Load();
    return loaded ? "" : loaded.error().message();
  }
};

TEST_F(JobConfigTest, EachBadDeclarationIsOneLineNamingTheJobAndTheKey) {
  const std::string file = dir_.File("taskwire.toml");
  const std::string ok = "name = \"deploy\"\ncommand = [\"/bin/true\"]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Types, read from the file.
      {ok + "timeout = 10\n", "jobs[deploy].timeout in " + file + ": must be a duration string"},
      {ok + "timeout = \"soon\"\n", "jobs[deploy].timeout in " + file + ": "},
      {ok + "max_concurrent = \"1\"\n",
       "jobs[deploy].max_concurrent in " + file + ": must be a whole"},
      {ok + "on_limit = \"drop\"\n",
       "jobs[deploy].on_limit in " + file + ": must be queue or reject"},
      {ok + "run_roles = \"owner\"\n", "jobs[deploy].run_roles in " + file + ": must be a list"},
      {ok + "env = { N = 1 }\n", "jobs[deploy].env.N in " + file + ": must be a string"},
      {ok + "params = \"{}\"\n", "jobs[deploy].params in " + file + ": must be a table"},
      {ok + "params = { type = \"object\", default = 1979-05-27 }\n",
       "jobs[deploy].params.default in " + file + ": a date or time"},
      {ok + "params = { type = \"object\", maximum = inf }\n",
       "jobs[deploy].params.maximum in " + file + ": JSON has no inf or nan"},
      {ok + "frobnicate = true\n", "jobs[deploy].frobnicate in " + file + ": unknown key"},
      {"command = \"/bin/true\"\n", "jobs[1].command in " + file + ": must be a list of strings"},
      // Values, checked as serve checks them.
      {"name = \"Deploy\"\ncommand = [\"/bin/true\"]\n",
       "jobs[1].name: 'Deploy' is not a job name"},
      {"command = [\"/bin/true\"]\n", "jobs[1].name: every job needs a name"},
      {ok + "[[jobs]]\n" + ok, "jobs[deploy].name: a second job named 'deploy'"},
      {"name = \"deploy\"\ncommand = []\n", "jobs[deploy].command: must name the program"},
      {"name = \"deploy\"\ncommand = [\"/bin/echo\", \"{x}\"]\n",
       "jobs[deploy].command[1]: {x} names no parameter"},
      {ok + "params = { type = \"array\" }\n", "jobs[deploy].params: must be an object schema"},
      {ok + "params = { type = \"object\", properties = { env = { type = \"string\", pattern = "
            "\"^a\" } } }\n",
       "jobs[deploy].params.properties.env.pattern is not checked by Taskwire"},
      {ok + "params = { type = \"object\", properties = { n = { format = \"email\" } } }\n",
       "jobs[deploy].params.properties.n.format is not checked by Taskwire"},
      {ok + "params = { type = \"object\", properties = { n = { enum = [1], default = 2 } } }\n",
       "jobs[deploy].params.properties.n.default must be one of 1"},
      {ok + "run_roles = [\"owner\"]\n", "jobs[deploy].run_roles: needs organization"},
      {ok + "organization = \"default\"\nrun_roles = [\"root\"]\n",
       "jobs[deploy].run_roles: 'root' is not a role"},
      {ok + "timeout = \"0s\"\n", "jobs[deploy].timeout: must be longer than 0s"},
      {ok + "max_concurrent = 0\n", "jobs[deploy].max_concurrent: must be from 1 to 10000"},
      {ok + "workdir = \"app\"\n", "jobs[deploy].workdir: must be an absolute path"},
      {ok + "env = { TASKWIRE_JOB = \"x\" }\n", "jobs[deploy].env.TASKWIRE_JOB: TASKWIRE_*"},
  };
  for (const auto& [toml, expected] : cases) {
    const std::string refusal = Refusal(toml);
    EXPECT_TRUE(refusal.starts_with(expected)) << toml << "\n=> " << refusal;
    EXPECT_EQ(refusal.find('\n'), std::string::npos) << refusal;
  }
  EXPECT_EQ(Refusal(ok), "");
  sources_.file = File("[jobs]\nname = \"deploy\"\n");
  EXPECT_NE(Load().error().message().find("[[jobs]] table, with two brackets"), std::string::npos);
}

}  // namespace
}  // namespace taskwire::server
