#include "cli/job_commands.h"

#include <gtest/gtest.h>

#include <csignal>

#include "jobs/output.h"
#include "jobs/run_rows.h"
#include "mcp/schema.h"
#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::cli {
namespace {

using jobs::RunStatus;
using testing::IsError;

class JobCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    ada_ = testing::AddUser(*database_, "ada");
    bob_ = testing::AddUser(*database_, "bob");
  }

  // A run of `job` started by `user` through a key, ended with `status` unless it still runs,
  // with `output` as the run would have written it (kept within `limit` bytes).
  int64_t AddRun(int64_t user, const std::string& job, RunStatus status,
                 const std::string& output = "", int64_t limit = 1024 * 1024,
                 std::optional<int> exit_code = 0, std::optional<int> signal = std::nullopt) {
    auto tx = database_->Begin(store::Access::kWrite);
    EXPECT_TRUE(tx.has_value());
    jobs::RunRows rows;
    const std::string name = user == ada_ ? "ada" : "bob";
    auto id = rows.Insert(**tx, {.job = job,
                                 .status = RunStatus::kRunning,
                                 .params = R"({"env":"prod","token":"[redacted]"})",
                                 .user_id = user,
                                 .user_name = name,
                                 .credential = "key:7",
                                 .client = "claude-code",
                                 .output_limit = limit,
                                 .now = "2026-12-01T10:00:00.000Z"});
    EXPECT_TRUE(id.has_value());
    if (!output.empty()) {
      jobs::OutputCapture capture(limit, {});
      capture.Append(output);
      capture.Finish();
      EXPECT_TRUE(rows.WriteOutput(**tx, *id, capture.Take(), capture.head_limit()).has_value());
    }
    if (status != RunStatus::kRunning) {
      EXPECT_TRUE(rows.Finish(**tx, *id,
                              {.status = status,
                               .exit_code = exit_code,
                               .signal = signal,
                               .error = "",
                               .now = "2026-12-01T10:00:01.000Z"})
                      .has_value());
    }
    EXPECT_TRUE((*tx)->Commit().has_value());
    return *id;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  int64_t ada_ = 0;
  int64_t bob_ = 0;
};

TEST(JobCommands, ParseStatusesReadsCommaSeparatedNamesOnce) {
  auto statuses = ParseStatuses("failed,timed_out,failed");
  ASSERT_TRUE(statuses.has_value());
  EXPECT_EQ(*statuses, (std::vector<RunStatus>{RunStatus::kFailed, RunStatus::kTimedOut}));
  EXPECT_EQ(*ParseStatuses("queued"), std::vector<RunStatus>{RunStatus::kQueued});
}

TEST(JobCommands, ParseStatusesNamesTheOneThatIsNoStatusAndListsThem) {
  auto statuses = ParseStatuses("failed,done");
  ASSERT_THAT(statuses, IsError(base::ErrorCode::kInvalidArgument));
  EXPECT_EQ(statuses.error().message(),
            "--status: 'done' is not a run status (queued, running, succeeded, failed, "
            "cancelled, timed_out, interrupted)");
  EXPECT_THAT(ParseStatuses("failed,"), IsError(base::ErrorCode::kInvalidArgument));
  EXPECT_THAT(ParseStatuses(""), IsError(base::ErrorCode::kInvalidArgument));
}

TEST_F(JobCommandsTest, ListRunsShowsEveryUsersRunsNewestFirstAndFilters) {
  const int64_t first = AddRun(ada_, "deploy", RunStatus::kSucceeded);
  const int64_t second = AddRun(bob_, "deploy", RunStatus::kFailed, "", 1024, 3);
  const int64_t third = AddRun(ada_, "backup", RunStatus::kRunning);
  auto all = ListRuns(*database_, {}, 50);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, third);
  EXPECT_EQ((*all)[1].id, second);
  EXPECT_EQ((*all)[2].id, first);

  jobs::RunFilter deploy;
  deploy.job = "deploy";
  auto deploys = ListRuns(*database_, deploy, 50);
  ASSERT_TRUE(deploys.has_value());
  ASSERT_EQ(deploys->size(), 2u);
  EXPECT_EQ((*deploys)[0].started_by, "bob");

  jobs::RunFilter ended;
  ended.statuses = {RunStatus::kFailed, RunStatus::kRunning};
  auto some = ListRuns(*database_, ended, 50);
  ASSERT_TRUE(some.has_value());
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0].id, third);
  EXPECT_EQ((*some)[1].id, second);

  auto one = ListRuns(*database_, {}, 1);
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, third);
}

