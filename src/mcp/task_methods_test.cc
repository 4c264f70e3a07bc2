// The tasks extension (SEP-2663, 2026-07-28) through mcp::Server: a tools/call that becomes a
// task, the library's tasks and the application's (TaskHooks), and tasks/get, tasks/update and
// tasks/cancel, with each refusal. The table alone is in tasks_test.cc.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "base/clock.h"
#include "mcp/server.h"
#include "mcp/server_test.h"
#include "testing/fake_clock.h"

namespace taskwire::mcp {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kExtension = "io.modelcontextprotocol/tasks";

json::object WithTasks() {
  return json::object{{"elicitation", json::object{}},
                      {"extensions", json::object{{kExtension, json::object{}}}}};
}
json::object WithoutTasks() { return json::object{{"elicitation", json::object{}}}; }

json::object Elicit(std::string_view message) {
  return json::object{
      {"method", "elicitation/create"},
      {"params", json::object{{"mode", "form"},
                              {"message", message},
                              {"requestedSchema", json::object{{"type", "object"}}}}}};
}

json::object Accept(std::string_view name) {
  return json::object{{"action", "accept"}, {"content", json::object{{"name", name}}}};
}

std::string NameIn(const CallContext& context, std::string_view key) {
  const json::value* answer = context.input_responses().if_contains(key);
  if (answer == nullptr) return "";
  return std::string(answer->at("content").at("name").as_string());
}

// An application's own records of its tasks, as a database would keep them: the hooks below
// read and write these rows. Thread-safe.
class FakeRuns {
 public:
  struct Row {
    TaskInfo info;
    bool cancel_asked = false;
    json::object answers;
  };

  TaskHooks Hooks(const base::Clock& clock) {
    return TaskHooks{
        .start = [this, &clock](
                     const json::object& arguments, CallContext& context,
                     std::string_view task_id) -> std::variant<TaskInfo, ToolResult, RpcError> {
          if (arguments.contains("refuse")) return RpcError::InvalidParams("no such job");
          if (arguments.contains("instant")) return ToolResult::Text("done at once");
          std::lock_guard lock(mutex_);
          Row& row = rows_[std::string(task_id)];
          row.info = TaskInfo{.subject = context.principal().subject,
                              .status = TaskStatus::kWorking,
                              .status_message = "queued",
                              .created_at = clock.Now(),
                              .last_updated_at = clock.Now(),
                              .ttl = std::nullopt,
                              .poll_interval = 5s,
                              .input_requests = {},
                              .result = std::nullopt,
                              .error = std::nullopt};
          return row.info;
        },
        // Deliberately careless: it finds a row whatever the caller, so the test shows that the
        // library's own check keeps another caller out.
        .get = [this](const Principal&,
                      std::string_view task_id) -> std::variant<TaskInfo, NotFound, RpcError> {
          std::lock_guard lock(mutex_);
          if (busy_) return RpcError::Internal("the database is busy; retry");
          const auto row = rows_.find(std::string(task_id));
          if (row == rows_.end()) return NotFound{};
          return row->second.info;
        },
        .cancel = [this](const Principal&, std::string_view task_id) -> std::optional<RpcError> {
          std::lock_guard lock(mutex_);
          Row& row = rows_.at(std::string(task_id));
          row.cancel_asked = true;
          if (!IsTerminal(row.info.status)) row.info.status = TaskStatus::kCancelled;
          return std::nullopt;
        },
        .update = [this](const Principal&, std::string_view task_id,
                         const json::object& input_responses) -> std::optional<RpcError> {
          std::lock_guard lock(mutex_);
          rows_.at(std::string(task_id)).answers = input_responses;
          return std::nullopt;
        }};
  }

  Row Get(const std::string& id) {
    std::lock_guard lock(mutex_);
    return rows_.at(id);
  }
  void Finish(const std::string& id, ToolResult result) {
    std::lock_guard lock(mutex_);
    rows_.at(id).info.status = TaskStatus::kCompleted;
    rows_.at(id).info.result = std::move(result);
  }
  void SetBusy(bool busy) {
    std::lock_guard lock(mutex_);
    busy_ = busy;
  }

 private:
  std::mutex mutex_;  // guards rows_ and busy_
  std::map<std::string, Row> rows_;
  bool busy_ = false;
};

class TasksTest : public ::testing::Test {
 protected:
  void SetUp() override { Register(server_); }
  // No handler may outlive the server it reports to.
  void TearDown() override {
    server_.StopTasks();
    pool_.Shutdown();
  }

