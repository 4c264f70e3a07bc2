#include "tasks/task_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "base/base64url.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_database.h"
#include "tasks/users.h"
#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/temp_dir.h"

namespace taskwire::tasks {
namespace {

using namespace std::chrono_literals;

// "OK" or the error's canonical name, so a failing expectation prints what came back.
template <typename T>
std::string Code(const base::Result<T>& result) {
  return result ? "OK" : std::string(base::ErrorCodeName(result.error().code()));
}

template <typename T>
std::string ErrorText(const base::Result<T>& result) {
  return result ? "" : result.error().message();
}

class TaskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::SqliteDatabase::Open({.path = dir_.File("t.db")});
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    database_ = std::move(*opened);
    ASSERT_TRUE(
        store::Migrate(*database_, store::EmbeddedMigrations("sqlite"), clock_).has_value());
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    users_ = std::make_unique<UserStore>(*database_, clock_);
    hub_.Observe([this](const Event& event) { observed_.push_back(event); });
    store_ = std::make_unique<TaskStore>(*faulty_, clock_, hub_);
    ada_ = NewUser("ada");
    acme_ = NewOrganization(ada_, "acme");
  }

  Actor NewUser(const std::string& name) {
    auto user = users_->Create(name, "hash", false);
    EXPECT_TRUE(user.has_value()) << user.error().ToString();
    return Actor{user->id, user->name, "key:" + std::to_string(user->id), "test-client"};
  }

  int64_t NewOrganization(const Actor& owner, const std::string& name) {
    auto organization = store_->CreateOrganization(owner, name, owner.user_id);
    EXPECT_TRUE(organization.has_value()) << organization.error().ToString();
    return organization->id;
  }

  // A user who is `role` in `organization`.
  Actor Join(const std::string& name, int64_t organization, Role role) {
    Actor actor = NewUser(name);
    auto set = store_->SetMember(ada_, organization, actor.user_id, role);
    EXPECT_TRUE(set.has_value()) << set.error().ToString();
    return actor;
  }

  Task MakeTask(const Actor& actor, const std::string& title,
                std::optional<int64_t> parent = std::nullopt,
                std::optional<int64_t> organization = std::nullopt) {
    tasks::NewTask spec{.title = title, .organization_id = organization, .parent_id = parent};
    auto task = store_->CreateTask(actor, spec);
    EXPECT_TRUE(task.has_value()) << task.error().ToString();
    return task.has_value() ? *task : Task{};
  }

