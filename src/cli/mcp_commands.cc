#include "cli/mcp_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "auth/scopes.h"
#include "cli/client_config.h"
#include "cli/exit_codes.h"
#include "http/server.h"
#include "mcp/stdio_bridge.h"
#include "server/runtime_file.h"

namespace taskwire::cli {

namespace {

namespace fs = std::filesystem;

using server::kExitFailure;
using server::kExitOk;
using server::kExitUsage;

int Fail(const std::string& message) {
  std::fprintf(stderr, "taskwire: %s\n", message.c_str());
  return kExitFailure;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "taskwire: %s\n", message.c_str());
  return kExitUsage;
}

// The MCP URL clients use: server.public_url, else the address the server running on this data
// dir listens on (its runtime file), else the configured listen address (a wildcard listen is
// reached as localhost).
std::string DefaultUrl(const server::Config& config) {
  if (!config.server.public_url.empty()) return config.server.public_url + config.server.mcp_path;
  if (auto running = server::FindRunningServer(config.server.data_dir)) {
    std::string base = running->url;
    while (base.ends_with('/')) base.pop_back();
    return base + config.server.mcp_path;
  }
  std::string host = "localhost";
  std::string port = "8080";
  if (auto listen = http::ParseListenAddress(config.server.listen)) {
    if (listen->host != "0.0.0.0" && listen->host != "::") {
      host = listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host;
    }
    port = std::to_string(listen->port);
  }
  return "http://" + host + ":" + port + config.server.mcp_path;
}

// This program and the flags that point it at the same data, for commands written into
// configurations and printed for pasting.
std::string Binary() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("taskwire") : self.string();
}

std::vector<std::string> SelfCommand(const server::Config& config) {
  std::error_code ec;
  return {Binary(), "--data-dir", fs::absolute(config.server.data_dir, ec).string()};
}

// Runs `argv` (found on PATH) with its output on our standard error, so our standard output
// stays for results. The exit status, 127 when the program is not there.
int RunProgram(const std::vector<std::string>& argv) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// FailedPrecondition when `path` is a symbolic link: it is neither read nor written through.
base::Result<void> RefuseSymbolicLink(const std::string& path) {
  struct stat link {};
  if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    return base::Error::FailedPrecondition("refusing to write " + path +
                                           ": it is a symbolic link (put the file itself there)");
  }
  return base::Ok();
}

// Writes `text` to `path` through a temporary file and a rename, readable by the owner only (it
// holds a key). The temporary comes from mkstemp in the same folder: created exclusively, so a
// file or symbolic link planted under any name is never opened. A `path` that is a symbolic link
// is refused rather than written through or replaced: it could point anywhere the user can write.
base::Result<void> WriteFileAtomically(const std::string& path, const std::string& text) {
  std::error_code ec;
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  fs::create_directories(folder, ec);
  if (auto refused = RefuseSymbolicLink(path); !refused) return refused;
  std::string temporary =
      (folder / ("." + target.filename().string() + ".taskwire-XXXXXX")).string();
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) return base::Error::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    return base::Error::Unavailable("cannot write " + path + ": " + why);
  }
  return base::Ok();
}

// The git work tree `path` would be in (a folder above it holds .git), if any.
std::optional<fs::path> GitWorkTree(const std::string& path) {
  std::error_code ec;
  for (fs::path folder = fs::absolute(path, ec).parent_path(); !folder.empty();
       folder = folder.parent_path()) {
    if (fs::exists(folder / ".git", ec)) return folder;
    if (folder == folder.root_path()) break;
  }
  return std::nullopt;
}

// A key given with --key can be read by every local user from the process list.
void WarnKeyOnCommandLine() {
  std::fprintf(stderr,
               "taskwire: warning: --key is visible to other users of this machine (ps, "
               "/proc/PID/cmdline); prefer %s or --key-file\n",
               std::string(kApiKeyVariable).c_str());
}

