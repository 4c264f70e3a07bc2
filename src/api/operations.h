#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/caller.h"
#include "api/usage.h"
#include "base/clock.h"
#include "base/json_writer.h"
#include "base/result.h"
#include "base/worker_pool.h"
#include "mcp/schema.h"
#include "tasks/event_hub.h"
#include "tasks/task_store.h"

namespace taskwire::api {

namespace json = boost::json;

// One thing a caller can do, declared once for both surfaces: the MCP tool of the same name and
// the REST handlers call `run` with the same arguments object, checked against `input` first.
struct Operation {
  std::string name;
  std::string title;
  std::string description;
  std::string scope;  // the scope a credential needs; "" for any credential
  mcp::Schema input = mcp::Schema::Object();
  mcp::Schema output = mcp::Schema::Object();
  json::object annotations;  // MCP tool annotations
  // Blocking (database). The answer is one JSON object, serialized: the hot reads write it as
  // text (base::JsonWriter), the others serialize a tree. Errors as tasks::TaskStore returns them.
  // Null for poll_events (Operations::PollEvents).
  std::function<base::Result<std::string>(const json::object& arguments, const Caller& caller)> run;

  // Whether it changes anything: not marked readOnlyHint. A review-mode caller may not run it
  // (run refuses with PermissionDenied, kReviewModeRefusal).
  bool Writes() const;
};

// The domain as JSON: the operations (docs/tasks.md) and the renderings the resources and prompts
// share. Thread-safe.
class Operations {
 public:
  Operations(tasks::TaskStore& tasks, tasks::EventHub& hub, base::WorkerPool& pool, Usage& usage);

  const std::vector<Operation>& all() const { return operations_; }
  const Operation* Find(std::string_view name) const;

  // poll_events: answers `done` (exactly once, from some thread) with the events after the
  // caller's cursor, waiting up to `timeout` for the first one without holding a thread.
  void PollEvents(const json::object& arguments, std::shared_ptr<const Caller> caller,
                  std::function<void(base::Result<json::object>)> done);

  tasks::TaskStore& tasks() { return tasks_; }

 private:
  void AddOperations();
  void WaitForEvents(std::shared_ptr<const Caller> caller, int64_t after,
                     std::optional<int64_t> task_id, std::chrono::steady_clock::time_point deadline,
                     std::function<void(base::Result<json::object>)> done);

  tasks::TaskStore& tasks_;
  tasks::EventHub& hub_;
  base::WorkerPool& pool_;
  Usage& usage_;
  std::vector<Operation> operations_;
};

// Renderings shared by tools, resources, prompts and REST.
// The Write* functions write an object's members into `out`'s innermost open object, as text;
// the *Json functions are the same objects as trees (the written text, parsed).
void WriteTask(base::JsonWriter& out, const tasks::Task& task, bool full_description);
void WriteTaskDetail(base::JsonWriter& out, const tasks::TaskDetail& detail);
void WriteMessage(base::JsonWriter& out, const tasks::Message& message);
void WriteQuestion(base::JsonWriter& out, const tasks::Question& question);
json::object TaskJson(const tasks::Task& task, bool full_description);
json::object TaskDetailJson(const tasks::TaskDetail& detail);
json::object OrganizationJson(const tasks::Organization& organization);
json::object MessageJson(const tasks::Message& message);
json::object QuestionJson(const tasks::Question& question);
json::object EventJson(const tasks::Event& event);

// What an id must be, in every refusal that names one (prompts, REST paths and queries).
inline constexpr std::string_view kIdRange = "an integer from 1 to 9223372036854775807";

// How long poll_events may wait at most, and by default.
inline constexpr std::chrono::milliseconds kMaxPollWait{60'000};
inline constexpr std::chrono::milliseconds kDefaultPollWait{25'000};

}  // namespace taskwire::api
