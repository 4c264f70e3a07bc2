// run_job as an MCP task (the tasks extension, 2026-07-28; docs/jobs.md "The tasks extension"):
// the task is the run, kept in the run's record, bound to its starter, over real processes.

#include <gtest/gtest.h>

#include "api/jobs_test.h"

namespace taskwire::api {
namespace {

constexpr std::string_view kTasks = "io.modelcontextprotocol/tasks";

class JobTasksTest : public JobsTest {
 protected:
  static json::object WithTasks() {
    return json::object{{"extensions", json::object{{kTasks, json::object{}}}}};
  }

  // A 2026-07-28 request that opts into the extension; the answer's message.
  json::value Modern(const mcp::Principal& principal, std::string_view method, json::object params,
                     json::object capabilities = WithTasks()) {
    auto recorder = mcp::PostTo(
        *server_,
        mcp::ModernRequest(method, std::move(params), next_id_++, std::move(capabilities)),
        principal);
    EXPECT_TRUE(recorder->WaitDone(30s)) << method;
    return recorder->Message();
  }

  // run_job as a task: its CreateTaskResult.
  json::object StartTask(const mcp::Principal& principal, std::string_view job,
                         json::object params = {}) {
    const json::value answer =
        Modern(principal, "tools/call",
               {{"name", "run_job"}, {"arguments", {{"job", job}, {"params", std::move(params)}}}});
    EXPECT_EQ(answer.at("result").at("resultType"), "task") << json::serialize(answer);
    return answer.at("result").as_object();
  }

  json::value Get(const mcp::Principal& principal, std::string_view task_id) {
    return Modern(principal, "tasks/get", {{"taskId", task_id}});
  }

  // The task once it has left "working" (at most 20 s).
  json::object Settled(const mcp::Principal& principal, std::string_view task_id) {
    json::value task = Get(principal, task_id).at("result");
    EXPECT_TRUE(testing::Eventually([&] {
      task = Get(principal, task_id).at("result");
      return task.at("status") != "working";
    })) << json::serialize(task);
    return task.as_object();
  }

  // The run recorded as the task.
  int64_t RunOf(std::string_view task_id) {
    auto tx = database_->Begin(store::Access::kRead);
    auto rows = (*tx)->Query("SELECT id FROM job_runs WHERE mcp_task = ?", {task_id});
    EXPECT_TRUE(rows.has_value() && rows->size() == 1) << task_id;
    return rows.has_value() && rows->size() == 1 ? rows->front().Int(0) : 0;
  }

  int64_t next_id_ = 1;
};

TEST_F(JobTasksTest, ATaskIsTheRunAndCompletesWithRunJobsAnswer) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const json::object created = StartTask(ada, "lines");
  const std::string id(created.at("taskId").as_string());
  EXPECT_TRUE(id.starts_with("run_job:")) << id;
  // Working, or already completed when the run was that quick.
  EXPECT_TRUE(created.at("status") == "working" || created.at("status") == "completed")
      << json::serialize(created);
  // Kept as long as the run is: jobs.retention after it ends.
  EXPECT_GE(created.at("ttlMs").as_int64(), 30LL * 86'400'000);
  // Durable before the answer left: the run's record holds the task.
  const int64_t run = RunOf(id);
  ASSERT_GT(run, 0);

  const json::object task = Settled(ada, id);
  EXPECT_EQ(task.at("status"), "completed");
  const json::object& result = task.at("result").as_object();
  EXPECT_FALSE(result.contains("isError"));
  EXPECT_EQ(result.at("structuredContent").at("run").at("id"), run);
  EXPECT_EQ(result.at("structuredContent").at("run").at("status"), "succeeded");
  EXPECT_EQ(result.at("structuredContent").at("output").at("text"), "one\ntwo\nthree\n");
  // The run is an ordinary run on every other surface.
  EXPECT_EQ(Ok(ada, "get_run", {{"runId", run}}).at("run").at("status"), "succeeded");
}

TEST_F(JobTasksTest, WithoutTheOptInRunJobIsAnOrdinaryCall) {
  const json::value answer =
      Modern(PrincipalFor(ada_), "tools/call",
             {{"name", "run_job"}, {"arguments", {{"job", "lines"}}}}, json::object{});
  EXPECT_EQ(answer.at("result").at("resultType"), "complete");
  EXPECT_EQ(answer.at("result").at("structuredContent").at("run").at("status"), "succeeded");
}

TEST_F(JobTasksTest, AFailedRunCompletesWithItsStatusAndAnInterruptedOneFails) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const json::object failed = Settled(ada, StartTask(ada, "fail").at("taskId").as_string());
  EXPECT_EQ(failed.at("status"), "completed");
  EXPECT_FALSE(failed.at("result").as_object().contains("isError")) << "the tool did its work";
  EXPECT_EQ(failed.at("result").at("structuredContent").at("run").at("exitCode"), 3);

