// TaskStore: creating, validating, updating, deleting and listing tasks.

#include "tasks/task_store_test.h"

namespace taskwire::tasks {
namespace {

// Creating tasks ---------------------------------------------------------------------------------

TEST_F(TaskStoreTest, CreateTaskInfersTheOnlyOrganization) {
  auto task = store_->CreateTask(ada_, {.title = "Write tests", .labels = {"qa"}});
  ASSERT_TRUE(task.has_value()) << task.error().ToString();
  EXPECT_EQ(task->organization_id, acme_);
  EXPECT_EQ(task->organization_name, "acme");
  EXPECT_EQ(task->status, Status::kTodo);
  EXPECT_EQ(task->version, 1);
  EXPECT_EQ(task->created_by, "ada");
  EXPECT_EQ(task->owners, std::vector<std::string>{"ada"});
  EXPECT_EQ(task->labels, std::vector<std::string>{"qa"});
  EXPECT_FALSE(task->completed_at.has_value());
  EXPECT_EQ(task->created_at, "2026-01-01T00:00:00.000Z");
}

TEST_F(TaskStoreTest, CreateTaskWithSeveralOrganizationsNeedsOne) {
  const int64_t second = NewOrganization(ada_, "second");
  auto task = store_->CreateTask(ada_, {.title = "Where?"});
  EXPECT_EQ(Code(task), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(task).find("list_organizations"), std::string::npos) << ErrorText(task);
  auto named = store_->CreateTask(ada_, {.title = "Here", .organization_id = second});
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->organization_id, second);
}

TEST_F(TaskStoreTest, CreateTaskWithoutOrganizationIsFailedPrecondition) {
  const Actor loner = NewUser("loner");
  auto task = store_->CreateTask(loner, {.title = "Anything"});
  EXPECT_EQ(Code(task), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(task).find("loner"), std::string::npos) << ErrorText(task);
}

TEST_F(TaskStoreTest, CreateTaskInAnOrganizationOfOthersIsNotFound) {
  const Actor eve = NewUser("eve");
  const int64_t evil = NewOrganization(eve, "evil");
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Sneak", .organization_id = evil})),
            "NOT_FOUND");
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Sneak", .organization_id = 999})),
            "NOT_FOUND");
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 0);
}

TEST_F(TaskStoreTest, SubtaskInheritsItsParentsOrganization) {
  const int64_t second = NewOrganization(ada_, "second");
  const Task parent = MakeTask(ada_, "Parent", std::nullopt, second);
  // Two organizations and none named: the parent decides.
  auto child = store_->CreateTask(ada_, {.title = "Child", .parent_id = parent.id});
  ASSERT_TRUE(child.has_value()) << child.error().ToString();
  EXPECT_EQ(child->organization_id, second);
  EXPECT_EQ(child->parent_id, parent.id);
  auto detail = store_->GetTask(ada_, parent.id);
  ASSERT_EQ(detail->subtasks.size(), 1u);
  EXPECT_EQ(detail->subtasks[0].id, child->id);
  EXPECT_EQ(store_->GetTask(ada_, child->id)->parent->id, parent.id);
}

TEST_F(TaskStoreTest, SubtaskInAnotherOrganizationThanItsParentIsRefused) {
  const int64_t second = NewOrganization(ada_, "second");
  const Task parent = MakeTask(ada_, "Parent", std::nullopt, second);
  auto child = store_->CreateTask(
      ada_, {.title = "Child", .organization_id = acme_, .parent_id = parent.id});
  EXPECT_EQ(Code(child), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(child).find("parent's organization"), std::string::npos) << ErrorText(child);
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Orphan", .parent_id = 12345})), "NOT_FOUND");
}

TEST_F(TaskStoreTest, CreatingADoneTaskFillsCompletedAt) {
  auto task = store_->CreateTask(ada_, {.title = "Done already", .status = Status::kDone});
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->completed_at, "2026-01-01T00:00:00.000Z");
}

TEST_F(TaskStoreTest, CreateTaskAssignsMembersOnly) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  auto task = store_->CreateTask(ada_, {.title = "For bob", .assignee = "bob"});
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->assignee, "bob");
  NewUser("stranger");
  auto stranger = store_->CreateTask(ada_, {.title = "For a stranger", .assignee = "stranger"});
  auto nobody = store_->CreateTask(ada_, {.title = "For nobody", .assignee = "nobody"});
  EXPECT_EQ(Code(stranger), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(nobody), "INVALID_ARGUMENT");
  // The same answer whether or not the user exists elsewhere.
  std::string redacted = ErrorText(stranger);
  redacted.replace(redacted.find("stranger"), 8, "nobody");
  EXPECT_EQ(redacted, ErrorText(nobody));
}

