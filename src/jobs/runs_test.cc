// jobs::Runs: starting runs, what their process gets, limits and queueing, stopping, timeouts.

#include "jobs/runs_test.h"

#include <algorithm>

namespace taskwire::jobs {
namespace {

TEST_F(RunsTest, ARunsProcessGetsItsArgumentsTheMinimalEnvironmentAndItsParameters) {
  MakeRuns();
  const Run run =
      MustStart(ada_, "echo", R"({"count":3,"token":"hunter2","note":"$(touch x); rm"})");
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(run.job, "echo");
  ASSERT_EQ(processes_.started(), 1u);
  const Launch launch = processes_.launch(1);
  EXPECT_EQ(launch.argv, (std::vector<std::string>{"/bin/echo", "--env=staging", "3"}));
  // Nothing of the server's own environment: the minimal one, the job's, and the run's.
  EXPECT_EQ(launch.env, (std::vector<std::string>{
                            "EXTRA=1",
                            "HOME=/home/taskwire",
                            "LANG=en_GB.UTF-8",
                            "PATH=/usr/local/bin:/usr/bin:/bin",
                            "TASKWIRE_JOB=echo",
                            "TASKWIRE_PARAM_COUNT=3",
                            "TASKWIRE_PARAM_ENV=staging",
                            "TASKWIRE_PARAM_NOTE=$(touch x); rm",
                            "TASKWIRE_PARAM_TOKEN=hunter2",
                            "TASKWIRE_RUN_ID=" + std::to_string(run.id),
                        }));
  EXPECT_EQ(launch.workdir, "/srv");
  EXPECT_EQ(
      json::parse(launch.input),
      json::parse(R"({"count":3,"token":"hunter2","note":"$(touch x); rm","env":"staging"})"));
  EXPECT_EQ(launch.input.back(), '\n');
  // The record holds the parameters with the default filled in and the secret redacted.
  EXPECT_EQ(
      json::parse(run.params),
      json::parse(R"({"count":3,"token":"[redacted]","note":"$(touch x); rm","env":"staging"})"));
  EXPECT_EQ(run.started_by, "ada");
  EXPECT_EQ(run.credential, "key:" + std::to_string(ada_.user_id));
  EXPECT_EQ(run.client, "ada-client");
  EXPECT_TRUE(run.started_at.has_value());
  EXPECT_FALSE(run.finished_at.has_value());

  processes_.Write(1, "hello\n");
  processes_.Exit(1, {.code = 0});
  const Run done = AwaitEnd(run.id);
  EXPECT_EQ(done.status, RunStatus::kSucceeded);
  EXPECT_EQ(done.exit_code, 0);
  EXPECT_EQ(done.signal, std::nullopt);
  EXPECT_TRUE(done.finished_at.has_value());
  EXPECT_EQ(done.output_bytes, 6);
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 0, 100)->data, "hello\n");
  EXPECT_EQ(PublishedTypes(), (std::vector<std::string>{"run.started", "run.finished"}));
  EXPECT_EQ(runs_->running(), 0u);
}

TEST_F(RunsTest, ANonZeroExitOrASignalIsAFailure) {
  std::vector<Declaration> jobs = Jobs();
  jobs[0].max_concurrent = 2;
  MakeRuns(jobs);
  const Run exited = MustStart(ada_, "echo");
  const Run killed = MustStart(ada_, "echo");
  processes_.Exit(1, {.code = 3});
  processes_.Exit(2, {.signal = 9});
  const Run first = AwaitEnd(exited.id);
  EXPECT_EQ(first.status, RunStatus::kFailed);
  EXPECT_EQ(first.exit_code, 3);
  const Run second = AwaitEnd(killed.id);
  EXPECT_EQ(second.status, RunStatus::kFailed);
  EXPECT_EQ(second.exit_code, std::nullopt);
  EXPECT_EQ(second.signal, 9);
}

TEST_F(RunsTest, ACommandThatCannotStartIsAFailedRunSayingWhy) {
  MakeRuns();
  processes_.Refuse("/bin/echo: no such file");
  auto run = Start(ada_, "echo");
  ASSERT_THAT(run, testing::IsOk());
  EXPECT_EQ(run->status, RunStatus::kFailed);
  EXPECT_EQ(run->error, "/bin/echo: no such file");
  EXPECT_TRUE(run->finished_at.has_value());
  EXPECT_EQ(runs_->running(), 0u);  // its slot is free again
  EXPECT_EQ(PublishedTypes(), (std::vector<std::string>{"run.finished"}));
}

