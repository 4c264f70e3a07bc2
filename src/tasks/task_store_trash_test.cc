// TaskStore: the trash (delete, restore, purge, the sweep with a fake clock) and forks.

#include "base/log.h"
#include "tasks/task_store_test.h"
#include "tasks/trash_sweep.h"
#include "testing/eventually.h"

namespace taskwire::tasks {
namespace {

std::vector<int64_t> Ids(const TaskPage& page) {
  std::vector<int64_t> ids;
  for (const Task& task : page.tasks) ids.push_back(task.id);
  return ids;
}

class TrashTest : public TaskStoreTest {
 protected:
  TaskPage Trash(const Actor& actor) {
    auto page = store_->ListTasks(actor, {.deleted = true});
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    return page.value_or(TaskPage{});
  }
  TaskPage Live(const Actor& actor) {
    auto page = store_->ListTasks(actor, {});
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    return page.value_or(TaskPage{});
  }
};

TEST_F(TrashTest, RestoreBringsTheSubtreeBackExactlyAsItWas) {
  const Task root = MakeTask(ada_, "Root");
  const Task child = MakeTask(ada_, "Child", root.id);
  ASSERT_TRUE(store_
                  ->UpdateTask(ada_, child.id,
                               {.status = Status::kDone, .labels = std::vector<std::string>{"x"}})
                  .has_value());
  ASSERT_TRUE(store_->SendMessage(ada_, child.id, "progress").has_value());
  auto before = store_->GetTask(ada_, child.id);
  ASSERT_TRUE(before.has_value());
  clock_.Advance(1h);
  auto trashed = store_->DeleteTask(ada_, root.id);
  ASSERT_TRUE(trashed.has_value()) << trashed.error().ToString();
  EXPECT_EQ(trashed->ids, (std::vector<int64_t>{root.id, child.id}));
  EXPECT_EQ(trashed->purge_at, base::FormatIso8601(clock_.Now() + kDefaultRecoveryWindow));
  EXPECT_TRUE(Live(ada_).tasks.empty());
  clock_.Advance(1h);
  auto restored = store_->RestoreTask(ada_, root.id);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  EXPECT_EQ(*restored, (std::vector<int64_t>{root.id, child.id}));
  auto after = store_->GetTask(ada_, child.id);
  ASSERT_TRUE(after.has_value());
  // The same fields, version and times: a restore changes nothing of the task itself.
  EXPECT_EQ(after->task.version, before->task.version);
  EXPECT_EQ(after->task.updated_at, before->task.updated_at);
  EXPECT_EQ(after->task.completed_at, before->task.completed_at);
  EXPECT_EQ(after->task.labels, before->task.labels);
  EXPECT_EQ(after->task.parent_id, root.id);
  EXPECT_FALSE(after->task.deleted_at.has_value());
  EXPECT_EQ(after->message_count, 1);
  EXPECT_TRUE(Trash(ada_).tasks.empty());
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'restore'"), 1);
}

TEST_F(TrashTest, RestoreLeavesASubtaskDeletedOnItsOwnInTheTrash) {
  const Task root = MakeTask(ada_, "Root");
  const Task early = MakeTask(ada_, "Deleted first", root.id);
  const Task late = MakeTask(ada_, "Deleted with the root", root.id);
  ASSERT_TRUE(store_->DeleteTask(ada_, early.id).has_value());
  clock_.Advance(1s);
  auto trashed = store_->DeleteTask(ada_, root.id);
  ASSERT_TRUE(trashed.has_value());
  EXPECT_EQ(trashed->ids, (std::vector<int64_t>{root.id, late.id}));
  ASSERT_TRUE(store_->RestoreTask(ada_, root.id).has_value());
  EXPECT_EQ(Ids(Trash(ada_)), (std::vector<int64_t>{early.id}));
  auto detail = store_->GetTask(ada_, root.id);
  ASSERT_EQ(detail->subtasks.size(), 1u);  // the one in the trash is not listed
  EXPECT_EQ(detail->subtasks.front().id, late.id);
  // Now its parent is back, it can come back too.
  ASSERT_TRUE(store_->RestoreTask(ada_, early.id).has_value());
  EXPECT_EQ(store_->GetTask(ada_, root.id)->subtasks.size(), 2u);
}

TEST_F(TrashTest, RestoringATaskWhoseParentIsInTheTrashNamesWhatToRestoreFirst) {
  const Task root = MakeTask(ada_, "Root");
  const Task child = MakeTask(ada_, "Child", root.id);
  const Task grandchild = MakeTask(ada_, "Grandchild", child.id);
  ASSERT_TRUE(store_->DeleteTask(ada_, grandchild.id).has_value());
  ASSERT_TRUE(store_->DeleteTask(ada_, root.id).has_value());
  const std::string before = Dump();
  // Trashed with the root: its parent (the child) is in the trash, deleted with the root.
  auto refused = store_->RestoreTask(ada_, child.id);
  EXPECT_EQ(Code(refused), "FAILED_PRECONDITION");
  EXPECT_EQ(ErrorText(refused), "task " + std::to_string(child.id) + "'s parent, task " +
                                    std::to_string(root.id) + ", is in the trash: restore task " +
                                    std::to_string(root.id) + " first");
  // Trashed on its own before: its parent went with the root.
  auto own = store_->RestoreTask(ada_, grandchild.id);
  EXPECT_EQ(Code(own), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(own).find("(deleted with task " + std::to_string(root.id) +
                                "): restore task " + std::to_string(root.id) + " first"),
            std::string::npos)
      << ErrorText(own);
  EXPECT_EQ(Dump(), before);
}

TEST_F(TrashTest, BadRestoresAndPurgesAreClearErrorsThatChangeNothing) {
  const Task live = MakeTask(ada_, "Live");
  const Task gone = MakeTask(ada_, "Gone");
  ASSERT_TRUE(store_->DeleteTask(ada_, gone.id).has_value());
  clock_.Advance(1min);
  ASSERT_TRUE(store_->PurgeTask(ada_, gone.id).has_value());
  const Actor eve = NewUser("eve");
  const int64_t evil = NewOrganization(eve, "evil");
  const Task eves = MakeTask(eve, "Eve's", std::nullopt, evil);
  ASSERT_TRUE(store_->DeleteTask(eve, eves.id).has_value());
  const std::string before = Dump();

  EXPECT_EQ(Code(store_->PurgeTask(ada_, live.id)), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(store_->PurgeTask(ada_, live.id)).find("is not in the trash"),
            std::string::npos);
  EXPECT_EQ(Code(store_->RestoreTask(ada_, live.id)), "FAILED_PRECONDITION");
  auto purged = store_->RestoreTask(ada_, gone.id);
  EXPECT_EQ(Code(purged), "FAILED_PRECONDITION");
  EXPECT_NE(
      ErrorText(purged).find("was purged at " + base::FormatIso8601(clock_.Now()) + " by ada"),
      std::string::npos)
      << ErrorText(purged);
  EXPECT_EQ(Code(store_->PurgeTask(ada_, gone.id)), "FAILED_PRECONDITION");
  for (int64_t unknown : {int64_t{9999}, eves.id}) {  // unknown, and another organization's
    EXPECT_EQ(Code(store_->RestoreTask(ada_, unknown)), "NOT_FOUND") << unknown;
    EXPECT_EQ(Code(store_->PurgeTask(ada_, unknown)), "NOT_FOUND") << unknown;
    EXPECT_EQ(Code(store_->DeleteTask(ada_, unknown)), "NOT_FOUND") << unknown;
    EXPECT_EQ(Code(store_->ForkTask(ada_, unknown, std::nullopt, true)), "NOT_FOUND") << unknown;
  }
  // Someone else's purge stays someone else's: not even that it happened.
  EXPECT_EQ(Code(store_->RestoreTask(eve, gone.id)), "NOT_FOUND");
  // A task in the trash is not found by the writes of live tasks, nor deleted twice.
  EXPECT_EQ(Code(store_->DeleteTask(eve, eves.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(eve, eves.id, {.title = "x"})), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ForkTask(eve, eves.id, std::nullopt, false)), "NOT_FOUND");
  EXPECT_EQ(Dump(), before);
}

TEST_F(TrashTest, OnlyOwnersAdminsAndTheTasksOwnersRestoreAndPurge) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Actor vic = Join("vic", acme_, Role::kViewer);
  const Task adas = MakeTask(ada_, "Ada's");
  ASSERT_TRUE(store_->DeleteTask(ada_, adas.id).has_value());
  EXPECT_EQ(Code(store_->RestoreTask(bob, adas.id)), "PERMISSION_DENIED");
  EXPECT_EQ(Code(store_->PurgeTask(bob, adas.id)), "PERMISSION_DENIED");
  EXPECT_EQ(Code(store_->PurgeTask(vic, adas.id)), "PERMISSION_DENIED");
  const Task bobs = MakeTask(bob, "Bob's");
  ASSERT_TRUE(store_->DeleteTask(bob, bobs.id).has_value());
  EXPECT_TRUE(store_->RestoreTask(bob, bobs.id).has_value());
  // Viewers fork nothing; members fork anything they see.
  EXPECT_EQ(Code(store_->ForkTask(vic, bobs.id, std::nullopt, false)), "PERMISSION_DENIED");
  EXPECT_TRUE(store_->ForkTask(bob, bobs.id, std::nullopt, false).has_value());
}

TEST_F(TrashTest, TheTrashIsGoneFromEveryReadAndTheFeed) {
  const Task task = MakeTask(ada_, "Kangaroo plans");
  auto message = store_->SendMessage(ada_, task.id, "kangaroo notes");
  auto question = store_->AskQuestion(ada_, task.id, "Which kangaroo?", {});
  ASSERT_TRUE(message.has_value() && question.has_value());
  const int64_t cursor = *store_->LatestEventId();
  ASSERT_TRUE(store_->DeleteTask(ada_, task.id).has_value());
  EXPECT_EQ(Code(store_->GetTask(ada_, task.id)), "NOT_FOUND");
  EXPECT_TRUE(Live(ada_).tasks.empty());
  EXPECT_TRUE(store_->Search(ada_, "kangaroo", std::nullopt, 10, "")->hits.empty());
  EXPECT_EQ(Code(store_->GetQuestion(ada_, question->id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->AnswerQuestion(ada_, question->id, "red")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListMessages(ada_, task.id, 0, 10)), "NOT_FOUND");
  EXPECT_TRUE(store_->TaskIdsWithPrefix(ada_, std::to_string(task.id), 10)->empty());
  EXPECT_EQ(store_->ListOrganizations(ada_.user_id)->front().open_tasks, 0);
  // The feed keeps only the deletion, for whoever follows the task; its earlier events are gone.
  auto events = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().type, "task.deleted");
  EXPECT_GT(events->front().id, cursor);
  // Restored, it is back everywhere, its events too, and the feed says so.
  ASSERT_TRUE(store_->RestoreTask(ada_, task.id).has_value());
  EXPECT_EQ(store_->Search(ada_, "kangaroo", std::nullopt, 10, "")->hits.size(), 1u);
  auto back = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_EQ(back->size(), 5u);
  EXPECT_EQ(back->back().type, "task.restored");
  EXPECT_EQ(observed_.back().type, "task.restored");
  // Purged, its events leave the feed for good: only the purge remains.
  ASSERT_TRUE(store_->DeleteTask(ada_, task.id).has_value());
  ASSERT_TRUE(store_->PurgeTask(ada_, task.id).has_value());
  auto purged = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_EQ(purged->size(), 1u);
  EXPECT_EQ(purged->front().type, "task.purged");
  EXPECT_EQ(purged->front().data.find("kangaroo notes"), std::string::npos);
}

TEST_F(TrashTest, TheTrashListsWhenWhoAndUntilWhenMostRecentlyDeletedFirst) {
  const Actor bob = Join("bob", acme_, Role::kAdmin);
  const Task first = MakeTask(ada_, "First");
  const Task second = MakeTask(ada_, "Second");
  const Task child = MakeTask(ada_, "Child", second.id);
  MakeTask(ada_, "Live");
  ASSERT_TRUE(store_->DeleteTask(ada_, first.id).has_value());
  const std::string first_deleted = base::FormatIso8601(clock_.Now());
  clock_.Advance(1h);
  ASSERT_TRUE(store_->DeleteTask(bob, second.id).has_value());
  auto page = store_->ListTasks(ada_, {.deleted = true, .limit = 2});
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  // The deletion of second (with its child) is the newest.
  ASSERT_EQ(page->tasks.size(), 2u);
  EXPECT_EQ(std::set<int64_t>({page->tasks[0].id, page->tasks[1].id}),
            std::set<int64_t>({second.id, child.id}));
  EXPECT_EQ(page->tasks[0].deleted_by, "bob");
  EXPECT_EQ(page->tasks[0].deleted_with, second.id);
  ASSERT_FALSE(page->next_cursor.empty());
  auto next = store_->ListTasks(ada_, {.deleted = true, .limit = 2, .cursor = page->next_cursor});
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  ASSERT_EQ(next->tasks.size(), 1u);
  const Task& oldest = next->tasks.front();
  EXPECT_EQ(oldest.id, first.id);
  EXPECT_EQ(oldest.deleted_at, first_deleted);
  EXPECT_EQ(oldest.deleted_by, "ada");
  EXPECT_EQ(oldest.purge_at,
            base::FormatIso8601(*base::ParseIso8601(first_deleted) + kDefaultRecoveryWindow));
  EXPECT_TRUE(next->next_cursor.empty());
  // Filters apply to the trash as to the live tasks.
  EXPECT_EQ(Ids(*store_->ListTasks(ada_, {.parent_id = second.id, .deleted = true})),
            (std::vector<int64_t>{child.id}));
  // Another organization's trash is not yours.
  const Actor eve = NewUser("eve");
  EXPECT_TRUE(Trash(eve).tasks.empty());
}

TEST_F(TrashTest, TheSweepPurgesWhatOutlivedTheWindowAndNothingElse) {
  const Task old_root = MakeTask(ada_, "Old");
  const Task old_child = MakeTask(ada_, "Old child", old_root.id);
  const Task recent = MakeTask(ada_, "Recent");
  const Task live = MakeTask(ada_, "Live");
  ASSERT_TRUE(store_->SendMessage(ada_, old_child.id, "bye").has_value());
  ASSERT_TRUE(store_->DeleteTask(ada_, old_root.id).has_value());
  clock_.Advance(kDefaultRecoveryWindow - 1h);
  ASSERT_TRUE(store_->DeleteTask(ada_, recent.id).has_value());
  base::Logger logger(base::LogLevel::kWarn, base::LogFormat::kJson, stderr, clock_);
  TrashSweep sweep(*store_, logger);
  // Not yet: the window is not over for either.
  EXPECT_EQ(sweep.Sweep(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 4);
  // An hour and a second later the first deletion is older than the window.
  clock_.Advance(1h + 1s);
  EXPECT_EQ(sweep.Sweep(), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), 0);
  EXPECT_EQ(Ids(Trash(ada_)), (std::vector<int64_t>{recent.id}));
  EXPECT_EQ(store_->GetTask(ada_, live.id)->task.title, "Live");
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'purge' AND user_name = "
                  "'taskwire' AND credential = 'sweep' AND json_extract(changes, '$.expired')"),
            1);
  EXPECT_EQ(observed_.back().type, "task.purged");
  // Restoring what the sweep took says so.
  EXPECT_NE(ErrorText(store_->RestoreTask(ada_, old_child.id)).find("purged"), std::string::npos);
  // Again: nothing more to do.
  EXPECT_EQ(sweep.Sweep(), 0);
}

