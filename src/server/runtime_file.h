#pragma once

#include <optional>
#include <string>

#include "base/result.h"

namespace taskwire::server {

// The file a running `taskwire serve` keeps in its data dir (docs/operations.md, "The runtime
// file"): its process id and the URL it is reached at, so that commands run against the same data
// dir (`mcp print-config`, `mcp install`, `doctor`) know the address the server really listens on,
// which `--listen 127.0.0.1:0` or a flag the command was not given would otherwise hide. Written
// when the server listens, removed when it stops; one a crash leaves behind names a dead process
// and is ignored.
inline constexpr std::string_view kRuntimeFileName = "server.runtime";

struct RunningServer {
  long pid = 0;
  std::string url;  // the base URL with a trailing slash: http://127.0.0.1:8080/
};

// The path of the runtime file of `data_dir`.
std::string RuntimeFilePath(const std::string& data_dir);

// Writes this process's pid and `url` to the runtime file of `data_dir`, through a temporary file
// and a rename. Unavailable naming the path when it cannot.
base::Result<void> WriteRuntimeFile(const std::string& data_dir, const std::string& url);

// Removes the runtime file of `data_dir` if it names this process (a second server's file is left
// alone).
void RemoveRuntimeFile(const std::string& data_dir);

// The server the runtime file of `data_dir` names, when the file is there, well formed, and its
// process is alive; nullopt otherwise (no file, a stale one, an unreadable one).
std::optional<RunningServer> FindRunningServer(const std::string& data_dir);

// Parses the runtime file's text; nullopt when it is not one. (Exposed for tests.)
std::optional<RunningServer> ParseRuntimeFile(const std::string& text);

}  // namespace taskwire::server
