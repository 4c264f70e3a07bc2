// jobs::Runs: who sees which run, listing, the feed, reloading jobs, recovery after a crash,
// shutdown and retention.

#include "jobs/runs_test.h"

namespace taskwire::jobs {
namespace {

TEST_F(RunsTest, AnotherUsersRunIsNotFoundExactlyLikeAnUnknownOne) {
  MakeRuns();
  const tasks::Actor eve = NewUser("eve");
  const tasks::Actor bob = Join("bob", tasks::Role::kMember);
  const Run adas = MustStart(ada_, "echo");
  const std::string missing = "run " + std::to_string(adas.id) + " not found";
  for (const tasks::Actor* other : {&eve, &bob}) {
    EXPECT_EQ(ErrorText(runs_->Get(*other, adas.id)), missing);
    EXPECT_EQ(ErrorText(runs_->Stop(*other, adas.id)), missing);
    EXPECT_EQ(ErrorText(runs_->ReadOutput(*other, adas.id, 0, 10)), missing);
    EXPECT_TRUE(runs_->List(*other, {})->runs.empty());
  }
  EXPECT_EQ(ErrorText(runs_->Get(ada_, adas.id + 100)),
            "run " + std::to_string(adas.id + 100) + " not found");
  EXPECT_FALSE(processes_.stopped(1));
  // Tied to a task, it is seen by whoever reads the task: bob, not eve.
  const Run tied = *Start(ada_, "echo", "{}", NewTask(ada_));
  EXPECT_THAT(runs_->Get(bob, tied.id), testing::IsOk());
  EXPECT_EQ(Code(runs_->Get(eve, tied.id)), "NOT_FOUND");
  ASSERT_EQ(runs_->List(bob, {})->runs.size(), 1u);
}

TEST_F(RunsTest, RunsAreListedNewestFirstWithFiltersAndACursor) {
  MakeRuns();
  const int64_t task = NewTask(ada_);
  std::vector<int64_t> ids;
  ids.reserve(5);
  for (int i = 0; i < 5; ++i) ids.push_back(MustStart(ada_, "echo").id);  // one runs, four queue
  const Run other = MustStart(ada_, "acme-only");
  const Run tied = *Start(ada_, "acme-only", "{}", task);
  auto page = runs_->List(ada_, {.limit = 3});
  ASSERT_THAT(page, testing::IsOk());
  ASSERT_EQ(page->runs.size(), 3u);
  EXPECT_EQ(page->runs[0].id, tied.id);
  EXPECT_EQ(page->runs[1].id, other.id);
  EXPECT_EQ(page->runs[2].id, ids[4]);
  auto next = runs_->List(ada_, {.limit = 3, .cursor = page->next_cursor});
  ASSERT_EQ(next->runs.size(), 3u);
  EXPECT_EQ(next->runs[0].id, ids[3]);
  auto last = runs_->List(ada_, {.limit = 3, .cursor = next->next_cursor});
  ASSERT_EQ(last->runs.size(), 1u);
  EXPECT_EQ(last->next_cursor, "");
  EXPECT_EQ(runs_->List(ada_, {.job = "echo"})->runs.size(), 5u);
  EXPECT_EQ(runs_->List(ada_, {.task_id = task})->runs.size(), 1u);
  EXPECT_EQ(runs_->List(ada_, {.statuses = {RunStatus::kQueued}})->runs.size(), 5u);
  EXPECT_EQ(runs_->List(ada_, {.statuses = {RunStatus::kQueued, RunStatus::kRunning}})->runs.size(),
            7u);
  EXPECT_EQ(Code(runs_->List(ada_, {.cursor = "bogus"})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(runs_->List(ada_, {.limit = 0})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(runs_->List(ada_, {.limit = 51})), "INVALID_ARGUMENT");
}

TEST_F(RunsTest, ARunWithoutTaskIsInItsStartersFeedAloneAndATasksRunInTheOrganizations) {
  MakeRuns();
  const tasks::Actor bob = Join("bob", tasks::Role::kMember);
  const int64_t task = NewTask(ada_);
  const Run own = MustStart(bob, "acme-only");
  processes_.Exit(1, {.code = 0});
  AwaitEnd(own.id, &bob);
  const Run tied = *Start(bob, "acme-only", "{}", task);
  const auto feed = [this](const tasks::Actor& actor) {
    std::vector<std::string> seen;
    const auto events = tasks_->EventsAfter(actor, 0, std::nullopt, 100);
    for (const tasks::Event& event : *events) {
      if (!event.type.starts_with("run.")) continue;
      const json::value data = json::parse(event.data);
      seen.push_back(event.type + ":" + std::to_string(data.at("runId").as_int64()) + ":" +
                     std::string(data.at("status").as_string()));
    }
    return seen;
  };
  const std::string o = std::to_string(own.id);
  const std::string t = std::to_string(tied.id);
  EXPECT_EQ(feed(bob), (std::vector<std::string>{"run.started:" + o + ":running",
                                                 "run.finished:" + o + ":succeeded",
                                                 "run.started:" + t + ":running"}));
  EXPECT_EQ(feed(ada_), (std::vector<std::string>{"run.started:" + t + ":running"}));
  auto events = tasks_->EventsAfter(ada_, 0, task, 100);
  EXPECT_EQ(events->back().task_id, task);
  EXPECT_EQ(events->back().organization_id, acme_);
  // The audit record says who started it, with the parameters.
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE entity = 'run' AND action = 'start' AND "
                  "user_name = 'bob'"),
            2);
}

TEST_F(RunsTest, ReloadingKeepsRunsOfARemovedJobAndABadReloadChangesNothing) {
  MakeRuns();
  const Run run = MustStart(ada_, "echo");
  const Run queued = MustStart(ada_, "echo");
  std::vector<Declaration> without_echo = {Jobs()[1]};
  ASSERT_THAT(runs_->Load(without_echo), testing::IsOk());
  EXPECT_EQ(Code(Start(ada_, "echo")), "NOT_FOUND");
  EXPECT_EQ(runs_->catalog()->jobs().size(), 1u);
  // Its runs go on: the running one ends, the queued one starts.
  processes_.Exit(1, {.code = 0});
  EXPECT_EQ(AwaitEnd(run.id).status, RunStatus::kSucceeded);
  ASSERT_TRUE(processes_.AwaitStarted(2));
  processes_.Exit(2, {.code = 0});
  EXPECT_EQ(AwaitEnd(queued.id).status, RunStatus::kSucceeded);
  std::vector<Declaration> bad = Jobs();
  bad[1].organization = "nowhere";
  EXPECT_EQ(ErrorText(runs_->Load(bad)),
            "jobs[acme-only].organization: no organization is named 'nowhere' (taskwire org "
            "list)");
  EXPECT_EQ(runs_->catalog()->jobs().size(), 1u);  // as it was
}

TEST_F(RunsTest, ARaisedLimitStartsQueuedRunsAtOnce) {
  MakeRuns();
  MustStart(ada_, "echo");
  const Run queued = MustStart(ada_, "echo");
  std::vector<Declaration> jobs = Jobs();
  jobs[0].max_concurrent = 2;
  ASSERT_THAT(runs_->Load(jobs), testing::IsOk());
  ASSERT_TRUE(processes_.AwaitStarted(2));
  EXPECT_EQ(processes_.launch(2).env.back(), "TASKWIRE_RUN_ID=" + std::to_string(queued.id));
}

TEST_F(RunsTest, RecoveryMarksWhatACrashLeftInterruptedAndKillsItsProcesses) {
  MakeRuns();
  {
    // As a crashed server leaves them: one running with its process, one queued.
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(
        (*tx)
            ->Execute("INSERT INTO job_runs (job, status, params, user_id, user_name, "
                      "credential, client, pid, pid_start, output_limit, created_at, "
                      "started_at) VALUES ('echo', 'running', '{}', ?, 'ada', 'key:1', 'c', "
                      "4321, 98765, 100, '2026-01-01T00:00:00.000Z', "
                      "'2026-01-01T00:00:00.000Z'), ('echo', 'queued', '{}', ?, 'ada', "
                      "'key:1', 'c', NULL, NULL, 100, '2026-01-01T00:00:00.000Z', NULL)",
                      {ada_.user_id, ada_.user_id})
            .has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  auto recovered = runs_->Recover();
  ASSERT_THAT(recovered, testing::IsOk());
  EXPECT_EQ(*recovered, 2);
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(killed_, (std::vector<std::pair<int, uint64_t>>{{4321, 98765}}));
  }
  auto page = runs_->List(ada_, {});
  ASSERT_EQ(page->runs.size(), 2u);
  for (const Run& run : page->runs) {
    EXPECT_EQ(run.status, RunStatus::kInterrupted);
    EXPECT_TRUE(run.finished_at.has_value());
    EXPECT_NE(run.error.find("without shutting down cleanly"), std::string::npos) << run.error;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM job_runs WHERE pid IS NOT NULL"), 0);
  EXPECT_EQ(PublishedTypes(), (std::vector<std::string>{"run.finished", "run.finished"}));
  EXPECT_EQ(*runs_->Recover(), 0);  // nothing twice
}

TEST_F(RunsTest, ShutdownStopsRunningRunsMarksEveryRunInterruptedAndRefusesMore) {
  MakeRuns();
  const Run running = MustStart(ada_, "echo");
  const Run queued = MustStart(ada_, "echo");
  auto woken = std::make_shared<std::promise<bool>>();
  runs_->Wait(running.id, std::chrono::steady_clock::now() + 1h,
              [woken](bool timed_out) { woken->set_value(timed_out); });
  runs_->Shutdown();
  EXPECT_TRUE(processes_.stopped_all());
  EXPECT_EQ(woken->get_future().wait_for(0s), std::future_status::ready);
  auto first = runs_->Get(ada_, running.id);
  EXPECT_EQ(first->status, RunStatus::kInterrupted);
  EXPECT_EQ(first->error, "the server shut down while it ran");
  EXPECT_EQ(first->signal, 15);
  auto second = runs_->Get(ada_, queued.id);
  EXPECT_EQ(second->status, RunStatus::kInterrupted);
  EXPECT_EQ(second->error, "the server shut down before it started");
  EXPECT_EQ(Code(Start(ada_, "echo")), "UNAVAILABLE");
  runs_->Shutdown();  // idempotent
}

TEST_F(RunsTest, FinishedRunsOlderThanTheRetentionArePrunedWithTheirOutput) {
  MakeRuns(Jobs(), [](RunsOptions& options) { options.retention = 24h; });
  const Run old = MustStart(ada_, "echo");
  processes_.Write(1, "old output");
  processes_.Exit(1, {.code = 0});
  AwaitEnd(old.id);
  clock_.Advance(23h);
  const Run recent = MustStart(ada_, "echo");
  processes_.Exit(2, {.code = 0});
  AwaitEnd(recent.id);
  const Run unfinished = MustStart(ada_, "echo");
  clock_.Advance(2h);  // old finished 25h ago, recent 2h ago
  auto pruned = runs_->Prune();
  ASSERT_THAT(pruned, testing::IsOk());
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(Code(runs_->Get(ada_, old.id)), "NOT_FOUND");
  EXPECT_EQ(Count("SELECT count(*) FROM job_run_output WHERE run_id = " + std::to_string(old.id)),
            0);
  EXPECT_THAT(runs_->Get(ada_, recent.id), testing::IsOk());
  EXPECT_THAT(runs_->Get(ada_, unfinished.id), testing::IsOk());
  // Recover prunes as well.
  clock_.Advance(24h);
  processes_.Exit(3, {.code = 0});
  AwaitEnd(unfinished.id);
  ASSERT_THAT(runs_->Recover(), testing::IsOk());
  EXPECT_EQ(Code(runs_->Get(ada_, recent.id)), "NOT_FOUND");
  EXPECT_THAT(runs_->Get(ada_, unfinished.id), testing::IsOk());  // finished just now
}

}  // namespace
}  // namespace taskwire::jobs