TEST_F(TrashTest, TheSweepUsesTheConfiguredWindowAndStartsOnItsThread) {
  TaskStore store(*faulty_, clock_, hub_, std::chrono::seconds(60));
  const Task task = MakeTask(ada_, "Short-lived");
  ASSERT_TRUE(store.DeleteTask(ada_, task.id).has_value());
  EXPECT_EQ(store.ListTasks(ada_, {.deleted = true})->tasks.front().purge_at,
            base::FormatIso8601(clock_.Now() + 60s));
  clock_.Advance(61s);
  base::Logger logger(base::LogLevel::kWarn, base::LogFormat::kJson, stderr, clock_);
  TrashSweep sweep(store, logger);
  sweep.Start();
  EXPECT_TRUE(testing::Eventually([&] { return Count("SELECT count(*) FROM tasks") == 0; }));
}

TEST_F(TrashTest, ForkCopiesTheTaskButNotItsThread) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Task parent = MakeTask(ada_, "Parent");
  auto original = store_->CreateTask(ada_, {.title = "Original",
                                            .description = {"the plan"},
                                            .status = Status::kDone,
                                            .assignee = "ada",
                                            .parent_id = parent.id,
                                            .labels = {"b", "a"}});
  ASSERT_TRUE(original.has_value());
  ASSERT_TRUE(store_->SendMessage(ada_, original->id, "history").has_value());
  ASSERT_TRUE(store_->AskQuestion(ada_, original->id, "why?", {}).has_value());
  MakeTask(ada_, "A subtask", original->id);
  clock_.Advance(1h);
  auto fork = store_->ForkTask(bob, original->id, "The copy", false);
  ASSERT_TRUE(fork.has_value()) << fork.error().ToString();
  const Task& copy = fork->task;
  EXPECT_EQ(fork->ids, (std::vector<int64_t>{copy.id}));
  EXPECT_NE(copy.id, original->id);
  EXPECT_EQ(copy.forked_from, original->id);
  EXPECT_EQ(copy.title, "The copy");
  EXPECT_EQ(copy.description.text, "the plan");
  EXPECT_EQ(copy.status, Status::kDone);
  EXPECT_EQ(copy.completed_at, base::FormatIso8601(clock_.Now()));
  EXPECT_EQ(copy.assignee, "ada");
  EXPECT_EQ(copy.labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(copy.parent_id, parent.id);
  EXPECT_EQ(copy.owners, (std::vector<std::string>{"bob"}));
  EXPECT_EQ(copy.version, 1);
  auto detail = store_->GetTask(bob, copy.id);
  EXPECT_EQ(detail->message_count, 0);
  EXPECT_TRUE(detail->open_questions.empty());
  EXPECT_TRUE(detail->subtasks.empty());
  // The original is untouched; the copy's audit starts at its creation, naming the original.
  EXPECT_EQ(store_->GetTask(ada_, original->id)->task.version, original->version);
  auto audit = store_->TaskAudit(bob, copy.id, 10);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_NE(audit->front().changes.find("\"forkedFrom\":" + std::to_string(original->id)),
            std::string::npos);
  // The title given is checked like any title, and nothing is written when it fails.
  const std::string before = Dump();
  EXPECT_EQ(Code(store_->ForkTask(bob, original->id, "two\nlines", false)), "INVALID_ARGUMENT");
  EXPECT_EQ(Dump(), before);
}