  const std::string id(StartTask(ada, "slow").at("taskId").as_string());
  runs_->Shutdown();  // the server stops during the run
  const json::object interrupted = Settled(ada, id);
  EXPECT_EQ(interrupted.at("status"), "failed");
  EXPECT_EQ(interrupted.at("error").at("code"), mcp::kInternalError);
  EXPECT_NE(std::string(interrupted.at("error").at("message").as_string()).find("server stopped"),
            std::string::npos)
      << json::serialize(interrupted);
  EXPECT_EQ(interrupted.at("error").at("data").at("runId"), RunOf(id));
}

TEST_F(JobTasksTest, CancellingTheTaskStopsTheRunAndItsProcessGroup) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const std::string id(StartTask(ada, "slow").at("taskId").as_string());
  const int64_t run = RunOf(id);
  int pid = 0;
  ASSERT_TRUE(testing::Eventually([&] {
    const std::string text(
        Ok(ada, "get_run", {{"runId", run}}).at("output").at("text").as_string());
    if (!text.starts_with("pid=")) return false;
    pid = std::stoi(text.substr(4));
    return true;
  }));
  const json::value ack = Modern(ada, "tasks/cancel", {{"taskId", id}});
  ASSERT_TRUE(ack.as_object().contains("result")) << json::serialize(ack);
  const json::object task = Settled(ada, id);
  EXPECT_EQ(task.at("status"), "cancelled");
  EXPECT_NE(std::string(task.at("statusMessage").as_string()).find("stopped by ada"),
            std::string::npos);
  EXPECT_TRUE(GroupGone(pid));
  // Cancelling again changes nothing.
  EXPECT_TRUE(Modern(ada, "tasks/cancel", {{"taskId", id}}).as_object().contains("result"));
}

TEST_F(JobTasksTest, AnotherCallersTaskIdIsUnknownLikeAnyOther) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const std::string id(StartTask(ada, "slow").at("taskId").as_string());
  const mcp::Principal bob = PrincipalFor(bob_);
  const json::value theirs = Get(bob, id);
  const json::value unknown = Get(bob, "run_job:AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(theirs.at("error").at("code"), mcp::kInvalidParams);
  EXPECT_EQ(theirs.at("error"), unknown.at("error")) << "one answer for both";
  EXPECT_EQ(Modern(bob, "tasks/cancel", {{"taskId", id}}).at("error").at("code"),
            mcp::kInvalidParams);
  EXPECT_EQ(Get(ada, id).at("result").at("status"), "working") << "bob stopped nothing";
  Modern(ada, "tasks/cancel", {{"taskId", id}});
}

TEST_F(JobTasksTest, ProgressIsTheStatusMessage) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const std::string id(StartTask(ada, "progress").at("taskId").as_string());
  std::string message;
  EXPECT_TRUE(testing::Eventually([&] {
    const json::value task = Get(ada, id).at("result");
    if (const json::value* text = task.as_object().if_contains("statusMessage")) {
      message = text->as_string();
    }
    return message == "1/2 half way" || task.at("status") == "completed";
  }));
  EXPECT_EQ(message, "1/2 half way");
  EXPECT_EQ(Settled(ada, id).at("status"), "completed");
}

TEST_F(JobTasksTest, RefusalsAreRunJobsOwnAndMakeNoTask) {
  const json::value bad = Modern(
      PrincipalFor(ada_), "tools/call",
      {{"name", "run_job"}, {"arguments", {{"job", "secret"}, {"params", {{"env", "moon"}}}}}});
  EXPECT_EQ(bad.at("result").at("resultType"), "complete");
  EXPECT_EQ(bad.at("result").at("isError"), true);
  EXPECT_NE(json::serialize(bad).find("params"), std::string::npos);
  const json::value hidden = Modern(PrincipalFor(ada_), "tools/call",
                                    {{"name", "run_job"}, {"arguments", {{"job", "globex-only"}}}});
  EXPECT_EQ(hidden.at("result").at("isError"), true);
  EXPECT_NE(json::serialize(hidden).find("not found"), std::string::npos);

  const mcp::Principal review = PrincipalFor(ada_, {"jobs:run"}, true);
  const json::value refused =
      Modern(review, "tools/call", {{"name", "run_job"}, {"arguments", {{"job", "lines"}}}});
  EXPECT_EQ(refused.at("result").at("isError"), true);
  EXPECT_NE(json::serialize(refused).find("review mode"), std::string::npos);
  EXPECT_TRUE(Ok(PrincipalFor(ada_), "list_runs").at("runs").as_array().empty());

  // A review-mode credential of the task's user sees the task but may not stop its run.
  const std::string id(StartTask(PrincipalFor(ada_), "slow").at("taskId").as_string());
  EXPECT_EQ(Get(review, id).at("result").at("status"), "working");
  const json::value cancel = Modern(review, "tasks/cancel", {{"taskId", id}});
  EXPECT_EQ(cancel.at("error").at("code"), mcp::kInvalidParams);
  EXPECT_NE(json::serialize(cancel).find("review mode"), std::string::npos);
  EXPECT_EQ(Get(review, id).at("result").at("status"), "working");
  Modern(PrincipalFor(ada_), "tasks/cancel", {{"taskId", id}});
}

}  // namespace
}  // namespace taskwire::api