// The key `mcp stdio` sends: --key, --key-file (refused unless only its owner may read or write
// it), or TASKWIRE_API_KEY. InvalidArgument saying why otherwise.
base::Result<std::string> BridgeKey(const McpOptions& options) {
  if (!options.key.empty() && !options.key_file.empty()) {
    return base::Error::InvalidArgument("give --key or --key-file, not both");
  }
  if (!options.key.empty()) {
    WarnKeyOnCommandLine();
    return options.key;
  }
  if (!options.key_file.empty()) {
    const std::string& path = options.key_file;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return base::Error::InvalidArgument("--key-file: cannot open " + path + ": " +
                                          std::strerror(errno));
    struct stat info {};
    std::string text(4096, '\0');
    ssize_t got = -1;
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && (info.st_mode & 077) == 0) {
      got = ::read(fd, text.data(), text.size());
    }
    ::close(fd);
    if (!S_ISREG(info.st_mode))
      return base::Error::InvalidArgument("--key-file: " + path + " is not a file");
    if ((info.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(info.st_mode & 0777));
      return base::Error::InvalidArgument("--key-file: other users may read or change " + path +
                                          " (mode " + mode + "): chmod 600 " + path);
    }
    if (got < 0)
      return base::Error::InvalidArgument("--key-file: cannot read " + path + ": " +
                                          std::strerror(errno));
    text.resize(static_cast<size_t>(got));
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
  }
  if (const char* key = std::getenv(std::string(kApiKeyVariable).c_str());
      key != nullptr && *key != '\0') {
    return std::string(key);
  }
  return base::Error::InvalidArgument("give the API key in " + std::string(kApiKeyVariable) +
                                      ", or with --key-file PATH");
}

std::string Home() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? home : ".";
}

std::string ConfigFile(McpClient client, const McpOptions& options) {
  if (!options.file.empty()) return options.file;
  return ConfigFilePath(client, options.project, Home()).value_or("");
}

// The user a minted key acts for: --user, or the only user there is.
base::Result<std::string> ChooseUser(server::App& app, const std::string& given) {
  if (!given.empty()) {
    auto user = app.users().Find(given);
    if (!user) return std::move(user).error();
    return user->name;
  }
  auto users = app.users().List();
  if (!users) return std::move(users).error();
  if (users->size() == 1) return users->front().name;
  return base::Error::InvalidArgument(
      "say which user the client acts for with --user NAME "
      "(taskwire user list)");
}

// The active keys named after `client`, of `user` (or of everyone when "").
base::Result<std::vector<auth::ApiKey>> ClientKeys(server::App& app, McpClient client,
                                                   const std::string& user) {
  auto keys = app.keys().List(user.empty() ? std::nullopt : std::optional<std::string_view>(user));
  if (!keys) return std::move(keys).error();
  std::vector<auth::ApiKey> found;
  for (auth::ApiKey& key : *keys) {
    if (key.name == McpClientName(client) && !key.revoked_at) found.push_back(std::move(key));
  }
  return found;
}

// The keys `mcp uninstall` revokes: the user's of --user; else the one key the client's config
// file sends, when it is one of this client's active keys; else the only user's. Never every
// user's: with several users and nothing to tell whose, InvalidArgument asks for --user.
base::Result<std::vector<auth::ApiKey>> UninstalledKeys(server::App& app, McpClient client,
                                                        const McpOptions& options) {
  if (!options.user.empty()) {
    if (auto user = app.users().Find(options.user); !user) return std::move(user).error();
    return ClientKeys(app, client, options.user);
  }
  auto all = ClientKeys(app, client, "");
  if (!all) return std::move(all).error();
  if (client != McpClient::kClaudeCode) {
    const auto document = ReadFile(ConfigFile(client, options));
    if (auto sent = document ? ConfiguredKey(client, *document) : std::nullopt;
        sent && auth::LooksLikeApiKey(*sent)) {
      for (const auth::ApiKey& key : *all) {
        if (key.prefix == auth::DisplayPrefix(*sent)) return std::vector<auth::ApiKey>{key};
      }
    }
  }
  auto users = app.users().List();
  if (!users) return std::move(users).error();
  if (users->size() == 1) return ClientKeys(app, client, users->front().name);
  std::set<std::string> owners;
  for (const auth::ApiKey& key : *all) owners.insert(key.user_name);
  if (owners.empty()) return std::vector<auth::ApiKey>{};
  std::string names;
  for (const std::string& owner : owners) names += (names.empty() ? "" : ", ") + owner;
  return base::Error::InvalidArgument("say whose " + std::string(McpClientName(client)) +
                                      " key to revoke with --user NAME (active keys of: " + names +
                                      ")");
}

