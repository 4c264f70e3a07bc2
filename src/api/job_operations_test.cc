// The job tools over MCP (docs/jobs.md, "Surfaces"), with real processes: list_jobs, run_job,
// get_run, list_runs, stop_run, the run and job resources, get_task's runs and the run events.

#include <gtest/gtest.h>

#include <filesystem>

#include "api/errors.h"
#include "api/jobs_test.h"

namespace taskwire::api {
namespace {

using JobToolsTest = JobsTest;

std::string Text(const json::value& value) { return std::string(value.as_string()); }

TEST_F(JobToolsTest, ListJobsShowsTheJobsTheCallerMayRunWithTheirSchemas) {
  const json::object listed = Ok(PrincipalFor(ada_, {"jobs:read"}), "list_jobs");
  std::vector<std::string> names;
  for (const json::value& job : listed.at("jobs").as_array()) names.push_back(Text(job.at("name")));
  EXPECT_EQ(std::count(names.begin(), names.end(), "globex-only"), 0) << "another organization's";
  ASSERT_EQ(names.front(), "echo");
  const json::object& echo = listed.at("jobs").at(0).as_object();
  EXPECT_EQ(echo.at("description"), "The echo job.");
  EXPECT_EQ(echo.at("params").at("type"), "object");
  EXPECT_EQ(echo.at("params").at("required"), json::array{"word"});
  EXPECT_EQ(echo.at("params").at("additionalProperties"), false) << "every parameter declared";
  EXPECT_EQ(echo.at("timeout"), "1h");
  EXPECT_EQ(echo.at("maxConcurrent"), 10);
  EXPECT_EQ(echo.at("onLimit"), "queue");
  EXPECT_FALSE(echo.contains("organization"));

  const json::object bobs = Ok(PrincipalFor(bob_, {"jobs:read"}), "list_jobs");
  const json::value& last = bobs.at("jobs").as_array().front();
  EXPECT_EQ(last.at("name"), "echo");
  bool found = false;
  for (const json::value& job : bobs.at("jobs").as_array()) {
    if (job.at("name") == "globex-only") {
      found = true;
      EXPECT_EQ(job.at("organization"), "globex");
    }
  }
  EXPECT_TRUE(found) << "its organization's members see it";
}

TEST_F(JobToolsTest, RunJobWaitsForTheEndAndShowsTheRunAndItsOutputsTail) {
  const json::object answer = RunToEnd(PrincipalFor(ada_), "echo", {{"word", "hello"}});
  const json::object& run = answer.at("run").as_object();
  EXPECT_EQ(run.at("job"), "echo");
  EXPECT_EQ(run.at("status"), "succeeded");
  EXPECT_EQ(run.at("exitCode"), 0);
  EXPECT_FALSE(run.contains("signal"));
  EXPECT_EQ(run.at("params"), (json::object{{"word", "hello"}}));
  EXPECT_EQ(run.at("startedBy"), "ada");
  EXPECT_EQ(Text(run.at("credential")), ada_.credential);
  EXPECT_EQ(run.at("client"), "ada-client");
  EXPECT_TRUE(run.at("createdAt").is_string());
  EXPECT_TRUE(run.at("startedAt").is_string());
  EXPECT_TRUE(run.at("finishedAt").is_string());
  EXPECT_EQ(run.at("outputBytes"), 12);
  EXPECT_EQ(run.at("truncated"), false);
  const json::object& output = answer.at("output").as_object();
  EXPECT_EQ(output.at("text"), "hello\nhello\n");
  EXPECT_EQ(output.at("offset"), 0);
  EXPECT_EQ(output.at("nextOffset"), 12);
  EXPECT_EQ(output.at("finished"), true);
  EXPECT_EQ(output.at("tail"), true);
  EXPECT_FALSE(answer.contains("runId")) << "only while it runs";
  EXPECT_FALSE(answer.contains("hint"));
}

TEST_F(JobToolsTest, ShellMetacharactersArriveLiterally) {
  const std::string marker = dir_.File("touched");
  const std::string word =
      "$(touch " + marker + "); `touch " + marker + "` | rm -rf / && 'q' \"d\" *";
  const json::object answer = RunToEnd(PrincipalFor(ada_), "echo", {{"word", word}});
  EXPECT_EQ(answer.at("run").at("status"), "succeeded");
  EXPECT_EQ(Text(answer.at("output").at("text")), word + "\n" + word + "\n");
  EXPECT_FALSE(std::filesystem::exists(marker)) << "nothing was run by a shell";
}

TEST_F(JobToolsTest, AFailingRunIsAResultWithItsExitCodeNotAToolError) {
  const json::object result =
      Tool(PrincipalFor(ada_), "run_job", {{"job", "fail"}, {"waitMs", 30000}});
  EXPECT_FALSE(result.contains("isError"));
  const json::object answer =
      json::parse(result.at("content").at(0).at("text").as_string()).as_object();
  EXPECT_EQ(answer.at("run").at("status"), "failed");
  EXPECT_EQ(answer.at("run").at("exitCode"), 3);
  EXPECT_EQ(answer.at("output").at("text"), "failing\n");
}

TEST_F(JobToolsTest, ARunPastItsTimeoutEndsTimedOut) {
  const json::object answer = RunToEnd(PrincipalFor(ada_), "hang");
  EXPECT_EQ(answer.at("run").at("status"), "timed_out");
  EXPECT_TRUE(answer.at("run").as_object().contains("signal"));
}

TEST_F(JobToolsTest, ARunStillGoingHasItsIdAndAHintAndStopRunEndsItsProcessGroup) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const json::object started = Ok(ada, "run_job", {{"job", "slow"}, {"waitMs", 0}});
  const int64_t id = started.at("run").at("id").as_int64();
  EXPECT_EQ(started.at("runId"), id);
  EXPECT_NE(Text(started.at("hint")).find("get_run with runId " + std::to_string(id)),
            std::string::npos)
      << started.at("hint");
  // Its process id, read from its output while it runs.
  int pid = 0;
  ASSERT_TRUE(testing::Eventually([&] {
    const json::object got = Ok(ada, "get_run", {{"runId", id}});
    const std::string text = Text(got.at("output").at("text"));
    if (got.at("run").at("status") != "running" || !text.starts_with("pid=")) return false;
    pid = std::stoi(text.substr(4));
    return true;
  }));
  ASSERT_GT(pid, 1);
  EXPECT_FALSE(GroupGone(pid));

