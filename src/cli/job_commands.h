#pragma once

// `taskwire job list` and `taskwire run list|show` (docs/jobs.md, "The command line"): what an
// operator reads on the machine, from the config file and the database, with the server running
// or stopped. Starting and stopping runs needs the running server's supervisor, so these commands
// do neither: the REST routes and the MCP tools do.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/mcp_commands.h"
#include "jobs/catalog.h"
#include "jobs/run.h"
#include "server/config.h"
#include "store/database.h"

namespace taskwire::cli {

struct RunListOptions {
  std::string job;     // "": every job
  std::string status;  // "": any; else names, comma-separated: "failed,timed_out"
  std::optional<int64_t> task_id;
  int64_t limit = 50;  // 1 to 10000
  bool json = false;   // the API's shapes (docs/jobs.md, "Surfaces") instead of a table
};

// Exit codes as the rest of the command: 0 done, 1 failed, 2 bad usage.
int RunJobList(const server::Config& config, bool json);
int RunRunList(const AppOpener& open_app, const RunListOptions& options);
int RunRunShow(const AppOpener& open_app, int64_t id, bool output, bool json);

// The parts, apart from the command line (job_commands_test.cc).

// The statuses a --status value names; InvalidArgument naming the one that is none.
base::Result<std::vector<jobs::RunStatus>> ParseStatuses(const std::string& text);

// Whoever started them, newest first, at most `limit`.
base::Result<std::vector<jobs::Run>> ListRuns(store::Database& database,
                                              const jobs::RunFilter& filter, int64_t limit);
// Whoever started it; NotFound when there is no such run.
base::Result<jobs::Run> LoadRun(store::Database& database, int64_t id);

// A run's whole stored output, in order (secrets redacted as stored). Where a run wrote more than
// jobs.max_output, its middle was not kept: `gap_at` is where in `data` the kept tail starts and
// `gap` how many bytes are missing there.
struct StoredOutput {
  std::string data;
  int64_t total = 0;  // what the run wrote, kept or not
  std::optional<size_t> gap_at;
  int64_t gap = 0;
};
base::Result<StoredOutput> ReadStoredOutput(store::Database& database, const jobs::Run& run);
// The same as the pages get_run would read from offset 0 on: one, or two when the middle was not
// kept (the second `skipped`).
std::vector<jobs::OutputPage> OutputPages(const jobs::Run& run, const StoredOutput& output);

// --json: {"jobs": [...]}, {"runs": [...]}, {"run": {...}, "output": [page, ...]?}, in the
// shapes of list_jobs, list_runs and get_run.
std::string JobsJson(const std::vector<std::shared_ptr<const jobs::Job>>& jobs);
std::string RunsJson(const std::vector<jobs::Run>& runs);
std::string RunShowJson(const jobs::Run& run, const std::vector<jobs::OutputPage>* output);

// The tables and the record, as printed.
std::string JobTable(const std::vector<std::shared_ptr<const jobs::Job>>& jobs);
std::string RunTable(const std::vector<jobs::Run>& runs);
std::string RunRecord(const jobs::Run& run);
// What a run's end says in a table: "0", "3", "SIGKILL", "" while it runs.
std::string ExitText(const jobs::Run& run);

}  // namespace taskwire::cli
