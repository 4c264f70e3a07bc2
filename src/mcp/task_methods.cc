// mcp::Server, the tasks extension (io.modelcontextprotocol/tasks, SEP-2663, 2026-07-28 only): a
// tools/call that becomes a task, the library's tasks run round after round on the worker pool,
// and tasks/get, tasks/update and tasks/cancel for them and for the application's (TaskHooks).
#include "mcp/server_impl.h"

namespace taskwire::mcp {

namespace {

using Impl = Server::Impl;

// What a handler running as one of the library's tasks learns, and how it talks back: no stream
// is open, so progress messages become the task's statusMessage and log messages go nowhere
// (SEP-2663: no progress or message notifications for tasks).
class TaskContext final : public CallContext {
 public:
  TaskContext(std::shared_ptr<LocalTask> task, const base::Clock& clock)
      : task_(std::move(task)), clock_(clock) {
    std::lock_guard lock(task_->mutex);
    principal_ = task_->principal;
    answers_ = std::exchange(task_->answers, {});
    state_ = task_->state;
  }

  const Principal& principal() const override { return principal_; }
  std::string_view protocol_version() const override { return kModernVersion; }
  const json::object& client_capabilities() const override { return task_->client_capabilities; }
  const json::object& input_responses() const override { return answers_; }
  const std::optional<std::string>& request_state() const override { return state_; }
  bool cancelled() const override { return task_->stopped.load(std::memory_order_acquire); }
  void Progress(double, std::optional<double>, std::string_view message) override {
    if (message.empty()) return;
    std::lock_guard lock(task_->mutex);
    if (task_->info.status != TaskStatus::kWorking) return;
    task_->info.status_message = std::string(message);
    task_->info.last_updated_at = clock_.Now();
  }
  void Log(LogLevel, json::value) override {}
  void ReleaseConnection(std::chrono::milliseconds) override {}

