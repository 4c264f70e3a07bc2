// toml++'s home: only this file parses the config file.

#include "server/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <variant>

#include "base/duration.h"
#include "base/embedded.h"
#include "base/log.h"
#include "http/host_guard.h"
#include "http/server.h"
#include "jobs/catalog.h"
#include "mcp/schema.h"

extern char** environ;

namespace taskwire::server {
// share/address-sets.toml, compiled in (src/server/CMakeLists.txt).
std::span<const base::EmbeddedFile> AddressSetFiles();
}  // namespace taskwire::server

namespace taskwire::server {

namespace {

using StringList = std::vector<std::string>;
using FieldRef =
    std::variant<std::string*, int64_t*, std::chrono::milliseconds*, bool*, StringList*>;

struct KeySpec {
  std::string_view key;
  std::string_view help;
  FieldRef (*field)(Config&);
  int64_t min = 0;  // for integers
  int64_t max = INT64_MAX;
  // For strings, and for each item of a list.
  base::Result<void> (*validate)(std::string_view value) = nullptr;
};

base::Result<void> ValidateListen(std::string_view value) {
  auto parsed = http::ParseListenAddress(value);
  if (!parsed) return std::move(parsed).error();
  return base::Ok();
}

base::Result<void> ValidatePublicUrl(std::string_view value) {
  if (value.empty()) return base::Ok();
  if (!http::OriginOf(value) || value.find_first_of("?#") != std::string_view::npos) {
    return base::Error::InvalidArgument("'" + std::string(value) +
                                        "' is not an http:// or https:// URL such as "
                                        "https://tasks.example.com");
  }
  return base::Ok();
}

base::Result<void> ValidateStorageUrl(std::string_view value) {
  if (value.empty() || (value.starts_with("sqlite:") && value.size() > 7)) return base::Ok();
  if (value.starts_with("postgres://") || value.starts_with("postgresql://")) {
    return base::Error::InvalidArgument(
        "PostgreSQL storage is not available in this version of Taskwire; use sqlite:PATH");
  }
  return base::Error::InvalidArgument("'" + std::string(value) +
                                      "' is not a storage URL such as sqlite:/var/lib/taskwire/"
                                      "taskwire.db");
}

base::Result<void> ValidateFileName(std::string_view value) {
  if (value.empty() || value.back() == '/') {
    return base::Error::InvalidArgument("'" + std::string(value) +
                                        "' is not a file name such as secrets.key");
  }
  return base::Ok();
}

base::Result<void> ValidateMcpPath(std::string_view value) {
  if (value.size() < 2 || value.front() != '/' || value.back() == '/' ||
      value.find_first_of("?#{}* ") != std::string_view::npos || value.starts_with("/api/") ||
      value.starts_with("/static/")) {
    return base::Error::InvalidArgument("'" + std::string(value) +
                                        "' is not a path for the MCP endpoint such as /mcp");
  }
  return base::Ok();
}

bool IsSetName(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

base::Result<void> ValidateSourceEntry(std::string_view value) {
  if (IsSetName(value)) return base::Ok();  // known sets are checked when the server starts
  if (auto range = http::Cidr::Parse(value); !range) {
    return base::Error::InvalidArgument("'" + std::string(value) +
                                        "' is neither an address set (local, tailscale, "
                                        "anthropic, openai, ...) nor a range such as 10.0.0.0/8");
  }
  return base::Ok();
}

base::Result<void> ValidateRange(std::string_view value) {
  auto range = http::Cidr::Parse(value);
  if (!range) return std::move(range).error();
  return base::Ok();
}

base::Result<void> ValidateLogLevel(std::string_view value) {
  auto parsed = base::ParseLogLevel(value);
  if (!parsed) return std::move(parsed).error();
  return base::Ok();
}

base::Result<void> ValidateLogFormat(std::string_view value) {
  auto parsed = base::ParseLogFormat(value);
  if (!parsed) return std::move(parsed).error();
  return base::Ok();
}

base::Result<void> ValidateAuthMode(std::string_view value) {
  if (value == "builtin" || value == "external") return base::Ok();
  return base::Error::InvalidArgument("must be builtin or external");
}

base::Result<void> ValidateAccessTokenTtl(std::string_view value) {
  auto duration = base::ParseDuration(value);
  if (!duration) return std::move(duration).error();
  if (*duration < std::chrono::minutes(1) || *duration > std::chrono::hours(1)) {
    return base::Error::InvalidArgument("must be between 1m and 1h");
  }
  return base::Ok();
}

base::Result<void> ValidateKillGrace(std::string_view value) {
  auto duration = base::ParseDuration(value);
  if (!duration) return std::move(duration).error();
  if (*duration > std::chrono::hours(1)) return base::Error::InvalidArgument("must be at most 1h");
  return base::Ok();
}

base::Result<void> ValidateRetention(std::string_view value) {
  auto duration = base::ParseDuration(value);
  if (!duration) return std::move(duration).error();
  if (*duration < std::chrono::minutes(1)) {
    return base::Error::InvalidArgument("must be at least 1m");
  }
  return base::Ok();
}

base::Result<void> ValidateScheme(std::string_view value) {
  const bool ok =
      !value.empty() && std::isalpha(static_cast<unsigned char>(value.front())) &&
      std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      });
  if (!ok) return base::Error::InvalidArgument("'" + std::string(value) + "' is not a URI scheme");
  if (value == "http" || value == "https" || value == "javascript" || value == "data" ||
      value == "file") {
    return base::Error::InvalidArgument("'" + std::string(value) +
                                        "' cannot be allowed as a private-use scheme");
  }
  return base::Ok();
}

// The one table of settings (docs/configuration.md mirrors it).
const KeySpec kKeys[] = {
    {"server.listen", "address and port to listen on (HOST:PORT; port 0 picks a free one)",
     [](Config& c) -> FieldRef { return &c.server.listen; }, 0, 0, ValidateListen},
    {"server.data_dir", "folder for the SQLite database and other state",
     [](Config& c) -> FieldRef { return &c.server.data_dir; }},
    {"server.public_url",
     "the URL people and clients use to reach this server, if not the listen address",
     [](Config& c) -> FieldRef { return &c.server.public_url; }, 0, 0, ValidatePublicUrl},
    {"server.threads", "network threads (0: one per core)",
     [](Config& c) -> FieldRef { return &c.server.threads; }, 0, 256},
    {"server.max_connections",
     "open connections at which a new one replaces the longest idle one, or gets 503 when none is "
     "idle",
     [](Config& c) -> FieldRef { return &c.server.max_connections; }, 1, 1'000'000},
    {"server.max_connections_per_address",
     "open connections one source address (an IPv6 /64) may hold; beyond it 503 "
     "(server.trusted_proxies are exempt)",
     [](Config& c) -> FieldRef { return &c.server.max_connections_per_address; }, 1, 1'000'000},
    {"server.max_header_bytes", "largest request line plus headers (beyond: 431)",
     [](Config& c) -> FieldRef { return &c.server.max_header_bytes; }, 1024, 1024 * 1024},
    {"server.max_body_bytes", "largest request body (beyond: 413)",
     [](Config& c) -> FieldRef { return &c.server.max_body_bytes; }, 1024, 1024 * 1024 * 1024},
    {"server.first_byte_timeout",
     "time a new connection has to send the first byte of its first request",
     [](Config& c) -> FieldRef { return &c.server.first_byte_timeout; }},
    {"server.request_timeout", "time a started request has to arrive whole",
     [](Config& c) -> FieldRef { return &c.server.request_timeout; }},
    {"server.idle_timeout", "time a keep-alive connection may sit idle",
     [](Config& c) -> FieldRef { return &c.server.idle_timeout; }},
    {"server.shutdown_timeout", "time in-flight requests get to finish on shutdown",
     [](Config& c) -> FieldRef { return &c.server.shutdown_timeout; }},
    {"server.mcp", "serve the MCP endpoint (false: it answers 404)",
     [](Config& c) -> FieldRef { return &c.server.mcp; }},
    {"server.mcp_path", "path of the MCP endpoint",
     [](Config& c) -> FieldRef { return &c.server.mcp_path; }, 0, 0, ValidateMcpPath},
    {"server.mcp_sessions_per_subject",
     "legacy (2025-x) MCP sessions one user may hold; beyond it their least recently used one ends",
     [](Config& c) -> FieldRef { return &c.server.mcp_sessions_per_subject; }, 1, 1'000'000},
    {"server.allow_origins",
     "source addresses that may use MCP and the REST API: address sets (local, tailscale, "
     "anthropic, openai) and CIDR ranges; empty = any",
     [](Config& c) -> FieldRef { return &c.server.allow_origins; }, 0, 0, ValidateSourceEntry},
    {"server.trusted_proxies",
     "CIDR ranges of reverse proxies whose X-Forwarded-For names the real source address",
     [](Config& c) -> FieldRef { return &c.server.trusted_proxies; }, 0, 0, ValidateRange},
    {"server.address_sets",
     "TOML file of named address sets replacing the built-in ones by name (\"\" = built-in only)",
     [](Config& c) -> FieldRef { return &c.server.address_sets; }},
    {"storage.url", "where data is kept: sqlite:PATH (relative paths are inside server.data_dir)",
     [](Config& c) -> FieldRef { return &c.storage.url; }, 0, 0, ValidateStorageUrl},
    {"storage.read_connections", "SQLite connections that read in parallel with the writer",
     [](Config& c) -> FieldRef { return &c.storage.read_connections; }, 1, 64},
    {"storage.busy_timeout", "how long a request waits for the database before failing",
     [](Config& c) -> FieldRef { return &c.storage.busy_timeout; }},
    {"log.level", "debug, info, warn or error", [](Config& c) -> FieldRef { return &c.log.level; },
     0, 0, ValidateLogLevel},
    {"log.format", "json (one object per line) or text",
     [](Config& c) -> FieldRef { return &c.log.format; }, 0, 0, ValidateLogFormat},
    {"auth.loopback_bypass",
     "user that requests from this machine act as without a credential (loopback listen only; \"\" "
     "= off)",
     [](Config& c) -> FieldRef { return &c.auth.loopback_bypass; }},
    {"auth.failure_limit",
     "bad credentials (and failed sign-ins) one source address (an IPv6 /64) may present per "
     "minute; beyond it bad ones get 429, good keys still pass (0 = no limit)",
     [](Config& c) -> FieldRef { return &c.auth.failure_limit; }, 0, 1'000'000},
    {"auth.secrets_key_file",
     "file of the key that seals the OAuth signing keys in the database (relative: inside "
     "server.data_dir); keep a copy apart from backups",
     [](Config& c) -> FieldRef { return &c.auth.secrets_key_file; }, 0, 0, ValidateFileName},
    {"auth.mode",
     "who issues OAuth access tokens: builtin (this server) or external (auth.external_*)",
     [](Config& c) -> FieldRef { return &c.auth.mode; }, 0, 0, ValidateAuthMode},
    {"auth.external_issuer", "external mode: the issuer (\"iss\") tokens must name, exactly",
     [](Config& c) -> FieldRef { return &c.auth.external_issuer; }},
    {"auth.external_jwks_url", "external mode: the URL of the issuer's signing keys (JWKS)",
     [](Config& c) -> FieldRef { return &c.auth.external_jwks_url; }},
    {"auth.external_audience",
     "external mode: the audience (\"aud\") tokens must carry (\"\" = the MCP endpoint's URL)",
     [](Config& c) -> FieldRef { return &c.auth.external_audience; }},
    {"auth.external_user_claim",
     "external mode: the claim whose value, exactly a Taskwire user name, links a new subject to "
     "that user",
     [](Config& c) -> FieldRef { return &c.auth.external_user_claim; }},
    {"auth.external_auto_link",
     "external mode: link a subject (iss + sub) seen for the first time by "
     "auth.external_user_claim (false: only taskwire user link does)",
     [](Config& c) -> FieldRef { return &c.auth.external_auto_link; }},
    {"auth.external_max_token_lifetime",
     "external mode: the longest lifetime (exp - iat) of an accepted token",
     [](Config& c) -> FieldRef { return &c.auth.external_max_token_lifetime; }},
    {"oauth.access_token_ttl", "lifetime of access tokens the built-in server issues (1m to 1h)",
     [](Config& c) -> FieldRef { return &c.oauth.access_token_ttl; }, 0, 0, ValidateAccessTokenTtl},
    {"oauth.refresh_token_ttl", "lifetime of a refresh token (each refresh issues a new one)",
     [](Config& c) -> FieldRef { return &c.oauth.refresh_token_ttl; }},
    {"oauth.refresh_family_ttl",
     "absolute lifetime of an app's refresh tokens, counted from its authorization: then it must "
     "be authorized again",
     [](Config& c) -> FieldRef { return &c.oauth.refresh_family_ttl; }},
    {"oauth.redirect_schemes",
     "private-use redirect URI schemes allowed besides cursor, vscode, vscode-insiders and claude",
     [](Config& c) -> FieldRef { return &c.oauth.redirect_schemes; }, 0, 0, ValidateScheme},
    {"oauth.metadata_allow_ranges",
     "private address ranges client metadata documents may be fetched from (default none)",
     [](Config& c) -> FieldRef { return &c.oauth.metadata_allow_ranges; }, 0, 0, ValidateRange},
    {"oauth.metadata_ca_file",
     "PEM file of CA certificates trusted for client metadata document fetches besides the "
     "system's, for tests and private CAs (\"\" = none)",
     [](Config& c) -> FieldRef { return &c.oauth.metadata_ca_file; }},
    {"oauth.metadata_fetch_limit",
     "client metadata document fetches one source address may cause per minute; beyond it "
     "/oauth/authorize answers 429 (0 = no limit)",
     [](Config& c) -> FieldRef { return &c.oauth.metadata_fetch_limit; }, 0, 1'000'000},
    {"oauth.metadata_host_limit",
     "client metadata document fetches from one host per minute, whoever causes them (0 = no "
     "limit)",
     [](Config& c) -> FieldRef { return &c.oauth.metadata_host_limit; }, 0, 1'000'000},
    {"oauth.registration_limit",
     "dynamic client registrations one source address may make per minute (0 = no limit)",
     [](Config& c) -> FieldRef { return &c.oauth.registration_limit; }, 0, 1'000'000},
    {"jobs.max_output",
     "bytes of a run's output kept (beyond: its first and last halves, marked truncated)",
     [](Config& c) -> FieldRef { return &c.jobs.max_output; }, 1024, 1024 * 1024 * 1024},
    {"jobs.kill_grace", "time a stopped or timed-out run has between SIGTERM and SIGKILL",
     [](Config& c) -> FieldRef { return &c.jobs.kill_grace; }, 0, 0, ValidateKillGrace},
    {"jobs.max_running", "runs running at once, over all jobs (0: twice the cores)",
     [](Config& c) -> FieldRef { return &c.jobs.max_running; }, 0, 100'000},
    {"jobs.retention", "how long finished runs and their output are kept",
     [](Config& c) -> FieldRef { return &c.jobs.retention; }, 0, 0, ValidateRetention},
    {"tasks.recovery_window",
     "how long a deleted task stays in the trash, restorable, before it is purged",
     [](Config& c) -> FieldRef { return &c.tasks.recovery_window; }, 0, 0, ValidateRetention},
    {"proposals.ttl",
     "how long a proposal of a person-mode review credential waits for a person to commit it",
     [](Config& c) -> FieldRef { return &c.proposals.ttl; }, 0, 0, ValidateRetention},
    {"proposals.confirm_ttl",
     "how long a proposal of a confirm-mode review credential waits for its commit_proposal",
     [](Config& c) -> FieldRef { return &c.proposals.confirm_ttl; }, 0, 0, ValidateRetention},
};

const KeySpec* FindKey(std::string_view key) {
  for (const KeySpec& spec : kKeys) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '.') c = '_';
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// Sets `spec`'s field from text (environment, flags). `origin` names where the text came from.
base::Result<void> SetFromText(Config& config, const KeySpec& spec, std::string_view text,
                               std::string_view origin) {
  auto fail = [&](const std::string& why) {
    return base::Error::InvalidArgument(std::string(origin) + ": " + why);
  };
  FieldRef field = spec.field(config);
  if (auto** s = std::get_if<std::string*>(&field)) {
    if (spec.validate != nullptr) {
      if (auto valid = spec.validate(text); !valid) return fail(valid.error().message());
    }
    **s = text;
  } else if (auto** i = std::get_if<int64_t*>(&field)) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return fail("'" + std::string(text) + "' is not a whole number");
    }
    if (value < spec.min || value > spec.max) {
      return fail(std::to_string(value) + " is out of range (" + std::to_string(spec.min) + " to " +
                  std::to_string(spec.max) + ")");
    }
    **i = value;
  } else if (auto** list = std::get_if<StringList*>(&field)) {
    // Text (environment, flags) gives a list as comma-separated items.
    StringList items;
    size_t start = 0;
    while (start <= text.size()) {
      const size_t comma = std::min(text.find(',', start), text.size());
      std::string_view item = text.substr(start, comma - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) {
        if (spec.validate != nullptr) {
          if (auto valid = spec.validate(item); !valid) return fail(valid.error().message());
        }
        items.emplace_back(item);
      }
      start = comma + 1;
    }
    **list = std::move(items);
  } else if (auto** b = std::get_if<bool*>(&field)) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") {
      **b = true;
    } else if (text == "false" || text == "0" || text == "no" || text == "off") {
      **b = false;
    } else {
      return fail("'" + std::string(text) + "' is not true or false");
    }
  } else {
    auto duration = base::ParseDuration(text);
    if (!duration) return fail(duration.error().message());
    if (spec.validate != nullptr) {
      if (auto valid = spec.validate(text); !valid) return fail(valid.error().message());
    }
    *std::get<std::chrono::milliseconds*>(field) = *duration;
  }
  return base::Ok();
}

