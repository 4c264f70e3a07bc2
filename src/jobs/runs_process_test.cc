// jobs::Runs with real processes (jobs::MakeProcesses): /bin/sh scripts as jobs.

#include <signal.h>

#include <filesystem>

#include "jobs/runs_test.h"

namespace taskwire::jobs {
namespace {

class RealRunsTest : public RunsTest {
 protected:
  void SetUp() override {
    RunsTest::SetUp();
    real_ = MakeProcesses(*logger_);
  }

  // A job that runs `script` with /bin/sh; its parameter `arg` is $1.
  Declaration Script(std::string name, std::string script) {
    Declaration job;
    job.name = std::move(name);
    job.command = {"/bin/sh", "-c", std::move(script), "sh", "{arg}"};
    job.params = R"({"type":"object","properties":{"arg":{"type":"string"},)"
                 R"("secret":{"type":"string","writeOnly":true}}})";
    job.workdir = dir_.path();
    job.timeout = 1h;
    return job;
  }

  std::string Output(int64_t id) { return runs_->ReadOutput(ada_, id, 0, 1 << 20)->data; }
};

TEST_F(RealRunsTest, AScriptRunsToSuccessWithOnlyItsEnvironmentAndItsParametersOnStdin) {
  MakeRuns({Script("env", "env | sort; cat")});
  auto run = Start(ada_, "env", R"({"arg":"x","secret":"s3cr3t-value"})");
  ASSERT_THAT(run, testing::IsOk());
  const Run done = AwaitEnd(run->id);
  EXPECT_EQ(done.status, RunStatus::kSucceeded) << done.error;
  EXPECT_EQ(done.exit_code, 0);
  const std::string out = Output(run->id);
  // env prints what the process got (and sh adds PWD, SHLVL and _): nothing of this process's.
  EXPECT_NE(out.find("PATH=/usr/local/bin:/usr/bin:/bin\n"), std::string::npos) << out;
  EXPECT_NE(out.find("HOME=/home/taskwire\n"), std::string::npos) << out;
  EXPECT_NE(out.find("LANG=C.UTF-8\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TASKWIRE_JOB=env\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TASKWIRE_PARAM_ARG=x\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TASKWIRE_RUN_ID=" + std::to_string(run->id) + "\n"), std::string::npos);
  EXPECT_EQ(out.find("GTEST"), std::string::npos) << out;
  EXPECT_EQ(out.find("USER="), std::string::npos) << out;
  // The secret reached the process (environment and stdin) but is redacted in what it wrote.
  EXPECT_NE(out.find("TASKWIRE_PARAM_SECRET=[redacted]\n"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"arg":"x","secret":"[redacted]"})"), std::string::npos) << out;
  EXPECT_EQ(EverythingStored().find("s3cr3t-value"), std::string::npos);
}

TEST_F(RealRunsTest, ShellMetacharactersInAParameterArriveLiterally) {
  MakeRuns({Script("print", "printf '%s' \"$1\"")});
  for (const std::string hostile :
       {"$(touch pwned)", "; rm -rf . ;", "`touch pwned`", "'\"\\", "line\nbreak", "é ☃ 𝄞"}) {
    json::object params{{"arg", hostile}};
    auto run = runs_->Start(ada_, {"print", params, std::nullopt});
    ASSERT_THAT(run, testing::IsOk());
    EXPECT_EQ(AwaitEnd(run->id).status, RunStatus::kSucceeded);
    EXPECT_EQ(Output(run->id), hostile);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.File("pwned")));
}

TEST_F(RealRunsTest, AFailingScriptAndAMissingCommandFail) {
  std::vector<Declaration> jobs = {Script("fail", "echo oops >&2; exit 7")};
  Declaration missing;
  missing.name = "missing";
  missing.command = {"/nonexistent/deploy"};
  jobs.push_back(missing);
  MakeRuns(jobs);
  const Run failed = AwaitEnd(MustStart(ada_, "fail").id);
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_EQ(failed.exit_code, 7);
  EXPECT_EQ(Output(failed.id), "oops\n");
  auto never = Start(ada_, "missing");
  ASSERT_THAT(never, testing::IsOk());
  EXPECT_EQ(never->status, RunStatus::kFailed);
  EXPECT_NE(never->error.find("/nonexistent/deploy"), std::string::npos) << never->error;
  EXPECT_EQ(runs_->running(), 0u);
}

TEST_F(RealRunsTest, StoppingALongRunEndsItAndItsProcessGroup) {
  MakeRuns({Script("long", "echo $$; sleep 1000 & sleep 1000")});
  const Run run = MustStart(ada_, "long");
  ASSERT_TRUE(testing::Eventually([&] { return !Output(run.id).empty(); }));
  const int pid = std::stoi(Output(run.id));
  EXPECT_EQ(::kill(-pid, 0), 0);  // the group lives
  ASSERT_THAT(runs_->Stop(ada_, run.id), testing::IsOk());
  const Run done = AwaitEnd(run.id);
  EXPECT_EQ(done.status, RunStatus::kCancelled);
  EXPECT_EQ(done.signal, SIGTERM);
  EXPECT_EQ(::kill(-pid, 0), -1);  // no process of the group is left
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(RealRunsTest, ARunThatIgnoresSigtermIsKilledAtItsTimeout) {
  std::vector<Declaration> jobs = {Script("stubborn", "trap '' TERM; echo ready; sleep 1000")};
  jobs[0].timeout = 200ms;
  MakeRuns(jobs, [](RunsOptions& options) { options.kill_grace = 100ms; });
  const Run run = MustStart(ada_, "stubborn");
  const Run done = AwaitEnd(run.id);
  EXPECT_EQ(done.status, RunStatus::kTimedOut);
  EXPECT_EQ(done.signal, SIGKILL);
  EXPECT_EQ(done.error, "timed out after 200ms");
}

TEST_F(RealRunsTest, AFloodIsBoundedToTheHeadAndTheTail) {
  MakeRuns({Script("flood", "head -c 3000000 /dev/zero | tr '\\0' a; echo; echo end")},
           [](RunsOptions& options) { options.max_output = 1000; });
  const Run done = AwaitEnd(MustStart(ada_, "flood").id);
  EXPECT_EQ(done.status, RunStatus::kSucceeded);
  EXPECT_EQ(done.output_bytes, 3000000 + 5);
  EXPECT_TRUE(done.output_truncated);
  auto head = runs_->ReadOutput(ada_, done.id, 0, 1 << 20);
  EXPECT_EQ(head->data, std::string(500, 'a'));
  auto tail = runs_->ReadOutput(ada_, done.id, head->next_offset, 1 << 20);
  EXPECT_TRUE(tail->skipped);
  EXPECT_EQ(tail->data, std::string(495, 'a') + "\nend\n");
}

TEST_F(RealRunsTest, ShutdownStopsARealRunAndRecordsItInterrupted) {
  MakeRuns({Script("long", "sleep 1000")});
  const Run run = MustStart(ada_, "long");
  runs_->Shutdown();
  const Run done = *runs_->Get(ada_, run.id);
  EXPECT_EQ(done.status, RunStatus::kInterrupted);
  EXPECT_EQ(done.signal, SIGTERM);
}

}  // namespace
}  // namespace taskwire::jobs
