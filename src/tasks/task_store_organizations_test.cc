// TaskStore: organizations, memberships, and what members of one organization see of another.

#include "tasks/task_store_test.h"

namespace taskwire::tasks {
namespace {

// Organizations ----------------------------------------------------------------------------------

TEST_F(TaskStoreTest, CreatingAnOrganizationMakesTheUserItsOwner) {
  auto organizations = store_->ListOrganizations(ada_.user_id);
  ASSERT_TRUE(organizations.has_value());
  ASSERT_EQ(organizations->size(), 1u);
  EXPECT_EQ((*organizations)[0].name, "acme");
  EXPECT_EQ((*organizations)[0].role, Role::kOwner);
  EXPECT_EQ((*organizations)[0].open_tasks, 0);
  auto members = store_->ListMembers(ada_.user_id, acme_);
  ASSERT_TRUE(members.has_value());
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].user_name, "ada");
  EXPECT_EQ((*members)[0].role, Role::kOwner);
  EXPECT_EQ(store_->GetOrganization(ada_.user_id, acme_)->name, "acme");
  EXPECT_EQ(store_->FindOrganization("acme")->id, acme_);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE entity = 'organization'"), 1);
}

TEST_F(TaskStoreTest, OrganizationNamesAreUniqueIgnoringCaseAndValidated) {
  auto again = store_->CreateOrganization(ada_, "ACME", ada_.user_id);
  EXPECT_EQ(Code(again), "ALREADY_EXISTS");
  EXPECT_NE(ErrorText(again).find("ACME"), std::string::npos);
  EXPECT_EQ(Code(store_->CreateOrganization(ada_, "  ", ada_.user_id)), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->CreateOrganization(ada_, "a\nb", ada_.user_id)), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->CreateOrganization(ada_, std::string(101, 'o'), ada_.user_id)),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->CreateOrganization(ada_, std::string(100, 'o'), ada_.user_id)), "OK");
}

TEST_F(TaskStoreTest, SetMemberAddsAndChangesRoles) {
  const Actor bob = Join("bob", acme_, Role::kViewer);
  EXPECT_EQ(store_->ListOrganizations(bob.user_id)->front().role, Role::kViewer);
  ASSERT_TRUE(store_->SetMember(ada_, acme_, bob.user_id, Role::kAdmin).has_value());
  EXPECT_EQ(store_->ListOrganizations(bob.user_id)->front().role, Role::kAdmin);
  EXPECT_EQ(store_->ListMembers(bob.user_id, acme_)->size(), 2u);
  auto ids = *store_->MemberUserIds(acme_);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{ada_.user_id, bob.user_id}));
}

TEST_F(TaskStoreTest, TheLastOwnerIsNeitherRemovedNorDemoted) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  auto removed = store_->RemoveMember(ada_, acme_, ada_.user_id);
  EXPECT_EQ(Code(removed), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(removed).find("last owner of 'acme'"), std::string::npos);
  EXPECT_NE(ErrorText(removed).find("taskwire org member role acme USER owner"), std::string::npos);
  EXPECT_EQ(Code(store_->SetMember(ada_, acme_, ada_.user_id, Role::kAdmin)),
            "FAILED_PRECONDITION");
  EXPECT_EQ(store_->ListOrganizations(ada_.user_id)->front().role, Role::kOwner);
  // With a second owner, the first may go.
  ASSERT_TRUE(store_->SetMember(ada_, acme_, bob.user_id, Role::kOwner).has_value());
  ASSERT_TRUE(store_->SetMember(ada_, acme_, ada_.user_id, Role::kAdmin).has_value());
  ASSERT_TRUE(store_->RemoveMember(ada_, acme_, ada_.user_id).has_value());
  EXPECT_TRUE(store_->ListOrganizations(ada_.user_id)->empty());
  auto members = store_->AllMembers(acme_);
  ASSERT_TRUE(members.has_value());
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].user_name, "bob");
  EXPECT_EQ(Code(store_->RemoveMember(bob, acme_, ada_.user_id)), "NOT_FOUND");
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE entity = 'membership' AND action = "
                  "'remove'"),
            1);
}

TEST_F(TaskStoreTest, RenamingKeepsTheRulesOfNames) {
  NewOrganization(ada_, "globex");
  EXPECT_EQ(Code(store_->RenameOrganization(ada_, acme_, "GLOBEX")), "ALREADY_EXISTS");
  EXPECT_EQ(Code(store_->RenameOrganization(ada_, acme_, "a\nb")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->RenameOrganization(ada_, 999, "x")), "NOT_FOUND");
  ASSERT_TRUE(store_->RenameOrganization(ada_, acme_, "acme labs").has_value());
  EXPECT_EQ(store_->FindOrganization("acme labs")->id, acme_);
  EXPECT_EQ(Code(store_->FindOrganization("acme")), "NOT_FOUND");
}

TEST_F(TaskStoreTest, AnOrganizationWithTasksIsNotDeleted) {
  const Task task = MakeTask(ada_, "keep me");
  auto refused = store_->DeleteOrganization(ada_, acme_);
  EXPECT_EQ(Code(refused), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(refused).find("still has 1 task"), std::string::npos);
  // In the trash it still counts; purged, it does not.
  ASSERT_TRUE(store_->DeleteTask(ada_, task.id).has_value());
  EXPECT_EQ(Code(store_->DeleteOrganization(ada_, acme_)), "FAILED_PRECONDITION");
  ASSERT_TRUE(store_->PurgeTask(ada_, task.id).has_value());
  ASSERT_TRUE(store_->DeleteOrganization(ada_, acme_).has_value());
  EXPECT_TRUE(store_->ListOrganizations(ada_.user_id)->empty());
  EXPECT_EQ(Count("SELECT count(*) FROM memberships"), 0);
  EXPECT_EQ(Code(store_->DeleteOrganization(ada_, acme_)), "NOT_FOUND");
}