TEST_F(TaskStoreTest, ViewerCannotWrite) {
  const Actor vic = Join("vic", acme_, Role::kViewer);
  const Task task = MakeTask(ada_, "Read only for vic");
  auto created = store_->CreateTask(vic, {.title = "Mine"});
  EXPECT_EQ(Code(created), "PERMISSION_DENIED");
  EXPECT_NE(ErrorText(created).find("viewer"), std::string::npos);
  EXPECT_EQ(Code(store_->UpdateTask(vic, task.id, {.title = "Changed"})), "PERMISSION_DENIED");
  EXPECT_EQ(Code(store_->DeleteTask(vic, task.id)), "PERMISSION_DENIED");
  EXPECT_EQ(Code(store_->SendMessage(vic, task.id, "hello")), "PERMISSION_DENIED");
  EXPECT_EQ(Code(store_->AskQuestion(vic, task.id, "why?", {})), "PERMISSION_DENIED");
  auto question = store_->AskQuestion(ada_, task.id, "ok?", {});
  ASSERT_TRUE(question.has_value());
  EXPECT_EQ(Code(store_->AnswerQuestion(vic, question->id, "yes")), "PERMISSION_DENIED");
  // Reading is fine.
  EXPECT_EQ(store_->GetTask(vic, task.id)->task.title, "Read only for vic");
  EXPECT_EQ(store_->GetTask(ada_, task.id)->task.version, 1);
}

// Validation -------------------------------------------------------------------------------------

TEST_F(TaskStoreTest, TitleIsOneLineOfAtMost500Characters) {
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = std::string(500, 't')})), "OK");
  auto long_title = store_->CreateTask(ada_, {.title = std::string(501, 't')});
  EXPECT_EQ(Code(long_title), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(long_title).find("title"), std::string::npos);
  // Characters, not bytes: 500 three-byte characters fit.
  std::string wide;
  for (int i = 0; i < 500; ++i) wide += "\xE2\x9C\x93";  // U+2713
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = wide})), "OK");
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = wide + "\xE2\x9C\x93"})), "INVALID_ARGUMENT");
  for (const std::string& bad : std::vector<std::string>{
           "", "   ", "two\nlines", "tab\there", std::string("nul\0x", 5), "bell\x07", "del\x7F"}) {
    EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = bad})), "INVALID_ARGUMENT") << bad;
  }
  const Task task = MakeTask(ada_, "Fine");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, task.id, {.title = std::string(501, 't')})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, task.id, {.title = "a\nb"})), "INVALID_ARGUMENT");
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 3);
}

TEST_F(TaskStoreTest, DescriptionIsAtMost100KilobytesWithoutControlCharacters) {
  const std::string limit(kMaxDescription, 'd');
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Big", .description = {limit}})), "OK");
  auto over = store_->CreateTask(ada_, {.title = "Too big", .description = {limit + "d"}});
  EXPECT_EQ(Code(over), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(over).find("100 KB"), std::string::npos) << ErrorText(over);
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Lines", .description = {"a\n\tb\r\nc"}})),
            "OK");
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Bell", .description = {"ding\x07"}})),
            "INVALID_ARGUMENT");
  const Task task = MakeTask(ada_, "Small");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, task.id, {.description = Description{limit + "d"}})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, task.id, {.description = Description{"\x01"}})),
            "INVALID_ARGUMENT");
}

TEST_F(TaskStoreTest, LabelsAreTrimmedDistinctAndSorted) {
  auto task = store_->CreateTask(
      ada_, {.title = "Labelled", .labels = {"zeta", "alpha", "zeta", " alpha "}});
  ASSERT_TRUE(task.has_value()) << task.error().ToString();
  EXPECT_EQ(task->labels, (std::vector<std::string>{"alpha", "zeta"}));
  auto updated =
      store_->UpdateTask(ada_, task->id, {.labels = std::vector<std::string>{"b", "a", "b"}});
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(updated->version, 2);
  // The same set in another order is no change.
  auto same = store_->UpdateTask(ada_, task->id, {.labels = std::vector<std::string>{"b", "a"}});
  EXPECT_EQ(same->version, 2);
  auto cleared = store_->UpdateTask(ada_, task->id, {.labels = std::vector<std::string>{}});
  EXPECT_TRUE(cleared->labels.empty());
}