  void Register(Server& server) {
    server.AddTool(Tool{.name = "echo",
                        .description = "Never a task.",
                        .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                          return ToolResult::Text("echoed");
                        }});
    server.AddTool(Tool{.name = "quick",
                        .description = "A task when asked.",
                        .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                          return ToolResult::Text("quick done");
                        },
                        .task_support = TaskSupport::kOptional});
    server.AddTool(
        Tool{.name = "blocker",
             .description = "Works until released or cancelled.",
             .handler = [this](const json::object&, CallContext& context) -> ToolOutcome {
               context.Progress(1, 2, "halfway");
               blocker_started_ = true;
               while (!release_.load() && !context.cancelled()) {
                 std::this_thread::sleep_for(1ms);
               }
               if (context.cancelled()) {
                 saw_cancel_ = true;
                 return ToolResult::Text("stopped");
               }
               return ToolResult::Text("released");
             },
             .task_support = TaskSupport::kOptional});
    server.AddTool(
        Tool{.name = "deferred",
             .description = "Answers later, reporting progress meanwhile.",
             .handler = [this](const json::object&, CallContext& context) -> ToolOutcome {
               return Deferred{[this, &context](std::function<void(ToolResult)> resume) {
                 std::lock_guard lock(deferred_mutex_);
                 deferred_context_ = &context;
                 deferred_resume_ = std::move(resume);
               }};
             },
             .task_support = TaskSupport::kOptional});
    server.AddTool(Tool{.name = "tool_error",
                        .description = "Only a task; a tool error.",
                        .handler = [this](const json::object&, CallContext&) -> ToolOutcome {
                          ++tool_error_runs_;
                          return ToolResult::Error("the job failed");
                        },
                        .task_support = TaskSupport::kRequired});
    server.AddTool(
        Tool{.name = "rpc_error",
             .description = "A JSON-RPC error.",
             .handler = [](const json::object&, CallContext&) -> ToolOutcome {
               return RpcError{kInternalError, "boom", json::object{{"why", "test"}}, 200};
             },
             .task_support = TaskSupport::kOptional});
    server.AddTool(
        Tool{.name = "two_questions",
             .description = "Asks two things at once.",
             .handler = [this](const json::object&, CallContext& context) -> ToolOutcome {
               ++two_question_rounds_;
               if (NameIn(context, "first").empty() || NameIn(context, "second").empty()) {
                 return InputRequired{
                     json::object{{"first", Elicit("First?")}, {"second", Elicit("Second?")}},
                     "round one"};
               }
               EXPECT_EQ(context.request_state(), std::optional<std::string>("round one"));
               return ToolResult::Text(NameIn(context, "first") + "+" + NameIn(context, "second"));
             },
             .task_support = TaskSupport::kOptional});
    server.AddTool(Tool{.name = "wants_sampling",
                        .description = "Asks for sampling, which the client did not declare.",
                        .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                          return InputRequired{
                              json::object{{"s", json::object{{"method", "sampling/createMessage"},
                                                              {"params", json::object{}}}}},
                              std::nullopt};
                        },
                        .task_support = TaskSupport::kOptional});
    server.AddTool(Tool{
        .name = "named",
        .description = "Asks a name before its task exists.",
        .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
          return ToolResult::Text("Hello, " + NameIn(context, "name"));
        },
        .task_support = TaskSupport::kRequired,
        .before_task = [](const json::object&, CallContext& context) -> std::optional<ToolOutcome> {
          if (context.request_state() && !NameIn(context, "name").empty()) return std::nullopt;
          return ToolOutcome(InputRequired{json::object{{"name", Elicit("Name?")}}, "asked"});
        }});
    server.AddTool(Tool{.name = "scoped",
                        .description = "Needs a scope.",
                        .scope = "jobs:run",
                        .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                          return ToolResult::Text("ran");
                        },
                        .task_support = TaskSupport::kOptional});
    server.AddTool(Tool{.name = "app",
                        .description = "The application keeps its tasks.",
                        .input = Schema::Object()
                                     .Property("refuse", Schema::Boolean())
                                     .Property("instant", Schema::Boolean()),
                        .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                          return ToolResult::Text("ran without a task");
                        },
                        .task_support = TaskSupport::kOptional,
                        .task_hooks = runs_.Hooks(clock_)});
  }

  std::shared_ptr<Recorder> Post(http::Request request, const Principal& principal,
                                 Server* server = nullptr) {
    auto recorder = PostTo(server ? *server : server_, std::move(request), principal);
    EXPECT_TRUE(recorder->WaitDone());
    return recorder;
  }

  std::shared_ptr<Recorder> CallTool(std::string_view name, json::object capabilities,
                                     json::object extra = {}, Server* server = nullptr,
                                     const Principal* principal = nullptr) {
    extra["name"] = name;
    return Post(ModernRequest("tools/call", std::move(extra), next_id_++, std::move(capabilities)),
                principal ? *principal : alice_, server);
  }

  std::shared_ptr<Recorder> TaskMethod(std::string_view method, std::string_view task_id,
                                       json::object extra = {},
                                       json::object capabilities = WithTasks(),
                                       const Principal* principal = nullptr) {
    extra["taskId"] = task_id;
    return Post(ModernRequest(method, std::move(extra), next_id_++, std::move(capabilities)),
                principal ? *principal : alice_);
  }

  // Starts a task of `tool` and returns its id.
  std::string StartTask(std::string_view tool) {
    const json::value result = CallTool(tool, WithTasks())->Message().at("result");
    EXPECT_EQ(result.at("resultType"), "task") << json::serialize(result);
    return std::string(result.at("taskId").as_string());
  }

  json::value Get(std::string_view task_id) {
    return TaskMethod("tasks/get", task_id)->Message().at("result");
  }

  // Until the blocker's handler runs (it starts on the pool after the CreateTaskResult).
  void WaitForBlocker() {
    for (int i = 0; i < 5000 && !blocker_started_.load(); ++i) std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(blocker_started_.load());
  }

  // The task once it has left `status` (the handler runs on the pool); at most a few seconds.
  json::value WaitWhile(std::string_view task_id, std::string_view status) {
    json::value task = Get(task_id);
    for (int i = 0; i < 5000 && task.at("status").as_string() == status; ++i) {
      std::this_thread::sleep_for(1ms);
      task = Get(task_id);
    }
    return task;
  }

  testing::FakeClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
  base::WorkerPool pool_{4, 100};
  FakeRuns runs_;
  Server server_{
      ServerOptions{.name = "test", .version = "1.0", .task_ttl = 60s, .task_poll_interval = 250ms},
      pool_, clock_, logger_};
  Principal alice_{.subject = "alice", .scopes = {}, .data = nullptr};
  Principal bob_{.subject = "bob", .scopes = {}, .data = nullptr};
  std::atomic<bool> release_{false};
  std::atomic<bool> saw_cancel_{false};
  std::atomic<bool> blocker_started_{false};
  std::atomic<int> tool_error_runs_{0};
  std::atomic<int> two_question_rounds_{0};
  std::mutex deferred_mutex_;  // guards the two below
  CallContext* deferred_context_ = nullptr;
  std::function<void(ToolResult)> deferred_resume_;
  int64_t next_id_ = 1;
};

