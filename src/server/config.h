#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "http/address.h"
#include "jobs/declaration.h"

namespace taskwire::server {

// Taskwire's settings. Each has a key ("server.listen") that names it in the TOML file, an
// environment variable TASKWIRE_<SECTION>_<KEY> (the server section's also without the
// section: TASKWIRE_LISTEN), and the generic flag --set KEY=VALUE; the common ones have flags
// of their own. Flags beat the environment, which beats the file, which beats the defaults.
// docs/configuration.md describes every key.
struct Config {
  struct Server {
    std::string listen = "127.0.0.1:8080";
    std::string data_dir;    // default: $XDG_DATA_HOME/taskwire or ~/.local/share/taskwire
    std::string public_url;  // default: http://<listen address>
    int64_t threads = 0;     // 0: one per core
    int64_t max_connections = 10'000;
    int64_t max_connections_per_address = 1'000;  // an IPv6 /64 counts as one address
    int64_t max_header_bytes = 16 * 1024;
    int64_t max_body_bytes = 4 * 1024 * 1024;
    std::chrono::milliseconds first_byte_timeout{5'000};
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds shutdown_timeout{10'000};
    bool mcp = true;                // serve the MCP endpoint
    std::string mcp_path = "/mcp";  // where
    // Legacy (2025-x) MCP sessions one subject (user) may hold; its least recently used goes
    // beyond that.
    int64_t mcp_sessions_per_subject = 100;
    // Source addresses that may use the MCP endpoint and the REST API: names of address sets and
    // CIDR ranges. Empty: every address (credentials are still required).
    std::vector<std::string> allow_origins;
    // Proxies (CIDR ranges) whose X-Forwarded-For names the real source.
    std::vector<std::string> trusted_proxies;
    std::string address_sets;  // a TOML file of named sets; "" = the built-in ones
  } server;
  struct Storage {
    std::string url;  // "sqlite:PATH"; default: sqlite:<data_dir>/taskwire.db
    int64_t read_connections = 4;
    std::chrono::milliseconds busy_timeout{5'000};
  } storage;
  struct Auth {
    // The user that MCP and REST requests from a loopback peer act as when they carry no
    // credential; "" turns it off. Only allowed on a loopback listen address.
    std::string loopback_bypass;
    // Bad credentials one source address may present per minute before it gets 429; 0 = no limit.
    int64_t failure_limit = 30;
    // The key that seals the OAuth signing keys in the database (auth::SealingKey); relative to
    // server.data_dir. Every process on one database must use the same file.
    std::string secrets_key_file = "secrets.key";
    // "builtin": this server's own OAuth authorization server issues access tokens;
    // "external": tokens come from another issuer (the external_* keys).
    std::string mode = "builtin";
    std::string external_issuer;    // its "iss", exactly
    std::string external_jwks_url;  // where its signing keys are published
    std::string external_audience;  // the "aud" tokens must carry; "" = the MCP endpoint's URL
    // The claim whose value names the user an external subject is first linked to (exactly).
    std::string external_user_claim = "sub";
    // Whether the first token of an unlinked subject links it by external_user_claim; false: only
    // `taskwire user link` does.
    bool external_auto_link = true;
    std::chrono::milliseconds external_max_token_lifetime{86'400'000};  // exp - iat of a token
  } auth;
  struct OAuth {
    std::chrono::milliseconds access_token_ttl{3'600'000};  // at most an hour
    std::chrono::milliseconds refresh_token_ttl{30LL * 86'400'000};
    // The absolute lifetime of a refresh-token family: then the app must be authorized again.
    std::chrono::milliseconds refresh_family_ttl{90LL * 86'400'000};
    // Private-use redirect URI schemes allowed besides the known desktop clients'.
    std::vector<std::string> redirect_schemes;
    // Private address ranges client metadata documents may be fetched from (default: none).
    std::vector<std::string> metadata_allow_ranges;
    // A PEM file of CA certificates trusted for metadata-document fetches besides the system's.
    std::string metadata_ca_file;
    int64_t metadata_fetch_limit = 10;  // metadata-document fetches per source address per minute
    int64_t metadata_host_limit = 30;   // metadata-document fetches from one host per minute
    int64_t registration_limit = 10;    // dynamic registrations per source address per minute
  } oauth;
  struct Tasks {
    // How long delete_task's trash keeps a task before the sweep purges it (docs/tasks.md).
    std::chrono::milliseconds recovery_window{30LL * 86'400'000};
  } tasks;
  struct Proposals {
    // How long a review-mode credential's proposal waits to be committed (docs/review.md): in
    // person mode, and in confirm mode.
    std::chrono::milliseconds ttl{7LL * 86'400'000};
    std::chrono::milliseconds confirm_ttl{15LL * 60'000};
  } proposals;
  struct Log {
    std::string level = "info";
    std::string format = "json";
  } log;
  // Declared jobs and the limits of their runs (docs/jobs.md). In the file the declarations are
  // [[jobs]] tables; the settings go in [job_settings], since TOML cannot hold a [jobs] table
  // beside them ([jobs] works in a file that declares no job).
  struct Jobs {
    int64_t max_output = 1024 * 1024;  // bytes of a run's output kept: its head and its tail
    std::chrono::milliseconds kill_grace{5'000};  // SIGTERM, then SIGKILL after this
    int64_t max_running = 0;                      // runs running at once; 0: twice the cores
    std::chrono::milliseconds retention{30LL * 86'400'000};  // finished runs are kept this long
    std::vector<jobs::Declaration> declared;                 // [[jobs]], in the file's order
  } jobs;

  // The SQLite file storage.url names (after LoadConfig has filled the default).
  std::string SqlitePath() const;
  // auth.secrets_key_file, inside server.data_dir unless it is absolute.
  std::string SecretsKeyPath() const;
};

// server.allow_origins and server.trusted_proxies resolved to address ranges.
struct SourceRanges {
  std::vector<http::Cidr> allowed;  // empty: every address
  std::vector<http::Cidr> trusted_proxies;
};

// Resolves set names through server.address_sets (or the built-in sets). InvalidArgument naming
// the entry for an unknown set; NotFound or InvalidArgument for a missing or bad sets file.
base::Result<SourceRanges> ResolveSourceRanges(const Config& config);

// The named address sets: the built-in ones, with those of `file` (when not "") replacing them by
// name. The built-in file is share/address-sets.toml.
base::Result<std::map<std::string, std::vector<http::Cidr>>> LoadAddressSets(
    const std::string& file);

// Where each setting came from, for `taskwire config`.
enum class Source { kDefault, kFile, kEnvironment, kFlag };

struct ConfigSources {
  std::optional<std::string> file;  // --config, else TASKWIRE_CONFIG; no file when neither
  std::map<std::string, std::string> environment;          // the process environment
  std::vector<std::pair<std::string, std::string>> flags;  // key -> value, in order given
};

struct LoadedConfig {
  Config config;
  std::map<std::string, Source> sources;  // key -> where its value came from
};

// Reads the file, the environment and the flags. InvalidArgument with one line naming the key
// (or variable) for an unknown key, a value of the wrong type or a bad value; NotFound when the
// config file does not exist.
base::Result<LoadedConfig> LoadConfig(const ConfigSources& sources);

// The jobs of `config`'s file ([[jobs]]) checked as serve checks them, but without the database
// (the organizations they name are looked up when serve starts): InvalidArgument with one line
// naming the job and the key. LoadConfig runs it.
base::Result<void> CheckJobs(const Config& config);

// InvalidArgument for settings each valid alone but not together (auth.mode = "external" without
// its issuer and JWKS URL; auth.loopback_bypass off a loopback listen address). LoadConfig runs
// it; so does App, for a Config made another way.
base::Result<void> CheckSettingsTogether(const Config& config);

// Every key, in order, with its value as text and a line saying what it is.
struct ConfigKey {
  std::string key;
  std::string value;       // as text: 127.0.0.1:8080, 4, 30s
  std::string toml_value;  // as a TOML file writes it: "127.0.0.1:8080", 4, "30s"
  std::string_view help;
};
std::vector<ConfigKey> DescribeConfig(const Config& config);

// The environment variables that name `key`: the canonical one first.
std::vector<std::string> EnvironmentNames(std::string_view key);

// The process environment as ConfigSources wants it.
std::map<std::string, std::string> ProcessEnvironment();

// server.data_dir when nothing sets it: $XDG_DATA_HOME/taskwire, else ~/.local/share/taskwire.
std::string DefaultDataDir(const std::map<std::string, std::string>& env);

}  // namespace taskwire::server
