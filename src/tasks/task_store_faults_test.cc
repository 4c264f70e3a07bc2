// TaskStore: a database broken on purpose: every failed write leaves nothing behind.

#include "tasks/task_store_test.h"

namespace taskwire::tasks {
namespace {

// Breaking the database on purpose ---------------------------------------------------------------

TEST_F(TaskStoreTest, FaultyDatabaseFailsTheArmedStatementOnly) {
  auto tx = faulty_->Begin(store::Access::kRead);
  ASSERT_TRUE(tx.has_value());
  faulty_->Arm(2);
  EXPECT_TRUE((*tx)->Query("SELECT 1").has_value());
  auto second = (*tx)->Query("SELECT 2");
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_TRUE(faulty_->fired());
  EXPECT_TRUE((*tx)->Query("SELECT 3").has_value());
  EXPECT_EQ(faulty_->statements(), 3);
  faulty_->Disarm();
  EXPECT_FALSE(faulty_->fired());
  EXPECT_EQ(faulty_->statements(), 0);
}

TEST_F(TaskStoreTest, FailedCreateTaskWritesNothing) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  NewOrganization(ada_, "second");  // so the organization comes from the parent
  const Task parent = MakeTask(ada_, "Parent", std::nullopt, acme_);
  int64_t created = 0;
  const int64_t n = ExpectAtomic([&]() -> base::Result<void> {
    auto task = store_->CreateTask(ada_, {.title = "Atomic",
                                          .description = {"all or nothing"},
                                          .status = Status::kDone,
                                          .assignee = "bob",
                                          .parent_id = parent.id,
                                          .labels = {"b", "a", "c"}});
    if (!task) return std::move(task).error();
    created = task->id;
    return base::Ok();
  });
  EXPECT_GT(n, 3);
  auto task = store_->GetTask(ada_, created);
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->task.labels, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(task->task.parent_id, parent.id);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE type = 'task.created'"), 2);
}

TEST_F(TaskStoreTest, FailedUpdateTaskWritesNothing) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Task parent = MakeTask(ada_, "New parent");
  auto task = store_->CreateTask(ada_, {.title = "Before", .labels = {"old", "older"}});
  ASSERT_TRUE(task.has_value());
  const int64_t n = ExpectAtomic([&]() -> base::Result<void> {
    auto updated = store_->UpdateTask(ada_, task->id,
                                      {.title = "After",
                                       .description = Description{"changed"},
                                       .status = Status::kDone,
                                       .assignee = std::optional<std::string>("bob"),
                                       .parent_id = std::optional<int64_t>(parent.id),
                                       .labels = std::vector<std::string>{"new", "newer", "newest"},
                                       .owners = std::vector<std::string>{"ada", "bob"},
                                       .expected_version = 1});
    if (!updated) return std::move(updated).error();
    return base::Ok();
  });
  EXPECT_GT(n, 3);
  const Task after = store_->GetTask(ada_, task->id)->task;
  EXPECT_EQ(after.version, 2);
  EXPECT_EQ(after.labels, (std::vector<std::string>{"new", "newer", "newest"}));
  EXPECT_EQ(after.owners, (std::vector<std::string>{"ada", "bob"}));
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'update'"), 1);
}

TEST_F(TaskStoreTest, FailedDeleteTaskWritesNothing) {
  const Task root = MakeTask(ada_, "Root");
  const Task child = MakeTask(ada_, "Child", root.id);
  MakeTask(ada_, "Grandchild", child.id);
  ASSERT_TRUE(store_->SendMessage(ada_, child.id, "note").has_value());
  ASSERT_TRUE(store_->AskQuestion(ada_, root.id, "why?", {}).has_value());
  const int64_t n = ExpectAtomic([&]() -> base::Result<void> {
    auto deleted = store_->DeleteTask(ada_, root.id);
    if (!deleted) return std::move(deleted).error();
    return base::Ok();
  });
  EXPECT_GT(n, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE deleted_at IS NULL"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE deleted_with = " + std::to_string(root.id)), 3);
}

TEST_F(TaskStoreTest, FailedAnswerQuestionWritesNothing) {
  const Task task = MakeTask(ada_, "Decide");
  auto question = store_->AskQuestion(ada_, task.id, "Which?", {"this", "that"});
  ASSERT_TRUE(question.has_value());
  const int64_t n = ExpectAtomic([&]() -> base::Result<void> {
    auto answered = store_->AnswerQuestion(OtherCredential(ada_), question->id, "that");
    if (!answered) return std::move(answered).error();
    return base::Ok();
  });
  EXPECT_GT(n, 3);
  EXPECT_EQ(store_->GetQuestion(ada_, question->id)->answer, "that");
}

TEST_F(TaskStoreTest, FailedMessagesQuestionsAndOrganizationsWriteNothing) {
  const Task task = MakeTask(ada_, "Talk");
  const Actor bob = NewUser("bob");
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto sent = store_->SendMessage(ada_, task.id, "hello");
              if (!sent) return std::move(sent).error();
              return base::Ok();
            }),
            3);
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto asked = store_->AskQuestion(ada_, task.id, "well?", {"yes", "no"});
              if (!asked) return std::move(asked).error();
              return base::Ok();
            }),
            3);
  EXPECT_GT(ExpectAtomic([&]() -> base::Result<void> {
              auto organization = store_->CreateOrganization(ada_, "third", bob.user_id);
              if (!organization) return std::move(organization).error();
              return base::Ok();
            }),
            2);
  EXPECT_GT(ExpectAtomic([&] { return store_->SetMember(ada_, acme_, bob.user_id, Role::kAdmin); }),
            1);
}

TEST_F(TaskStoreTest, ReadsPassOnTheDatabaseError) {
  const Task task = MakeTask(ada_, "Read me");
  faulty_->Arm(1);
  EXPECT_EQ(Code(store_->GetTask(ada_, task.id)), "UNAVAILABLE");
  faulty_->Arm(1);
  EXPECT_EQ(Code(store_->ListTasks(ada_, {})), "UNAVAILABLE");
  faulty_->Arm(1);
  EXPECT_EQ(Code(store_->Search(ada_, "read", std::nullopt, 10, "")), "UNAVAILABLE");
  faulty_->Arm(1);
  EXPECT_EQ(Code(store_->EventsAfter(ada_, 0, std::nullopt, 10)), "UNAVAILABLE");
  faulty_->Arm(1);
  EXPECT_EQ(Code(store_->ListOrganizations(ada_.user_id)), "UNAVAILABLE");
  faulty_->Arm(1);
  EXPECT_EQ(Code(store_->LatestEventId()), "UNAVAILABLE");
  // Every statement of GetTask, not only the first.
  for (int64_t n = 2; n <= 5; ++n) {
    faulty_->Arm(n);
    EXPECT_EQ(Code(store_->GetTask(ada_, task.id)), "UNAVAILABLE") << n;
  }
  faulty_->Disarm();
  EXPECT_EQ(Code(store_->GetTask(ada_, task.id)), "OK");
}

}  // namespace
}  // namespace taskwire::tasks
