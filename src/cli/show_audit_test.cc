#include "cli/show_audit.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::cli {
namespace {

using testing::Code;

class AuditCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    ASSERT_EQ(testing::AddUser(*database_, "ada"), 1);
    ASSERT_EQ(testing::AddUser(*database_, "bob"), 2);
    store_ = std::make_unique<tasks::TaskStore>(*database_, clock_, hub_);
    ASSERT_TRUE(store_->CreateOrganization(ada_, "acme", 1).has_value());
    ASSERT_TRUE(store_->CreateOrganization(bob_, "globex", 2).has_value());
    auto task = store_->CreateTask(ada_, {.title = "Ship it", .organization_id = 1});
    ASSERT_TRUE(task.has_value()) << task.error().ToString();
    task_ = task->id;
    tasks::TaskChanges done;
    done.status = tasks::Status::kDone;
    ASSERT_TRUE(store_->UpdateTask(ada_, task_, done).has_value());
    ASSERT_TRUE(store_->CreateTask(bob_, {.title = "Bob's", .organization_id = 2}).has_value());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  tasks::EventHub hub_;
  std::unique_ptr<tasks::TaskStore> store_;
  const tasks::Actor ada_{1, "ada", "key:3", "curl", tasks::Surface::kRest};
  const tasks::Actor bob_{2, "bob", "key:4", "claude-code", tasks::Surface::kMcp};
  int64_t task_ = 0;
};

TEST_F(AuditCommandTest, TheOperatorReadsEveryOrganizationNewestFirst) {
  auto entries = ReadAudit(*store_, {}, clock_.Now());
  ASSERT_TRUE(entries.has_value()) << entries.error().ToString();
  ASSERT_EQ(entries->size(), 5u);  // two organizations, ada's task and its update, bob's task
  EXPECT_EQ((*entries)[0].user, "bob");
  EXPECT_EQ((*entries)[1].action, "update");
  const std::string table = AuditTable(*entries);
  EXPECT_NE(table.find("  ada  rest  key:3 (curl)  task " + std::to_string(task_) +
                       " update  status: \"TODO\" -> \"DONE\""),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("  bob  mcp  key:4 (claude-code)  task "), std::string::npos) << table;
  const std::string json = AuditJson(*entries);
  EXPECT_EQ(json.rfind("{\"entries\":[{\"id\":", 0), 0u) << json;
  EXPECT_NE(json.find(R"("fields":[{"field":"status","before":"TODO","after":"DONE"},)"),
            std::string::npos)
      << json;
}

TEST_F(AuditCommandTest, FiltersByTaskUserAndSince) {
  auto task = ReadAudit(*store_, {.task_id = task_}, clock_.Now());
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->size(), 2u);
  auto bob = ReadAudit(*store_, {.user = "bob"}, clock_.Now());
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->size(), 2u);  // globex's creation and his task
  clock_.Advance(std::chrono::hours(3));
  auto recent = ReadAudit(*store_, {.since = "2h"}, clock_.Now());
  ASSERT_TRUE(recent.has_value());
  EXPECT_EQ(recent->size(), 0u);
  auto limited = ReadAudit(*store_, {.limit = 2}, clock_.Now());
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->size(), 2u);
}

TEST_F(AuditCommandTest, BadInputIsAClearError) {
  EXPECT_EQ(Code(ReadAudit(*store_, {.since = "last week"}, clock_.Now())), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(ReadAudit(*store_, {.limit = 0}, clock_.Now())), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(ReadAudit(*store_, {.limit = 10'001}, clock_.Now())), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(ReadAudit(*store_, {.task_id = 999}, clock_.Now())), "NOT_FOUND");
}

}  // namespace
}  // namespace taskwire::cli