base::Result<McpClient> ClientOf(const McpOptions& options) {
  auto client = ParseMcpClient(options.client.empty() ? "claude-code" : options.client);
  if (!client) {
    return base::Error::InvalidArgument(
        "--client must be claude-code, claude-desktop, cursor or vscode");
  }
  return *client;
}

// The reason of a Configure error after which the person adds the snippet by hand.
constexpr std::string_view kSnippetNeeded = "snippet";

// Puts `connection` into the client's configuration: `claude mcp add`, or its config file.
base::Result<std::string> Configure(McpClient client, const Connection& connection,
                                    const McpOptions& options) {
  if (client == McpClient::kClaudeCode) {
    // Re-running replaces the entry: claude refuses to add a name it already has.
    (void)RunProgram({"claude", "mcp", "remove", "taskwire"});
    const int status = RunProgram(ClaudeCodeAddCommand(connection));
    if (status == 127) {
      return base::Error::FailedPrecondition(
          "the claude command is not on PATH (install Claude Code, "
          "or use --print and run the command yourself)");
    }
    if (status != 0) {
      return base::Error::FailedPrecondition("'claude mcp add' failed (exit " +
                                             std::to_string(status) + ")");
    }
    return std::string("Claude Code (claude mcp add)");
  }
  const std::string path = ConfigFile(client, options);
  if (auto refused = RefuseSymbolicLink(path); !refused) return std::move(refused).error();
  const std::string current = ReadFile(path).value_or("");
  auto merged = MergeConfig(client, current, connection);
  if (!merged) {
    return base::Error::FailedPrecondition("cannot update " + path + ": " +
                                           merged.error().message())
        .WithReason(kSnippetNeeded);
  }
  if (HasJsoncExtras(current)) {
    // Written back as plain JSON, the comments go: the file as it was stays beside it.
    const std::string copy = path + ".before-taskwire";
    if (auto kept = WriteFileAtomically(copy, current); !kept) return std::move(kept).error();
    std::fprintf(stderr,
                 "taskwire: note: %s had comments or trailing commas, which the rewritten file "
                 "does not keep; the file as it was is in %s\n",
                 path.c_str(), copy.c_str());
  }
  if (auto tree = GitWorkTree(path)) {
    std::fprintf(
        stderr,
        "taskwire: warning: %s is inside the git work tree %s, and it holds the key: keep it "
        "out of commits (add it to .gitignore)\n",
        path.c_str(), tree->c_str());
  }
  if (auto written = WriteFileAtomically(path, *merged); !written)
    return std::move(written).error();
  return path;
}

}  // namespace