base::Result<void> SetFromToml(Config& config, const KeySpec& spec, const toml::node& node,
                               const std::string& file) {
  const std::string origin = std::string(spec.key) + " in " + file;
  FieldRef field = spec.field(config);
  if (std::holds_alternative<int64_t*>(field)) {
    if (!node.is_integer()) {
      return base::Error::InvalidArgument(origin + ": must be a whole number");
    }
    return SetFromText(config, spec, std::to_string(node.as_integer()->get()), origin);
  }
  if (std::holds_alternative<bool*>(field)) {
    if (!node.is_boolean()) return base::Error::InvalidArgument(origin + ": must be true or false");
    return SetFromText(config, spec, node.as_boolean()->get() ? "true" : "false", origin);
  }
  if (std::holds_alternative<StringList*>(field) && node.is_array()) {
    std::string joined;
    for (const toml::node& item : *node.as_array()) {
      if (!item.is_string() || item.as_string()->get().find(',') != std::string::npos) {
        return base::Error::InvalidArgument(origin + ": must be a list of strings");
      }
      if (!joined.empty()) joined += ',';
      joined += item.as_string()->get();
    }
    return SetFromText(config, spec, joined, origin);
  }
  if (!node.is_string()) {
    return base::Error::InvalidArgument(
        origin + (std::holds_alternative<StringList*>(field) ? ": must be a list of strings"
                  : std::holds_alternative<std::string*>(field)
                      ? ": must be a string"
                      : ": must be a duration string such as \"30s\""));
  }
  return SetFromText(config, spec, node.as_string()->get(), origin);
}

