// The trash and fork operations (api/trash_operations.cc) as both surfaces run them: their
// declarations (scope, annotations), their answers, their refusals, and that a failed write
// leaves nothing behind.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/operations.h"
#include "api/record_test.h"
#include "auth/scopes.h"
#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::api {
namespace {

using testing::Code;

class TrashOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::MigratedDatabase(dir_.File("t.db"), clock_);
    ASSERT_TRUE(database.has_value()) << database.error().ToString();
    database_ = std::move(*database);
    ASSERT_NE(testing::AddUser(*database_, "ada"), 0);
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    tasks_ = std::make_unique<tasks::TaskStore>(*faulty_, clock_, hub_, std::chrono::hours(48));
    operations_ = std::make_unique<Operations>(*tasks_, hub_, pool_, usage_);
    ada_ = std::make_shared<const Caller>(auth::Identity{.user_id = 1,
                                                         .user_name = "ada",
                                                         .credential = "key:1",
                                                         .client = "test",
                                                         .scopes = {"tasks:admin"},
                                                         .review = auth::ReviewMode::kOff,
                                                         .expires = {}});
    auto organization = tasks_->CreateOrganization(ada_->actor, "acme", 1);
    ASSERT_TRUE(organization.has_value());
  }
  void TearDown() override { pool_.Shutdown(); }

  base::Result<json::object> Run(std::string_view name, std::string_view arguments) {
    return RunOperation(*operations_, name, arguments, *ada_);
  }

  int64_t NewTask(std::string_view title, std::optional<int64_t> parent = std::nullopt) {
    std::string args = R"({"title":")" + std::string(title) + "\"";
    if (parent) args += R"(,"parentId":)" + std::to_string(*parent);
    auto created = Run("create_task", args + "}");
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->at("task").at("id").as_int64() : 0;
  }

  std::string Dump() {
    std::string dump;
    auto tx = database_->Begin(store::Access::kRead);
    for (const char* sql :
         {"SELECT id, parent_id, title, deleted_at, deleted_with, forked_from FROM tasks",
          "SELECT id, type FROM events", "SELECT id, action FROM audit_log"}) {
      auto rows = (*tx)->Query(sql);
      for (const store::Row& row : *rows) {
        for (size_t i = 0; i < row.size(); ++i)
          dump += (row.IsNull(i) ? "NULL" : row.Text(i)) + "|";
        dump += "\n";
      }
    }
    return dump;
  }

  // Fails the operation's 1st, 2nd, ... statement until it succeeds: each failure answers
  // Unavailable and leaves the tables as they were.
  void ExpectAtomic(std::string_view name, std::string_view arguments) {
    for (int64_t n = 1; n < 100; ++n) {
      const std::string before = Dump();
      faulty_->Arm(n);
      auto done = Run(name, arguments);
      const bool fired = faulty_->fired();
      faulty_->Disarm();
      if (done) {
        EXPECT_FALSE(fired) << name << ": statement " << n;
        return;
      }
      EXPECT_EQ(Code(done), "UNAVAILABLE") << name << ": statement " << n;
      EXPECT_EQ(Dump(), before) << name << ": statement " << n << " left a partial write";
    }
    ADD_FAILURE() << name << " never succeeded";
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<testing::FaultyDatabase> faulty_;
  base::WorkerPool pool_{2, 100};
  Usage usage_{clock_};
  tasks::EventHub hub_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  std::unique_ptr<Operations> operations_;
  std::shared_ptr<const Caller> ada_;
};

TEST_F(TrashOperationsTest, TheDeclarationsSayWhatEachDoes) {
  struct Case {
    std::string name, scope;
    bool destructive, idempotent;
  };
  for (const Case& c : {Case{"delete_task", "tasks:admin", true, true},
                        Case{"restore_task", "tasks:admin", false, false},
                        Case{"purge_task", "tasks:admin", true, false},
                        Case{"fork_task", "tasks:write", false, false}}) {
    const Operation* operation = operations_->Find(c.name);
    ASSERT_NE(operation, nullptr) << c.name;
    EXPECT_EQ(operation->scope, c.scope) << c.name;
    EXPECT_TRUE(operation->Writes()) << c.name;
    EXPECT_EQ(operation->annotations.at("destructiveHint").as_bool(), c.destructive) << c.name;
    EXPECT_EQ(operation->annotations.at("idempotentHint").as_bool(), c.idempotent) << c.name;
  }
  // Delete says it can be undone, and for how long; purge says it cannot.
  const std::string& del = operations_->Find("delete_task")->description;
  EXPECT_NE(del.find("restore_task brings them back"), std::string::npos) << del;
  EXPECT_NE(del.find("for 2 days"), std::string::npos) << del;
  EXPECT_NE(operations_->Find("purge_task")->description.find("cannot be restored"),
            std::string::npos);
}

