#pragma once

// Internal to the mcp module: the tasks extension's tasks that the library runs itself, and the
// table that holds them (see server_impl.h). The application's own tasks (TaskHooks) are kept
// by the application; the wire shapes of both are made here.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "mcp/types.h"

namespace taskwire::mcp {

// The extension's identifier (SEP-2663), the key of its entry under capabilities.extensions.
inline constexpr std::string_view kTasksExtension = "io.modelcontextprotocol/tasks";

// Whether a request's capabilities (params._meta clientCapabilities) opt into the extension.
bool DeclaresTasks(const json::object& client_capabilities);
// {"extensions": {"io.modelcontextprotocol/tasks": {}}}: what -32021 says is missing.
json::object TasksCapability();

// Task ids: "<tool>:<22 base64url characters of 128 random bits>". The tool part routes
// tasks/get, tasks/update and tasks/cancel to the tool's hooks or to the library's table, and
// names the scope a caller must hold; the random part makes the id unguessable.
std::string NewTaskId(std::string_view tool);
// The tool part of `task_id`; "" when it has none.
std::string_view TaskTool(std::string_view task_id);

// The wire shapes (SEP-2663): the flat CreateTaskResult (resultType "task", no result, error or
// inputRequests), and the DetailedTask of tasks/get, which inlines what its status carries.
// Neither carries requestState. `poll_interval` stands in for a TaskInfo that suggests none.
json::object CreateTaskResult(std::string_view task_id, const TaskInfo& info,
                              std::chrono::milliseconds poll_interval);
json::object DetailedTask(std::string_view task_id, const TaskInfo& info,
                          std::chrono::milliseconds poll_interval);
// A tool's result as the CallToolResult a completed task inlines.
json::object CallToolResult(const ToolResult& result);

// A task the library runs: the tool's handler in the background, round after round.
struct LocalTask {
  std::string id;
  std::string subject;  // the creator's Principal::subject; no one else finds the task
  base::SteadyTime expires;
  const Tool* tool = nullptr;
  json::object arguments;
  json::object client_capabilities;  // of the request that created it
  // Cancelled, or expired: the handler is told to stop (CallContext::cancelled) and what it
  // returns is dropped.
  std::atomic<bool> stopped{false};

  std::mutex mutex;     // guards everything below
  TaskInfo info;        // what tasks/get answers; info.input_requests are keyed by wire keys
  Principal principal;  // of the latest request for the task, for the handler's next round
  // The outstanding input requests: wire key -> the key the handler chose. Wire keys are
  // "<round>.<key>", so no key is used twice in a task's life (SEP-2663, tasks/update).
  std::map<std::string, std::string, std::less<>> pending;
  uint64_t round = 0;
  json::object answers;              // the answers of this round so far, by the handler's key
  std::optional<std::string> state;  // the handler's request_state for its next round
};

// Where the library's tasks live. The in-memory table below is the first implementation; one kept
// in a database, so that tasks outlive a restart, can take its place. Thread-safe.
class TaskTable {
 public:
  enum class Added { kYes, kSubjectFull, kFull };
  virtual ~TaskTable() = default;
  // Adds a new task, first dropping the expired tasks of its subject (and, when the table is
  // full, everyone's). A task is never dropped before it expires: kSubjectFull when its subject
  // already holds its cap of unexpired tasks, kFull when the table does.
  virtual Added Add(std::shared_ptr<LocalTask> task) = 0;
  // The unexpired task `id` of `subject`; nullptr for an unknown, expired or someone else's one.
  virtual std::shared_ptr<LocalTask> Find(std::string_view id, std::string_view subject) = 0;
  // Tells every task's handler to stop (a shutdown); the tasks stay readable.
  virtual void StopAll() = 0;
  virtual size_t size() const = 0;
};

struct TaskLimits {
  size_t max_per_subject = 100;
  size_t max_tasks = 10'000;
};

class MemoryTaskTable final : public TaskTable {
 public:
  MemoryTaskTable(TaskLimits limits, const base::Clock& clock) : limits_(limits), clock_(clock) {}

  Added Add(std::shared_ptr<LocalTask> task) override;
  std::shared_ptr<LocalTask> Find(std::string_view id, std::string_view subject) override;
  void StopAll() override;
  size_t size() const override;

 private:
  // With mutex_ held.
  void Drop(const std::shared_ptr<LocalTask>& task);
  void DropExpired(const std::vector<std::shared_ptr<LocalTask>>& tasks, base::SteadyTime now);

  const TaskLimits limits_;
  const base::Clock& clock_;
  mutable std::mutex mutex_;  // guards tasks_ and by_subject_
  std::unordered_map<std::string, std::shared_ptr<LocalTask>> tasks_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<LocalTask>>> by_subject_;
};

}  // namespace taskwire::mcp