  const json::object stopped = Ok(ada, "stop_run", {{"runId", id}});
  EXPECT_EQ(stopped.at("run").at("id"), id);
  const json::object ended = Ok(ada, "get_run", {{"runId", id}, {"waitMs", 30000}});
  EXPECT_EQ(ended.at("run").at("status"), "cancelled");
  EXPECT_EQ(ended.at("run").at("stoppedBy"), "ada");
  EXPECT_TRUE(GroupGone(pid)) << "the process group " << pid << " is gone";
  // Stopping it again changes nothing.
  EXPECT_EQ(Ok(ada, "stop_run", {{"runId", id}}).at("run").at("status"), "cancelled");
}

TEST_F(JobToolsTest, GetRunReadsTheOutputFromAnOffset) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const int64_t id = RunToEnd(ada, "lines").at("run").at("id").as_int64();
  const json::object part =
      Ok(ada, "get_run", {{"runId", id}, {"outputOffset", 4}, {"outputLimit", 3}});
  EXPECT_EQ(part.at("output").at("text"), "two");
  EXPECT_EQ(part.at("output").at("offset"), 4);
  EXPECT_EQ(part.at("output").at("nextOffset"), 7);
  EXPECT_EQ(part.at("output").at("finished"), false);
  const json::object rest = Ok(ada, "get_run", {{"runId", id}, {"outputOffset", 7}});
  EXPECT_EQ(rest.at("output").at("text"), "\nthree\n");
  EXPECT_EQ(rest.at("output").at("total"), 14);
  EXPECT_EQ(rest.at("output").at("finished"), true);
  EXPECT_FALSE(Ok(ada, "get_run", {{"runId", id}, {"outputLimit", 0}}).contains("output"));
  EXPECT_NE(Refusal(ada, "get_run", {{"runId", id}, {"outputOffset", 99}}).find("offset 99"),
            std::string::npos);
  EXPECT_NE(
      Refusal(ada, "get_run", {{"runId", id}, {"outputLimit", 2'000'000}}).find("outputLimit"),
      std::string::npos);
}