TEST_F(TasksTest, DiscoverAdvertisesTheExtensionOnly) {
  const json::value result =
      Post(ModernRequest("server/discover", {}, 1, WithoutTasks()), alice_)->Message().at("result");
  const json::object& capabilities = result.at("capabilities").as_object();
  EXPECT_EQ(capabilities.at("extensions").at(kExtension), json::object{});
  EXPECT_FALSE(capabilities.contains("tasks")) << "no 2025-11-25 capabilities.tasks";
}

TEST_F(TasksTest, AServerWithoutTaskToolsHasNoTaskMethods) {
  Server plain(ServerOptions{}, pool_, clock_, logger_);
  plain.AddTool(Tool{.name = "echo",
                     .description = "x",
                     .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                       return ToolResult::Text("x");
                     }});
  const json::value discover =
      Post(ModernRequest("server/discover", {}, 1, WithTasks()), alice_, &plain)->Message();
  EXPECT_FALSE(discover.at("result").at("capabilities").as_object().contains("extensions"));
  auto get =
      Post(ModernRequest("tasks/get", {{"taskId", "echo:x"}}, 2, WithTasks()), alice_, &plain);
  EXPECT_EQ(get->ErrorCode(), kMethodNotFound);
}

TEST_F(TasksTest, ARequestThatOptsInGetsAFlatCreateTaskResultThatIsFoundAtOnce) {
  release_ = false;
  const json::value created = CallTool("blocker", WithTasks())->Message().at("result");
  const json::object& task = created.as_object();
  EXPECT_EQ(task.at("resultType"), "task");
  EXPECT_EQ(task.at("status"), "working");
  EXPECT_EQ(task.at("ttlMs"), 60'000);
  EXPECT_EQ(task.at("pollIntervalMs"), 250);
  EXPECT_TRUE(static_cast<bool>(base::ParseIso8601(task.at("createdAt").as_string())));
  EXPECT_TRUE(static_cast<bool>(base::ParseIso8601(task.at("lastUpdatedAt").as_string())));
  for (std::string_view absent : {"task", "result", "error", "inputRequests", "requestState", "ttl",
                                  "pollInterval", "content"}) {
    EXPECT_FALSE(task.contains(absent)) << absent;
  }
  // "<tool>:" and 22 base64url characters: 128 random bits.
  const std::string id(task.at("taskId").as_string());
  ASSERT_TRUE(id.starts_with("blocker:"));
  EXPECT_EQ(id.size(), std::string_view("blocker:").size() + 22);
  EXPECT_NE(StartTask("quick"), StartTask("quick"));

  // Durable before it was sent: the very next request finds it.
  const json::value got = Get(id);
  EXPECT_EQ(got.at("taskId").as_string(), id);
  EXPECT_EQ(got.at("resultType"), "complete");
  release_ = true;
  EXPECT_EQ(WaitWhile(id, "working").at("status"), "completed");
}

TEST_F(TasksTest, WithoutTheOptInAnOptionalToolAnswersAsAnOrdinaryCall) {
  const json::value result = CallTool("quick", WithoutTasks())->Message().at("result");
  EXPECT_EQ(result.at("resultType"), "complete");
  EXPECT_EQ(result.at("content").at(0).at("text"), "quick done");
  EXPECT_FALSE(result.as_object().contains("taskId"));
}

TEST_F(TasksTest, AToolWithoutTaskSupportIsNeverATaskAndALegacyTaskParamIsIgnored) {
  const json::value result =
      CallTool("echo", WithTasks(), json::object{{"task", json::object{{"ttl", 60000}}}})
          ->Message()
          .at("result");
  EXPECT_EQ(result.at("resultType"), "complete");
  EXPECT_EQ(result.at("content").at(0).at("text"), "echoed");
}

TEST_F(TasksTest, ARequiredTaskWithoutTheOptInIsMissingCapabilityBeforeTheHandlerRuns) {
  auto refused = CallTool("tool_error", WithoutTasks());
  EXPECT_EQ(refused->status(), 400);
  EXPECT_EQ(refused->ErrorCode(), kMissingRequiredClientCapability);
  EXPECT_EQ(refused->Message().at("error").at("data").at("requiredCapabilities").at("extensions"),
            (json::object{{kExtension, json::object{}}}));
  EXPECT_EQ(tool_error_runs_.load(), 0);
}

TEST_F(TasksTest, TaskMethodsNeedTheOptInOnEveryRequest) {
  const std::string id = StartTask("quick");
  for (std::string_view method : {"tasks/get", "tasks/update", "tasks/cancel"}) {
    auto refused =
        TaskMethod(method, id, json::object{{"inputResponses", json::object{}}}, WithoutTasks());
    EXPECT_EQ(refused->status(), 400) << method;
    EXPECT_EQ(refused->ErrorCode(), kMissingRequiredClientCapability) << method;
    EXPECT_TRUE(refused->Message()
                    .at("error")
                    .at("data")
                    .at("requiredCapabilities")
                    .at("extensions")
                    .as_object()
                    .contains(kExtension))
        << method;
  }
}

TEST_F(TasksTest, TasksResultAndTasksListAreRemoved) {
  for (std::string_view method : {"tasks/result", "tasks/list"}) {
    auto answer = TaskMethod(method, "quick:x");
    EXPECT_EQ(answer->ErrorCode(), kMethodNotFound) << method;
  }
}

TEST_F(TasksTest, AnUnknownIdAndAnotherCallersIdGetTheSameInvalidParams) {
  const std::string id = StartTask("quick");
  auto unknown = TaskMethod("tasks/get", "quick:AAAAAAAAAAAAAAAAAAAAAA");
  auto no_tool = TaskMethod("tasks/get", "tasks-conformance-nonexistent-12345");
  auto theirs = TaskMethod("tasks/get", id, {}, WithTasks(), &bob_);
  for (const auto* answer : {unknown.get(), no_tool.get(), theirs.get()}) {
    EXPECT_EQ(answer->ErrorCode(), kInvalidParams);
    EXPECT_EQ(answer->Message().at("error").at("message"),
              unknown->Message().at("error").at("message"));
  }
  // Nor may another caller cancel or feed it.
  EXPECT_EQ(TaskMethod("tasks/cancel", id, {}, WithTasks(), &bob_)->ErrorCode(), kInvalidParams);
  EXPECT_EQ(TaskMethod("tasks/update", id, {{"inputResponses", json::object{}}}, WithTasks(), &bob_)
                ->ErrorCode(),
            kInvalidParams);
  EXPECT_NE(WaitWhile(id, "working").at("status"), "cancelled");
}

TEST_F(TasksTest, McpNameMustBeTheTaskId) {
  const std::string id = StartTask("quick");
  http::Request wrong = ModernRequest("tasks/get", {{"taskId", id}}, 1, WithTasks());
  wrong.headers.Set("Mcp-Name", "quick:someone-else");
  auto mismatch = Post(std::move(wrong), alice_);
  EXPECT_EQ(mismatch->status(), 400);
  EXPECT_EQ(mismatch->ErrorCode(), kHeaderMismatch);
  http::Request missing = ModernRequest("tasks/cancel", {{"taskId", id}}, 2, WithTasks());
  missing.headers.Remove("Mcp-Name");
  EXPECT_EQ(Post(std::move(missing), alice_)->ErrorCode(), kHeaderMismatch);
  http::Request no_id = ModernRequest("tasks/get", {}, 3, WithTasks());
  no_id.headers.Set("Mcp-Name", id);
  EXPECT_EQ(Post(std::move(no_id), alice_)->ErrorCode(), kHeaderMismatch);
}

TEST_F(TasksTest, ACompletedTaskInlinesItsResult) {
  const json::value task = WaitWhile(StartTask("quick"), "working");
  EXPECT_EQ(task.at("status"), "completed");
  EXPECT_EQ(task.at("result").at("content").at(0).at("text"), "quick done");
  EXPECT_FALSE(task.at("result").as_object().contains("isError"));
  EXPECT_FALSE(task.as_object().contains("error"));
  EXPECT_FALSE(task.as_object().contains("requestState"));
}

TEST_F(TasksTest, AToolErrorCompletesWithIsErrorAndAProtocolErrorFails) {
  const json::value tool_error = WaitWhile(StartTask("tool_error"), "working");
  EXPECT_EQ(tool_error.at("status"), "completed");
  EXPECT_EQ(tool_error.at("result").at("isError"), true);

  const json::value failed = WaitWhile(StartTask("rpc_error"), "working");
  EXPECT_EQ(failed.at("status"), "failed");
  EXPECT_EQ(failed.at("error").at("code"), kInternalError);
  EXPECT_EQ(failed.at("error").at("message"), "boom");
  EXPECT_EQ(failed.at("error").at("data").at("why"), "test");
  EXPECT_EQ(failed.at("statusMessage"), "boom");
  EXPECT_FALSE(failed.as_object().contains("result"));
}

TEST_F(TasksTest, CancelAcksEmptyStopsTheHandlerAndSettlesCancelled) {
  release_ = false;
  const std::string id = StartTask("blocker");
  WaitForBlocker();
  const json::value ack = TaskMethod("tasks/cancel", id)->Message().at("result");
  EXPECT_EQ(ack.at("resultType"), "complete");
  for (std::string_view absent : {"taskId", "status", "result", "error", "inputRequests"}) {
    EXPECT_FALSE(ack.as_object().contains(absent)) << absent;
  }
  EXPECT_EQ(Get(id).at("status"), "cancelled");
  for (int i = 0; i < 5000 && !saw_cancel_.load(); ++i) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(saw_cancel_.load()) << "the handler learns of it through cancelled()";
  // What the stopped handler returned is dropped: the task stays cancelled.
  EXPECT_EQ(Get(id).at("status"), "cancelled");
  // Cancelling again is the same ack.
  EXPECT_EQ(TaskMethod("tasks/cancel", id)->Message().at("result").at("resultType"), "complete");
}

TEST_F(TasksTest, CancellingAFinishedTaskAcksAndKeepsItsState) {
  const std::string id = StartTask("quick");
  ASSERT_EQ(WaitWhile(id, "working").at("status"), "completed");
  auto ack = TaskMethod("tasks/cancel", id);
  EXPECT_EQ(ack->status(), 200);
  EXPECT_EQ(ack->Message().at("result").at("resultType"), "complete");
  EXPECT_EQ(Get(id).at("status"), "completed");
}

TEST_F(TasksTest, InputRequestsAreAnsweredWithUpdatesPartialAnswersKeepTheRestWaiting) {
  const std::string id = StartTask("two_questions");
  const json::value waiting = WaitWhile(id, "working");
  ASSERT_EQ(waiting.at("status"), "input_required");
  const json::object& requests = waiting.at("inputRequests").as_object();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(waiting.as_object().contains("requestState"));
  std::vector<std::string> keys;
  for (const auto& [key, request] : requests) {
    keys.emplace_back(key);
    EXPECT_EQ(request.at("method"), "elicitation/create");
  }
  // A key never asked and a key answered are ignored; the ack is the same.
  auto ignored = TaskMethod("tasks/update", id,
                            {{"inputResponses", json::object{{"unknown-key", Accept("x")}}}});
  EXPECT_EQ(ignored->Message().at("result").at("resultType"), "complete");
  EXPECT_EQ(Get(id).at("inputRequests").as_object().size(), 2u);

  const std::string first = keys[0] < keys[1] ? keys[0] : keys[1];
  const std::string second = keys[0] < keys[1] ? keys[1] : keys[0];
  const json::value ack =
      TaskMethod("tasks/update", id, {{"inputResponses", json::object{{first, Accept("A")}}}})
          ->Message()
          .at("result");
  EXPECT_EQ(ack.at("resultType"), "complete");
  EXPECT_FALSE(ack.as_object().contains("status"));
  const json::value partial = Get(id);
  EXPECT_EQ(partial.at("status"), "input_required");
  EXPECT_EQ(partial.at("inputRequests").as_object().size(), 1u);
  EXPECT_TRUE(partial.at("inputRequests").as_object().contains(second));
  EXPECT_EQ(two_question_rounds_.load(), 1) << "no round before every answer is in";

  TaskMethod("tasks/update", id,
             {{"inputResponses", json::object{{second, Accept("B")}, {first, Accept("late")}}}});
  const json::value done = WaitWhile(id, "input_required");
  const json::value finished = done.at("status") == "working" ? WaitWhile(id, "working") : done;
  EXPECT_EQ(finished.at("status"), "completed");
  // The handler saw its own keys, and the first answer given for each.
  EXPECT_EQ(finished.at("result").at("content").at(0).at("text"), "A+B");
}

TEST_F(TasksTest, AnUpdateWithoutAnObjectOfResponsesIsInvalidParams) {
  const std::string id = StartTask("two_questions");
  EXPECT_EQ(TaskMethod("tasks/update", id, {{"inputResponses", 12}})->ErrorCode(), kInvalidParams);
  EXPECT_EQ(TaskMethod("tasks/update", id)->ErrorCode(), kInvalidParams);
  EXPECT_EQ(TaskMethod("tasks/get", "")->ErrorCode(), kInvalidParams);
}

TEST_F(TasksTest, AnInputRequestTheCreatingRequestCannotAnswerFailsTheTask) {
  const json::value task = WaitWhile(StartTask("wants_sampling"), "working");
  EXPECT_EQ(task.at("status"), "failed");
  EXPECT_EQ(task.at("error").at("code"), kInvalidParams);
}

TEST_F(TasksTest, ProgressBecomesTheStatusMessage) {
  release_ = false;
  const std::string id = StartTask("blocker");
  json::value task = Get(id);
  for (int i = 0; i < 5000 && !task.as_object().contains("statusMessage"); ++i) {
    std::this_thread::sleep_for(1ms);
    task = Get(id);
  }
  EXPECT_EQ(task.at("statusMessage"), "halfway");
  release_ = true;
  EXPECT_EQ(WaitWhile(id, "working").at("status"), "completed");
}

// A library task whose handler answers later may report progress through its context until it
// resumes: the context outlives the round that returned the Deferred (ASan would see it freed).
TEST_F(TasksTest, ADeferredTaskReportsProgressThroughItsContextUntilItResumes) {
  const std::string id = StartTask("deferred");
  CallContext* context = nullptr;
  std::function<void(ToolResult)> resume;
  for (int i = 0; i < 5000 && !resume; ++i) {
    std::this_thread::sleep_for(1ms);
    std::lock_guard lock(deferred_mutex_);
    context = deferred_context_;
    resume = deferred_resume_;
  }
  ASSERT_TRUE(resume);
  std::this_thread::sleep_for(20ms);  // the round that returned the Deferred has ended
  std::thread([context] { context->Progress(3, 4, "three of four"); }).join();
  EXPECT_EQ(Get(id).at("statusMessage"), "three of four");
  std::thread([resume] { resume(ToolResult::Text("later")); }).join();
  const json::value task = WaitWhile(id, "working");
  EXPECT_EQ(task.at("status"), "completed");
  EXPECT_EQ(task.at("result").at("content").at(0).at("text"), "later");
}

TEST_F(TasksTest, StoppingTasksForAShutdownEndsTheirHandlers) {
  release_ = false;
  const std::string id = StartTask("blocker");
  WaitForBlocker();
  server_.StopTasks();
  for (int i = 0; i < 5000 && !saw_cancel_.load(); ++i) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(saw_cancel_.load());
  EXPECT_EQ(Get(id).at("status"), "working") << "what it returned then is dropped";
}

TEST_F(TasksTest, ATaskIsGoneOnceItsTtlHasPassed) {
  const std::string id = StartTask("quick");
  ASSERT_EQ(WaitWhile(id, "working").at("status"), "completed");
  clock_.Advance(59s);
  EXPECT_EQ(Get(id).at("status"), "completed") << "never before its ttlMs";
  clock_.Advance(1s);
  EXPECT_EQ(TaskMethod("tasks/get", id)->ErrorCode(), kInvalidParams);
  EXPECT_EQ(TaskMethod("tasks/cancel", id)->ErrorCode(), kInvalidParams);
}

TEST_F(TasksTest, OneSubjectHoldsAtMostItsCapOfUnexpiredTasks) {
  Server capped(ServerOptions{.task_ttl = 60s, .max_tasks_per_subject = 2}, pool_, clock_, logger_);
  Register(capped);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(CallTool("quick", WithTasks(), {}, &capped)->Message().at("result").at("resultType"),
              "task");
  }
  auto refused = CallTool("quick", WithTasks(), {}, &capped);
  EXPECT_EQ(refused->status(), 429);
  EXPECT_EQ(refused->ErrorCode(), kInternalError);
  // Another caller has room of its own; and expired tasks make room.
  EXPECT_EQ(
      CallTool("quick", WithTasks(), {}, &capped, &bob_)->Message().at("result").at("resultType"),
      "task");
  clock_.Advance(61s);
  EXPECT_EQ(CallTool("quick", WithTasks(), {}, &capped)->Message().at("result").at("resultType"),
            "task");
  pool_.Shutdown();  // the tasks' handlers end before `capped` does
}