TEST_F(JobCommandsTest, LoadRunFindsAnyUsersRunAndNotFoundOtherwise) {
  const int64_t id = AddRun(bob_, "deploy", RunStatus::kSucceeded);
  auto run = LoadRun(*database_, id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->started_by, "bob");
  auto missing = LoadRun(*database_, id + 1);
  EXPECT_THAT(missing, IsError(base::ErrorCode::kNotFound));
}

TEST_F(JobCommandsTest, RunRecordShowsTheStoredRedactedParametersAndWhoStartedIt) {
  const int64_t id = AddRun(ada_, "deploy", RunStatus::kSucceeded, "hello\n");
  auto run = LoadRun(*database_, id);
  ASSERT_TRUE(run.has_value());
  const std::string record = RunRecord(*run);
  EXPECT_NE(record.find("status       succeeded\n"), std::string::npos) << record;
  EXPECT_NE(record.find("exit code    0\n"), std::string::npos) << record;
  EXPECT_NE(record.find(R"(params       {"env":"prod","token":"[redacted]"})"), std::string::npos)
      << record;
  EXPECT_NE(record.find("started by   ada (key:7, client claude-code)\n"), std::string::npos)
      << record;
  EXPECT_NE(record.find("output       6 bytes\n"), std::string::npos) << record;
  EXPECT_EQ(record.find("stopped by"), std::string::npos) << record;
}

TEST_F(JobCommandsTest, ExitTextIsTheCodeOrTheSignalsNameAndNothingWhileRunning) {
  auto killed = LoadRun(
      *database_, AddRun(ada_, "deploy", RunStatus::kCancelled, "", 1024, std::nullopt, SIGKILL));
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(ExitText(*killed), "SIGKILL");
  EXPECT_NE(RunRecord(*killed).find("signal       SIGKILL (9)\n"), std::string::npos);
  auto failed = LoadRun(*database_, AddRun(ada_, "deploy", RunStatus::kFailed, "", 1024, 3));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(ExitText(*failed), "3");
  auto running = LoadRun(*database_, AddRun(ada_, "deploy", RunStatus::kRunning));
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(ExitText(*running), "");
  const std::string table = RunTable({*killed, *running});
  EXPECT_NE(table.find("SIGKILL"), std::string::npos) << table;
  EXPECT_NE(table.find("running     -"), std::string::npos) << table;
}

TEST_F(JobCommandsTest, ReadStoredOutputReadsItAllInOrder) {
  std::string output;
  for (int i = 0; i < 5000; ++i) output += "line " + std::to_string(i) + "\n";
  auto run = LoadRun(*database_, AddRun(ada_, "deploy", RunStatus::kSucceeded, output));
  ASSERT_TRUE(run.has_value());
  auto stored = ReadStoredOutput(*database_, *run);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->data, output);
  EXPECT_EQ(stored->total, static_cast<int64_t>(output.size()));
  EXPECT_FALSE(stored->gap_at.has_value());
}

TEST_F(JobCommandsTest, ReadStoredOutputSaysWhereTheMiddleWasNotKept) {
  // 100 bytes with a limit of 20: the first 10 and the last 10 are kept.
  std::string output;
  for (int i = 0; i < 10; ++i) output += std::string(9, static_cast<char>('a' + i)) + "\n";
  auto run = LoadRun(*database_, AddRun(ada_, "deploy", RunStatus::kSucceeded, output, 20));
  ASSERT_TRUE(run.has_value());
  EXPECT_TRUE(run->output_truncated);
  auto stored = ReadStoredOutput(*database_, *run);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->data, output.substr(0, 10) + output.substr(90));
  ASSERT_TRUE(stored->gap_at.has_value());
  EXPECT_EQ(*stored->gap_at, 10u);
  EXPECT_EQ(stored->gap, 80);
  EXPECT_EQ(stored->total, 100);
  EXPECT_NE(RunRecord(*run).find("its middle was not kept"), std::string::npos);
}

TEST_F(JobCommandsTest, RunShowJsonIsGetRunsShapeWithOnePageOfOutput) {
  const int64_t id = AddRun(ada_, "deploy", RunStatus::kSucceeded, "hello\n");
  auto run = LoadRun(*database_, id);
  ASSERT_TRUE(run.has_value());
  auto stored = ReadStoredOutput(*database_, *run);
  ASSERT_TRUE(stored.has_value());
  const auto pages = OutputPages(*run, *stored);
  const std::string run_json =
      R"({"id":)" + std::to_string(id) +
      R"(,"job":"deploy","status":"succeeded","params":{"env":"prod","token":"[redacted]"},)"
      R"("exitCode":0,"startedBy":"ada","credential":"key:7","client":"claude-code",)"
      R"("createdAt":"2026-12-01T10:00:00.000Z","startedAt":"2026-12-01T10:00:00.000Z",)"
      R"("finishedAt":"2026-12-01T10:00:01.000Z","outputBytes":6,"truncated":false})";
  EXPECT_EQ(RunShowJson(*run, &pages),
            R"({"run":)" + run_json +
                R"(,"output":[{"text":"hello\n","offset":0,"nextOffset":6,"total":6,)"
                R"("truncated":false,"skipped":false,"finished":true}]})"
                "\n");
  EXPECT_EQ(RunShowJson(*run, nullptr), R"({"run":)" + run_json + "}\n");
}

