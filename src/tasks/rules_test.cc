#include "tasks/rules.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace taskwire::tasks::rules {
namespace {

constexpr std::string_view kNow = "2026-12-02T10:00:00.000Z";

using testing::Code;

Task Before() {
  Task task;
  task.id = 7;
  task.organization_id = 1;
  task.title = "Ship it";
  task.description = {"the plan", DescriptionFormat::kMarkdown};
  task.status = Status::kTodo;
  task.assignee = "ada";
  task.owners = {"ada"};
  task.labels = {"backend"};
  task.version = 3;
  return task;
}

// The diff as JSON text, for comparing.
std::string Diff(UpdatePlan& plan) { return std::move(plan.diff).Finish(); }

TEST(Rules, TextChecks) {
  struct Case {
    std::string value;
    bool line_ok, text_ok;
  };
  const std::vector<Case> cases = {
      {"a title", true, true},
      {"", false, false},
      {"   \t", false, false},
      {"two\nlines", false, true},
      {"tab\tinside", false, true},
      {"bell\a", false, false},
      {"del\x7f", false, false},
      {std::string(10, 'x'), true, true},
      {std::string(11, 'x'), false, false},
      {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", true,
       true},  // 10 code points
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Code(CheckLine("title", c.value, 10)), c.line_ok ? "OK" : "INVALID_ARGUMENT")
        << c.value;
    EXPECT_EQ(Code(CheckText("text", c.value, 10)), c.text_ok ? "OK" : "INVALID_ARGUMENT")
        << c.value;
  }
  EXPECT_EQ(CheckLine("title", "", 10).error().message(), "title must not be empty");
}