TEST_F(TaskStoreTest, LabelsAreLimited) {
  std::vector<std::string> many;
  many.reserve(21);
  for (int i = 0; i < 21; ++i) many.push_back("l" + std::to_string(i));
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Many", .labels = many})), "INVALID_ARGUMENT");
  many.pop_back();
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Twenty", .labels = many})), "OK");
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Long", .labels = {std::string(51, 'l')}})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Blank", .labels = {"  "}})),
            "INVALID_ARGUMENT");
  // The separator that joins lists in one column cannot sneak in.
  EXPECT_EQ(Code(store_->CreateTask(ada_, {.title = "Sep",
                                           .labels = {"a\x1f"
                                                      "b"}})),
            "INVALID_ARGUMENT");
}

TEST_F(TaskStoreTest, OwnersComeInNameOrderIgnoringCaseEverywhere) {
  Join("bob", acme_, Role::kMember);
  Join("Carl", acme_, Role::kMember);
  Join("Zed", acme_, Role::kMember);
  const Task task = MakeTask(ada_, "Shared");
  ASSERT_TRUE(store_
                  ->UpdateTask(ada_, task.id,
                               {.owners = std::vector<std::string>{"Zed", "bob", "ada", "Carl"}})
                  .has_value());
  const std::vector<std::string> expected{"ada", "bob", "Carl", "Zed"};  // users.name is NOCASE
  auto detail = store_->GetTask(ada_, task.id);
  ASSERT_TRUE(detail.has_value()) << detail.error().ToString();
  EXPECT_EQ(detail->task.owners, expected);
  auto page = store_->ListTasks(ada_, {});
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->tasks.size(), 1u);
  EXPECT_EQ(page->tasks[0].owners, expected);
}

// Updating tasks ---------------------------------------------------------------------------------

TEST_F(TaskStoreTest, UpdateChangesFieldsAndBumpsTheVersion) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Task task = MakeTask(ada_, "Old");
  clock_.Advance(1s);
  auto updated =
      store_->UpdateTask(ada_, task.id,
                         {.title = "New",
                          .description = Description{"{\"a\":1}", DescriptionFormat::kJson},
                          .status = Status::kInProgress,
                          .assignee = std::optional<std::string>("bob"),
                          .owners = std::vector<std::string>{"bob", "ada", "bob"},
                          .expected_version = 1});
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  EXPECT_EQ(updated->title, "New");
  EXPECT_EQ(updated->description.format, DescriptionFormat::kJson);
  EXPECT_EQ(updated->status, Status::kInProgress);
  EXPECT_EQ(updated->assignee, "bob");
  EXPECT_EQ(updated->owners, (std::vector<std::string>{"ada", "bob"}));
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->updated_at, "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(updated->created_at, "2026-01-01T00:00:00.000Z");
  auto unassigned = store_->UpdateTask(ada_, task.id, {.assignee = std::optional<std::string>()});
  EXPECT_FALSE(unassigned->assignee.has_value());
  EXPECT_EQ(unassigned->version, 3);
}

TEST_F(TaskStoreTest, UpdateRefusesNonMembersAsAssigneesAndOwners) {
  const Task task = MakeTask(ada_, "Task");
  NewUser("stranger");
  EXPECT_EQ(
      Code(store_->UpdateTask(ada_, task.id, {.assignee = std::optional<std::string>("stranger")})),
      "INVALID_ARGUMENT");
  EXPECT_EQ(
      Code(store_->UpdateTask(ada_, task.id, {.owners = std::vector<std::string>{"stranger"}})),
      "INVALID_ARGUMENT");
  std::vector<std::string> many(21, "ada");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, task.id, {.owners = many})), "INVALID_ARGUMENT");
  const Task after = store_->GetTask(ada_, task.id)->task;
  EXPECT_EQ(after.owners, std::vector<std::string>{"ada"});
  EXPECT_EQ(after.version, 1);
}