// A TOML value as JSON text: a job's params are a JSON Schema written as TOML.
base::Result<void> AppendJson(std::string& out, const toml::node& node, const std::string& where,
                              const std::string& file) {
  if (const auto* table = node.as_table()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : *table) {
      if (!first) out += ',';
      first = false;
      out += '"';
      base::AppendJsonEscaped(out, key.str());
      out += "\":";
      if (auto appended = AppendJson(out, value, where + "." + std::string(key.str()), file);
          !appended) {
        return appended;
      }
    }
    out += '}';
  } else if (const auto* array = node.as_array()) {
    out += '[';
    for (size_t i = 0; i < array->size(); ++i) {
      if (i > 0) out += ',';
      if (auto appended =
              AppendJson(out, *array->get(i), where + "[" + std::to_string(i) + "]", file);
          !appended) {
        return appended;
      }
    }
    out += ']';
  } else if (const auto* text = node.as_string()) {
    out += '"';
    base::AppendJsonEscaped(out, text->get());
    out += '"';
  } else if (const auto* integer = node.as_integer()) {
    out += std::to_string(integer->get());
  } else if (const auto* number = node.as_floating_point()) {
    if (!std::isfinite(number->get())) {
      return base::Error::InvalidArgument(where + " in " + file + ": JSON has no inf or nan");
    }
    char buffer[32];
    const auto written = std::to_chars(buffer, buffer + sizeof buffer, number->get());
    out.append(buffer, written.ptr);
  } else if (const auto* flag = node.as_boolean()) {
    out += flag->get() ? "true" : "false";
  } else {
    return base::Error::InvalidArgument(where + " in " + file +
                                        ": a date or time is no JSON value; write it as a string");
  }
  return base::Ok();
}