TEST_F(TaskStoreTest, OrganizationsOfOthersAreNotFound) {
  const Actor eve = NewUser("eve");
  const int64_t evil = NewOrganization(eve, "evil");
  EXPECT_EQ(Code(store_->GetOrganization(ada_.user_id, evil)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListMembers(ada_.user_id, evil)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->FindOrganization("nowhere")), "NOT_FOUND");
  EXPECT_EQ(store_->ListOrganizations(ada_.user_id)->size(), 1u);
  EXPECT_EQ(store_->ListAllOrganizations()->size(), 2u);
}

TEST_F(TaskStoreTest, OpenTasksCountsTodoAndInProgressOnly) {
  MakeTask(ada_, "one");
  const Task two = MakeTask(ada_, "two");
  const Task three = MakeTask(ada_, "three");
  ASSERT_TRUE(store_->UpdateTask(ada_, two.id, {.status = Status::kInProgress}).has_value());
  ASSERT_TRUE(store_->UpdateTask(ada_, three.id, {.status = Status::kDone}).has_value());
  EXPECT_EQ(store_->GetOrganization(ada_.user_id, acme_)->open_tasks, 2);
}

// Isolation --------------------------------------------------------------------------------------

TEST_F(TaskStoreTest, UsersOfSeparateOrganizationsNeverSeeEachOthersWork) {
  const Actor eve = NewUser("eve");
  const int64_t evil = NewOrganization(eve, "evil");
  auto secret = store_->CreateTask(
      ada_, {.title = "Secret plan", .description = {"zebra"}, .labels = {"classified"}});
  ASSERT_TRUE(secret.has_value());
  const Task child = MakeTask(ada_, "Secret child", secret->id);
  ASSERT_TRUE(store_->SendMessage(ada_, secret->id, "zebra crossing at noon").has_value());
  auto question = store_->AskQuestion(ada_, secret->id, "zebra or giraffe?", {"zebra", "giraffe"});
  ASSERT_TRUE(question.has_value());
  const Task eves = MakeTask(eve, "Eve's own zebra", std::nullopt, evil);
  const std::string before = Dump();

  const int64_t id = secret->id;
  EXPECT_EQ(Code(store_->GetTask(eve, id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(eve, id, {.title = "Mine now"})), "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(eve, id, {.title = "Mine now", .expected_version = 99})),
            "NOT_FOUND");
  EXPECT_EQ(Code(store_->DeleteTask(eve, id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->DeleteTask(eve, child.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->SendMessage(eve, id, "hello")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetLastMessage(eve, id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListMessages(eve, id, 0, 10)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->AskQuestion(eve, id, "hello?", {})), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListQuestions(eve, id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetQuestion(eve, question->id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->AnswerQuestion(eve, question->id, "zebra")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->TaskAudit(eve, id, 10)), "NOT_FOUND");
  // Nor through her own tasks or organization.
  EXPECT_EQ(Code(store_->CreateTask(eve, {.title = "Sub", .parent_id = id})), "NOT_FOUND");
  EXPECT_EQ(Code(store_->CreateTask(eve, {.title = "In", .organization_id = acme_})), "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(eve, eves.id, {.parent_id = std::optional<int64_t>(id)})),
            "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(eve, eves.id, {.assignee = std::optional<std::string>("ada")})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->GetOrganization(eve.user_id, acme_)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListMembers(eve.user_id, acme_)), "NOT_FOUND");

  auto listed = store_->ListTasks(eve, {});
  ASSERT_EQ(listed->tasks.size(), 1u);
  EXPECT_EQ(listed->tasks[0].id, eves.id);
  EXPECT_TRUE(store_->ListTasks(eve, {.organization_id = acme_})->tasks.empty());
  EXPECT_TRUE(store_->ListTasks(eve, {.label = "classified"})->tasks.empty());
  EXPECT_TRUE(store_->ListTasks(eve, {.parent_id = id})->tasks.empty());
  EXPECT_TRUE(store_->TaskIdsWithPrefix(eve, std::to_string(id), 10)->empty());
  auto hits = store_->Search(eve, "zebra", std::nullopt, 50, "");
  ASSERT_EQ(hits->hits.size(), 1u);
  EXPECT_EQ(hits->hits[0].task.id, eves.id);
  EXPECT_TRUE(store_->Search(eve, "zebra", acme_, 50, "")->hits.empty());
  EXPECT_TRUE(store_->Search(eve, "secret", std::nullopt, 50, "")->hits.empty());
  auto eve_events = store_->EventsAfter(eve, 0, std::nullopt, 100);
  ASSERT_TRUE(eve_events.has_value());
  EXPECT_FALSE(eve_events->empty());
  for (const Event& event : *eve_events) {
    EXPECT_EQ(event.organization_id, evil);
  }
  EXPECT_TRUE(store_->EventsAfter(eve, 0, id, 100)->empty());
  // And the other way round.
  EXPECT_EQ(Code(store_->GetTask(ada_, eves.id)), "NOT_FOUND");
  EXPECT_TRUE(store_->Search(ada_, "own", std::nullopt, 50, "")->hits.empty());
  // None of the attempts wrote anything.
  EXPECT_EQ(Dump(), before);
}

}  // namespace
}  // namespace taskwire::tasks