  int64_t Count(const std::string& sql) {
    auto tx = database_->Begin(store::Access::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows->front().Int(0);
  }

  // Every row of every table the task domain writes, as text: two equal dumps mean nothing was
  // written in between.
  std::string Dump() {
    static const char* const kQueries[] = {
        "SELECT id, organization_id, parent_id, title, description, description_format, status, "
        "assignee_id, created_by, version, created_at, updated_at, completed_at FROM tasks "
        "ORDER BY id",
        "SELECT task_id, user_id FROM task_owners ORDER BY 1, 2",
        "SELECT task_id, label FROM task_labels ORDER BY 1, 2",
        "SELECT id, task_id, author_name, text FROM messages ORDER BY id",
        "SELECT id, task_id, question, choices, answer, answered_by_name, answered_at "
        "FROM questions ORDER BY id",
        "SELECT id, action, entity, entity_id, changes FROM audit_log ORDER BY id",
        "SELECT id, type, task_id, data FROM events ORDER BY id",
        "SELECT rowid, title, body, task_id, message_id FROM search_index ORDER BY rowid",
        "SELECT organization_id, user_id, role FROM memberships ORDER BY 1, 2",
        "SELECT id, name FROM organizations ORDER BY id",
    };
    std::string dump;
    auto tx = database_->Begin(store::Access::kRead);
    for (const char* sql : kQueries) {
      auto rows = (*tx)->Query(sql);
      EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
      dump += std::string(sql) + "\n";
      for (const store::Row& row : *rows) {
        for (size_t i = 0; i < row.size(); ++i) {
          dump += row.IsNull(i) ? "NULL" : row.Text(i);
          dump += '|';
        }
        dump += '\n';
      }
    }
    return dump;
  }

  // Breaks the 1st, 2nd, ... statement of `operation` until it succeeds, and checks that each
  // failure answers Unavailable and leaves every table and the hub as they were. Returns how many
  // statements the successful run needed.
  int64_t ExpectAtomic(const std::function<base::Result<void>()>& operation) {
    int64_t n = 1;
    for (;; ++n) {
      const std::string before = Dump();
      const int64_t latest = hub_.latest();
      const size_t observed = observed_.size();
      faulty_->Arm(n);
      base::Result<void> done = operation();
      const bool fired = faulty_->fired();
      faulty_->Disarm();
      if (done) {
        EXPECT_FALSE(fired) << "statement " << n << " failed, yet the operation succeeded";
        break;
      }
      EXPECT_TRUE(fired) << "failed without the injected fault: " << done.error().ToString();
      EXPECT_EQ(done.error().code(), base::ErrorCode::kUnavailable)
          << "statement " << n << ": " << done.error().ToString();
      EXPECT_EQ(Dump(), before) << "statement " << n << " failed and left a partial write";
      EXPECT_EQ(hub_.latest(), latest) << "statement " << n;
      EXPECT_EQ(observed_.size(), observed) << "statement " << n;
      if (n > 200) {
        ADD_FAILURE() << "the operation never succeeded";
        break;
      }
    }
    return n;
  }

  // Sets `table`'s id sequence back to `last`, so the next row gets last + 1: what schema 5 (no
  // AUTOINCREMENT) did after the newest row was deleted.
  void RewindIds(const std::string& table, int64_t last) {
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(tx.has_value());
    auto rewound = (*tx)->Execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", {last, table});
    ASSERT_EQ(rewound.value_or(0), 1);
    ASSERT_TRUE((*tx)->Commit().has_value());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<testing::FaultyDatabase> faulty_;
  std::unique_ptr<UserStore> users_;
  std::vector<Event> observed_;
  EventHub hub_;
  std::unique_ptr<TaskStore> store_;
  Actor ada_;
  int64_t acme_ = 0;
};

// FtsQuery ---------------------------------------------------------------------------------------

TEST(FtsQuery, QuotesEveryWordAndMakesTheLastAPrefix) {
  EXPECT_EQ(*FtsQuery("deploy"), "\"deploy\"*");
  EXPECT_EQ(*FtsQuery("  fix   the\tbuild \n"), "\"fix\" \"the\" \"build\"*");
}

TEST(FtsQuery, TakesOperatorsAndQuotesAsWords) {
  EXPECT_EQ(*FtsQuery("\"foo\" OR bar*"), "\"\"\"foo\"\"\" \"OR\" \"bar*\"*");
  EXPECT_EQ(*FtsQuery("NEAR(a b)"), "\"NEAR(a\" \"b)\"*");
  EXPECT_EQ(*FtsQuery("-x title:abc"), "\"-x\" \"title:abc\"*");
  EXPECT_EQ(*FtsQuery("\""), "\"\"\"\"*");
}

TEST(FtsQuery, RefusesEmptyAndOverlongQueries) {
  EXPECT_EQ(Code(FtsQuery("")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(FtsQuery(" \t\n ")), "INVALID_ARGUMENT");
  std::string twenty, twenty_one;
  for (int i = 0; i < 20; ++i) twenty += "w ";
  twenty_one = twenty + "w";
  EXPECT_EQ(Code(FtsQuery(twenty)), "OK");
  EXPECT_EQ(Code(FtsQuery(twenty_one)), "INVALID_ARGUMENT");
}

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
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.owners = std::vector<std::string>{"Zed", "bob", "ada", "Carl"}})
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

TEST_F(TaskStoreTest, DeleteRemovesTheWholeSubtree) {
  const Task root = MakeTask(ada_, "Root");
  const Task child = MakeTask(ada_, "Child", root.id);
  const Task grandchild = MakeTask(ada_, "Grandchild", child.id);
  const Task other = MakeTask(ada_, "Other");
  ASSERT_TRUE(store_->SendMessage(ada_, grandchild.id, "a note").has_value());
  ASSERT_TRUE(store_->AskQuestion(ada_, child.id, "why?", {}).has_value());
  auto deleted = store_->DeleteTask(ada_, root.id);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  ASSERT_EQ(deleted->size(), 3u);
  EXPECT_EQ((*deleted)[0], root.id);
  EXPECT_EQ(std::set<int64_t>(deleted->begin(), deleted->end()),
            (std::set<int64_t>{root.id, child.id, grandchild.id}));
  for (int64_t id : {root.id, child.id, grandchild.id}) {
    EXPECT_EQ(Code(store_->GetTask(ada_, id)), "NOT_FOUND") << id;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM questions"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM task_owners"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM search_index"), 1);
  EXPECT_EQ(store_->GetTask(ada_, other.id)->task.title, "Other");
  auto audit = Count("SELECT count(*) FROM audit_log WHERE action = 'delete' AND entity_id = " +
                     std::to_string(root.id));
  EXPECT_EQ(audit, 1);
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

// Messages and questions -------------------------------------------------------------------------

TEST_F(TaskStoreTest, MessagesAndTheLastOne) {
  const Task task = MakeTask(ada_, "Chatty");
  auto none = store_->GetLastMessage(ada_, task.id);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  for (int i = 1; i <= 7; ++i) {
    clock_.Advance(1s);
    auto sent = store_->SendMessage(ada_, task.id, "message " + std::to_string(i));
    ASSERT_TRUE(sent.has_value()) << sent.error().ToString();
    EXPECT_EQ(sent->author, "ada");
    EXPECT_EQ(sent->client, "test-client");
  }
  auto last = store_->GetLastMessage(ada_, task.id);
  ASSERT_TRUE(last.has_value() && last->has_value());
  EXPECT_EQ((*last)->text, "message 7");
  auto detail = store_->GetTask(ada_, task.id);
  EXPECT_EQ(detail->message_count, 7);
  ASSERT_EQ(detail->latest_messages.size(), 5u);
  EXPECT_EQ(detail->latest_messages.front().text, "message 3");
  EXPECT_EQ(detail->latest_messages.back().text, "message 7");
  // A message is activity: it moves updated_at, not the version.
  EXPECT_EQ(detail->task.updated_at, "2026-01-01T00:00:07.000Z");
  EXPECT_EQ(detail->task.version, 1);
  auto page = store_->ListMessages(ada_, task.id, 0, 3);
  ASSERT_EQ(page->size(), 3u);
  auto next = store_->ListMessages(ada_, task.id, page->back().id, 100);
  ASSERT_EQ(next->size(), 4u);
  EXPECT_EQ(next->front().text, "message 4");
}

TEST_F(TaskStoreTest, MessageTextIsValidated) {
  const Task task = MakeTask(ada_, "Quiet");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, " \n ")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, std::string(kMaxMessage + 1, 'm'))),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, "esc\x1b[31m")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, std::string(kMaxMessage, 'm'))), "OK");
}

