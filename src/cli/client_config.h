#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace taskwire::cli {

// The MCP clients `taskwire mcp install` knows how to configure, and what each one's
// configuration says (docs/connect.md shows the same snippets).
enum class McpClient { kClaudeCode, kClaudeDesktop, kCursor, kVsCode };

inline constexpr McpClient kMcpClients[] = {McpClient::kClaudeCode, McpClient::kClaudeDesktop,
                                            McpClient::kCursor, McpClient::kVsCode};

// "claude-code", "claude-desktop", "cursor", "vscode"; also the name of the key minted for it.
std::string_view McpClientName(McpClient client);
std::optional<McpClient> ParseMcpClient(std::string_view name);

// The environment variable `taskwire mcp stdio` reads its API key from.
inline constexpr std::string_view kApiKeyVariable = "TASKWIRE_API_KEY";

// How a client reaches Taskwire.
struct Connection {
  std::string url;     // the MCP endpoint
  std::string key;     // the API key, or a placeholder such as "<API key>"
  std::string binary;  // this program, which Claude Desktop launches as the stdio bridge
};

// The argument list of `claude mcp add` that registers Taskwire with Claude Code.
std::vector<std::string> ClaudeCodeAddCommand(const Connection& connection);

// `words` as one POSIX shell command line, each quoted where needed. A word that starts with "$("
// and ends with ")" is kept as a command substitution inside double quotes.
std::string ShellCommand(const std::vector<std::string>& words);

// The config file of a file-configured client: `<project>/.cursor/mcp.json`,
// `<project>/.vscode/mcp.json`, or Claude Desktop's claude_desktop_config.json under `home`
// (macOS's folder when it exists, else ~/.config/Claude). nullopt for Claude Code.
std::optional<std::string> ConfigFilePath(McpClient client, const std::string& project,
                                          const std::string& home);

// The JSON a file-configured client holds for Taskwire, as a snippet of its whole file.
std::string ConfigSnippet(McpClient client, const Connection& connection);

// `document` (the file's text; "" when there is none) with the "taskwire" server set to
// `connection`, or removed when `connection` is nullopt; every other setting is kept.
// The text may be JSONC (comments, trailing commas: VS Code writes them); the result is plain JSON,
// so comments are not kept (HasJsoncExtras tells, and `mcp install` keeps a copy of the file).
// InvalidArgument when the text is not a JSON object.
base::Result<std::string> MergeConfig(McpClient client, std::string_view document,
                                      const std::optional<Connection>& connection);

// True when `document` is JSONC that plain JSON would refuse: it has comments or trailing commas.
bool HasJsoncExtras(std::string_view document);

// The API key the "taskwire" server of `document` sends (its Authorization header, or Claude
// Desktop's TASKWIRE_API_KEY), if any.
std::optional<std::string> ConfiguredKey(McpClient client, std::string_view document);

// True when `document` holds a "taskwire" server.
bool HasTaskwireServer(McpClient client, std::string_view document);

}  // namespace taskwire::cli