// One [[jobs]] table. Types are checked here, values by jobs::Catalog::Make (CheckJobs).
base::Result<jobs::Declaration> ParseJob(const toml::table& table, size_t index,
                                         const std::string& file) {
  jobs::Declaration job;
  const toml::node* name = table.get("name");
  const std::string label =
      name != nullptr && name->is_string() && !name->as_string()->get().empty()
          ? name->as_string()->get()
          : std::to_string(index + 1);
  const auto fail = [&](std::string_view key, const std::string& why) {
    return base::Error::InvalidArgument("jobs[" + label + "]" +
                                        (key.empty() ? "" : "." + std::string(key)) + " in " +
                                        file + ": " + why);
  };
  const auto text = [&](std::string_view key, const toml::node& node,
                        std::string& into) -> base::Result<void> {
    if (!node.is_string()) return fail(key, "must be a string");
    into = node.as_string()->get();
    return base::Ok();
  };
  const auto texts = [&](std::string_view key, const toml::node& node,
                         std::vector<std::string>& into) -> base::Result<void> {
    const toml::array* items = node.as_array();
    if (items == nullptr) return fail(key, "must be a list of strings");
    for (const toml::node& item : *items) {
      if (!item.is_string()) return fail(key, "must be a list of strings");
      into.push_back(item.as_string()->get());
    }
    return base::Ok();
  };
  for (const auto& [key_name, node] : table) {
    const std::string key(key_name.str());
    base::Result<void> read;
    if (key == "name") {
      read = text(key, node, job.name);
    } else if (key == "description") {
      read = text(key, node, job.description);
    } else if (key == "command") {
      read = texts(key, node, job.command);
    } else if (key == "params") {
      if (!node.is_table()) return fail(key, "must be a table (a JSON Schema written as TOML)");
      read = AppendJson(job.params, node, "jobs[" + label + "].params", file);
    } else if (key == "timeout") {
      if (!node.is_string()) return fail(key, "must be a duration string such as \"10m\"");
      auto duration = base::ParseDuration(node.as_string()->get());
      if (!duration) return fail(key, duration.error().message());
      job.timeout = *duration;
    } else if (key == "max_concurrent") {
      if (!node.is_integer()) return fail(key, "must be a whole number");
      job.max_concurrent = node.as_integer()->get();
    } else if (key == "on_limit") {
      std::string value;
      read = text(key, node, value);
      if (read && value != "queue" && value != "reject")
        return fail(key, "must be queue or reject");
      job.on_limit = value == "reject" ? jobs::OnLimit::kReject : jobs::OnLimit::kQueue;
    } else if (key == "organization") {
      read = text(key, node, job.organization);
      if (read && job.organization.empty()) return fail(key, "must name an organization");
    } else if (key == "run_roles") {
      job.run_roles.emplace();
      read = texts(key, node, *job.run_roles);
    } else if (key == "workdir") {
      read = text(key, node, job.workdir);
    } else if (key == "env") {
      const toml::table* variables = node.as_table();
      if (variables == nullptr) return fail(key, "must be a table of strings");
      for (const auto& [variable, value] : *variables) {
        if (!value.is_string())
          return fail("env." + std::string(variable.str()), "must be a string");
        job.env.emplace_back(std::string(variable.str()), value.as_string()->get());
      }
    } else {
      return fail(key,
                  "unknown key (a job has name, description, command, params, timeout, "
                  "max_concurrent, on_limit, organization, run_roles, workdir and env)");
    }
    if (!read) return read.error();
  }
  return job;
}