TEST_F(RunsTest, BadParametersAreRefusedNamingTheFieldAndMakeNoRun) {
  MakeRuns();
  EXPECT_EQ(ErrorText(Start(ada_, "echo", R"({"env":"dev"})")),
            R"(params.env must be one of ["staging","prod"])");
  EXPECT_EQ(ErrorText(Start(ada_, "echo", R"({"nope":1})")), "params.nope is not a known field");
  EXPECT_EQ(Code(Start(ada_, "echo", "[1]")), "INVALID_ARGUMENT");
  auto nul = Start(ada_, "echo", R"({"note":"a\u0000b"})");
  EXPECT_TRUE(ErrorText(nul).starts_with("params.note contains a NUL character")) << ErrorText(nul);
  EXPECT_EQ(Count("SELECT count(*) FROM job_runs"), 0);
  EXPECT_EQ(processes_.started(), 0u);
}

TEST_F(RunsTest, AnUnknownJobIsNotFound) {
  MakeRuns();
  EXPECT_EQ(ErrorText(Start(ada_, "nope")), "job nope not found");
  EXPECT_EQ(Code(runs_->GetJob(ada_, "nope")), "NOT_FOUND");
}

TEST_F(RunsTest, AnotherOrganizationsJobIsInvisibleExactlyLikeAnUnknownOne) {
  MakeRuns();
  const tasks::Actor eve = NewUser("eve");
  const tasks::Actor viewer = Join("vic", tasks::Role::kViewer);
  const tasks::Actor member = Join("meg", tasks::Role::kMember);
  const auto names = [this](const tasks::Actor& actor) {
    std::vector<std::string> seen;
    const auto jobs = runs_->ListJobs(actor);
    for (const auto& job : *jobs) seen.push_back(job->name());
    return seen;
  };
  EXPECT_EQ(names(ada_), (std::vector<std::string>{"acme-only", "echo"}));
  EXPECT_EQ(names(member), (std::vector<std::string>{"acme-only", "echo"}));
  EXPECT_EQ(names(eve), (std::vector<std::string>{"echo"}));
  EXPECT_EQ(names(viewer), (std::vector<std::string>{"echo"}));  // viewers cannot run it
  for (const tasks::Actor* outsider : {&eve, &viewer}) {
    EXPECT_EQ(ErrorText(Start(*outsider, "acme-only")), "job acme-only not found");
    // Even with bad parameters: nothing tells it apart from an unknown job.
    EXPECT_EQ(ErrorText(Start(*outsider, "acme-only", R"({"x":1})")), "job acme-only not found");
    EXPECT_EQ(ErrorText(runs_->GetJob(*outsider, "acme-only")), "job acme-only not found");
  }
  EXPECT_THAT(Start(member, "acme-only"), testing::IsOk());
}

TEST_F(RunsTest, RunRolesDecideWhoRunsAnOrganizationsJob) {
  std::vector<Declaration> jobs = Jobs();
  jobs[1].run_roles = std::vector<std::string>{"owner", "viewer"};
  MakeRuns(jobs);
  const tasks::Actor viewer = Join("vic", tasks::Role::kViewer);
  const tasks::Actor member = Join("meg", tasks::Role::kMember);
  EXPECT_THAT(Start(viewer, "acme-only"), testing::IsOk());
  EXPECT_EQ(Code(Start(member, "acme-only")), "NOT_FOUND");
}

TEST_F(RunsTest, ARunTiedToATaskNeedsTheTaskReadableAndInTheJobsOrganization) {
  MakeRuns();
  const tasks::Actor eve = NewUser("eve");
  const int64_t evil = tasks_->CreateOrganization(eve, "evil", eve.user_id)->id;
  const int64_t adas = NewTask(ada_);
  const int64_t eves = NewTask(eve, evil);
  EXPECT_EQ(ErrorText(Start(ada_, "echo", "{}", eves)),
            "task " + std::to_string(eves) + " not found");
  EXPECT_EQ(ErrorText(Start(ada_, "echo", "{}", eves + 1000)),
            "task " + std::to_string(eves + 1000) + " not found");
  // eve joins acme as a member: she reads ada's task, but her own organization's task is not
  // acme's, where acme-only runs.
  ASSERT_TRUE(tasks_->SetMember(ada_, acme_, eve.user_id, tasks::Role::kMember).has_value());
  EXPECT_EQ(Code(Start(eve, "acme-only", "{}", eves)), "INVALID_ARGUMENT");
  auto tied = Start(eve, "acme-only", "{}", adas);
  ASSERT_THAT(tied, testing::IsOk());
  EXPECT_EQ(tied->task_id, adas);
  EXPECT_EQ(tied->organization_id, acme_);
  // A job without organization may be tied to a task of any organization the caller reads.
  auto anywhere = Start(eve, "echo", "{}", eves);
  ASSERT_THAT(anywhere, testing::IsOk());
  EXPECT_EQ(anywhere->organization_id, evil);
}