TEST_F(TrashTest, ForkWithSubtasksCopiesTheTreeButNotTheTrash) {
  const Task root = MakeTask(ada_, "Root");
  const Task a = MakeTask(ada_, "A", root.id);
  const Task a1 = MakeTask(ada_, "A1", a.id);
  const Task b = MakeTask(ada_, "B", root.id);
  MakeTask(ada_, "B1", b.id);
  ASSERT_TRUE(store_->DeleteTask(ada_, b.id).has_value());
  auto fork = store_->ForkTask(ada_, root.id, std::nullopt, true);
  ASSERT_TRUE(fork.has_value()) << fork.error().ToString();
  ASSERT_EQ(fork->ids.size(), 3u);  // root, A, A1: B and B1 are in the trash
  EXPECT_EQ(fork->task.title, "Root");
  EXPECT_FALSE(fork->task.parent_id.has_value());
  auto copied_root = store_->GetTask(ada_, fork->ids[0]);
  ASSERT_EQ(copied_root->subtasks.size(), 1u);
  auto copied_a = store_->GetTask(ada_, copied_root->subtasks.front().id);
  EXPECT_EQ(copied_a->task.title, "A");
  EXPECT_EQ(copied_a->task.forked_from, a.id);
  ASSERT_EQ(copied_a->subtasks.size(), 1u);
  EXPECT_EQ(store_->GetTask(ada_, copied_a->subtasks.front().id)->task.forked_from, a1.id);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE type = 'task.created' AND "
                  "json_extract(data, '$.forkedFrom') IS NOT NULL"),
            3);
  // Without includeSubtasks, only the task.
  EXPECT_EQ(store_->ForkTask(ada_, root.id, std::nullopt, false)->ids.size(), 1u);
  // The original of a fork may be purged: the copy keeps its forkedFrom.
  ASSERT_TRUE(store_->DeleteTask(ada_, root.id).has_value());
  ASSERT_TRUE(store_->PurgeTask(ada_, root.id).has_value());
  EXPECT_EQ(store_->GetTask(ada_, fork->ids[0])->task.forked_from, root.id);
}