TEST_F(TaskStoreTest, StaleExpectedVersionIsAborted) {
  const Task task = MakeTask(ada_, "Contended");
  ASSERT_TRUE(
      store_->UpdateTask(ada_, task.id, {.title = "First", .expected_version = 1}).has_value());
  auto stale = store_->UpdateTask(ada_, task.id, {.title = "Second", .expected_version = 1});
  EXPECT_EQ(Code(stale), "ABORTED");
  EXPECT_NE(ErrorText(stale).find("version 2"), std::string::npos) << ErrorText(stale);
  EXPECT_EQ(store_->GetTask(ada_, task.id)->task.title, "First");
}

TEST_F(TaskStoreTest, UnchangedUpdateKeepsTheVersionAndWritesNothing) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  auto task = store_->CreateTask(
      ada_, {.title = "Same", .description = {"text"}, .assignee = "bob", .labels = {"x"}});
  ASSERT_TRUE(task.has_value());
  const std::string before = Dump();
  clock_.Advance(1min);
  auto same = store_->UpdateTask(ada_, task->id,
                                 {.title = "Same",
                                  .description = Description{"text"},
                                  .status = Status::kTodo,
                                  .assignee = std::optional<std::string>("bob"),
                                  .completed_at = std::optional<std::string>(),
                                  .parent_id = std::optional<int64_t>(),
                                  .labels = std::vector<std::string>{"x"},
                                  .owners = std::vector<std::string>{"ada"},
                                  .expected_version = 1});
  ASSERT_TRUE(same.has_value()) << same.error().ToString();
  EXPECT_EQ(same->version, 1);
  EXPECT_EQ(same->updated_at, task->updated_at);
  EXPECT_EQ(Dump(), before);
}

TEST_F(TaskStoreTest, DoneFillsCompletedAtAndReopeningClearsIt) {
  const Task task = MakeTask(ada_, "Finish me");
  clock_.Advance(1h);
  auto done = store_->UpdateTask(ada_, task.id, {.status = Status::kDone});
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->completed_at, "2026-01-01T01:00:00.000Z");
  // Completing again (another field changes) keeps the first completedAt.
  clock_.Advance(1h);
  auto again = store_->UpdateTask(ada_, task.id, {.title = "Finished", .status = Status::kDone});
  EXPECT_EQ(again->completed_at, "2026-01-01T01:00:00.000Z");
  auto reopened = store_->UpdateTask(ada_, task.id, {.status = Status::kInProgress});
  ASSERT_TRUE(reopened.has_value());
  EXPECT_FALSE(reopened->completed_at.has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE completed_at IS NOT NULL"), 0);
}

TEST_F(TaskStoreTest, ExplicitCompletedAtOnlyOnADoneTask) {
  const Task task = MakeTask(ada_, "Backdate");
  auto refused = store_->UpdateTask(
      ada_, task.id, {.completed_at = std::optional<std::string>("2025-12-24T18:00:00Z")});
  EXPECT_EQ(Code(refused), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(refused).find("DONE"), std::string::npos);
  EXPECT_EQ(Code(store_->UpdateTask(
                ada_, task.id,
                {.status = Status::kInProgress,
                 .completed_at = std::optional<std::string>("2025-12-24T18:00:00Z")})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, task.id,
                                    {.status = Status::kDone,
                                     .completed_at = std::optional<std::string>("yesterday")})),
            "INVALID_ARGUMENT");
  auto backdated =
      store_->UpdateTask(ada_, task.id,
                         {.status = Status::kDone,
                          .completed_at = std::optional<std::string>("2025-12-24T18:00:00Z")});
  ASSERT_TRUE(backdated.has_value()) << backdated.error().ToString();
  EXPECT_EQ(backdated->completed_at, "2025-12-24T18:00:00.000Z");
  EXPECT_EQ(store_->GetTask(ada_, task.id)->task.version, 2);
}