base::Result<void> ApplyFile(Config& config, const std::string& path,
                             std::map<std::string, Source>& sources) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return base::Error::NotFound("config file", path);
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return base::Error::InvalidArgument(path + ":" + std::to_string(where.line) + ":" +
                                        std::to_string(where.column) + ": " +
                                        std::string(error.description()));
  }
  for (const auto& [section_name, section] : root) {
    std::string section_key(section_name.str());
    if (section_key == "jobs" && section.is_array()) {
      const toml::array& declared = *section.as_array();
      for (size_t i = 0; i < declared.size(); ++i) {
        const toml::table* job = declared.get(i)->as_table();
        if (job == nullptr) {
          return base::Error::InvalidArgument("jobs in " + path + ": each job is a [[jobs]] table");
        }
        auto parsed = ParseJob(*job, i, path);
        if (!parsed) return std::move(parsed).error();
        config.jobs.declared.push_back(std::move(*parsed));
      }
      continue;
    }
    if (section_key == "job_settings") section_key = "jobs";  // beside [[jobs]]
    const toml::table* table = section.as_table();
    if (table == nullptr) {
      return base::Error::InvalidArgument("unknown key '" + section_key + "' in " + path +
                                          " (settings go in sections such as [server])");
    }
    for (const auto& [name, node] : *table) {
      const std::string key = section_key + "." + std::string(name.str());
      const KeySpec* spec = FindKey(key);
      if (spec == nullptr) {
        return base::Error::InvalidArgument(
            "unknown key '" + key + "' in " + path +
            (section_key == "jobs" ? " (a job is declared in a [[jobs]] table, with two brackets)"
                                   : ""));
      }
      if (auto set = SetFromToml(config, *spec, node, path); !set) return set;
      sources[key] = Source::kFile;
    }
  }
  return base::Ok();
}