TEST_F(TrashOperationsTest, DeleteListRestorePurgeAndFork) {
  const int64_t root = NewTask("Root");
  const int64_t child = NewTask("Child", root);
  auto forked = Run("fork_task", R"({"taskId":)" + std::to_string(root) +
                                     R"(,"title":"Copy","includeSubtasks":true})");
  ASSERT_TRUE(forked.has_value()) << forked.error().ToString();
  EXPECT_EQ(forked->at("task").at("title").as_string(), "Copy");
  EXPECT_EQ(forked->at("task").at("forkedFrom").as_int64(), root);
  EXPECT_EQ(forked->at("forkedTaskIds").as_array().size(), 2u);

  auto deleted = Run("delete_task", R"({"taskId":)" + std::to_string(root) + "}");
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  EXPECT_EQ(deleted->at("deletedTaskIds").as_array(), (json::array{root, child}));
  const std::string purge_at = base::FormatIso8601(clock_.Now() + std::chrono::hours(48));
  EXPECT_EQ(deleted->at("purgeAt").as_string(), purge_at);

  auto trash = Run("list_tasks", R"({"deleted":true})");
  ASSERT_TRUE(trash.has_value()) << trash.error().ToString();
  ASSERT_EQ(trash->at("tasks").as_array().size(), 2u);
  const json::object& first = trash->at("tasks").as_array()[0].as_object();
  EXPECT_EQ(first.at("deletedBy").as_string(), "ada");
  EXPECT_EQ(first.at("purgeAt").as_string(), purge_at);
  EXPECT_TRUE(first.contains("deletedAt"));
  auto live = Run("list_tasks", "{}");
  EXPECT_EQ(live->at("tasks").as_array().size(), 2u);  // the copies
  EXPECT_FALSE(live->at("tasks").as_array()[0].as_object().contains("deletedAt"));

  auto refused = Run("restore_task", R"({"taskId":)" + std::to_string(child) + "}");
  EXPECT_EQ(Code(refused), "FAILED_PRECONDITION");
  EXPECT_NE(testing::ErrorText(refused).find("restore task " + std::to_string(root) + " first"),
            std::string::npos);
  auto restored = Run("restore_task", R"({"taskId":)" + std::to_string(root) + "}");
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  EXPECT_EQ(restored->at("restoredTaskIds").as_array(), (json::array{root, child}));

  EXPECT_EQ(Code(Run("purge_task", R"({"taskId":)" + std::to_string(root) + "}")),
            "FAILED_PRECONDITION");
  ASSERT_TRUE(Run("delete_task", R"({"taskId":)" + std::to_string(root) + "}").has_value());
  auto purged = Run("purge_task", R"({"taskId":)" + std::to_string(root) + "}");
  ASSERT_TRUE(purged.has_value()) << purged.error().ToString();
  EXPECT_EQ(purged->at("purgedTaskIds").as_array(), (json::array{root, child}));
  EXPECT_EQ(Code(Run("restore_task", R"({"taskId":)" + std::to_string(root) + "}")),
            "FAILED_PRECONDITION");
}

TEST_F(TrashOperationsTest, BadArgumentsNameTheField) {
  EXPECT_EQ(Code(Run("restore_task", "{}")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(Run("purge_task", R"({"taskId":0})")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(Run("fork_task", R"({"taskId":1,"title":""})")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(Run("fork_task", R"({"taskId":1,"includeSubtasks":"yes"})")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(Run("list_tasks", R"({"deleted":"yes"})")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(Run("restore_task", R"({"taskId":77})")), "NOT_FOUND");
}

TEST_F(TrashOperationsTest, FailedWritesLeaveNothingBehind) {
  const int64_t root = NewTask("Root");
  NewTask("Child", root);
  const std::string id = std::to_string(root);
  ExpectAtomic("fork_task", R"({"taskId":)" + id + R"(,"includeSubtasks":true})");
  ExpectAtomic("delete_task", R"({"taskId":)" + id + "}");
  ExpectAtomic("restore_task", R"({"taskId":)" + id + "}");
  ASSERT_TRUE(Run("delete_task", R"({"taskId":)" + id + "}").has_value());
  ExpectAtomic("purge_task", R"({"taskId":)" + id + "}");
}

}  // namespace
}  // namespace taskwire::api