TEST_F(TaskStoreTest, QuestionWithChoicesTakesOnlyAChoiceAndOnlyOnce) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Task task = MakeTask(ada_, "Decide");
  auto asked = store_->AskQuestion(ada_, task.id, "Which colour?", {"red", "green"});
  ASSERT_TRUE(asked.has_value()) << asked.error().ToString();
  EXPECT_EQ(asked->choices, (std::vector<std::string>{"red", "green"}));
  EXPECT_FALSE(asked->answer.has_value());
  EXPECT_EQ(store_->GetTask(ada_, task.id)->open_questions.size(), 1u);
  auto wrong = store_->AnswerQuestion(bob, asked->id, "blue");
  EXPECT_EQ(Code(wrong), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(wrong).find("\"red\", \"green\""), std::string::npos) << ErrorText(wrong);
  clock_.Advance(1s);
  auto answered = store_->AnswerQuestion(bob, asked->id, "green");
  ASSERT_TRUE(answered.has_value()) << answered.error().ToString();
  EXPECT_EQ(answered->answer, "green");
  EXPECT_EQ(answered->answered_by, "bob");
  EXPECT_EQ(answered->answered_at, "2026-01-01T00:00:01.000Z");
  auto twice = store_->AnswerQuestion(ada_, asked->id, "red");
  EXPECT_EQ(Code(twice), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(twice).find("bob"), std::string::npos) << ErrorText(twice);
  EXPECT_EQ(store_->GetQuestion(ada_, asked->id)->answer, "green");
  EXPECT_TRUE(store_->GetTask(ada_, task.id)->open_questions.empty());
  EXPECT_EQ(store_->ListQuestions(ada_, task.id)->size(), 1u);
}

TEST_F(TaskStoreTest, FreeTextQuestionTakesAnyAnswer) {
  const Task task = MakeTask(ada_, "Ask");
  auto asked = store_->AskQuestion(ada_, task.id, "Anything to add?", {});
  ASSERT_TRUE(asked.has_value());
  EXPECT_TRUE(asked->choices.empty());
  EXPECT_EQ(Code(store_->AnswerQuestion(ada_, asked->id, "  ")), "INVALID_ARGUMENT");
  EXPECT_EQ(store_->AnswerQuestion(ada_, asked->id, "Yes:\nmore tests")->answer,
            "Yes:\nmore tests");
}

