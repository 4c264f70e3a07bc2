#include "jobs/run.h"

namespace taskwire::jobs {

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kQueued:
      return "queued";
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kSucceeded:
      return "succeeded";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kCancelled:
      return "cancelled";
    case RunStatus::kTimedOut:
      return "timed_out";
    case RunStatus::kInterrupted:
      return "interrupted";
  }
  return "failed";
}

std::optional<RunStatus> ParseRunStatus(std::string_view name) {
  for (RunStatus status :
       {RunStatus::kQueued, RunStatus::kRunning, RunStatus::kSucceeded, RunStatus::kFailed,
        RunStatus::kCancelled, RunStatus::kTimedOut, RunStatus::kInterrupted}) {
    if (RunStatusName(status) == name) return status;
  }
  return std::nullopt;
}

}  // namespace taskwire::jobs