TEST_F(JobCommandsTest, OutputPagesAreTwoWhenTheMiddleWasNotKeptTheSecondSkipped) {
  std::string output;
  for (int i = 0; i < 10; ++i) output += std::string(9, static_cast<char>('a' + i)) + "\n";
  auto run = LoadRun(*database_, AddRun(ada_, "deploy", RunStatus::kRunning, output, 20));
  ASSERT_TRUE(run.has_value());
  auto stored = ReadStoredOutput(*database_, *run);
  ASSERT_TRUE(stored.has_value());
  const auto pages = OutputPages(*run, *stored);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].data, output.substr(0, 10));
  EXPECT_EQ(pages[0].offset, 0);
  EXPECT_EQ(pages[0].next_offset, 10);
  EXPECT_TRUE(pages[0].truncated);
  EXPECT_FALSE(pages[0].skipped);
  EXPECT_EQ(pages[1].data, output.substr(90));
  EXPECT_EQ(pages[1].offset, 90);
  EXPECT_EQ(pages[1].next_offset, 100);
  EXPECT_TRUE(pages[1].skipped);
  EXPECT_FALSE(pages[1].finished);  // it still runs
  EXPECT_EQ(pages[1].total, 100);
}

TEST_F(JobCommandsTest, RunsJsonIsListRunsShape) {
  const int64_t first = AddRun(ada_, "deploy", RunStatus::kSucceeded);
  const int64_t second = AddRun(bob_, "deploy", RunStatus::kFailed, "", 1024, 3);
  auto runs = ListRuns(*database_, {}, 50);
  ASSERT_TRUE(runs.has_value());
  const std::string json = RunsJson(*runs);
  EXPECT_TRUE(json.starts_with(R"({"runs":[{"id":)" + std::to_string(second) +
                               R"(,"job":"deploy","status":"failed",)"))
      << json;
  EXPECT_NE(json.find(R"("exitCode":3,"startedBy":"bob")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"(},{"id":)" + std::to_string(first) + ","), std::string::npos) << json;
  EXPECT_TRUE(json.ends_with("}]}\n")) << json;
  EXPECT_EQ(RunsJson({}), "{\"runs\":[]}\n");
}

TEST(JobCommands, JobListShowsLimitsAndParametersWithSecretsAndRequiredMarked) {
  jobs::Declaration deploy;
  deploy.name = "deploy";
  deploy.command = {"/srv/bin/deploy", "--env", "{env}"};
  deploy.params = R"({"type":"object","properties":{"env":{"enum":["staging","prod"]},)"
                  R"("token":{"type":"string","writeOnly":true}},"required":["env"]})";
  deploy.timeout = std::chrono::minutes(10);
  deploy.organization = "acme";
  jobs::Declaration plain;
  plain.name = "true";
  plain.command = {"/bin/true"};
  plain.max_concurrent = 4;
  plain.on_limit = jobs::OnLimit::kReject;
  auto catalog = jobs::Catalog::Make({deploy, plain}, mcp::CheckSchema, nullptr);
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
  EXPECT_EQ(JobsJson((*catalog)->jobs()),
            R"({"jobs":[{"name":"deploy","description":"","params":{"type":"object",)"
            R"("properties":{"env":{"enum":["staging","prod"]},"token":{"type":"string",)"
            R"("writeOnly":true}},"required":["env"],"additionalProperties":false},)"
            R"("timeout":"10m","maxConcurrent":1,"onLimit":"queue","organization":"acme"},)"
            R"({"name":"true","description":"","params":{"type":"object",)"
            R"("additionalProperties":false},"timeout":"15m","maxConcurrent":4,)"
            R"("onLimit":"reject"}]})"
            "\n");
  const std::string table = JobTable((*catalog)->jobs());
  EXPECT_EQ(table,
            "NAME                     TIMEOUT  MAX  ON LIMIT ORGANIZATION     PARAMETERS (* "
            "required)\n"
            "deploy                   10m      1    queue    acme             env*, token "
            "(secret)\n"
            "true                     15m      4    reject   -                -\n");
}

}  // namespace
}  // namespace taskwire::cli