int RunMcpInstall(const server::Config& config, const AppOpener& open_app,
                  const McpOptions& options) {
  auto client = ClientOf(options);
  if (!client) return Usage(client.error().message());
  if (!options.key.empty() && !auth::LooksLikeApiKey(options.key)) {
    return Usage("--key: that is not a Taskwire API key (tw_ and 43 more characters)");
  }
  if (!options.key.empty()) WarnKeyOnCommandLine();
  auto scopes = auth::ParseScopes(options.scopes);
  if (!scopes) return Usage("--scopes: " + scopes.error().message());
  const std::string name(McpClientName(*client));
  Connection connection{options.url.empty() ? DefaultUrl(config) : options.url, options.key,
                        Binary()};

  if (options.print) {
    // A rehearsal changes nothing: where a new key would be minted, the printed command mints it
    // when run.
    // It reads only: the data dir must hold a database (no empty one is made), and the user the
    // printed command names must exist.
    std::string user = options.user;
    if (options.key.empty()) {
      auto app = open_app(/*migrate=*/false);
      if (!app) return Fail(app.error());
      auto chosen = ChooseUser(**app, user);
      if (!chosen) return Fail(chosen.error());
      user = *chosen;
    }
    if (*client == McpClient::kClaudeCode) {
      if (options.key.empty()) {
        std::vector<std::string> mint = SelfCommand(config);
        for (const char* word : {"key", "create", "--user"}) mint.emplace_back(word);
        mint.insert(mint.end(), {user, "--name", name, "--scopes", auth::JoinScopes(*scopes)});
        connection.key = "$(" + ShellCommand(mint) + ")";
      }
      std::printf("%s\n", ShellCommand(ClaudeCodeAddCommand(connection)).c_str());
      return kExitOk;
    }
    if (options.key.empty()) {
      connection.key = "<API key: taskwire key create --user " + user + " --name " + name + ">";
    }
    const std::string path = ConfigFile(*client, options);
    auto merged = MergeConfig(*client, ReadFile(path).value_or(""), connection);
    std::fprintf(stderr, "Would write %s:\n", path.c_str());
    std::printf("%s", merged ? merged->c_str() : ConfigSnippet(*client, connection).c_str());
    return kExitOk;
  }

  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  std::vector<auth::ApiKey> previous;
  std::optional<auth::ApiKey> minted;
  if (options.key.empty()) {
    auto user = ChooseUser(**app, options.user);
    if (!user)
      return user.error().code() == base::ErrorCode::kInvalidArgument
                 ? Usage(user.error().message())
                 : Fail(user.error().message());
    auto existing = ClientKeys(**app, *client, *user);
    if (!existing) return Fail(existing.error().message());
    previous = std::move(*existing);
    auto created =
        (*app)->keys().Create({*user, name, *scopes, std::nullopt, auth::ReviewMode::kOff});
    if (!created) return Fail(created.error().message());
    connection.key = created->first;
    minted = created->second;
  }
  auto configured = Configure(*client, connection, options);
  if (!configured) {
    if (configured.error().reason() == kSnippetNeeded) {
      // The person is told to paste this key: it stays live, and the previous keys too, since
      // their client still uses one of them until the snippet is in place.
      std::fprintf(stderr, "taskwire: %s; add this by hand:\n",
                   configured.error().message().c_str());
      std::printf("%s", ConfigSnippet(*client, connection).c_str());
      if (minted) {
        std::fprintf(stderr,
                     "The key %lld in it works (revoke it with 'taskwire key revoke %lld' if you "
                     "do not use it); the previous %s keys were left as they were.\n",
                     static_cast<long long>(minted->id), static_cast<long long>(minted->id),
                     name.c_str());
      }
      return kExitFailure;
    }
    if (minted) (void)(*app)->keys().Revoke(minted->id);  // never shown: do not leave it behind
    return Fail(configured.error().message());
  }
  std::fprintf(stderr, "Configured %s to reach %s", configured->c_str(), connection.url.c_str());
  if (minted) {
    std::fprintf(stderr, " as %s with the new key %lld (%s)", minted->user_name.c_str(),
                 static_cast<long long>(minted->id), auth::JoinScopes(minted->scopes).c_str());
  }
  std::fprintf(stderr, ".\n");
  // Rotation: the keys this client had before stop working now.
  for (const auth::ApiKey& old : previous) {
    if (auto revoked = (*app)->keys().Revoke(old.id); revoked) {
      std::fprintf(stderr, "Revoked the previous %s key %lld.\n", name.c_str(),
                   static_cast<long long>(old.id));
    }
  }
  if (*client == McpClient::kClaudeDesktop) {
    std::fprintf(stderr, "Restart Claude Desktop to connect.\n");
  }
  return kExitOk;
}