TEST_F(JobToolsTest, OutputIsReadableWhileTheRunRuns) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const int64_t id = Ok(ada, "run_job", {{"job", "first-then-sleep"}, {"waitMs", 0}})
                         .at("run")
                         .at("id")
                         .as_int64();
  EXPECT_TRUE(testing::Eventually([&] {
    const json::object got = Ok(ada, "get_run", {{"runId", id}});
    return got.at("run").at("status") == "running" && got.at("output").at("text") == "first\n" &&
           got.at("output").at("finished") == false;
  }));
  Ok(ada, "stop_run", {{"runId", id}});
}

TEST_F(JobToolsTest, GetRunWithWaitMsWaitsForTheEnd) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const int64_t id =
      Ok(ada, "run_job", {{"job", "progress"}, {"waitMs", 0}}).at("run").at("id").as_int64();
  const json::object ended = Ok(ada, "get_run", {{"runId", id}, {"waitMs", 30000}});
  EXPECT_EQ(ended.at("run").at("status"), "succeeded");
  EXPECT_EQ(ended.at("run").at("progress"),
            (json::object{{"done", 2}, {"total", 2}, {"message", "done"}}));
}

TEST_F(JobToolsTest, ProgressReachesACallerThatAskedForItWhileRunJobWaits) {
  http::Request request = mcp::ModernRequest(
      "tools/call", {{"name", "run_job"}, {"arguments", {{"job", "progress"}, {"waitMs", 30000}}}},
      1, json::object{});
  json::value body = json::parse(request.body);
  body.at("params").at("_meta").as_object()["progressToken"] = "tok";
  request.body = json::serialize(body);
  auto recorder = mcp::PostTo(*server_, std::move(request), PrincipalFor(ada_));
  ASSERT_TRUE(recorder->WaitDone(30s));
  const auto events = recorder->events();
  ASSERT_GE(events.size(), 2u);
  const json::value first = json::parse(events.front());
  EXPECT_EQ(first.at("method"), "notifications/progress");
  EXPECT_EQ(first.at("params").at("progressToken"), "tok");
  EXPECT_EQ(first.at("params").at("progress"), 1.0);
  EXPECT_EQ(first.at("params").at("total"), 2.0);
  EXPECT_EQ(first.at("params").at("message"), "half way");
  const json::value result = json::parse(events.back()).at("result");
  EXPECT_EQ(result.at("structuredContent").at("run").at("status"), "succeeded");
}

TEST_F(JobToolsTest, ASecretParameterIsNeverInAnyAnswerRowOrLogLine) {
  const mcp::Principal ada = PrincipalFor(ada_, {"jobs:run", "tasks:read"});
  const int64_t task = NewTask(ada_, acme_);
  const json::object answer = Ok(ada, "run_job",
                                 {{"job", "secret"},
                                  {"params", {{"token", kSecret}, {"env", "prod"}}},
                                  {"taskId", task},
                                  {"waitMs", 30000}});
  const int64_t id = answer.at("run").at("id").as_int64();
  EXPECT_EQ(answer.at("run").at("status"), "succeeded");
  EXPECT_EQ(answer.at("run").at("params"),
            (json::object{{"token", "[redacted]"}, {"env", "prod"}}));
  // The process got it (its output says so, redacted).
  EXPECT_NE(Text(answer.at("output").at("text")).find("token=[redacted]"), std::string::npos)
      << answer.at("output");
  std::string answers = json::serialize(answer);
  answers += json::serialize(Ok(ada, "get_run", {{"runId", id}}));
  answers += json::serialize(Ok(ada, "list_runs"));
  answers += json::serialize(Ok(ada, "stop_run", {{"runId", id}}));
  answers += json::serialize(Ok(ada, "get_task", {{"taskId", task}}));
  answers += json::serialize(Ok(ada, "poll_events", {{"cursor", "0"}, {"timeoutMs", 0}}));
  answers += json::serialize(
      Ask(ada, "resources/read", {{"uri", "taskwire://runs/" + std::to_string(id)}})->Message());
  EXPECT_EQ(answers.find(kSecret), std::string::npos) << answers;
  EXPECT_EQ(EverythingStored().find(kSecret), std::string::npos);
}

