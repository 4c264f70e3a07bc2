#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_database.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace taskwire::store {
namespace {

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::SqliteDatabase::Open({.path = dir_.File("test.db")});
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    database_ = std::move(*opened);
  }

  int64_t CountTables(std::string_view name) {
    auto tx = database_->Begin(Access::kRead);
    auto rows = (*tx)->Query("SELECT count(*) FROM sqlite_master WHERE name = ?", {name});
    return (*rows)[0].Int(0);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<sqlite::SqliteDatabase> database_;
};

TEST_F(MigrationsTest, EmbeddedMigrationsAreOrderedAndNamed) {
  const auto migrations = EmbeddedMigrations("sqlite");
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "users");
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, migrations[i - 1].version);
  }
  EXPECT_TRUE(EmbeddedMigrations("oracle").empty());
}

TEST_F(MigrationsTest, AppliesEverythingOnceThenNothing) {
  const auto migrations = EmbeddedMigrations("sqlite");
  EXPECT_EQ(CheckSchema(*database_, migrations)->current, 0);
  auto applied = Migrate(*database_, migrations, clock_);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_EQ(*applied, static_cast<int>(migrations.size()));
  EXPECT_EQ(*Migrate(*database_, migrations, clock_), 0);
  const auto status = CheckSchema(*database_, migrations);
  EXPECT_EQ(status->current, status->latest);
  EXPECT_EQ(CountTables("users"), 1);
}

TEST_F(MigrationsTest, AFailingMigrationLeavesTheLastGoodVersion) {
  const std::vector<Migration> migrations = {
      {1, "one", "CREATE TABLE one (x INTEGER);"},
      {2, "two", "CREATE TABLE two (x INTEGER); INSERT INTO nowhere VALUES (1);"},
  };
  auto applied = Migrate(*database_, migrations, clock_);
  ASSERT_FALSE(applied.has_value());
  EXPECT_NE(applied.error().message().find("migration 2 (two)"), std::string::npos);
  EXPECT_EQ(CheckSchema(*database_, migrations)->current, 1);
  EXPECT_EQ(CountTables("one"), 1);
  EXPECT_EQ(CountTables("two"), 0);  // rolled back with the failing statement
}

TEST_F(MigrationsTest, RefusesADatabaseFromANewerTaskwire) {
  const std::vector<Migration> newer = {{1, "one", "CREATE TABLE one (x INTEGER);"},
                                        {2, "two", "CREATE TABLE two (x INTEGER);"}};
  ASSERT_TRUE(Migrate(*database_, newer, clock_).has_value());
  const std::vector<Migration> older(newer.begin(), newer.begin() + 1);
  auto status = CheckSchema(*database_, older);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(status.error().message().find("newer than this Taskwire knows"), std::string::npos);
  EXPECT_FALSE(Migrate(*database_, older, clock_).has_value());
}

TEST_F(MigrationsTest, RefusesAnEditedMigration) {
  ASSERT_TRUE(Migrate(*database_, std::vector<Migration>{{1, "one", "CREATE TABLE one (x INTEGER);"}},
                      clock_)
                  .has_value());
  auto status = CheckSchema(*database_,
                            std::vector<Migration>{{1, "one", "CREATE TABLE one (y INTEGER);"}});
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message().find("differs"), std::string::npos);
}

}  // namespace
}  // namespace taskwire::store