TEST_F(TaskStoreTest, QuestionsAreValidated) {
  const Task task = MakeTask(ada_, "Ask");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "", {})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, std::string(kMaxQuestion + 1, 'q'), {})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "one?", {"only"})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "same?", {"a", "a"})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "blank?", {"a", " "})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "sep?",
                                     {"a",
                                      "b\x1f"
                                      "c"})),
            "INVALID_ARGUMENT");
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) many.push_back("c" + std::to_string(i));
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "many?", many)), "INVALID_ARGUMENT");
  EXPECT_EQ(Count("SELECT count(*) FROM questions"), 0);
}

// Search -----------------------------------------------------------------------------------------

TEST_F(TaskStoreTest, SearchRanksTitlesFirstAndReturnsSnippets) {
  const Task body = MakeTask(ada_, "Zoo visit");
  ASSERT_TRUE(
      store_
          ->UpdateTask(ada_, body.id, {.description = Description{"we saw a kangaroo and a koala"}})
          .has_value());
  const Task title = MakeTask(ada_, "Kangaroo report");
  const Task message = MakeTask(ada_, "Unrelated");
  ASSERT_TRUE(
      store_->SendMessage(ada_, message.id, "a kangaroo jumped over the fence").has_value());
  MakeTask(ada_, "Nothing to see");
  auto page = store_->Search(ada_, "kangaroo", std::nullopt, 10, "");
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->hits.size(), 3u);
  EXPECT_EQ(page->hits[0].task.id, title.id);
  EXPECT_GE(page->hits[0].score, page->hits[1].score);
  EXPECT_GE(page->hits[1].score, page->hits[2].score);
  for (const SearchHit& hit : page->hits) {
    EXPECT_NE(hit.snippet.find("**"), std::string::npos) << hit.snippet;
    std::string lower = hit.snippet;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    EXPECT_NE(lower.find("**kangaroo**"), std::string::npos) << hit.snippet;
  }
  EXPECT_TRUE(page->next_cursor.empty());
  // The last word is a prefix; every word must match.
  EXPECT_EQ(store_->Search(ada_, "kanga", std::nullopt, 10, "")->hits.size(), 3u);
  EXPECT_EQ(store_->Search(ada_, "kangaroo koala", std::nullopt, 10, "")->hits.size(), 1u);
  EXPECT_TRUE(store_->Search(ada_, "wombat", std::nullopt, 10, "")->hits.empty());
}

TEST_F(TaskStoreTest, SearchFollowsEditsAndDeletes) {
  const Task task = MakeTask(ada_, "Alpha");
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Bravo"}).has_value());
  EXPECT_TRUE(store_->Search(ada_, "alpha", std::nullopt, 10, "")->hits.empty());
  EXPECT_EQ(store_->Search(ada_, "bravo", std::nullopt, 10, "")->hits.size(), 1u);
  ASSERT_TRUE(store_->DeleteTask(ada_, task.id).has_value());
  EXPECT_TRUE(store_->Search(ada_, "bravo", std::nullopt, 10, "")->hits.empty());
}

TEST_F(TaskStoreTest, SearchTakesFtsSyntaxInUserInputAsWords) {
  MakeTask(ada_, "title:abc and \"foo\" OR bar* NEAR(x) -x ^start");
  MakeTask(ada_, "plain");
  const std::vector<std::string> inputs = {
      "\"foo\" OR bar*",
      "NEAR(",
      "NEAR(a b",
      "-x",
      "title:abc",
      "\"",
      "\"\"",
      "'",
      "*",
      "**",
      "(",
      ")",
      "AND",
      "OR",
      "NOT",
      "foo AND",
      "NOT foo",
      "^start",
      "{title body}: x",
      "+",
      "a\"b",
      "title : abc",
      "\\",
      "%",
      "_",
      "foo\x01"
      "bar",
      "\xff\xfe",
      "\xE2\x9C\x93",
      ":",
      "col:",
      "x NEAR/2 y",
      "-",
      "\"unterminated",
      "rank:",
      "{",
      "}",
      ",",
      ";",
      "--",
      "/*",
  };
  for (const std::string& input : inputs) {
    auto page = store_->Search(ada_, input, std::nullopt, 10, "");
    EXPECT_EQ(Code(page), "OK") << "query: " << input << ": " << ErrorText(page);
  }
  // Written the way the task says them, they find it.
  for (const char* input : {"title:abc", "\"foo\" OR bar*", "NEAR(x)", "-x", "^start"}) {
    auto page = store_->Search(ada_, input, std::nullopt, 10, "");
    ASSERT_EQ(Code(page), "OK") << input;
    EXPECT_EQ(page->hits.size(), 1u) << input;
  }
  for (const char* input : {"", "   ", "\t\n"}) {
    EXPECT_EQ(Code(store_->Search(ada_, input, std::nullopt, 10, "")), "INVALID_ARGUMENT") << input;
  }
  EXPECT_EQ(Code(store_->Search(ada_, std::string(kMaxSearchQuery + 1, 'q'), std::nullopt, 10, "")),
            "INVALID_ARGUMENT");
}