TEST_F(TaskStoreTest, ReparentingRefusesCyclesAndOtherOrganizations) {
  const Task a = MakeTask(ada_, "A");
  const Task b = MakeTask(ada_, "B", a.id);
  const Task c = MakeTask(ada_, "C", b.id);
  auto self = store_->UpdateTask(ada_, a.id, {.parent_id = std::optional<int64_t>(a.id)});
  EXPECT_EQ(Code(self), "INVALID_ARGUMENT");
  auto cycle = store_->UpdateTask(ada_, a.id, {.parent_id = std::optional<int64_t>(c.id)});
  EXPECT_EQ(Code(cycle), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(cycle).find("cycle"), std::string::npos) << ErrorText(cycle);
  EXPECT_EQ(Code(store_->UpdateTask(ada_, a.id, {.parent_id = std::optional<int64_t>(b.id)})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, a.id, {.parent_id = std::optional<int64_t>(999)})),
            "NOT_FOUND");
  const int64_t second = NewOrganization(ada_, "second");
  const Task elsewhere = MakeTask(ada_, "Elsewhere", std::nullopt, second);
  EXPECT_EQ(
      Code(store_->UpdateTask(ada_, c.id, {.parent_id = std::optional<int64_t>(elsewhere.id)})),
      "INVALID_ARGUMENT");
  // Moving down the tree the other way, and to the top, are fine.
  auto moved = store_->UpdateTask(ada_, c.id, {.parent_id = std::optional<int64_t>(a.id)});
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->parent_id, a.id);
  auto top = store_->UpdateTask(ada_, b.id, {.parent_id = std::optional<int64_t>()});
  ASSERT_TRUE(top.has_value());
  EXPECT_FALSE(top->parent_id.has_value());
}

TEST_F(TaskStoreTest, UnknownTaskIsNotFound) {
  EXPECT_EQ(Code(store_->GetTask(ada_, 42)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, 42, {.title = "x"})), "NOT_FOUND");
  EXPECT_EQ(Code(store_->DeleteTask(ada_, 42)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->SendMessage(ada_, 42, "x")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetLastMessage(ada_, 42)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, 42, "x?", {})), "NOT_FOUND");
  EXPECT_EQ(Code(store_->TaskAudit(ada_, 42, 10)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetQuestion(ada_, 42)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->AnswerQuestion(ada_, 42, "x")), "NOT_FOUND");
}

// Deleting tasks ---------------------------------------------------------------------------------

TEST_F(TaskStoreTest, DeleteMovesTheWholeSubtreeToTheTrashAndPurgeRemovesIt) {
  const Task root = MakeTask(ada_, "Root");
  const Task child = MakeTask(ada_, "Child", root.id);
  const Task grandchild = MakeTask(ada_, "Grandchild", child.id);
  const Task other = MakeTask(ada_, "Other");
  ASSERT_TRUE(store_->SendMessage(ada_, grandchild.id, "a note").has_value());
  ASSERT_TRUE(store_->AskQuestion(ada_, child.id, "why?", {}).has_value());
  auto deleted = store_->DeleteTask(ada_, root.id);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  ASSERT_EQ(deleted->ids.size(), 3u);
  EXPECT_EQ(deleted->ids[0], root.id);
  EXPECT_EQ(std::set<int64_t>(deleted->ids.begin(), deleted->ids.end()),
            (std::set<int64_t>{root.id, child.id, grandchild.id}));
  for (int64_t id : {root.id, child.id, grandchild.id}) {
    EXPECT_EQ(Code(store_->GetTask(ada_, id)), "NOT_FOUND") << id;
  }
  // In the trash, nothing is lost yet.
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM questions"), 1);
  auto purged = store_->PurgeTask(ada_, root.id);
  ASSERT_TRUE(purged.has_value()) << purged.error().ToString();
  EXPECT_EQ(*purged, deleted->ids);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM questions"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM task_owners"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM search_index"), 1);
  EXPECT_EQ(store_->GetTask(ada_, other.id)->task.title, "Other");
  for (const char* action : {"delete", "purge"}) {
    EXPECT_EQ(Count(std::string("SELECT count(*) FROM audit_log WHERE action = '") + action +
                    "' AND entity_id = " + std::to_string(root.id)),
              1)
        << action;
  }
}

TEST_F(TaskStoreTest, DeleteIsRefusedToAMemberWhoDoesNotOwnTheTask) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Actor carol = Join("carol", acme_, Role::kMember);
  const Actor dan = Join("dan", acme_, Role::kAdmin);
  const Task adas = MakeTask(ada_, "Ada's");
  auto refused = store_->DeleteTask(bob, adas.id);
  EXPECT_EQ(Code(refused), "PERMISSION_DENIED");
  EXPECT_NE(ErrorText(refused).find("owners"), std::string::npos);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 1);
  // Made an owner, bob may.
  ASSERT_TRUE(store_->UpdateTask(ada_, adas.id, {.owners = std::vector<std::string>{"ada", "bob"}})
                  .has_value());
  EXPECT_EQ(Code(store_->DeleteTask(bob, adas.id)), "OK");
  // A member may delete what they created, an admin anything.
  const Task carols = MakeTask(carol, "Carol's");
  EXPECT_EQ(Code(store_->DeleteTask(carol, carols.id)), "OK");
  const Task another = MakeTask(carol, "Carol's too");
  EXPECT_EQ(Code(store_->DeleteTask(bob, another.id)), "PERMISSION_DENIED");
  EXPECT_EQ(Code(store_->DeleteTask(dan, another.id)), "OK");
}

