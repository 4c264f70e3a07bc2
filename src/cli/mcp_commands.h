#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "server/app.h"
#include "server/config.h"

namespace taskwire::cli {

// `taskwire mcp install|uninstall|print-config|stdio` (docs/connect.md).
struct McpOptions {
  std::string client;  // claude-code, claude-desktop, cursor, vscode; "" = every one (print-config)
  std::string user;    // whom a minted key acts for; "" = the only user there is
  std::string key;     // reuse this key instead of minting one
  std::string key_file;  // mcp stdio: read the key from this file
  std::string url;       // the MCP endpoint; "" = from server.public_url or server.listen
  std::string scopes = "read,tasks:write";
  std::string project = ".";  // where .cursor/ and .vscode/ go
  std::string file;           // the client's config file, instead of its usual place
  bool print = false;         // rehearse: print what would be run or written, change nothing
};

using AppOpener = std::function<base::Result<std::unique_ptr<server::App>>(bool migrate)>;

int RunMcpInstall(const server::Config& config, const AppOpener& open_app,
                  const McpOptions& options);
int RunMcpUninstall(const server::Config& config, const AppOpener& open_app,
                    const McpOptions& options);
int RunMcpPrintConfig(const server::Config& config, const McpOptions& options);
int RunMcpStdio(const server::Config& config, const McpOptions& options);

}  // namespace taskwire::cli