TEST_F(TaskStoreTest, SearchPagesWithACursor) {
  for (int i = 0; i < 7; ++i) MakeTask(ada_, "widget " + std::to_string(i));
  std::set<int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = store_->Search(ada_, "widget", std::nullopt, 3, cursor);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    for (const SearchHit& hit : page->hits) EXPECT_TRUE(seen.insert(hit.task.id).second);
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
  for (const std::string& bad :
       std::vector<std::string>{"!!!", base::Base64UrlEncode("x:3"), base::Base64UrlEncode("o:x"),
                                base::Base64UrlEncode("o:")}) {
    EXPECT_EQ(Code(store_->Search(ada_, "widget", std::nullopt, 3, bad)), "INVALID_ARGUMENT")
        << bad;
  }
}

TEST_F(TaskStoreTest, SearchNarrowsToOneOrganization) {
  const int64_t second = NewOrganization(ada_, "second");
  MakeTask(ada_, "gadget one", std::nullopt, acme_);
  const Task there = MakeTask(ada_, "gadget two", std::nullopt, second);
  EXPECT_EQ(store_->Search(ada_, "gadget", std::nullopt, 10, "")->hits.size(), 2u);
  auto narrowed = store_->Search(ada_, "gadget", second, 10, "");
  ASSERT_EQ(narrowed->hits.size(), 1u);
  EXPECT_EQ(narrowed->hits[0].task.id, there.id);
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

// Events and audit -------------------------------------------------------------------------------

TEST_F(TaskStoreTest, EveryWriteAppendsOneEventAndTellsTheHub) {
  EXPECT_EQ(*store_->LatestEventId(), 0);
  const Task task = MakeTask(ada_, "Eventful");
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Still eventful"}).has_value());
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Still eventful"}).has_value());  // no-op
  ASSERT_TRUE(store_->SendMessage(ada_, task.id, "hi").has_value());
  auto question = store_->AskQuestion(ada_, task.id, "ok?", {"yes", "no"});
  ASSERT_TRUE(store_->AnswerQuestion(ada_, question->id, "yes").has_value());
  ASSERT_TRUE(store_->DeleteTask(ada_, task.id).has_value());
  auto events = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_TRUE(events.has_value());
  std::vector<std::string> types;
  for (const Event& event : *events) {
    types.push_back(event.type);
    EXPECT_EQ(event.organization_id, acme_);
    EXPECT_EQ(event.task_id, task.id);
    EXPECT_EQ(event.actor, "ada");
    EXPECT_EQ(event.data.front(), '{');
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"task.created", "task.updated", "message.created",
                                      "question.asked", "question.answered", "task.deleted"}));
  EXPECT_EQ(*store_->LatestEventId(), events->back().id);
  EXPECT_EQ(hub_.latest(), events->back().id);
  ASSERT_EQ(observed_.size(), events->size());
  EXPECT_EQ(observed_.back().type, "task.deleted");
  // After an id, and for one task.
  auto later = store_->EventsAfter(ada_, (*events)[3].id, std::nullopt, 100);
  EXPECT_EQ(later->size(), 2u);
  EXPECT_EQ(store_->EventsAfter(ada_, 0, std::nullopt, 2)->size(), 2u);
  EXPECT_TRUE(store_->EventsAfter(ada_, 0, task.id + 1, 100)->empty());
}