TEST_F(JobToolsTest, AnotherUsersRunIsNotFoundToEveryTool) {
  const int64_t id = RunToEnd(PrincipalFor(ada_), "lines").at("run").at("id").as_int64();
  const mcp::Principal bob = PrincipalFor(bob_);
  const std::string unknown = Refusal(bob, "get_run", {{"runId", 999999}});
  EXPECT_NE(unknown.find("not found"), std::string::npos) << unknown;
  const std::string theirs = Refusal(bob, "get_run", {{"runId", id}});
  EXPECT_NE(theirs.find("not found"), std::string::npos) << theirs;
  EXPECT_NE(Refusal(bob, "stop_run", {{"runId", id}}).find("not found"), std::string::npos);
  EXPECT_TRUE(Ok(bob, "list_runs").at("runs").as_array().empty());
  EXPECT_EQ(
      Ask(bob, "resources/read", {{"uri", "taskwire://runs/" + std::to_string(id)}})->ErrorCode(),
      mcp::kLegacyResourceNotFound);
}

TEST_F(JobToolsTest, AnotherOrganizationsJobIsInvisibleLikeAnUnknownOne) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const std::string theirs = Refusal(ada, "run_job", {{"job", "globex-only"}});
  const std::string unknown = Refusal(ada, "run_job", {{"job", "no-such-job"}});
  EXPECT_NE(theirs.find("not found"), std::string::npos) << theirs;
  EXPECT_NE(unknown.find("not found"), std::string::npos) << unknown;
  EXPECT_EQ(Ask(ada, "resources/read", {{"uri", "taskwire://jobs/globex-only"}})->ErrorCode(),
            mcp::kLegacyResourceNotFound);
  // Its organization's member runs it.
  EXPECT_EQ(RunToEnd(PrincipalFor(bob_), "globex-only").at("run").at("status"), "succeeded");
}

TEST_F(JobToolsTest, WithoutJobsRunTheRunningToolsAreInsufficientScope) {
  const mcp::Principal reader = PrincipalFor(ada_, {"jobs:read", "tasks:read"});
  for (const char* tool : {"run_job", "stop_run"}) {
    const auto refused =
        Ask(reader, "tools/call", {{"name", tool}, {"arguments", {{"job", "echo"}, {"runId", 1}}}});
    EXPECT_EQ(refused->status(), 403) << tool;
    const std::string challenge(refused->response()
                                    .value_or(http::Response{})
                                    .headers.Get("WWW-Authenticate")
                                    .value_or(""));
    EXPECT_NE(challenge.find("insufficient_scope"), std::string::npos) << tool << challenge;
    EXPECT_NE(challenge.find("jobs:run"), std::string::npos) << tool << challenge;
  }
  EXPECT_TRUE(Ok(reader, "list_jobs").contains("jobs"));
  const auto no_jobs = Ask(PrincipalFor(ada_, {"tasks:read"}), "tools/call",
                           {{"name", "list_jobs"}, {"arguments", json::object{}}});
  EXPECT_EQ(no_jobs->status(), 403);
}

TEST_F(JobToolsTest, AReviewModeCallerReadsButNeitherRunsNorStops) {
  const int64_t id = RunToEnd(PrincipalFor(ada_), "lines").at("run").at("id").as_int64();
  const mcp::Principal review = PrincipalFor(ada_, {"jobs:run"}, true);
  EXPECT_NE(Refusal(review, "run_job", {{"job", "lines"}}).find("review mode"), std::string::npos);
  EXPECT_NE(Refusal(review, "stop_run", {{"runId", id}}).find("review mode"), std::string::npos);
  EXPECT_EQ(Ok(review, "get_run", {{"runId", id}}).at("run").at("status"), "succeeded");
  EXPECT_EQ(Ok(review, "list_runs").at("runs").as_array().size(), 1u) << "no run was started";
}