// Breaking the database on purpose ---------------------------------------------------------------

TEST_F(TrashTest, FailedTrashWritesWriteNothing) {
  const Task root = MakeTask(ada_, "Root");
  const Task child = MakeTask(ada_, "Child", root.id);
  ASSERT_TRUE(store_->SendMessage(ada_, child.id, "note").has_value());
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto done = store_->ForkTask(ada_, root.id, "Copy", true);
              if (!done) return std::move(done).error();
              return base::Ok();
            }),
            5);
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto done = store_->DeleteTask(ada_, root.id);
              if (!done) return std::move(done).error();
              return base::Ok();
            }),
            2);
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto done = store_->RestoreTask(ada_, root.id);
              if (!done) return std::move(done).error();
              return base::Ok();
            }),
            2);
  ASSERT_TRUE(store_->DeleteTask(ada_, root.id).has_value());
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto done = store_->PurgeTask(ada_, root.id);
              if (!done) return std::move(done).error();
              return base::Ok();
            }),
            3);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE id IN (" + std::to_string(root.id) + ", " +
                  std::to_string(child.id) + ")"),
            0);
  const Task other = MakeTask(ada_, "Other");
  ASSERT_TRUE(store_->DeleteTask(ada_, other.id).has_value());
  clock_.Advance(kDefaultRecoveryWindow + 1s);
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto done = store_->PurgeExpired(TrashSweep::SweepActor());
              if (!done) return std::move(done).error();
              return base::Ok();
            }),
            3);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE deleted_at IS NOT NULL"), 0);
}

}  // namespace
}  // namespace taskwire::tasks