TEST_F(TaskStoreTest, EventsAreFilteredByMembership) {
  const Actor eve = NewUser("eve");
  const int64_t evil = NewOrganization(eve, "evil");
  MakeTask(ada_, "Ada's");
  const Task eves = MakeTask(eve, "Eve's", std::nullopt, evil);
  auto adas = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_EQ(adas->size(), 1u);
  EXPECT_EQ((*adas)[0].organization_id, acme_);
  auto eve_sees = store_->EventsAfter(eve, 0, std::nullopt, 100);
  ASSERT_EQ(eve_sees->size(), 1u);
  EXPECT_EQ((*eve_sees)[0].task_id, eves.id);
  // A new member sees the organization's history.
  ASSERT_TRUE(store_->SetMember(ada_, evil, ada_.user_id, Role::kViewer).has_value());
  EXPECT_EQ(store_->EventsAfter(ada_, 0, std::nullopt, 100)->size(), 2u);
}

TEST_F(TaskStoreTest, ConsumerPositionsAreRemembered) {
  EXPECT_FALSE(store_->ConsumerPosition("ada/cli")->has_value());
  ASSERT_TRUE(store_->SetConsumerPosition("ada/cli", 7).has_value());
  ASSERT_TRUE(store_->SetConsumerPosition("ada/cli", 9).has_value());
  EXPECT_EQ(**store_->ConsumerPosition("ada/cli"), 9);
  EXPECT_FALSE(store_->ConsumerPosition("bob/cli")->has_value());
}

TEST_F(TaskStoreTest, WritesAreAuditedWithTheActor) {
  const Task task = MakeTask(ada_, "Audited");
  clock_.Advance(1s);
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Audited twice", .status = Status::kDone})
                  .has_value());
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Audited twice"}).has_value());  // no-op
  ASSERT_TRUE(store_->SendMessage(ada_, task.id, "note").has_value());
  auto question = store_->AskQuestion(ada_, task.id, "fine?", {});
  ASSERT_TRUE(store_->AnswerQuestion(ada_, question->id, "fine").has_value());
  auto audit = store_->TaskAudit(ada_, task.id, 100);
  ASSERT_TRUE(audit.has_value()) << audit.error().ToString();
  std::vector<std::string> actions;
  for (const AuditEntry& entry : *audit) {
    actions.push_back(entry.entity + "." + entry.action);
    EXPECT_EQ(entry.user, "ada");
    EXPECT_EQ(entry.credential, ada_.credential);
    EXPECT_EQ(entry.client, "test-client");
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"question.answer", "question.ask", "message.create",
                                               "task.update", "task.create"}));
  const AuditEntry& update = (*audit)[3];
  EXPECT_EQ(update.at, "2026-01-01T00:00:01.000Z");
  EXPECT_NE(update.changes.find("\"title\":{\"from\":\"Audited\",\"to\":\"Audited twice\"}"),
            std::string::npos)
      << update.changes;
  EXPECT_NE(update.changes.find("\"completedAt\""), std::string::npos) << update.changes;
  EXPECT_EQ(store_->TaskAudit(ada_, task.id, 2)->size(), 2u);
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