TEST_F(JobToolsTest, BadParametersAreRefusedNamingTheField) {
  const mcp::Principal ada = PrincipalFor(ada_);
  EXPECT_NE(
      Refusal(ada, "run_job", {{"job", "echo"}, {"params", {{"word", 5}}}}).find("params.word"),
      std::string::npos);
  EXPECT_NE(Refusal(ada, "run_job", {{"job", "echo"}, {"params", json::object{}}}).find("word"),
            std::string::npos);
  EXPECT_NE(Refusal(ada, "run_job", {{"job", "echo"}, {"params", {{"word", "x"}, {"nope", 1}}}})
                .find("params.nope"),
            std::string::npos);
  EXPECT_NE(
      Refusal(ada, "run_job", {{"job", "secret"}, {"params", {{"token", "t"}, {"env", "moon"}}}})
          .find("params.env"),
      std::string::npos);
  EXPECT_NE(Refusal(ada, "run_job", {{"job", "echo"}, {"params", "word"}}).find("params"),
            std::string::npos);
  EXPECT_NE(Refusal(ada, "run_job", {{"job", "echo"}, {"params", {{"word", "x"}, {"count", 0}}}})
                .find("params.count"),
            std::string::npos);
  EXPECT_TRUE(Ok(ada, "list_runs").at("runs").as_array().empty()) << "none was started";
}

TEST_F(JobToolsTest, AJobThatRejectsBeyondItsLimitIsRefusedWhileItsRunRuns) {
  const mcp::Principal ada = PrincipalFor(ada_);
  const int64_t id =
      Ok(ada, "run_job", {{"job", "single"}, {"waitMs", 0}}).at("run").at("id").as_int64();
  const std::string refused = Refusal(ada, "run_job", {{"job", "single"}});
  EXPECT_NE(refused.find("max_concurrent"), std::string::npos) << refused;
  Ok(ada, "stop_run", {{"runId", id}});
}

TEST_F(JobToolsTest, ListRunsFiltersAndPages) {
  const mcp::Principal ada = PrincipalFor(ada_, {"jobs:run", "tasks:read"});
  const int64_t task = NewTask(ada_, acme_);
  const int64_t failed = RunToEnd(ada, "fail").at("run").at("id").as_int64();
  const int64_t tied = Ok(ada, "run_job", {{"job", "lines"}, {"taskId", task}, {"waitMs", 30000}})
                           .at("run")
                           .at("id")
                           .as_int64();
  RunToEnd(ada, "lines");
  EXPECT_EQ(Ok(ada, "list_runs").at("runs").as_array().size(), 3u);
  const json::object by_status = Ok(ada, "list_runs", {{"status", "failed"}});
  ASSERT_EQ(by_status.at("runs").as_array().size(), 1u);
  EXPECT_EQ(by_status.at("runs").at(0).at("id"), failed);
  const json::object by_task = Ok(ada, "list_runs", {{"taskId", task}});
  ASSERT_EQ(by_task.at("runs").as_array().size(), 1u);
  EXPECT_EQ(by_task.at("runs").at(0).at("id"), tied);
  EXPECT_EQ(by_task.at("runs").at(0).at("taskId"), task);
  EXPECT_EQ(Ok(ada, "list_runs", {{"job", "lines"}}).at("runs").as_array().size(), 2u);
  const json::object first = Ok(ada, "list_runs", {{"limit", 2}});
  ASSERT_EQ(first.at("runs").as_array().size(), 2u);
  const json::object second =
      Ok(ada, "list_runs", {{"limit", 2}, {"cursor", first.at("nextCursor")}});
  ASSERT_EQ(second.at("runs").as_array().size(), 1u);
  EXPECT_EQ(second.at("runs").at(0).at("id"), failed) << "newest first";
  EXPECT_NE(Refusal(ada, "list_runs", {{"status", "done"}}).find("status"), std::string::npos);
  EXPECT_NE(Refusal(ada, "list_runs", {{"cursor", "garbage"}}).find("cursor"), std::string::npos);
}

