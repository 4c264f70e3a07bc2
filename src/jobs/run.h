#pragma once

// The vocabulary of job runs: plain structs, no wire format (the API layer shapes them).

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskwire::jobs {

enum class RunStatus {
  kQueued,       // waiting for a free slot (max_concurrent, jobs.max_running)
  kRunning,      // its process runs
  kSucceeded,    // exited 0
  kFailed,       // exited non-zero, was killed by a signal, or could not start
  kCancelled,    // stopped by someone
  kTimedOut,     // stopped at its job's timeout
  kInterrupted,  // the server shut down, or crashed, while it was queued or running
};
std::string_view RunStatusName(RunStatus status);  // "queued", "timed_out", ...
std::optional<RunStatus> ParseRunStatus(std::string_view name);
inline bool IsTerminal(RunStatus status) {
  return status != RunStatus::kQueued && status != RunStatus::kRunning;
}

// From the run's last "::progress DONE/TOTAL message" line.
struct Progress {
  int64_t done = 0;
  int64_t total = 0;
  std::string message;
  bool operator==(const Progress&) const = default;
};

struct Run {
  int64_t id = 0;
  std::string job;
  RunStatus status = RunStatus::kQueued;
  std::string params;  // a JSON object; each secret (writeOnly) parameter's value is "[redacted]"
  std::optional<int64_t> task_id;
  std::optional<int64_t> organization_id;  // the task's, else the job's
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string error;  // why it could not start, or what ended it besides its exit
  // Who started it, through which credential ("key:12", "grant:4") and client.
  int64_t user_id = 0;
  std::string started_by;
  std::string credential;
  std::string client;
  std::optional<std::string> stopped_by;
  std::optional<Progress> progress;
  int64_t output_bytes = 0;       // what it wrote so far, kept or not (as stored: see OutputPage)
  bool output_truncated = false;  // more than jobs.max_output: its middle was not kept
  std::string created_at;         // ISO 8601 UTC
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
};

struct StartRequest {
  std::string job;
  boost::json::value params = boost::json::object();  // checked against the job's schema
  std::optional<int64_t> task_id;
  // The MCP task (the tasks extension) this run is, recorded with the run: "" for none. Unique;
  // only the starter finds the run by it (Runs::FindMcpTask).
  std::string mcp_task;
};

struct RunFilter {
  std::optional<std::string> job;
  std::optional<int64_t> task_id;
  std::vector<RunStatus> statuses;  // any of them; empty: all
  size_t limit = 50;                // 1 to 50
  std::string cursor;               // from an earlier page's next_cursor
};

struct RunPage {
  std::vector<Run> runs;    // newest first
  std::string next_cursor;  // "" on the last page
};

// Output read from an offset: bytes as the process wrote them (standard output and error
// interleaved, secrets redacted), not necessarily UTF-8.
struct OutputPage {
  std::string data;
  int64_t offset = 0;       // where `data` starts
  int64_t next_offset = 0;  // where to read on
  int64_t total = 0;        // what the run wrote so far, kept or not
  bool truncated = false;   // some of the output was not kept (its middle)
  // The offset asked for is in the part not kept: `data` starts where the kept tail does.
  bool skipped = false;
  bool finished = false;  // the run is over and next_offset is the end: nothing more will come
};

}  // namespace taskwire::jobs
