#include "tasks/users.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/temp_dir.h"

namespace taskwire::tasks {
namespace {

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    users_ = std::make_unique<UserStore>(*database_, clock_);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<UserStore> users_;
};

TEST_F(UserStoreTest, CreatesListsAndFinds) {
  EXPECT_EQ(*users_->Count(), 0);
  auto ada = users_->Create("ada", "hash-a", /*admin=*/true);
  ASSERT_TRUE(ada.has_value()) << ada.error().ToString();
  EXPECT_EQ(ada->name, "ada");
  EXPECT_TRUE(ada->is_admin);
  EXPECT_EQ(ada->created_at, "2026-01-01T00:00:00.000Z");
  ASSERT_TRUE(users_->Create("grace", "hash-g", false).has_value());
  EXPECT_EQ(*users_->Count(), 2);
  const auto all = *users_->List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].name, "grace");
  EXPECT_EQ(users_->Find("ADA")->id, ada->id);  // names ignore case
}

TEST_F(UserStoreTest, NamesAreUniqueIgnoringCase) {
  ASSERT_TRUE(users_->Create("ada", "h", false).has_value());
  auto again = users_->Create("Ada", "h", false);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), base::ErrorCode::kAlreadyExists);
  EXPECT_NE(again.error().message().find("Ada"), std::string::npos);
}

TEST_F(UserStoreTest, RejectsBadNames) {
  for (const char* bad : {"", "-ada", "a b", "ada!", "名前"}) {
    auto created = users_->Create(bad, "h", false);
    ASSERT_FALSE(created.has_value()) << bad;
    EXPECT_EQ(created.error().code(), base::ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(users_->Create(std::string(65, 'a'), "h", false).has_value());
  EXPECT_TRUE(users_->Create(std::string(64, 'a'), "h", false).has_value());
}

TEST_F(UserStoreTest, FindsExistingUsersOnly) {
  ASSERT_TRUE(users_->Create("ada", "old", false).has_value());
  EXPECT_TRUE(users_->Find("ada").has_value());
  EXPECT_EQ(users_->Find("nobody").error().code(), base::ErrorCode::kNotFound);
}

TEST_F(UserStoreTest, TheLastOwnerOfAnOrganizationIsNotDeleted) {
  auto ada = users_->Create("ada", "hash", false);
  auto bob = users_->Create("bob", "hash", false);
  ASSERT_TRUE(ada.has_value() && bob.has_value());
  {
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(
        (*tx)
            ->Execute("INSERT INTO organizations (name, created_at) VALUES ('acme', 'x')", {})
            .has_value());
    ASSERT_TRUE((*tx)
                    ->Execute("INSERT INTO memberships (organization_id, user_id, role, "
                              "created_at) VALUES (1, ?, 'owner', 'x'), (1, ?, 'member', 'x')",
                              {ada->id, bob->id})
                    .has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  auto refused = users_->Delete("ada");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("last owner of acme"), std::string::npos);
  EXPECT_NE(refused.error().message().find("--role owner"), std::string::npos);
  EXPECT_TRUE(users_->Find("ada").has_value());
  // A member goes; with a second owner, so does the first.
  EXPECT_TRUE(users_->Delete("bob").has_value());
  auto carol = users_->Create("carol", "hash", false);
  ASSERT_TRUE(carol.has_value());
  {
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE((*tx)
                    ->Execute("INSERT INTO memberships (organization_id, user_id, role, "
                              "created_at) VALUES (1, ?, 'owner', 'x')",
                              {carol->id})
                    .has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  EXPECT_TRUE(users_->Delete("ada").has_value());
}

}  // namespace
}  // namespace taskwire::tasks