base::Result<void> ApplyEnvironment(Config& config, const std::map<std::string, std::string>& env,
                                    std::map<std::string, Source>& sources) {
  for (const auto& [name, value] : env) {
    // Not settings: the config file's name, and the key of `taskwire mcp stdio`.
    if (!name.starts_with("TASKWIRE_") || name == "TASKWIRE_CONFIG" || name == "TASKWIRE_API_KEY")
      continue;
    const KeySpec* match = nullptr;
    for (const KeySpec& spec : kKeys) {
      for (const std::string& candidate : EnvironmentNames(spec.key)) {
        if (candidate == name) match = &spec;
      }
    }
    if (match == nullptr) {
      return base::Error::InvalidArgument("unknown environment variable " + name +
                                          " (docs/configuration.md lists the settings)");
    }
    // Both names of one key set to different values: refuse to guess.
    for (const std::string& other : EnvironmentNames(match->key)) {
      const auto it = env.find(other);
      if (other != name && it != env.end() && it->second != value) {
        return base::Error::InvalidArgument(name + " and " + other +
                                            " are both set, to different values");
      }
    }
    if (auto set = SetFromText(config, *match, value, name); !set) return set;
    sources[std::string(match->key)] = Source::kEnvironment;
  }
  return base::Ok();
}