TEST_F(TasksTest, InputBeforeTheTaskIsAskedInTheCallThenTheTaskUsesIt) {
  const json::value round1 = CallTool("named", WithTasks())->Message().at("result");
  EXPECT_EQ(round1.at("resultType"), "input_required");
  EXPECT_FALSE(round1.as_object().contains("taskId"));
  ASSERT_TRUE(round1.as_object().contains("requestState"));
  const json::value round2 = CallTool("named", WithTasks(),
                                      {{"inputResponses", json::object{{"name", Accept("Ada")}}},
                                       {"requestState", round1.at("requestState")}})
                                 ->Message()
                                 .at("result");
  EXPECT_EQ(round2.at("resultType"), "task");
  EXPECT_FALSE(round2.as_object().contains("requestState"));
  const json::value task = WaitWhile(std::string(round2.at("taskId").as_string()), "working");
  EXPECT_EQ(task.at("result").at("content").at(0).at("text"), "Hello, Ada");
}

TEST_F(TasksTest, TheToolsScopeIsCheckedOnEveryTaskRequest) {
  Principal runner{
      .subject = "alice",
      .scopes = std::make_shared<const Principal::Scopes>(Principal::Scopes{"jobs:run"}),
      .data = nullptr};
  const json::value created =
      CallTool("scoped", WithTasks(), {}, nullptr, &runner)->Message().at("result");
  const std::string id(created.at("taskId").as_string());
  EXPECT_EQ(TaskMethod("tasks/get", id, {}, WithTasks(), &runner)->status(), 200);
  // The same subject without the scope now (a narrower credential): refused as for the call.
  auto refused = TaskMethod("tasks/get", id, {}, WithTasks(), &alice_);
  EXPECT_EQ(refused->status(), 403);
}