int RunMcpUninstall(const server::Config& config, const AppOpener& open_app,
                    const McpOptions& options) {
  (void)config;
  auto client = ClientOf(options);
  if (!client) return Usage(client.error().message());
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto keys = UninstalledKeys(**app, *client, options);
  if (!keys) return Fail(keys.error());
  const std::string name(McpClientName(*client));
  if (options.print) {
    for (const auth::ApiKey& key : *keys) {
      std::printf("would revoke key %lld '%s' of %s\n", static_cast<long long>(key.id),
                  key.name.c_str(), key.user_name.c_str());
    }
    if (*client == McpClient::kClaudeCode) {
      std::printf("would run: claude mcp remove taskwire\n");
    } else {
      std::printf("would remove the taskwire server from %s\n",
                  ConfigFile(*client, options).c_str());
    }
    return kExitOk;
  }
  int status = kExitOk;
  if (*client == McpClient::kClaudeCode) {
    const int removed = RunProgram({"claude", "mcp", "remove", "taskwire"});
    if (removed == 127)
      std::fprintf(stderr, "The claude command is not on PATH; nothing to remove there.\n");
  } else {
    const std::string path = ConfigFile(*client, options);
    const auto current = ReadFile(path);
    if (current && HasTaskwireServer(*client, *current)) {
      auto merged = MergeConfig(*client, *current, std::nullopt);
      auto written =
          merged ? WriteFileAtomically(path, *merged) : base::Result<void>(merged.error());
      if (!written) {
        status = Fail("cannot update " + path + ": " + written.error().message());
      } else {
        std::fprintf(stderr, "Removed the taskwire server from %s.\n", path.c_str());
      }
    }
  }
  for (const auth::ApiKey& key : *keys) {
    if (auto revoked = (*app)->keys().Revoke(key.id); revoked) {
      std::fprintf(stderr, "Revoked key %lld '%s' of %s.\n", static_cast<long long>(key.id),
                   key.name.c_str(), key.user_name.c_str());
    }
  }
  if (keys->empty()) std::fprintf(stderr, "No active key named '%s'.\n", name.c_str());
  return status;
}

int RunMcpPrintConfig(const server::Config& config, const McpOptions& options) {
  std::vector<McpClient> clients;
  if (options.client.empty()) {
    clients.assign(std::begin(kMcpClients), std::end(kMcpClients));
  } else {
    auto client = ClientOf(options);
    if (!client) return Usage(client.error().message());
    clients.push_back(*client);
  }
  const Connection connection{options.url.empty() ? DefaultUrl(config) : options.url,
                              options.key.empty() ? "<API key>" : options.key, Binary()};
  bool first = true;
  for (McpClient client : clients) {
    if (!first) std::printf("\n");
    first = false;
    if (client == McpClient::kClaudeCode) {
      std::printf("# Claude Code: run\n%s\n",
                  ShellCommand(ClaudeCodeAddCommand(connection)).c_str());
      continue;
    }
    std::printf("# %s: %s\n%s", std::string(McpClientName(client)).c_str(),
                ConfigFilePath(client, "<project>", "~").value_or("").c_str(),
                ConfigSnippet(client, connection).c_str());
  }
  return kExitOk;
}

int RunMcpStdio(const server::Config& config, const McpOptions& options) {
  auto key = BridgeKey(options);
  if (!key) return Usage(key.error().message());
  if (!auth::LooksLikeApiKey(*key)) {
    return Usage("that is not a Taskwire API key (tw_ and 43 more characters)");
  }
  mcp::BridgeOptions bridge{options.url.empty() ? DefaultUrl(config) : options.url, *key};
  auto ran = mcp::RunStdioBridge(bridge, std::cin, stdout, stderr);
  const int status = ran ? kExitOk : Fail(ran.error().message());
  // A stream the client left open may still be relaying on its own thread: end the process here,
  // rather than run static destructors under it.
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}

}  // namespace taskwire::cli
