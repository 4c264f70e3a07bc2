#include "jobs/run_rows.h"

namespace taskwire::jobs {

namespace {

using store::Param;
using store::Row;

constexpr std::string_view kRunColumns =
    "r.id, r.job, r.status, r.params, r.task_id, r.organization_id, r.exit_code, r.signal, "
    "r.error, r.user_id, r.user_name, r.credential, r.client, r.stopped_by, r.progress_done, "
    "r.progress_total, r.progress_message, r.output_bytes, r.output_limit, r.created_at, "
    "r.started_at, r.finished_at";

// Who may see a run (docs/jobs.md): the user who started it, and, when it is tied to a task,
// whoever may read the task: the members of its organization. Parameters: the user, twice.
constexpr std::string_view kVisible =
    "(r.user_id = ? OR (r.task_id IS NOT NULL AND r.organization_id IN "
    "(SELECT organization_id FROM memberships WHERE user_id = ?)))";

std::optional<int> OptionalInt32(const Row& row, size_t column) {
  const auto value = row.OptionalInt(column);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

Run RunFromRow(Row& row) {
  Run run;
  run.id = row.Int(0);
  run.job = row.TakeText(1);
  run.status = ParseRunStatus(row.Text(2)).value_or(RunStatus::kFailed);
  run.params = row.TakeText(3);
  run.task_id = row.OptionalInt(4);
  run.organization_id = row.OptionalInt(5);
  run.exit_code = OptionalInt32(row, 6);
  run.signal = OptionalInt32(row, 7);
  run.error = row.TakeText(8);
  run.user_id = row.Int(9);
  run.started_by = row.TakeText(10);
  run.credential = row.TakeText(11);
  run.client = row.TakeText(12);
  run.stopped_by = row.TakeOptionalText(13);
  if (!row.IsNull(14)) run.progress = Progress{row.Int(14), row.Int(15), row.Text(16)};
  run.output_bytes = row.Int(17);
  run.output_truncated = run.output_bytes > row.Int(18);
  run.created_at = row.TakeText(19);
  run.started_at = row.TakeOptionalText(20);
  run.finished_at = row.TakeOptionalText(21);
  return run;
}

base::Result<std::optional<Run>> FirstRun(base::Result<store::Rows> rows) {
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Run>();
  return std::optional<Run>(RunFromRow(rows->front()));
}

base::Result<void> Done(base::Result<int64_t> changed) {
  if (!changed) return std::move(changed).error();
  return base::Ok();
}

}  // namespace

base::Result<int64_t> RunRows::Insert(Tx& tx, const NewRunRow& row) {
  const bool running = row.status == RunStatus::kRunning;
  auto rows = tx.Query(
      "INSERT INTO job_runs (job, status, params, organization_id, task_id, mcp_task, user_id, "
      "user_name, credential, client, output_limit, created_at, started_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {row.job, RunStatusName(row.status), row.params, row.organization_id, row.task_id,
       row.mcp_task.empty() ? Param(nullptr) : Param(row.mcp_task), row.user_id, row.user_name,
       row.credential, row.client, row.output_limit, row.now,
       running ? Param(row.now) : Param(nullptr)});
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<void> RunRows::MarkRunning(Tx& tx, int64_t id, std::string_view now) {
  return Done(tx.Execute(
      "UPDATE job_runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'",
      {now, id}));
}

base::Result<void> RunRows::SetProcess(Tx& tx, int64_t id, int pid, uint64_t start_time) {
  return Done(tx.Execute("UPDATE job_runs SET pid = ?, pid_start = ? WHERE id = ?",
                         {pid, static_cast<int64_t>(start_time), id}));
}

base::Result<void> RunRows::SetStoppedBy(Tx& tx, int64_t id, std::string_view user_name) {
  return Done(tx.Execute("UPDATE job_runs SET stopped_by = ? WHERE id = ?", {user_name, id}));
}

base::Result<void> RunRows::Finish(Tx& tx, int64_t id, const Ending& ending) {
  return Done(tx.Execute(
      "UPDATE job_runs SET status = ?, exit_code = ?, signal = ?, error = ?, finished_at = ?, "
      "pid = NULL, pid_start = NULL WHERE id = ?",
      {RunStatusName(ending.status), ending.exit_code, ending.signal,
       ending.error.empty() ? Param(nullptr) : Param(ending.error), ending.now, id}));
}

base::Result<void> RunRows::WriteOutput(Tx& tx, int64_t id, const OutputCapture::Batch& batch,
                                        int64_t head_limit) {
  for (const OutputCapture::Piece& piece : batch.pieces) {
    // A blob: output is bytes, and length() and substr() count bytes only in blobs.
    if (auto inserted = tx.Execute(
            "INSERT INTO job_run_output (run_id, position, data) VALUES (?, ?, CAST(? AS BLOB))",
            {id, piece.position, std::string_view(piece.data)});
        !inserted) {
      return std::move(inserted).error();
    }
  }
  // What fell out of the tail: whole pieces, then the front of the one that crosses its start.
  if (auto dropped = tx.Execute("DELETE FROM job_run_output WHERE run_id = ? AND position >= ? AND "
                                "position + length(data) <= ?",
                                {id, head_limit, batch.tail_start});
      !dropped) {
    return std::move(dropped).error();
  }
  if (auto trimmed = tx.Execute(
          "UPDATE job_run_output SET data = substr(data, ? - position + 1), position = ? "
          "WHERE run_id = ? AND position >= ? AND position < ?",
          {batch.tail_start, batch.tail_start, id, head_limit, batch.tail_start});
      !trimmed) {
    return std::move(trimmed).error();
  }
  if (batch.progress) {
    return Done(
        tx.Execute("UPDATE job_runs SET output_bytes = ?, progress_done = ?, progress_total = ?, "
                   "progress_message = ? WHERE id = ?",
                   {batch.total, batch.progress->done, batch.progress->total,
                    std::string_view(batch.progress->message), id}));
  }
  return Done(tx.Execute("UPDATE job_runs SET output_bytes = ? WHERE id = ?", {batch.total, id}));
}

base::Result<std::optional<Run>> RunRows::Load(Tx& tx, int64_t id) {
  return FirstRun(
      tx.Query("SELECT " + std::string(kRunColumns) + " FROM job_runs r WHERE r.id = ?", {id}));
}

base::Result<std::optional<Run>> RunRows::LoadVisible(Tx& tx, int64_t user_id, int64_t id) {
  return FirstRun(tx.Query("SELECT " + std::string(kRunColumns) +
                               " FROM job_runs r WHERE r.id = ? AND " + std::string(kVisible),
                           {id, user_id, user_id}));
}

base::Result<std::optional<int64_t>> RunRows::FindMcpTask(Tx& tx, int64_t user_id,
                                                          std::string_view mcp_task) {
  auto rows =
      tx.Query("SELECT id FROM job_runs WHERE mcp_task = ? AND user_id = ?", {mcp_task, user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows->front().Int(0));
}

base::Result<std::vector<Run>> RunRows::ListVisible(Tx& tx, int64_t user_id,
                                                    const RunFilter& filter, int64_t before,
                                                    size_t limit) {
  return List(tx, user_id, filter, before, limit);
}

base::Result<std::vector<Run>> RunRows::ListAll(Tx& tx, const RunFilter& filter, int64_t before,
                                                size_t limit) {
  return List(tx, std::nullopt, filter, before, limit);
}

base::Result<std::vector<Run>> RunRows::List(Tx& tx, std::optional<int64_t> user_id,
                                             const RunFilter& filter, int64_t before,
                                             size_t limit) {
  std::string sql = "SELECT " + std::string(kRunColumns) + " FROM job_runs r WHERE " +
                    (user_id ? std::string(kVisible) : std::string("1"));
  std::vector<Param> params;
  if (user_id) params = {*user_id, *user_id};
  if (before > 0) {
    sql += " AND r.id < ?";
    params.emplace_back(before);
  }
  if (filter.job) {
    sql += " AND r.job = ?";
    params.emplace_back(std::string_view(*filter.job));
  }
  if (filter.task_id) {
    sql += " AND r.task_id = ?";
    params.emplace_back(*filter.task_id);
  }
  if (!filter.statuses.empty()) {
    sql += " AND r.status IN (";
    for (size_t i = 0; i < filter.statuses.size(); ++i) {
      sql += i == 0 ? "?" : ", ?";
      params.emplace_back(RunStatusName(filter.statuses[i]));
    }
    sql += ")";
  }
  sql += " ORDER BY r.id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit));
  auto rows = tx.Query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<Run> runs;
  runs.reserve(rows->size());
  for (Row& row : *rows) runs.push_back(RunFromRow(row));
  return runs;
}

base::Result<std::vector<OutputCapture::Piece>> RunRows::ReadOutput(Tx& tx, int64_t id,
                                                                    int64_t offset,
                                                                    size_t max_bytes) {
  // Pieces are at most half the output limit each; a few cover any read.
  auto rows = tx.Query(
      "SELECT position, data FROM job_run_output WHERE run_id = ? AND position + length(data) > ? "
      "ORDER BY position LIMIT 64",
      {id, offset});
  if (!rows) return std::move(rows).error();
  std::vector<OutputCapture::Piece> pieces;
  size_t gathered = 0;
  for (Row& row : *rows) {
    if (gathered >= max_bytes) break;
    pieces.push_back({row.Int(0), row.TakeText(1)});
    gathered += pieces.back().data.size();
  }
  return pieces;
}

base::Result<std::vector<UnfinishedRun>> RunRows::Unfinished(Tx& tx) {
  auto rows = tx.Query("SELECT " + std::string(kRunColumns) +
                       ", r.pid, r.pid_start FROM job_runs r WHERE r.status IN ('queued', "
                       "'running') ORDER BY r.id");
  if (!rows) return std::move(rows).error();
  std::vector<UnfinishedRun> runs;
  for (Row& row : *rows) {
    UnfinishedRun unfinished;
    unfinished.pid = OptionalInt32(row, 22);
    unfinished.pid_start = static_cast<uint64_t>(row.Int(23));
    unfinished.run = RunFromRow(row);
    runs.push_back(std::move(unfinished));
  }
  return runs;
}

base::Result<int64_t> RunRows::DeleteFinishedBefore(Tx& tx, std::string_view cutoff, size_t limit) {
  return tx.Execute(
      "DELETE FROM job_runs WHERE id IN (SELECT id FROM job_runs WHERE finished_at IS NOT NULL "
      "AND finished_at < ? LIMIT ?)",
      {cutoff, static_cast<int64_t>(limit)});
}

}  // namespace taskwire::jobs
