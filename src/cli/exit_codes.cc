#include "cli/exit_codes.h"

#include <cstdio>
#include <filesystem>

#include "server/app.h"

namespace taskwire::cli {

int ExitCodeOf(const base::Error& error) {
  switch (error.code()) {
    case base::ErrorCode::kInvalidArgument:
    case base::ErrorCode::kAlreadyExists:
      return server::kExitUsage;
    default:
      return server::kExitFailure;
  }
}

int Fail(const base::Error& error) {
  std::fprintf(stderr, "taskwire: %s\n", error.message().c_str());
  return ExitCodeOf(error);
}

base::Result<void> RequireDatabase(const server::Config& config) {
  const std::string path = config.SqlitePath();
  if (path == ":memory:") return base::Ok();
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return base::Ok();
  const std::filesystem::path file(path);
  const std::filesystem::path dir(config.server.data_dir);
  const bool inside = file.parent_path().lexically_normal() == dir.lexically_normal();
  return base::Error::InvalidArgument("no Taskwire database in " +
                                      (inside ? config.server.data_dir : path) +
                                      "; start `taskwire serve` once, or pass --data-dir");
}

}  // namespace taskwire::cli