TEST_F(TasksTest, LegacySessionsHaveNoTasks) {
  auto initialize =
      Post(RawRequest(json::object{{"jsonrpc", "2.0"},
                                   {"id", 1},
                                   {"method", "initialize"},
                                   {"params", json::object{{"protocolVersion", "2025-11-25"},
                                                           {"capabilities", json::object{}}}}}),
           alice_);
  const std::string session(*initialize->response()->headers.Get("Mcp-Session-Id"));
  const auto legacy = [&](std::string_view method, json::object params) {
    http::Request request = RawRequest(json::object{
        {"jsonrpc", "2.0"}, {"id", 2}, {"method", method}, {"params", std::move(params)}});
    request.headers.Add("Mcp-Session-Id", session);
    request.headers.Add("MCP-Protocol-Version", "2025-11-25");
    return Post(std::move(request), alice_);
  };
  EXPECT_EQ(legacy("tasks/get", {{"taskId", "quick:x"}})->ErrorCode(), kMethodNotFound);
  EXPECT_EQ(legacy("tools/call", {{"name", "tool_error"}})->ErrorCode(), kInvalidParams);
  EXPECT_EQ(tool_error_runs_.load(), 0);
  const json::value quick = legacy("tools/call", {{"name", "quick"}})->Message().at("result");
  EXPECT_EQ(quick.at("content").at(0).at("text"), "quick done");
}