TEST(Rules, Descriptions) {
  EXPECT_EQ(Code(CheckDescription({"line\nline", DescriptionFormat::kMarkdown})), "OK");
  EXPECT_EQ(Code(CheckDescription({"bell\a", DescriptionFormat::kMarkdown})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(CheckDescription({std::string(kMaxDescription, 'x'), DescriptionFormat::kJson})),
            "OK");
  EXPECT_EQ(
      Code(CheckDescription({std::string(kMaxDescription + 1, 'x'), DescriptionFormat::kJson})),
      "INVALID_ARGUMENT");
}

TEST(Rules, LabelsAreTrimmedDistinctAndSorted) {
  EXPECT_EQ(*NormalizeLabels({" b ", "a", "b", "\ta"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Code(NormalizeLabels({" "})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(NormalizeLabels({std::string(kMaxLabel + 1, 'x')})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(NormalizeLabels(std::vector<std::string>(kMaxLabels, "same"))), "OK");
  EXPECT_EQ(Code(NormalizeLabels(std::vector<std::string>(kMaxLabels + 1, "same"))),
            "INVALID_ARGUMENT");
}

TEST(Rules, Choices) {
  struct Case {
    std::vector<std::string> choices;
    bool ok;
  };
  const std::vector<Case> cases = {
      {{}, true},           {{"yes", "no"}, true},
      {{"only"}, false},    {{"yes", "yes"}, false},
      {{"yes", ""}, false}, {std::vector<std::string>(kMaxChoices + 1, "x"), false},
  };
  for (const Case& c : cases)
    EXPECT_EQ(Code(CheckChoices(c.choices)), c.ok ? "OK" : "INVALID_ARGUMENT");
}

TEST(Rules, ViewersReadOthersWrite) {
  EXPECT_FALSE(CanWrite(Role::kViewer));
  for (Role role : {Role::kMember, Role::kAdmin, Role::kOwner}) EXPECT_TRUE(CanWrite(role));
  EXPECT_EQ(ViewerCannotWrite("acme").code(), base::ErrorCode::kPermissionDenied);
}

TEST(Rules, ANewTaskIsCompletedExactlyWhenDone) {
  EXPECT_EQ(NewTaskCompletedAt(Status::kDone, kNow), std::optional<std::string>(kNow));
  for (Status status : {Status::kTodo, Status::kInProgress, Status::kCancelled}) {
    EXPECT_EQ(NewTaskCompletedAt(status, kNow), std::nullopt);
  }
  NewTask spec;
  spec.title = "t";
  spec.labels = {"z", "a"};
  EXPECT_EQ(*CheckNewTask(spec), (std::vector<std::string>{"a", "z"}));
  spec.title = " ";
  EXPECT_EQ(Code(CheckNewTask(spec)), "INVALID_ARGUMENT");
}

TEST(Rules, CheckChangesRefusesBadFieldsAndNormalizesLabels) {
  TaskChanges changes;
  changes.labels = std::vector<std::string>{" x", "x"};
  EXPECT_EQ(CheckChanges(changes)->labels, (std::vector<std::string>{"x"}));
  TaskChanges bad_time;
  bad_time.completed_at = std::optional<std::string>("yesterday");
  EXPECT_EQ(Code(CheckChanges(bad_time)), "INVALID_ARGUMENT");
  TaskChanges owners;
  owners.owners = std::vector<std::string>(kMaxOwners + 1, "ada");
  EXPECT_EQ(Code(CheckChanges(owners)), "INVALID_ARGUMENT");
  TaskChanges title;
  title.title = std::string(kMaxTitle + 1, 'x');
  EXPECT_EQ(Code(CheckChanges(title)), "INVALID_ARGUMENT");
}

TEST(Rules, AStaleVersionIsAborted) {
  EXPECT_EQ(Code(CheckVersion(Before(), std::nullopt)), "OK");
  EXPECT_EQ(Code(CheckVersion(Before(), 3)), "OK");
  const auto stale = CheckVersion(Before(), 2);
  EXPECT_EQ(Code(stale), "ABORTED");
  EXPECT_NE(stale.error().message().find("version 3, not 2"), std::string::npos);
}

// The completedAt invariant, as a table: (status before, completedAt before, status asked,
// completedAt asked) -> completedAt after, or an error.
TEST(Rules, CompletedAtIsSetExactlyWhileDone) {
  using Time = std::optional<std::string>;
  struct Case {
    Status before_status;
    Time before_completed;
    std::optional<Status> status;
    std::optional<Time> completed;
    Time after;  // nullopt: cleared
    bool error = false;
  };
  const Time earlier = "2026-11-01T08:00:00.000Z";
  const std::vector<Case> cases = {
      {Status::kTodo, {}, Status::kDone, {}, std::string(kNow)},        // DONE fills it
      {Status::kTodo, {}, Status::kDone, earlier, earlier},             // or takes the given time
      {Status::kDone, earlier, std::nullopt, {}, earlier},              // unchanged
      {Status::kDone, earlier, Status::kInProgress, {}, std::nullopt},  // leaving DONE clears it
      {Status::kDone, earlier, std::nullopt, Time(std::nullopt),
       std::string(kNow)},                                   // cleared while DONE: refilled
      {Status::kTodo, {}, std::nullopt, earlier, {}, true},  // only on DONE
      {Status::kDone, earlier, Status::kTodo, earlier, {}, true},
      {Status::kDone, earlier, std::nullopt, Time("2026-11-01T08:00:00Z"),
       earlier},  // stored normalized
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    Task before = Before();
    before.status = c.before_status;
    before.completed_at = c.before_completed;
    TaskChanges changes;
    changes.status = c.status;
    changes.completed_at = c.completed;
    auto plan = PlanUpdate(before, *CheckChanges(changes), kNow);
    if (c.error) {
      EXPECT_EQ(Code(plan), "INVALID_ARGUMENT") << "case " << i;
      continue;
    }
    ASSERT_TRUE(plan.has_value()) << "case " << i << ": " << plan.error().ToString();
    const Time after = plan->completed_at ? *plan->completed_at : before.completed_at;
    EXPECT_EQ(after, c.after) << "case " << i;
    EXPECT_EQ(plan->completed_at.has_value(), c.after != before.completed_at) << "case " << i;
  }
}

TEST(Rules, AnUpdateThatChangesNothingIsANoOp) {
  const Task before = Before();
  TaskChanges same;
  same.title = before.title;
  same.description = before.description;
  same.status = before.status;
  same.assignee = before.assignee;
  same.parent_id = before.parent_id;
  same.labels = std::vector<std::string>{" backend "};
  auto plan = PlanUpdate(before, *CheckChanges(same), kNow);
  ASSERT_TRUE(plan.has_value());
  EXPECT_TRUE(plan->Empty());
  AddOwners(*plan, before, {"ada"});
  EXPECT_TRUE(plan->Empty());
  AddOwners(*plan, before, {"ada", "bob"});
  EXPECT_FALSE(plan->Empty());
  EXPECT_EQ(Diff(*plan), R"({"owners":{"from":["ada"],"to":["ada","bob"]}})");
}

TEST(Rules, TheDiffNamesEachChangedFieldFromAndTo) {
  const Task before = Before();
  TaskChanges changes;
  changes.title = "Ship it now";
  changes.description = Description{"longer plan", DescriptionFormat::kMarkdown};
  changes.status = Status::kInProgress;
  changes.assignee = std::optional<std::string>();
  changes.parent_id = std::optional<int64_t>(2);
  changes.labels = std::vector<std::string>{"api"};
  auto plan = PlanUpdate(before, *CheckChanges(changes), kNow);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->title, "Ship it now");
  EXPECT_EQ(plan->status, Status::kInProgress);
  ASSERT_TRUE(plan->assignee.has_value());  // the assignee is cleared
  EXPECT_FALSE(plan->assignee->has_value());
  EXPECT_EQ(plan->parent_id, std::optional<std::optional<int64_t>>(2));
  EXPECT_FALSE(plan->completed_at.has_value());
  EXPECT_EQ(
      Diff(*plan),
      R"({"title":{"from":"Ship it","to":"Ship it now"},"description":{"fromLength":8,"toLength":11},)"
      R"("status":{"from":"TODO","to":"IN_PROGRESS"},"assignee":{"from":"ada","to":null},)"
      R"("parentId":{"from":null,"to":2},"labels":{"from":["backend"],"to":["api"]}})");
}

TEST(Rules, ATaskCannotBeItsOwnParent) {
  TaskChanges changes;
  changes.parent_id = std::optional<int64_t>(7);
  EXPECT_EQ(Code(PlanUpdate(Before(), changes, kNow)), "INVALID_ARGUMENT");
  changes.parent_id = std::optional<int64_t>();
  EXPECT_EQ(Code(PlanUpdate(Before(), changes, kNow)), "OK");
}

TEST(Rules, WhoMayDeleteRestoreAndPurge) {
  Task task = Before();
  task.organization_name = "acme";
  task.owners = {"ada"};
  task.created_by = "cy";
  const Actor ada{.user_id = 1, .user_name = "ada"};
  const Actor bob{.user_id = 2, .user_name = "bob"};
  const Actor cy{.user_id = 3, .user_name = "cy"};
  struct Case {
    Role role;
    const Actor& actor;
    std::string code;
  };
  const std::vector<Case> cases = {
      {Role::kOwner, bob, "OK"},
      {Role::kAdmin, bob, "OK"},
      {Role::kMember, ada, "OK"},
      {Role::kMember, cy, "OK"},
      {Role::kMember, bob, "PERMISSION_DENIED"},
      {Role::kViewer, ada, "PERMISSION_DENIED"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Code(MayDelete(task, c.role, c.actor, "purge")), c.code)
        << RoleName(c.role) << " " << c.actor.user_name;
  }
  EXPECT_EQ(testing::ErrorText(MayDelete(task, Role::kMember, bob, "restore")),
            "only the organization's owners and admins, and the task's owners, may restore task 7");
}

TEST(Rules, ATaskComesBackOnlyAfterItsParent) {
  Task task = Before();
  task.parent_id = 5;
  EXPECT_EQ(Code(CheckRestorable(task, std::nullopt)), "OK");
  Task parent;
  parent.id = 5;
  EXPECT_EQ(Code(CheckRestorable(task, parent)), "OK");  // not in the trash
  parent.deleted_at = std::string(kNow);
  parent.deleted_with = 5;
  EXPECT_EQ(testing::ErrorText(CheckRestorable(task, parent)),
            "task 7's parent, task 5, is in the trash: restore task 5 first");
  parent.deleted_with = 2;
  EXPECT_EQ(testing::ErrorText(CheckRestorable(task, parent)),
            "task 7's parent, task 5, is in the trash (deleted with task 2): restore task 2 first");
  EXPECT_EQ(Code(CheckRestorable(task, parent)), "FAILED_PRECONDITION");
}

TEST(Rules, TheTrashsMessagesAndPurgeTime) {
  EXPECT_EQ(NotInTrash(4, "purge").message(),
            "task 4 is not in the trash, so there is nothing to purge; delete_task moves a task "
            "to the trash first");
  EXPECT_EQ(NotInTrash(4, "restore").code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(PurgeAt(kNow, std::chrono::hours(24 * 30)), "2027-01-01T10:00:00.000Z");
  EXPECT_EQ(PurgeAt(kNow, std::chrono::seconds(90)), "2026-12-02T10:01:30.000Z");
}

// Who counts as a person (docs/tasks.md, "Questions"): the table of surfaces and credentials.
TEST(Rules, APersonIsTheWebTheCliOrRestWithAPersonsOwnKey) {
  struct Case {
    Surface surface;
    std::string credential;
    bool review;
    bool person;
  };
  const Case cases[] = {
      {Surface::kWeb, "session:3", false, true},  {Surface::kCli, "cli", false, true},
      {Surface::kRest, "key:4", false, true},     {Surface::kRest, "key:4", true, false},
      {Surface::kRest, "grant:2", false, false},  {Surface::kRest, "external:1", false, false},
      {Surface::kRest, "loopback", false, false}, {Surface::kMcp, "key:4", false, false},
      {Surface::kMcp, "grant:2", false, false},   {Surface::kMcp, "loopback", false, false},
      {Surface::kWeb, "session:3", true, false},
  };
  for (const Case& c : cases) {
    const Actor actor{1, "ada", c.credential, "x", c.surface, c.review};
    EXPECT_EQ(ActsAsPerson(actor), c.person)
        << SurfaceName(c.surface) << " " << c.credential << " review=" << c.review;
  }
}

TEST(Rules, MayAnswerRefusesTheAskerAndAgentsForAPerson) {
  Question question;
  question.id = 9;
  question.asked_via = {"key:1", "claude-code", "mcp"};
  const Actor asker{1, "ada", "key:1", "claude-code", Surface::kMcp};
  const Actor agent{1, "ada", "key:2", "cursor", Surface::kMcp};
  const Actor person{1, "ada", "key:3", "curl", Surface::kRest};
  const Actor asker_on_rest{1, "ada", "key:1", "curl", Surface::kRest};
  EXPECT_EQ(Code(MayAnswer(question, asker)), "PERMISSION_DENIED");
  EXPECT_EQ(Code(MayAnswer(question, asker_on_rest)), "PERMISSION_DENIED");  // same credential
  EXPECT_EQ(Code(MayAnswer(question, agent)), "PERMISSION_DENIED");
  EXPECT_TRUE(MayAnswer(question, person).has_value());
  question.for_person = false;
  EXPECT_EQ(Code(MayAnswer(question, asker)), "PERMISSION_DENIED");
  EXPECT_TRUE(MayAnswer(question, agent).has_value());
  // A question asked before the credential was recorded refuses no one as its asker.
  question.asked_via = {};
  EXPECT_TRUE(MayAnswer(question, asker).has_value());
}

}  // namespace
}  // namespace taskwire::tasks::rules