 private:
  const std::shared_ptr<LocalTask> task_;
  const base::Clock& clock_;
  Principal principal_;
  json::object answers_;
  std::optional<std::string> state_;
};

RpcError UnknownTask() {
  // One answer for an id that never existed, has expired or is another caller's (SEP-2663,
  // "Error Handling"), so that none can be told from another.
  return RpcError::InvalidParams("no such task: unknown, expired, or not yours");
}

// Every tasks/* method answers only a request that opts into the extension (SEP-2663, -32021).
bool Declared(Impl& impl, Incoming& in) {
  if (DeclaresTasks(*in.client_capabilities)) return true;
  impl.Fail(in, {kMissingRequiredClientCapability,
                 "tasks/* need the io.modelcontextprotocol/tasks extension in the request's "
                 "client capabilities",
                 json::object{{"requiredCapabilities", TasksCapability()}}, 400});
  return false;
}

json::object Acknowledgment(const Impl& impl) {
  json::object ack;
  impl.Decorate(ack, false, {});
  return ack;
}

// tasks/get, tasks/update or tasks/cancel of a task the application keeps, found (and checked to
// be the caller's) with its `get` hook as `info`.
void AnswerApplicationTask(Impl& impl, Call& call, const Tool& tool, const std::string& task_id,
                           const TaskInfo& info, const json::object& responses) {
  const std::string& method = call.setup().method;
  if (method == "tasks/get") {
    json::object out = DetailedTask(task_id, info, impl.task_poll_interval);
    impl.Decorate(out, false, {});
    return call.Finish(out);
  }
  std::optional<RpcError> failed;
  if (method == "tasks/cancel") {
    failed = tool.task_hooks->cancel(call.principal(), task_id);
  } else if (tool.task_hooks->update) {
    failed = tool.task_hooks->update(call.principal(), task_id, responses);
  }
  if (failed) return call.Fail(*failed);
  call.Finish(Acknowledgment(impl));
}

// tasks/get, tasks/update or tasks/cancel of one of the library's tasks.
void AnswerLibraryTask(Impl& impl, Call& call, const std::shared_ptr<LocalTask>& task,
                       const json::object& responses) {
  const std::string& method = call.setup().method;
  std::optional<json::object> detailed;
  bool resume = false;
  {
    std::lock_guard lock(task->mutex);
    TaskInfo& info = task->info;
    if (method == "tasks/get") {
      detailed = DetailedTask(task->id, info, impl.task_poll_interval);
    } else if (method == "tasks/cancel") {
      // Idempotent: a terminal task keeps its state, and the ack is the same (SEP-2663).
      if (!IsTerminal(info.status)) {
        task->stopped.store(true, std::memory_order_release);
        info.status = TaskStatus::kCancelled;
        info.status_message = "cancelled by the client";
        info.input_requests = {};
        task->pending.clear();
        info.last_updated_at = impl.clock.Now();
      }
    } else if (info.status == TaskStatus::kInputRequired) {
      task->principal = call.principal();  // the next round runs for the latest credential
      // Answers to keys not outstanding (never asked, answered already) are ignored; a subset
      // leaves the task waiting for the rest (SEP-2663, "Task Update Requests").
      for (const auto& [key, answer] : responses) {
        const auto pending = task->pending.find(key);
        if (pending == task->pending.end() || !answer.is_object()) continue;
        task->answers[pending->second] = answer;
        info.input_requests.erase(key);
        task->pending.erase(pending);
      }
      if (task->pending.empty()) {
        info.status = TaskStatus::kWorking;
        info.last_updated_at = impl.clock.Now();
        resume = true;
      }
    }
  }
  if (detailed) {
    impl.Decorate(*detailed, false, {});
    return call.Finish(*detailed);
  }
  call.Finish(Acknowledgment(impl));
  if (resume) impl.RunTask(task);  // the next round, on this pool thread, after the ack
}

}  // namespace

// ---- Creating a task --------------------------------------------------------------------------

void Server::Impl::StartTask(Call& call, const Tool& tool, const json::object& arguments) {
  const std::string id = NewTaskId(tool.name);
  if (tool.task_hooks) {
    auto started = tool.task_hooks->start(arguments, call, id);
    if (auto* error = std::get_if<RpcError>(&started)) return call.Fail(*error);
    if (auto* result = std::get_if<ToolResult>(&started)) return FinishTool(call, *result);
    // The application made the task durable before `start` returned.
    json::object out = CreateTaskResult(id, std::get<TaskInfo>(started), task_poll_interval);
    out["_meta"] = json::object{{kMetaServerInfo, ServerInfo()}};
    return call.Finish(out);
  }

  auto task = std::make_shared<LocalTask>();
  task->id = id;
  task->subject = call.principal().subject;
  task->expires = clock.Steady() + task_ttl;
  task->tool = &tool;
  task->arguments = arguments;
  task->client_capabilities = call.client_capabilities();
  task->principal = call.principal();
  // The answers and state of the call's last round (Tool::before_task) are the first round's.
  task->answers = call.input_responses();
  task->state = call.request_state();
  const base::WallTime now = clock.Now();
  task->info = TaskInfo{.subject = task->subject,
                        .status = TaskStatus::kWorking,
                        .status_message = {},
                        .created_at = now,
                        .last_updated_at = now,
                        .ttl = task_ttl,
                        .poll_interval = task_poll_interval,
                        .input_requests = {},
                        .result = std::nullopt,
                        .error = std::nullopt};
  switch (tasks->Add(task)) {
    case TaskTable::Added::kYes:
      break;
    case TaskTable::Added::kSubjectFull:
      return call.Fail({kInternalError,
                        "too many unfinished tasks of yours; wait for one to expire and retry",
                        nullptr, 429});
    case TaskTable::Added::kFull:
      return call.Fail(
          {kInternalError, "the server holds too many tasks; retry later", nullptr, 503});
  }
  // In the table, so durable for this process, before the answer leaves (SEP-2663).
  json::object out;
  {
    std::lock_guard lock(task->mutex);
    out = CreateTaskResult(id, task->info, task_poll_interval);
  }
  out["_meta"] = json::object{{kMetaServerInfo, ServerInfo()}};
  call.Finish(out);
  RunTask(task);  // on this pool thread, now that the answer has left
}

// ---- Running the library's tasks ------------------------------------------------------------

void Server::Impl::RunTask(const std::shared_ptr<LocalTask>& task) {
  // A round that returns only state runs the next round at once.
  for (bool again = true; again && !task->stopped.load(std::memory_order_acquire);) {
    ToolOutcome outcome;
    // Shared: a Deferred outcome keeps it, so the handler may still report progress through it
    // until it resumes (mcp::Deferred).
    auto context = std::make_shared<TaskContext>(task, clock);
    try {
      outcome = task->tool->handler(task->arguments, *context);
    } catch (const std::exception& e) {
      outcome = RpcError::Internal(std::string("the handler failed: ") + e.what());
    }
    again = SettleTask(task, std::move(outcome), std::move(context));
  }
}

bool Server::Impl::SettleTask(const std::shared_ptr<LocalTask>& task, ToolOutcome outcome,
                              std::shared_ptr<CallContext> context) {
  if (auto* later = std::get_if<Deferred>(&outcome)) {
    later->start([this, task, context = std::move(context)](ToolResult result) {
      SettleTask(task, std::move(result));
    });
    return false;
  }
  std::lock_guard lock(task->mutex);
  // Cancelled or expired meanwhile: the task keeps the state it settled in.
  if (task->stopped.load(std::memory_order_acquire) || IsTerminal(task->info.status)) return false;
  TaskInfo& info = task->info;
  info.last_updated_at = clock.Now();
  if (auto* result = std::get_if<ToolResult>(&outcome)) {
    // A tool error is a completed task whose result says isError (SEP-2663, "Error semantics").
    info.status = TaskStatus::kCompleted;
    info.result = std::move(*result);
    return false;
  }
  if (auto* error = std::get_if<RpcError>(&outcome)) {
    info.status = TaskStatus::kFailed;
    info.status_message = error->message;
    info.error = std::move(*error);
    return false;
  }
  InputRequired& input = std::get<InputRequired>(outcome);
  if (auto problem = CheckInputRequests(input, task->client_capabilities)) {
    info.status = TaskStatus::kFailed;
    info.status_message = problem->message;
    info.error = std::move(*problem);
    return false;
  }
  task->state = std::move(input.request_state);
  task->answers = {};
  if (input.input_requests.empty()) return true;
  ++task->round;
  task->pending.clear();
  info.input_requests = {};
  for (auto& [key, request] : input.input_requests) {
    std::string wire = std::to_string(task->round) + "." + std::string(key);
    task->pending.emplace(wire, std::string(key));
    info.input_requests[wire] = std::move(request);
  }
  info.status = TaskStatus::kInputRequired;
  info.status_message = {};
  return false;
}

// ---- tasks/get, tasks/update, tasks/cancel --------------------------------------------------

std::variant<std::shared_ptr<LocalTask>, TaskInfo, RpcError> Server::Impl::FindTask(
    std::string_view task_id, const Principal& principal) {
  const Tool* tool = catalog.FindTool(TaskTool(task_id));
  if (tool == nullptr || tool->task_support == TaskSupport::kNone) return UnknownTask();
  if (!tool->task_hooks) {
    auto task = tasks->Find(task_id, principal.subject);
    if (task == nullptr) return UnknownTask();
    return task;
  }
  auto found = tool->task_hooks->get(principal, task_id);
  if (auto* error = std::get_if<RpcError>(&found)) return std::move(*error);
  if (std::holds_alternative<NotFound>(found)) return UnknownTask();
  TaskInfo& info = std::get<TaskInfo>(found);
  // Bound to its creator whatever the application's lookup did (SEP-2663, "Auth binding").
  if (info.subject.empty() || info.subject != principal.subject) return UnknownTask();
  return std::move(info);
}

void Server::Impl::HandleTaskMethod(Incoming& in) {
  if (!Declared(*this, in)) return;
  const json::value* id = in.message.params.if_contains("taskId");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return Fail(in, RpcError::InvalidParams("params.taskId must be a task id"));
  }
  json::object responses;
  if (in.message.method == "tasks/update") {
    const json::value* given = in.message.params.if_contains("inputResponses");
    if (given == nullptr || !given->is_object()) {
      return Fail(in, RpcError::InvalidParams("params.inputResponses must be an object"));
    }
    responses = given->as_object();
  }
  auto call = StartCall(in);
  if (!call) return;
  // On the pool: the application's hooks may block on its database.
  Run(call,
      [this, task_id = std::string(id->as_string()), responses = std::move(responses)](Call& self) {
        auto found = FindTask(task_id, self.principal());
        if (auto* error = std::get_if<RpcError>(&found)) return self.Fail(*error);
        if (auto* info = std::get_if<TaskInfo>(&found)) {
          return AnswerApplicationTask(*this, self, *catalog.FindTool(TaskTool(task_id)), task_id,
                                       *info, responses);
        }
        AnswerLibraryTask(*this, self, std::get<std::shared_ptr<LocalTask>>(std::move(found)),
                          responses);
      });
}

}  // namespace taskwire::mcp