std::string FieldText(Config& config, const KeySpec& spec) {
  FieldRef field = spec.field(config);
  if (auto** s = std::get_if<std::string*>(&field)) return **s;
  if (auto** i = std::get_if<int64_t*>(&field)) return std::to_string(**i);
  if (auto** b = std::get_if<bool*>(&field)) return **b ? "true" : "false";
  if (auto** list = std::get_if<StringList*>(&field)) {
    std::string text;
    for (const std::string& item : **list) text += (text.empty() ? "" : ",") + item;
    return text;
  }
  return base::FormatDuration(*std::get<std::chrono::milliseconds*>(field));
}

}  // namespace

std::string DefaultDataDir(const std::map<std::string, std::string>& env) {
  if (auto it = env.find("XDG_DATA_HOME"); it != env.end() && !it->second.empty()) {
    return it->second + "/taskwire";
  }
  if (auto it = env.find("HOME"); it != env.end() && !it->second.empty()) {
    return it->second + "/.local/share/taskwire";
  }
  return "taskwire-data";
}

std::string Config::SqlitePath() const {
  std::string_view path = storage.url;
  if (path.starts_with("sqlite://")) {
    path.remove_prefix(9);
  } else if (path.starts_with("sqlite:")) {
    path.remove_prefix(7);
  }
  if (path == ":memory:" || path.starts_with('/')) return std::string(path);
  return (std::filesystem::path(server.data_dir) / path).string();
}

std::string Config::SecretsKeyPath() const {
  if (auth.secrets_key_file.starts_with('/')) return auth.secrets_key_file;
  return (std::filesystem::path(server.data_dir) / auth.secrets_key_file).string();
}

base::Result<std::map<std::string, std::vector<http::Cidr>>> LoadAddressSets(
    const std::string& file) {
  std::map<std::string, std::vector<http::Cidr>> sets;
  const auto load = [&sets](const toml::table& root,
                            const std::string& origin) -> base::Result<void> {
    const toml::table* table = root["sets"].as_table();
    if (table == nullptr) return base::Error::InvalidArgument(origin + ": no [sets] table");
    for (const auto& [name, node] : *table) {
      const std::string key(name.str());
      const std::string where = origin + ": sets." + key;
      if (!IsSetName(key)) {
        return base::Error::InvalidArgument(where +
                                            ": a set name is lower-case letters, digits, "
                                            "'-' and '_'");
      }
      const toml::array* items = node.as_array();
      if (items == nullptr)
        return base::Error::InvalidArgument(where + ": must be a list of ranges");
      std::vector<http::Cidr> ranges;
      for (const toml::node& item : *items) {
        if (!item.is_string())
          return base::Error::InvalidArgument(where + ": must be a list of ranges");
        auto range = http::Cidr::Parse(item.as_string()->get());
        if (!range) return base::Error::InvalidArgument(where + ": " + range.error().message());
        ranges.push_back(*range);
      }
      sets[key] = std::move(ranges);
    }
    return base::Ok();
  };
  for (const base::EmbeddedFile& builtin : AddressSetFiles()) {
    try {
      if (auto loaded = load(toml::parse(builtin.data), std::string(builtin.path)); !loaded) {
        return std::move(loaded).error();
      }
    } catch (const toml::parse_error& error) {
      return base::Error::Internal("built-in " + std::string(builtin.path) + ": " +
                                   std::string(error.description()));
    }
  }
  if (file.empty()) return sets;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return base::Error::NotFound("address sets file", file);
  try {
    if (auto loaded = load(toml::parse_file(file), file); !loaded) return std::move(loaded).error();
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return base::Error::InvalidArgument(file + ":" + std::to_string(where.line) + ":" +
                                        std::to_string(where.column) + ": " +
                                        std::string(error.description()));
  }
  return sets;
}

base::Result<SourceRanges> ResolveSourceRanges(const Config& config) {
  SourceRanges ranges;
  for (const std::string& entry : config.server.trusted_proxies) {
    auto range = http::Cidr::Parse(entry);
    if (!range) return std::move(range).error().WithContext("server.trusted_proxies");
    ranges.trusted_proxies.push_back(*range);
  }
  if (config.server.allow_origins.empty()) return ranges;
  auto sets = LoadAddressSets(config.server.address_sets);
  if (!sets) return std::move(sets).error();
  for (const std::string& entry : config.server.allow_origins) {
    if (IsSetName(entry)) {
      auto it = sets->find(entry);
      if (it == sets->end()) {
        std::string known;
        for (const auto& [name, unused] : *sets) known += (known.empty() ? "" : ", ") + name;
        return base::Error::InvalidArgument("server.allow_origins: no address set named '" + entry +
                                            "' (known: " + known + ")");
      }
      ranges.allowed.insert(ranges.allowed.end(), it->second.begin(), it->second.end());
    } else {
      auto range = http::Cidr::Parse(entry);
      if (!range) return std::move(range).error().WithContext("server.allow_origins");
      ranges.allowed.push_back(*range);
    }
  }
  return ranges;
}

