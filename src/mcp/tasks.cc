// The tasks extension (io.modelcontextprotocol/tasks, SEP-2663, 2026-07-28): the library's task
// table (expiry, per-subject cap), task ids, and the wire shapes of a task.
#include "mcp/tasks.h"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "base/random.h"

namespace taskwire::mcp {

namespace {

int64_t Milliseconds(std::chrono::milliseconds duration) {
  return static_cast<int64_t>(duration.count());
}

// The members every task shape has (SEP-2663 "Task").
json::object TaskFields(std::string_view task_id, const TaskInfo& info,
                        std::chrono::milliseconds poll_interval) {
  json::object task{{"taskId", task_id},
                    {"status", TaskStatusName(info.status)},
                    {"createdAt", base::FormatIso8601(info.created_at)},
                    {"lastUpdatedAt", base::FormatIso8601(info.last_updated_at)}};
  if (!info.status_message.empty()) task["statusMessage"] = info.status_message;
  // Integer milliseconds; null keeps the task until its keeper deletes it.
  task["ttlMs"] = info.ttl ? json::value(Milliseconds(*info.ttl)) : json::value(nullptr);
  task["pollIntervalMs"] = Milliseconds(info.poll_interval.value_or(poll_interval));
  return task;
}

}  // namespace

std::string_view TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kWorking:
      return "working";
    case TaskStatus::kInputRequired:
      return "input_required";
    case TaskStatus::kCompleted:
      return "completed";
    case TaskStatus::kCancelled:
      return "cancelled";
    case TaskStatus::kFailed:
      return "failed";
  }
  return "failed";
}

bool IsTerminal(TaskStatus status) {
  return status == TaskStatus::kCompleted || status == TaskStatus::kCancelled ||
         status == TaskStatus::kFailed;
}

bool DeclaresTasks(const json::object& client_capabilities) {
  const json::value* extensions = client_capabilities.if_contains("extensions");
  if (extensions == nullptr || !extensions->is_object()) return false;
  const json::value* tasks = extensions->as_object().if_contains(kTasksExtension);
  return tasks != nullptr && tasks->is_object();
}

json::object TasksCapability() {
  return json::object{{"extensions", json::object{{kTasksExtension, json::object{}}}}};
}

std::string NewTaskId(std::string_view tool) {
  std::string id(tool);
  id += ':';
  id += base::RandomToken(16);
  return id;
}

std::string_view TaskTool(std::string_view task_id) {
  const size_t colon = task_id.rfind(':');
  return colon == std::string_view::npos ? std::string_view() : task_id.substr(0, colon);
}

json::object CallToolResult(const ToolResult& result) {
  json::array content;
  json::object out{{"resultType", "complete"}};
  if (result.structured) {
    content.emplace_back(json::object{{"type", "text"}, {"text", *result.structured}});
    std::error_code ec;
    json::value structured = json::parse(*result.structured, ec);
    if (!ec && structured.is_object()) out["structuredContent"] = std::move(structured);
  }
  for (const json::value& block : result.content) content.push_back(block);
  out["content"] = std::move(content);
  if (result.is_error) out["isError"] = true;
  return out;
}

json::object CreateTaskResult(std::string_view task_id, const TaskInfo& info,
                              std::chrono::milliseconds poll_interval) {
  json::object result = TaskFields(task_id, info, poll_interval);
  result["resultType"] = "task";
  return result;
}

json::object DetailedTask(std::string_view task_id, const TaskInfo& info,
                          std::chrono::milliseconds poll_interval) {
  json::object task = TaskFields(task_id, info, poll_interval);
  switch (info.status) {
    case TaskStatus::kInputRequired:
      task["inputRequests"] = info.input_requests;
      break;
    case TaskStatus::kCompleted:
      task["result"] = info.result ? CallToolResult(*info.result) : CallToolResult(ToolResult{});
      break;
    case TaskStatus::kFailed: {
      const RpcError error = info.error.value_or(RpcError::Internal("the task failed"));
      json::object object{{"code", error.code}, {"message", error.message}};
      if (!error.data.is_null()) object["data"] = error.data;
      task["error"] = std::move(object);
      // SEP-2663, "Task Execution Errors": a failed task SHOULD say what went wrong.
      if (info.status_message.empty()) task["statusMessage"] = error.message;
      break;
    }
    case TaskStatus::kWorking:
    case TaskStatus::kCancelled:
      break;
  }
  return task;
}

// ---- MemoryTaskTable ------------------------------------------------------------------------

TaskTable::Added MemoryTaskTable::Add(std::shared_ptr<LocalTask> task) {
  std::lock_guard lock(mutex_);
  const base::SteadyTime now = clock_.Steady();
  if (auto owned = by_subject_.find(task->subject); owned != by_subject_.end()) {
    DropExpired(std::vector(owned->second), now);
  }
  if (auto owned = by_subject_.find(task->subject);
      owned != by_subject_.end() && owned->second.size() >= limits_.max_per_subject) {
    return Added::kSubjectFull;
  }
  if (tasks_.size() >= limits_.max_tasks) {
    std::vector<std::shared_ptr<LocalTask>> all;
    all.reserve(tasks_.size());
    for (const auto& [id, each] : tasks_) all.push_back(each);
    DropExpired(all, now);
    if (tasks_.size() >= limits_.max_tasks) return Added::kFull;
  }
  tasks_.emplace(task->id, task);
  by_subject_[task->subject].push_back(std::move(task));
  return Added::kYes;
}

std::shared_ptr<LocalTask> MemoryTaskTable::Find(std::string_view id, std::string_view subject) {
  std::lock_guard lock(mutex_);
  const auto it = tasks_.find(std::string(id));
  if (it == tasks_.end()) return nullptr;
  std::shared_ptr<LocalTask> task = it->second;
  if (clock_.Steady() >= task->expires) {
    Drop(task);
    return nullptr;
  }
  // Another caller's task does not exist for this one (SEP-2663, "Auth binding").
  return task->subject == subject ? task : nullptr;
}

void MemoryTaskTable::StopAll() {
  std::lock_guard lock(mutex_);
  for (const auto& [id, task] : tasks_) task->stopped.store(true, std::memory_order_release);
}

size_t MemoryTaskTable::size() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void MemoryTaskTable::DropExpired(const std::vector<std::shared_ptr<LocalTask>>& tasks,
                                  base::SteadyTime now) {
  for (const auto& task : tasks) {
    if (now >= task->expires) Drop(task);
  }
}

void MemoryTaskTable::Drop(const std::shared_ptr<LocalTask>& task) {
  // A handler still at work on an expired task is told to stop; its answer has nowhere to go.
  task->stopped.store(true, std::memory_order_release);
  tasks_.erase(task->id);
  if (auto owned = by_subject_.find(task->subject); owned != by_subject_.end()) {
    std::erase(owned->second, task);
    if (owned->second.empty()) by_subject_.erase(owned);
  }
}

}  // namespace taskwire::mcp