// ---- Tasks the application keeps (TaskHooks) ---------------------------------------------------

TEST_F(TasksTest, AnApplicationTaskIsStartedUnderTheLibrarysIdAndReadFromItsRecords) {
  const json::value created = CallTool("app", WithTasks())->Message().at("result");
  EXPECT_EQ(created.at("resultType"), "task");
  const std::string id(created.at("taskId").as_string());
  EXPECT_TRUE(id.starts_with("app:"));
  EXPECT_EQ(created.at("statusMessage"), "queued");
  EXPECT_TRUE(created.at("ttlMs").is_null()) << "kept until the application deletes it";
  EXPECT_EQ(created.at("pollIntervalMs"), 5000);
  EXPECT_EQ(runs_.Get(id).info.subject, "alice");

  EXPECT_EQ(Get(id).at("status"), "working");
  runs_.Finish(id, ToolResult::Text("exit 0"));
  const json::value done = Get(id);
  EXPECT_EQ(done.at("status"), "completed");
  EXPECT_EQ(done.at("result").at("content").at(0).at("text"), "exit 0");
}

TEST_F(TasksTest, AnApplicationTaskIsCancelledAndUpdatedThroughItsHooks) {
  const std::string id(
      CallTool("app", WithTasks())->Message().at("result").at("taskId").as_string());
  const json::object answers{{"k", Accept("x")}};
  EXPECT_EQ(TaskMethod("tasks/update", id, {{"inputResponses", answers}})
                ->Message()
                .at("result")
                .at("resultType"),
            "complete");
  EXPECT_EQ(runs_.Get(id).answers, answers);
  EXPECT_EQ(TaskMethod("tasks/cancel", id)->Message().at("result").at("resultType"), "complete");
  EXPECT_TRUE(runs_.Get(id).cancel_asked);
  EXPECT_EQ(Get(id).at("status"), "cancelled");
}