TEST_F(TaskStoreTest, IdsOfDeletedTasksMessagesAndQuestionsAreNeverReused) {
  const Task first = MakeTask(ada_, "First");
  auto message = store_->SendMessage(ada_, first.id, "hello");
  auto question = store_->AskQuestion(ada_, first.id, "Why?", {});
  ASSERT_TRUE(message.has_value() && question.has_value());
  ASSERT_TRUE(store_->DeleteTask(ada_, first.id).has_value());
  const Task second = MakeTask(ada_, "Second");
  auto message2 = store_->SendMessage(ada_, second.id, "hello again");
  auto question2 = store_->AskQuestion(ada_, second.id, "Why not?", {});
  ASSERT_TRUE(message2.has_value() && question2.has_value());
  EXPECT_GT(second.id, first.id);
  EXPECT_GT(message2->id, message->id);
  EXPECT_GT(question2->id, question->id);
  // Every read and write by the old ids finds nothing.
  EXPECT_EQ(Code(store_->GetTask(ada_, first.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListMessages(ada_, first.id, 0, 10)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetLastMessage(ada_, first.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListQuestions(ada_, first.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetQuestion(ada_, question->id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->AnswerQuestion(ada_, question->id, "because")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->TaskAudit(ada_, first.id, 10)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->SendMessage(ada_, first.id, "x")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, first.id, {.title = "x"})), "NOT_FOUND");
  // The new task's events only: created, message, question.
  EXPECT_EQ(store_->EventsAfter(ada_, 0, second.id, 100)->size(), 3u);
}

TEST_F(TaskStoreTest, TheAuditOfAnIdReusedBeforeMigration6ShowsOnlyTheCurrentTasksRecord) {
  // Ada's task with a thread and an answered question, then deleted.
  const Task secret = MakeTask(ada_, "Secret merger");
  ASSERT_TRUE(store_->SendMessage(ada_, secret.id, "the price is 42").has_value());
  auto asked = store_->AskQuestion(ada_, secret.id, "Sign?", {});
  ASSERT_TRUE(asked.has_value());
  ASSERT_TRUE(store_->AnswerQuestion(ada_, asked->id, "yes, secretly").has_value());
  ASSERT_TRUE(store_->DeleteTask(ada_, secret.id).has_value());
  // Bob, of another organization, gets the same id, as schema 5 handed it out.
  const Actor bob = NewUser("bob");
  const int64_t globex = NewOrganization(bob, "globex");
  RewindIds("tasks", secret.id - 1);
  const Task reused = MakeTask(bob, "Bob's task", std::nullopt, globex);
  ASSERT_EQ(reused.id, secret.id);
  auto audit = store_->TaskAudit(bob, reused.id, 100);
  ASSERT_TRUE(audit.has_value()) << audit.error().ToString();
  for (const AuditEntry& entry : *audit) {
    EXPECT_EQ(entry.user, "bob") << entry.action << " " << entry.changes;
    EXPECT_EQ(entry.changes.find("ecret"), std::string::npos) << entry.changes;
  }
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().action, "create");
  // In the same organization too: a task recreated under an old id has only its own record.
  ASSERT_TRUE(store_->DeleteTask(bob, reused.id).has_value());
  RewindIds("tasks", reused.id - 1);
  const Task again = MakeTask(bob, "Bob's second", std::nullopt, globex);
  ASSERT_EQ(again.id, secret.id);
  auto own = store_->TaskAudit(bob, again.id, 100);
  ASSERT_TRUE(own.has_value());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_NE(own->front().changes.find("Bob's second"), std::string::npos) << own->front().changes;
}

TEST_F(TaskStoreTest, TheEventsOfAnIdReusedBeforeMigration6AreOnlyTheCurrentTasks) {
  const Actor bob = NewUser("bob");
  const int64_t globex = NewOrganization(bob, "globex");
  const Task first = MakeTask(bob, "Bob's first", std::nullopt, globex);
  ASSERT_TRUE(store_->SendMessage(bob, first.id, "old news").has_value());
  ASSERT_TRUE(store_->DeleteTask(bob, first.id).has_value());
  clock_.Advance(1s);
  RewindIds("tasks", first.id - 1);
  const Task again = MakeTask(bob, "Bob's second", std::nullopt, globex);
  ASSERT_EQ(again.id, first.id);
  // Filtered by the task, the feed holds the current task's life only: created, not the old
  // task's created, message and deleted.
  auto events = store_->EventsAfter(bob, 0, again.id, 100);
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().type, "task.created");
  EXPECT_NE(events->front().data.find("Bob's second"), std::string::npos) << events->front().data;
  // Once the current task is deleted too, its deletion is still delivered to a stream that
  // follows it (from its last position); the unfiltered feed keeps everything.
  const int64_t position = events->front().id;
  ASSERT_TRUE(store_->DeleteTask(bob, again.id).has_value());
  auto after_delete = store_->EventsAfter(bob, position, again.id, 100);
  ASSERT_TRUE(after_delete.has_value());
  ASSERT_EQ(after_delete->size(), 1u);
  EXPECT_EQ(after_delete->front().type, "task.deleted");
  EXPECT_EQ(store_->EventsAfter(bob, 0, std::nullopt, 100)->size(), 5u);  // both lives
}

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
  EXPECT_GT(n, 3);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM search_index"), 0);
}

TEST_F(TaskStoreTest, FailedAnswerQuestionWritesNothing) {
  const Task task = MakeTask(ada_, "Decide");
  auto question = store_->AskQuestion(ada_, task.id, "Which?", {"this", "that"});
  ASSERT_TRUE(question.has_value());
  const int64_t n = ExpectAtomic([&]() -> base::Result<void> {
    auto answered = store_->AnswerQuestion(ada_, question->id, "that");
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