TEST_F(RunsTest, AFullJobQueuesItsRunsAndStartsThemInOrder) {
  MakeRuns();
  const Run first = MustStart(ada_, "echo");
  const Run second = MustStart(ada_, "echo");
  const Run third = MustStart(ada_, "echo");
  EXPECT_EQ(first.status, RunStatus::kRunning);
  EXPECT_EQ(second.status, RunStatus::kQueued);
  EXPECT_EQ(third.status, RunStatus::kQueued);
  EXPECT_FALSE(second.started_at.has_value());
  EXPECT_EQ(runs_->queued(), 2u);
  EXPECT_EQ(processes_.started(), 1u);
  processes_.Exit(1, {.code = 0});
  ASSERT_TRUE(processes_.AwaitStarted(2));
  EXPECT_EQ(processes_.launch(2).env.back(), "TASKWIRE_RUN_ID=" + std::to_string(second.id));
  ASSERT_TRUE(testing::Eventually(
      [&] { return runs_->Get(ada_, second.id)->status == RunStatus::kRunning; }));
  EXPECT_EQ(runs_->Get(ada_, third.id)->status, RunStatus::kQueued);
  processes_.Exit(2, {.code = 0});
  ASSERT_TRUE(processes_.AwaitStarted(3));
  processes_.Exit(3, {.code = 0});
  EXPECT_EQ(AwaitEnd(third.id).status, RunStatus::kSucceeded);
  EXPECT_EQ(PublishedTypes(), (std::vector<std::string>{
                                  "run.started", "run.queued", "run.queued", "run.finished",
                                  "run.started", "run.finished", "run.started", "run.finished"}));
}

TEST_F(RunsTest, AJobThatRejectsRefusesRunsBeyondItsLimitNamingIt) {
  std::vector<Declaration> jobs = Jobs();
  jobs[0].on_limit = OnLimit::kReject;
  jobs[0].max_concurrent = 2;
  MakeRuns(jobs);
  MustStart(ada_, "echo");
  MustStart(ada_, "echo");
  auto refused = Start(ada_, "echo");
  EXPECT_EQ(Code(refused), "RESOURCE_EXHAUSTED");
  EXPECT_TRUE(
      ErrorText(refused).starts_with("job echo already runs 2 of at most 2 (max_concurrent)"))
      << ErrorText(refused);
  EXPECT_EQ(Count("SELECT count(*) FROM job_runs"), 2);
  processes_.Exit(1, {.code = 0});
  ASSERT_TRUE(testing::Eventually([&] { return runs_->running() == 1; }));
  EXPECT_THAT(Start(ada_, "echo"), testing::IsOk());
}

TEST_F(RunsTest, TheGlobalLimitHoldsOverAllJobs) {
  std::vector<Declaration> jobs = Jobs();
  jobs[0].max_concurrent = 10;
  jobs[1].max_concurrent = 10;
  jobs[1].on_limit = OnLimit::kReject;
  MakeRuns(jobs, [](RunsOptions& options) { options.max_running = 2; });
  MustStart(ada_, "echo");
  MustStart(ada_, "acme-only");
  auto refused = Start(ada_, "acme-only");
  EXPECT_TRUE(
      ErrorText(refused).starts_with("the server already runs 2 runs, its limit "
                                     "(jobs.max_running)"))
      << ErrorText(refused);
  const Run queued = MustStart(ada_, "echo");
  EXPECT_EQ(queued.status, RunStatus::kQueued);
  processes_.Exit(2, {.code = 0});
  ASSERT_TRUE(processes_.AwaitStarted(3));
  EXPECT_EQ(processes_.launch(3).env.back(), "TASKWIRE_RUN_ID=" + std::to_string(queued.id));
}