TEST_F(JobToolsTest, GetTaskListsTheTasksRunsForACallerWithJobsRead) {
  const int64_t task = NewTask(ada_, acme_);
  const int64_t id =
      Ok(PrincipalFor(ada_), "run_job", {{"job", "lines"}, {"taskId", task}, {"waitMs", 30000}})
          .at("run")
          .at("id")
          .as_int64();
  const json::object detail =
      Ok(PrincipalFor(ada_, {"tasks:read", "jobs:read"}), "get_task", {{"taskId", task}});
  ASSERT_EQ(detail.at("runs").as_array().size(), 1u);
  EXPECT_EQ(detail.at("runs").at(0).at("id"), id);
  EXPECT_EQ(detail.at("runs").at(0).at("status"), "succeeded");
  // A member of the task's organization sees it too; a credential without jobs:read does not.
  EXPECT_EQ(Ok(PrincipalFor(carol_, {"tasks:read", "jobs:read"}), "get_task", {{"taskId", task}})
                .at("runs")
                .as_array()
                .size(),
            1u);
  EXPECT_FALSE(
      Ok(PrincipalFor(ada_, {"tasks:read"}), "get_task", {{"taskId", task}}).contains("runs"));
}

TEST_F(JobToolsTest, RunStateChangesAreEventsInPollEvents) {
  const mcp::Principal ada = PrincipalFor(ada_, {"jobs:run", "tasks:read"});
  const int64_t id = RunToEnd(ada, "fail").at("run").at("id").as_int64();
  const json::object polled = Ok(ada, "poll_events", {{"cursor", "0"}, {"timeoutMs", 0}});
  std::vector<std::string> types;
  for (const json::value& event : polled.at("events").as_array()) {
    if (!Text(event.at("type")).starts_with("run.")) continue;
    types.push_back(Text(event.at("type")));
    EXPECT_EQ(event.at("data").at("runId"), id);
    EXPECT_EQ(event.at("data").at("job"), "fail");
    EXPECT_TRUE(event.at("organizationId").is_null()) << "a run tied to no task";
    if (event.at("type") == "run.started") {
      EXPECT_EQ(event.at("actor"), "ada") << event;
    }
    if (event.at("type") == "run.finished") {
      EXPECT_EQ(event.at("data").at("status"), "failed");
      EXPECT_EQ(event.at("data").at("exitCode"), 3);
    }
  }
  EXPECT_EQ(types, (std::vector<std::string>{"run.started", "run.finished"}));
  // Nobody else's feed has it.
  EXPECT_TRUE(
      Ok(PrincipalFor(bob_, {"tasks:read"}), "poll_events", {{"cursor", "0"}, {"timeoutMs", 0}})
          .at("events")
          .as_array()
          .empty());
}

TEST_F(JobToolsTest, RunsAndJobsAreResourcesWithCompletion) {
  const mcp::Principal ada = PrincipalFor(ada_, {"jobs:read", "jobs:run"});
  const int64_t id = RunToEnd(ada, "lines").at("run").at("id").as_int64();
  const json::value run =
      Ask(ada, "resources/read", {{"uri", "taskwire://runs/" + std::to_string(id)}})->Message();
  const json::value contents = run.at("result").at("contents").at(0);
  EXPECT_EQ(contents.at("mimeType"), "application/json");
  EXPECT_EQ(json::parse(contents.at("text").as_string()).at("status"), "succeeded");
  const json::value job = Ask(ada, "resources/read", {{"uri", "taskwire://jobs/echo"}})->Message();
  EXPECT_EQ(json::parse(job.at("result").at("contents").at(0).at("text").as_string()).at("name"),
            "echo");
  EXPECT_EQ(
      Ask(PrincipalFor(ada_, {"tasks:read"}), "resources/read", {{"uri", "taskwire://jobs/echo"}})
          ->status(),
      403);

  const auto complete = [&](std::string_view uri, std::string_view argument,
                            std::string_view value) {
    return Ask(ada, "completion/complete",
               {{"ref", {{"type", "ref/resource"}, {"uri", uri}}},
                {"argument", {{"name", argument}, {"value", value}}}})
        ->Message()
        .at("result")
        .at("completion")
        .at("values");
  };
  EXPECT_EQ(complete("taskwire://runs/{id}", "id", ""), json::array{std::to_string(id)});
  EXPECT_EQ(complete("taskwire://jobs/{name}", "name", "ec"), json::array{"echo"});
  EXPECT_TRUE(complete("taskwire://jobs/{name}", "name", "globex").as_array().empty());
}

}  // namespace
}  // namespace taskwire::api
