#pragma once

// The rows of job runs, apart from their rules: every statement jobs::Runs runs on job_runs and
// job_run_output (migrations 0010 and 0011), one method each, in the transaction given. The SQL is
// SQLite's; a PostgreSQL backend forks this file. Stateless. Errors: the database's; an absent
// row is an empty optional, never NotFound.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "jobs/output.h"
#include "jobs/run.h"
#include "store/database.h"

namespace taskwire::jobs {

// The columns a new run is created with.
struct NewRunRow {
  std::string_view job;
  RunStatus status = RunStatus::kQueued;
  std::string_view params;  // redacted
  std::optional<int64_t> organization_id;
  std::optional<int64_t> task_id;
  std::string_view mcp_task;  // "": none
  int64_t user_id = 0;
  std::string_view user_name;
  std::string_view credential;
  std::string_view client;
  int64_t output_limit = 0;
  std::string_view now;  // created_at, and started_at when running
};

// How a run ended.
struct Ending {
  RunStatus status = RunStatus::kFailed;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string_view error;
  std::string_view now;
};

// A run the server left unfinished (a crash), with what recovering it needs.
struct UnfinishedRun {
  Run run;
  std::optional<int> pid;
  uint64_t pid_start = 0;
};

class RunRows {
 public:
  using Tx = store::Transaction;

  base::Result<int64_t> Insert(Tx& tx, const NewRunRow& row);
  // A queued run starts now.
  base::Result<void> MarkRunning(Tx& tx, int64_t id, std::string_view now);
  // Its process, once started.
  base::Result<void> SetProcess(Tx& tx, int64_t id, int pid, uint64_t start_time);
  base::Result<void> SetStoppedBy(Tx& tx, int64_t id, std::string_view user_name);
  // Terminal now; the process is forgotten.
  base::Result<void> Finish(Tx& tx, int64_t id, const Ending& ending);
  // Stores `batch` (OutputCapture::Take): its pieces, the new total, and drops what fell out of
  // the tail; the progress too when it changed.
  base::Result<void> WriteOutput(Tx& tx, int64_t id, const OutputCapture::Batch& batch,
                                 int64_t head_limit);

  // Whatever its visibility.
  base::Result<std::optional<Run>> Load(Tx& tx, int64_t id);
  // The run when the user may see it: they started it, or it is tied to a task of one of their
  // organizations (they may read the task).
  base::Result<std::optional<Run>> LoadVisible(Tx& tx, int64_t user_id, int64_t id);
  // The id of the run user `user_id` started as MCP task `mcp_task` (migration 0011).
  base::Result<std::optional<int64_t>> FindMcpTask(Tx& tx, int64_t user_id,
                                                   std::string_view mcp_task);
  // Up to `limit` runs the user may see that pass `filter` (its cursor aside), with ids below
  // `before` (0: no bound), newest first.
  base::Result<std::vector<Run>> ListVisible(Tx& tx, int64_t user_id, const RunFilter& filter,
                                             int64_t before, size_t limit);
  // The same whoever started them: what an operator reads on the machine (taskwire run list).
  base::Result<std::vector<Run>> ListAll(Tx& tx, const RunFilter& filter, int64_t before,
                                         size_t limit);
  // Stored pieces that end after `offset`, in order, until about `max_bytes` are gathered.
  base::Result<std::vector<OutputCapture::Piece>> ReadOutput(Tx& tx, int64_t id, int64_t offset,
                                                             size_t max_bytes);
  // Runs queued or running.
  base::Result<std::vector<UnfinishedRun>> Unfinished(Tx& tx);
  // Deletes up to `limit` runs finished before `cutoff` (ISO 8601), with their output; returns
  // how many.
  base::Result<int64_t> DeleteFinishedBefore(Tx& tx, std::string_view cutoff, size_t limit);

 private:
  // ListVisible for `user_id`, or ListAll without one.
  base::Result<std::vector<Run>> List(Tx& tx, std::optional<int64_t> user_id,
                                      const RunFilter& filter, int64_t before, size_t limit);
};

}  // namespace taskwire::jobs
