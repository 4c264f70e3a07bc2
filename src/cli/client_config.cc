#include "cli/client_config.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>

namespace taskwire::cli {

namespace {

namespace json = boost::json;

constexpr std::string_view kServerName = "taskwire";

// Where each client keeps its servers.
std::string_view ServersKey(McpClient client) {
  return client == McpClient::kVsCode ? "servers" : "mcpServers";
}

json::object Entry(McpClient client, const Connection& connection) {
  const json::object headers{{"Authorization", "Bearer " + connection.key}};
  switch (client) {
    case McpClient::kCursor:
      return json::object{{"url", connection.url}, {"headers", headers}};
    case McpClient::kVsCode:
      return json::object{{"type", "http"}, {"url", connection.url}, {"headers", headers}};
    case McpClient::kClaudeDesktop:
    case McpClient::kClaudeCode:
      break;
  }
  // Claude Desktop's file launches local programs only: the stdio bridge forwards to the URL. The
  // key goes in the program's environment: every local user can read a process's arguments.
  return json::object{{"command", connection.binary},
                      {"args", json::array{"mcp", "stdio", "--url", connection.url}},
                      {"env", json::object{{std::string(kApiKeyVariable), connection.key}}}};
}

// JSON indented by two spaces, as these files are usually written.
void Pretty(const json::value& value, std::string& out, int depth) {
  const std::string indent(static_cast<size_t>(depth + 1) * 2, ' ');
  const std::string closing(static_cast<size_t>(depth) * 2, ' ');
  if (value.is_object() && !value.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : value.as_object()) {
      out += first ? "" : ",\n";
      first = false;
      out += indent + json::serialize(json::value(key)) + ": ";
      Pretty(member, out, depth + 1);
    }
    out += "\n" + closing + "}";
  } else if (value.is_array() && !value.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const json::value& item : value.as_array()) {
      out += first ? "" : ",\n";
      first = false;
      out += indent;
      Pretty(item, out, depth + 1);
    }
    out += "\n" + closing + "]";
  } else {
    out += json::serialize(value);
  }
}

std::string PrettyText(const json::value& value) {
  std::string out;
  Pretty(value, out, 0);
  return out + "\n";
}

// JSON with comments and trailing commas (JSONC), as VS Code and Cursor write their settings.
base::Result<json::object> ParseDocument(std::string_view document) {
  if (document.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object{};
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  boost::system::error_code ec;
  json::value value = json::parse(document, ec, {}, options);
  if (ec || !value.is_object()) {
    return base::Error::InvalidArgument("it is not a JSON object (a syntax error?)");
  }
  return std::move(value.as_object());
}

}  // namespace

std::string_view McpClientName(McpClient client) {
  switch (client) {
    case McpClient::kClaudeCode:
      return "claude-code";
    case McpClient::kClaudeDesktop:
      return "claude-desktop";
    case McpClient::kCursor:
      return "cursor";
    case McpClient::kVsCode:
      return "vscode";
  }
  return "";
}

std::optional<McpClient> ParseMcpClient(std::string_view name) {
  for (McpClient client : kMcpClients) {
    if (McpClientName(client) == name) return client;
  }
  return std::nullopt;
}

std::vector<std::string> ClaudeCodeAddCommand(const Connection& connection) {
  return {"claude",       "mcp",      "add",
          "--transport",  "http",     std::string(kServerName),
          connection.url, "--header", "Authorization: Bearer " + connection.key};
}

std::string ShellCommand(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) {
    if (!line.empty()) line += ' ';
    const size_t substitution = word.find("$(");
    if (substitution != std::string::npos && word.ends_with(")")) {
      // Double quotes let the shell run the substitution; the rest must need no escaping.
      line += '"' + word + '"';
    } else if (!word.empty() &&
               word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789-_./:=@,+") == std::string::npos) {
      line += word;
    } else {
      line += '\'';
      for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
      line += '\'';
    }
  }
  return line;
}

std::optional<std::string> ConfigFilePath(McpClient client, const std::string& project,
                                          const std::string& home) {
  namespace fs = std::filesystem;
  switch (client) {
    case McpClient::kCursor:
      return (fs::path(project) / ".cursor" / "mcp.json").string();
    case McpClient::kVsCode:
      return (fs::path(project) / ".vscode" / "mcp.json").string();
    case McpClient::kClaudeDesktop: {
      const fs::path mac = fs::path(home) / "Library" / "Application Support" / "Claude";
      std::error_code ec;
      const fs::path folder =
          fs::is_directory(mac, ec) ? mac : fs::path(home) / ".config" / "Claude";
      return (folder / "claude_desktop_config.json").string();
    }
    case McpClient::kClaudeCode:
      break;
  }
  return std::nullopt;
}

std::string ConfigSnippet(McpClient client, const Connection& connection) {
  return PrettyText(
      json::object{{ServersKey(client), json::object{{kServerName, Entry(client, connection)}}}});
}

base::Result<std::string> MergeConfig(McpClient client, std::string_view document,
                                      const std::optional<Connection>& connection) {
  auto parsed = ParseDocument(document);
  if (!parsed) return std::move(parsed).error();
  json::object& root = *parsed;
  const std::string_view key = ServersKey(client);
  json::value& servers = root[key];
  if (!servers.is_object()) {
    if (!servers.is_null()) {
      return base::Error::InvalidArgument("its \"" + std::string(key) + "\" is not an object");
    }
    servers = json::object{};
  }
  if (connection) {
    servers.as_object()[kServerName] = Entry(client, *connection);
  } else {
    servers.as_object().erase(kServerName);
  }
  return PrettyText(root);
}

std::optional<std::string> ConfiguredKey(McpClient client, std::string_view document) {
  auto parsed = ParseDocument(document);
  if (!parsed) return std::nullopt;
  const json::value* entry = nullptr;
  if (const json::value* servers = parsed->if_contains(ServersKey(client));
      servers != nullptr && servers->is_object()) {
    entry = servers->as_object().if_contains(kServerName);
  }
  if (entry == nullptr || !entry->is_object()) return std::nullopt;
  const json::object& fields = entry->as_object();
  const auto text = [](const json::value* value, std::string_view member) -> const json::string* {
    if (value == nullptr || !value->is_object()) return nullptr;
    const json::value* found = value->as_object().if_contains(member);
    return found != nullptr && found->is_string() ? &found->as_string() : nullptr;
  };
  if (const json::string* header = text(fields.if_contains("headers"), "Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view value(header->data(), header->size());
    if (value.starts_with(kBearer)) return std::string(value.substr(kBearer.size()));
  }
  if (const json::string* key = text(fields.if_contains("env"), kApiKeyVariable)) {
    return std::string(key->data(), key->size());
  }
  return std::nullopt;
}

bool HasJsoncExtras(std::string_view document) {
  if (!ParseDocument(document)) return false;
  if (document.find_first_not_of(" \t\r\n") == std::string_view::npos) return false;
  boost::system::error_code ec;
  (void)json::parse(document, ec);
  return static_cast<bool>(ec);
}

bool HasTaskwireServer(McpClient client, std::string_view document) {
  auto parsed = ParseDocument(document);
  if (!parsed) return false;
  const json::value* servers = parsed->if_contains(ServersKey(client));
  return servers != nullptr && servers->is_object() && servers->as_object().contains(kServerName);
}

}  // namespace taskwire::cli