// Listing ----------------------------------------------------------------------------------------

TEST_F(TaskStoreTest, ListTasksPagesThroughEveryTaskExactlyOnce) {
  std::set<int64_t> created;
  for (int i = 0; i < 123; ++i) {
    if (i % 7 == 0) clock_.Advance(1ms);  // runs of equal updated_at, broken by id
    created.insert(MakeTask(ada_, "task " + std::to_string(i)).id);
  }
  std::vector<int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = store_->ListTasks(ada_, {.cursor = cursor});
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_LE(page->tasks.size(), kMaxPage);
    for (const Task& task : page->tasks) seen.push_back(task.id);
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), created.size());
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()), created);
  // Most recently updated first.
  EXPECT_EQ(seen.front(), *created.rbegin());
  EXPECT_EQ(seen.back(), *created.begin());
}

TEST_F(TaskStoreTest, ListTasksRefusesACursorItDidNotIssue) {
  MakeTask(ada_, "one");
  for (const std::string& bad :
       {std::string("not a cursor!"), base::Base64UrlEncode("no bar"),
        base::Base64UrlEncode("yesterday|3"), base::Base64UrlEncode("2026-01-01T00:00:00.000Z|x"),
        base::Base64UrlEncode("2026-01-01T00:00:00.000Z|"),
        base::Base64UrlEncode("2026-01-01T00:00:00.000Z|3x")}) {
    auto page = store_->ListTasks(ada_, {.cursor = bad});
    EXPECT_EQ(Code(page), "INVALID_ARGUMENT") << bad;
  }
}

TEST_F(TaskStoreTest, ListTasksFilters) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const int64_t second = NewOrganization(ada_, "second");
  const Task parent = MakeTask(ada_, "parent", std::nullopt, acme_);
  auto child = store_->CreateTask(ada_, {.title = "child",
                                         .status = Status::kInProgress,
                                         .assignee = "bob",
                                         .parent_id = parent.id,
                                         .labels = {"red"}});
  ASSERT_TRUE(child.has_value());
  const Task mine = *store_->CreateTask(
      ada_, {.title = "mine", .organization_id = second, .assignee = "ada", .labels = {"blue"}});
  const auto ids = [&](const TaskFilter& filter) {
    std::set<int64_t> out;
    auto page = store_->ListTasks(ada_, filter);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    for (const Task& task : page->tasks) out.insert(task.id);
    return out;
  };
  EXPECT_EQ(ids({}).size(), 3u);
  EXPECT_EQ(ids({.statuses = {Status::kInProgress}}), std::set<int64_t>{child->id});
  EXPECT_EQ(ids({.statuses = {Status::kInProgress, Status::kTodo}}).size(), 3u);
  EXPECT_EQ(ids({.organization_id = second}), std::set<int64_t>{mine.id});
  EXPECT_EQ(ids({.assignee = "me"}), std::set<int64_t>{mine.id});
  EXPECT_EQ(ids({.assignee = "bob"}), std::set<int64_t>{child->id});
  EXPECT_EQ(ids({.parent_id = 0}), (std::set<int64_t>{parent.id, mine.id}));
  EXPECT_EQ(ids({.parent_id = parent.id}), std::set<int64_t>{child->id});
  EXPECT_EQ(ids({.label = "blue"}), std::set<int64_t>{mine.id});
  EXPECT_EQ(ids({.limit = 1}).size(), 1u);
  EXPECT_EQ(ids({.limit = 0}).size(), 1u);  // clamped to at least one
  // Bob sees only acme.
  auto bobs = store_->ListTasks(bob, {});
  EXPECT_EQ(bobs->tasks.size(), 2u);
  EXPECT_EQ(*store_->TaskIdsWithPrefix(ada_, std::to_string(mine.id), 10),
            std::vector<int64_t>{mine.id});
}

}  // namespace
}  // namespace taskwire::tasks