std::vector<std::string> EnvironmentNames(std::string_view key) {
  std::vector<std::string> names{"TASKWIRE_" + Upper(key)};
  if (key.starts_with("server.")) names.push_back("TASKWIRE_" + Upper(key.substr(7)));
  return names;
}

base::Result<void> CheckJobs(const Config& config) {
  auto catalog = jobs::Catalog::Make(config.jobs.declared, mcp::CheckSchema, nullptr);
  if (!catalog) return std::move(catalog).error();
  return base::Ok();
}

// Refused at load, like a bad value (one line, exit 2), rather than when a command gets to use
// them.
base::Result<void> CheckSettingsTogether(const Config& config) {
  if (config.auth.mode == "external" &&
      (config.auth.external_issuer.empty() || config.auth.external_jwks_url.empty())) {
    return base::Error::InvalidArgument(
        "auth.mode = \"external\" needs auth.external_issuer and auth.external_jwks_url");
  }
  if (!config.auth.loopback_bypass.empty()) {
    const auto listen = http::ParseListenAddress(config.server.listen);
    const bool loopback = listen && (listen->host.starts_with("127.") || listen->host == "::1");
    if (!loopback) {
      return base::Error::InvalidArgument(
          "auth.loopback_bypass works only when server.listen is a loopback address (127.0.0.1, "
          "::1), not " +
          config.server.listen + ": use API keys instead");
    }
  }
  return base::Ok();
}

base::Result<LoadedConfig> LoadConfig(const ConfigSources& sources) {
  LoadedConfig loaded;
  for (const KeySpec& spec : kKeys) loaded.sources[std::string(spec.key)] = Source::kDefault;

  std::optional<std::string> file = sources.file;
  if (!file) {
    if (auto it = sources.environment.find("TASKWIRE_CONFIG"); it != sources.environment.end()) {
      file = it->second;
    }
  }
  if (file) {
    if (auto applied = ApplyFile(loaded.config, *file, loaded.sources); !applied) {
      return std::move(applied).error();
    }
  }
  if (auto applied = ApplyEnvironment(loaded.config, sources.environment, loaded.sources);
      !applied) {
    return std::move(applied).error();
  }
  for (const auto& [key, value] : sources.flags) {
    const KeySpec* spec = FindKey(key);
    if (spec == nullptr) return base::Error::InvalidArgument("unknown key '" + key + "'");
    if (auto set = SetFromText(loaded.config, *spec, value, key); !set) {
      return std::move(set).error();
    }
    loaded.sources[key] = Source::kFlag;
  }

  Config& config = loaded.config;
  if (config.server.data_dir.empty()) config.server.data_dir = DefaultDataDir(sources.environment);
  if (config.storage.url.empty()) config.storage.url = "sqlite:taskwire.db";
  while (config.server.public_url.ends_with('/')) config.server.public_url.pop_back();
  if (auto together = CheckSettingsTogether(config); !together) return std::move(together).error();
  if (auto checked = CheckJobs(config); !checked) return std::move(checked).error();
  return loaded;
}

std::vector<ConfigKey> DescribeConfig(const Config& config) {
  Config copy = config;
  std::vector<ConfigKey> keys;
  for (const KeySpec& spec : kKeys) {
    std::string value = FieldText(copy, spec);
    std::string toml_value = value;
    const FieldRef field = spec.field(copy);
    if (auto* const* list = std::get_if<StringList*>(&field)) {
      toml_value = "[";
      for (const std::string& item : **list) {
        toml_value += toml_value.size() > 1 ? ", \"" : "\"";
        base::AppendJsonEscaped(toml_value, item);
        toml_value += '"';
      }
      toml_value += ']';
    } else if (!std::holds_alternative<int64_t*>(field) && !std::holds_alternative<bool*>(field)) {
      toml_value = "\"";
      base::AppendJsonEscaped(toml_value, value);  // TOML basic strings escape as JSON does
      toml_value += '"';
    }
    keys.push_back({std::string(spec.key), std::move(value), std::move(toml_value), spec.help});
  }
  return keys;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

}  // namespace taskwire::server