TEST_F(TasksTest, AnApplicationTaskOfAnotherCallerIsUnknownWhateverItsLookupDid) {
  const std::string id(
      CallTool("app", WithTasks())->Message().at("result").at("taskId").as_string());
  EXPECT_EQ(TaskMethod("tasks/get", id, {}, WithTasks(), &bob_)->ErrorCode(), kInvalidParams);
  EXPECT_EQ(TaskMethod("tasks/cancel", id, {}, WithTasks(), &bob_)->ErrorCode(), kInvalidParams);
  EXPECT_FALSE(runs_.Get(id).cancel_asked);
}

TEST_F(TasksTest, AnApplicationThatCannotTellIsAnErrorNotAnUnknownTask) {
  const std::string id(
      CallTool("app", WithTasks())->Message().at("result").at("taskId").as_string());
  runs_.SetBusy(true);
  auto busy = TaskMethod("tasks/get", id);
  EXPECT_EQ(busy->ErrorCode(), kInternalError);
  runs_.SetBusy(false);
  EXPECT_EQ(Get(id).at("status"), "working");
}

TEST_F(TasksTest, AnApplicationStartMayAnswerAtOnceOrRefuse) {
  const json::value instant =
      CallTool("app", WithTasks(), {{"arguments", json::object{{"instant", true}}}})
          ->Message()
          .at("result");
  EXPECT_EQ(instant.at("resultType"), "complete");
  EXPECT_EQ(instant.at("content").at(0).at("text"), "done at once");
  auto refused = CallTool("app", WithTasks(), {{"arguments", json::object{{"refuse", true}}}});
  EXPECT_EQ(refused->ErrorCode(), kInvalidParams);
  // Without the opt-in the ordinary handler runs.
  EXPECT_EQ(CallTool("app", WithoutTasks())->Message().at("result").at("content").at(0).at("text"),
            "ran without a task");
}

}  // namespace
}  // namespace taskwire::mcp