TEST_F(RunsTest, AQueueHoldsABoundedNumberOfRuns) {
  MakeRuns(Jobs(), [](RunsOptions& options) { options.max_queued_per_job = 2; });
  MustStart(ada_, "echo");
  MustStart(ada_, "echo");
  MustStart(ada_, "echo");
  auto refused = Start(ada_, "echo");
  EXPECT_EQ(Code(refused), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(ErrorText(refused),
            "job echo has 2 runs queued already, as many as it may; try again when some have "
            "started");
}

TEST_F(RunsTest, StoppingAQueuedRunTakesItOffTheQueue) {
  MakeRuns();
  MustStart(ada_, "echo");
  const Run queued = MustStart(ada_, "echo");
  auto stopped = runs_->Stop(ada_, queued.id);
  ASSERT_THAT(stopped, testing::IsOk());
  EXPECT_EQ(stopped->status, RunStatus::kCancelled);
  EXPECT_EQ(stopped->stopped_by, "ada");
  EXPECT_EQ(runs_->queued(), 0u);
  processes_.Exit(1, {.code = 0});
  ASSERT_TRUE(testing::Eventually([&] { return runs_->running() == 0; }));
  EXPECT_EQ(processes_.started(), 1u);  // it never started
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE entity = 'run' AND action = 'stop' AND "
                  "entity_id = " +
                  std::to_string(queued.id)),
            1);
}

TEST_F(RunsTest, StoppingARunningRunSignalsItWithTheGraceAndEndsItCancelled) {
  MakeRuns();
  const Run run = MustStart(ada_, "echo");
  auto stopping = runs_->Stop(ada_, run.id);
  ASSERT_THAT(stopping, testing::IsOk());
  EXPECT_EQ(stopping->status, RunStatus::kRunning);  // until its process is gone
  EXPECT_EQ(stopping->stopped_by, "ada");
  EXPECT_EQ(processes_.AwaitStopped(1), 1500ms);
  EXPECT_THAT(runs_->Stop(ada_, run.id), testing::IsOk());  // twice is fine
  processes_.Exit(1, {.signal = 15});
  const Run done = AwaitEnd(run.id);
  EXPECT_EQ(done.status, RunStatus::kCancelled);
  EXPECT_EQ(done.signal, 15);
  EXPECT_EQ(done.error, "stopped by ada");
  // A finished run is returned as it is.
  auto again = runs_->Stop(ada_, run.id);
  ASSERT_THAT(again, testing::IsOk());
  EXPECT_EQ(again->status, RunStatus::kCancelled);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE entity = 'run' AND action = 'stop'"), 1);
}

TEST_F(RunsTest, WhoSeesARunButMayNotRunItsJobCannotStopIt) {
  MakeRuns();
  const tasks::Actor viewer = Join("vic", tasks::Role::kViewer);
  const int64_t task = NewTask(ada_);
  auto run = Start(ada_, "acme-only", "{}", task);
  ASSERT_THAT(run, testing::IsOk());
  EXPECT_THAT(runs_->Get(viewer, run->id), testing::IsOk());  // readers of the task see it
  auto refused = runs_->Stop(viewer, run->id);
  EXPECT_EQ(Code(refused), "PERMISSION_DENIED");
  EXPECT_EQ(ErrorText(refused), "you may see run " + std::to_string(run->id) +
                                    " but not run job acme-only, so you may not stop it");
  EXPECT_FALSE(processes_.stopped(1));
}

TEST_F(RunsTest, ARunThatTakesTooLongIsStoppedAndTimesOut) {
  std::vector<Declaration> jobs = Jobs();
  jobs[0].timeout = 1ms;
  MakeRuns(jobs);
  const Run run = MustStart(ada_, "echo");
  EXPECT_EQ(processes_.AwaitStopped(1), 1500ms);
  processes_.Exit(1, {.signal = 9});
  const Run done = AwaitEnd(run.id);
  EXPECT_EQ(done.status, RunStatus::kTimedOut);
  EXPECT_EQ(done.error, "timed out after 1ms");
  EXPECT_EQ(done.stopped_by, std::nullopt);
}

TEST_F(RunsTest, WaitingEndsAtTheDeadlineOrAtOnceForAFinishedRun) {
  MakeRuns();
  const Run run = MustStart(ada_, "echo");
  auto timed_out = std::make_shared<std::promise<bool>>();
  runs_->Wait(run.id, std::chrono::steady_clock::now() + 1ms,
              [timed_out](bool timed) { timed_out->set_value(timed); });
  auto future = timed_out->get_future();
  ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
  EXPECT_TRUE(future.get());
  processes_.Exit(1, {.code = 0});
  AwaitEnd(run.id);
  bool called = false;
  runs_->Wait(run.id, std::chrono::steady_clock::now() + 1h, [&](bool timed) {
    called = true;
    EXPECT_FALSE(timed);
  });
  EXPECT_TRUE(called);  // before Wait returned
}

}  // namespace
}  // namespace taskwire::jobs
