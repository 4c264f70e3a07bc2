#include "cli/client_config.h"

#include <gtest/gtest.h>

namespace taskwire::cli {
namespace {

const Connection kConnection{"http://127.0.0.1:8080/mcp", "tw_key", "/usr/bin/taskwire"};

TEST(ClientConfig, ShellCommandQuotesWhatTheShellWouldSplitOrExpand) {
  EXPECT_EQ(ShellCommand({"claude", "mcp", "add", "http://h:1/mcp"}),
            "claude mcp add http://h:1/mcp");
  EXPECT_EQ(ShellCommand({"a b", "it's", "$HOME", ""}), R"('a b' 'it'\''s' '$HOME' '')");
  // A command substitution stays live inside double quotes.
  EXPECT_EQ(ShellCommand({"--header", "Authorization: Bearer $(taskwire key create)"}),
            R"x(--header "Authorization: Bearer $(taskwire key create)")x");
}

TEST(ClientConfig, ClaudeCodeGetsTheHttpTransportAndTheHeader) {
  EXPECT_EQ(ShellCommand(ClaudeCodeAddCommand(kConnection)),
            "claude mcp add --transport http taskwire http://127.0.0.1:8080/mcp --header "
            "'Authorization: Bearer tw_key'");
}

TEST(ClientConfig, MergeKeepsOtherServersAndSettingsAndRemovesOnlyTaskwire) {
  const std::string existing = R"({"theme":"dark","mcpServers":{"other":{"url":"https://x"}}})";
  auto merged = MergeConfig(McpClient::kCursor, existing, kConnection);
  ASSERT_TRUE(merged.has_value()) << merged.error().message();
  EXPECT_NE(merged->find(R"("theme": "dark")"), std::string::npos) << *merged;
  EXPECT_NE(merged->find(R"("other")"), std::string::npos);
  EXPECT_NE(merged->find(R"("Authorization": "Bearer tw_key")"), std::string::npos);
  EXPECT_TRUE(HasTaskwireServer(McpClient::kCursor, *merged));
  EXPECT_FALSE(HasTaskwireServer(McpClient::kVsCode, *merged)) << "VS Code keeps servers elsewhere";

  auto removed = MergeConfig(McpClient::kCursor, *merged, std::nullopt);
  ASSERT_TRUE(removed.has_value());
  EXPECT_FALSE(HasTaskwireServer(McpClient::kCursor, *removed));
  EXPECT_NE(removed->find(R"("other")"), std::string::npos);
}

TEST(ClientConfig, EachClientGetsItsOwnShape) {
  auto vscode = MergeConfig(McpClient::kVsCode, "", kConnection);
  ASSERT_TRUE(vscode.has_value());
  EXPECT_NE(vscode->find(R"("servers")"), std::string::npos);
  EXPECT_NE(vscode->find(R"("type": "http")"), std::string::npos);
  const std::string desktop = ConfigSnippet(McpClient::kClaudeDesktop, kConnection);
  EXPECT_NE(desktop.find(R"("command": "/usr/bin/taskwire")"), std::string::npos) << desktop;
  EXPECT_NE(desktop.find(R"("stdio")"), std::string::npos);
  // The bridge's key is in its environment, not on its command line (/proc/PID/cmdline).
  EXPECT_NE(desktop.find(R"("TASKWIRE_API_KEY": "tw_key")"), std::string::npos) << desktop;
  EXPECT_EQ(desktop.find(R"("--key")"), std::string::npos) << desktop;
  EXPECT_EQ(ConfigFilePath(McpClient::kCursor, "/p", "/h"), "/p/.cursor/mcp.json");
  EXPECT_EQ(ConfigFilePath(McpClient::kVsCode, "/p", "/h"), "/p/.vscode/mcp.json");
  EXPECT_EQ(ConfigFilePath(McpClient::kClaudeDesktop, "/p", "/nonexistent-home"),
            "/nonexistent-home/.config/Claude/claude_desktop_config.json");
  EXPECT_EQ(ConfigFilePath(McpClient::kClaudeCode, "/p", "/h"), std::nullopt);
}

TEST(ClientConfig, JsoncAsVsCodeWritesItIsMerged) {
  const std::string text =
      "// Settings of MCP servers\n{\n  \"servers\": {\n    /* mine */ \"other\": "
      "{\"type\": \"stdio\", \"command\": \"x\",},\n  },\n  \"inputs\": [],\n}\n";
  EXPECT_TRUE(HasJsoncExtras(text));
  auto merged = MergeConfig(McpClient::kVsCode, text, kConnection);
  ASSERT_TRUE(merged.has_value()) << merged.error().message();
  EXPECT_FALSE(HasJsoncExtras(*merged));
  EXPECT_NE(merged->find("\"other\""), std::string::npos);
  EXPECT_NE(merged->find("\"inputs\""), std::string::npos);
  EXPECT_TRUE(HasTaskwireServer(McpClient::kVsCode, *merged));
  EXPECT_TRUE(HasTaskwireServer(McpClient::kVsCode, "{\"servers\": {\"taskwire\": {},}, // x\n}"));
  EXPECT_FALSE(HasJsoncExtras("{\"servers\": {}}"));
  EXPECT_FALSE(HasJsoncExtras(""));
}

TEST(ClientConfig, AFileItCannotParseIsLeftAlone) {
  for (const char* text : {"// comment\n[]", "[1]", "{", R"({"mcpServers": 3})", "{/* open"}) {
    auto merged = MergeConfig(McpClient::kCursor, text, kConnection);
    EXPECT_FALSE(merged.has_value()) << text;
  }
  EXPECT_EQ(ParseMcpClient("cursor"), McpClient::kCursor);
  EXPECT_EQ(ParseMcpClient("emacs"), std::nullopt);
}

}  // namespace
}  // namespace taskwire::cli
