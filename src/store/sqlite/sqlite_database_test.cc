#include "store/sqlite/sqlite_database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "testing/temp_dir.h"

namespace taskwire::store::sqlite {
namespace {

using namespace std::chrono_literals;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteDatabase::Open(
        {.path = dir_.File("test.db"), .read_connections = 2, .busy_timeout = 2000ms});
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    db_ = std::move(*opened);
    auto tx = db_->Begin(Access::kWrite);
    ASSERT_TRUE(
        (*tx)
            ->ExecuteScript("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                            " score REAL, parent INTEGER REFERENCES items(id));")
            .has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }

  int64_t Count() {
    auto tx = db_->Begin(Access::kRead);
    return (*(*tx)->Query("SELECT count(*) FROM items"))[0].Int(0);
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteTest, WritesReadBackWithEveryType) {
  auto tx = db_->Begin(Access::kWrite);
  auto inserted = (*tx)->Query(
      "INSERT INTO items (name, score) VALUES (?, ?) RETURNING id, name, score", {"first", 1.5});
  ASSERT_TRUE(inserted.has_value()) << inserted.error().ToString();
  EXPECT_EQ((*inserted)[0].Text(1), "first");
  ASSERT_TRUE(
      (*tx)->Execute("INSERT INTO items (name) VALUES (?)", {std::string("second")}).has_value());
  ASSERT_TRUE((*tx)->Commit().has_value());

  auto read = db_->Begin(Access::kRead);
  auto rows = (*read)->Query("SELECT name, score, parent FROM items ORDER BY id");
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_DOUBLE_EQ((*rows)[0].Double(1), 1.5);
  EXPECT_TRUE((*rows)[1].IsNull(1));
  EXPECT_TRUE((*rows)[1].IsNull(2));
}

TEST_F(SqliteTest, UncommittedWorkIsRolledBack) {
  {
    auto tx = db_->Begin(Access::kWrite);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO items (name) VALUES ('gone')").has_value());
  }
  EXPECT_EQ(Count(), 0);
}

TEST_F(SqliteTest, ConstraintViolationsMapToCanonicalCodes) {
  auto tx = db_->Begin(Access::kWrite);
  ASSERT_TRUE((*tx)->Execute("INSERT INTO items (name) VALUES ('a')").has_value());
  auto duplicate = (*tx)->Execute("INSERT INTO items (name) VALUES ('a')");
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code(), base::ErrorCode::kAlreadyExists);
  auto orphan = (*tx)->Execute("INSERT INTO items (name, parent) VALUES ('b', 999)");
  ASSERT_FALSE(orphan.has_value());
  EXPECT_EQ(orphan.error().code(), base::ErrorCode::kFailedPrecondition);  // foreign keys are on
  auto bad_sql = (*tx)->Query("SELEKT 1");
  ASSERT_FALSE(bad_sql.has_value());
  EXPECT_EQ(bad_sql.error().code(), base::ErrorCode::kInvalidArgument);
  auto wrong_count = (*tx)->Query("SELECT ?", {});
  EXPECT_FALSE(wrong_count.has_value());
}

TEST_F(SqliteTest, ReadTransactionsCannotWrite) {
  auto tx = db_->Begin(Access::kRead);
  EXPECT_FALSE((*tx)->Execute("INSERT INTO items (name) VALUES ('x')").has_value());
}

TEST_F(SqliteTest, ReadsSeeASnapshotWhileTheWriterWorks) {
  auto read = db_->Begin(Access::kRead);
  EXPECT_EQ((*(*read)->Query("SELECT count(*) FROM items"))[0].Int(0), 0);
  auto write = db_->Begin(Access::kWrite);
  ASSERT_TRUE((*write)->Execute("INSERT INTO items (name) VALUES ('new')").has_value());
  ASSERT_TRUE((*write)->Commit().has_value());
  // Same read transaction: still the old snapshot; a new one sees the row.
  EXPECT_EQ((*(*read)->Query("SELECT count(*) FROM items"))[0].Int(0), 0);
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteTest, ConcurrentWritersAreSerializedWithoutLosingRows) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto tx = db_->Begin(Access::kWrite);
        const std::string name = std::to_string(t) + "-" + std::to_string(i);
        if (!tx || !(*tx)->Execute("INSERT INTO items (name) VALUES (?)", {name}) ||
            !(*tx)->Commit()) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(), 100);
}

TEST_F(SqliteTest, ABusyWriterTimesOutAsUnavailable) {
  auto opened = SqliteDatabase::Open(
      {.path = dir_.File("busy.db"), .read_connections = 1, .busy_timeout = 100ms});
  ASSERT_TRUE(opened.has_value());
  auto holder = (*opened)->Begin(Access::kWrite);
  ASSERT_TRUE(holder.has_value());
  std::thread other([&] {
    auto waiting = (*opened)->Begin(Access::kWrite);
    ASSERT_FALSE(waiting.has_value());
    EXPECT_EQ(waiting.error().code(), base::ErrorCode::kUnavailable);
  });
  other.join();
}

TEST_F(SqliteTest, TheWriterIsFreeOnceATransactionCommits) {
  auto opened = SqliteDatabase::Open(
      {.path = dir_.File("busy.db"), .read_connections = 1, .busy_timeout = 100ms});
  ASSERT_TRUE(opened.has_value());
  auto first = (*opened)->Begin(Access::kWrite);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE((*first)->ExecuteScript("CREATE TABLE t (x INTEGER)").has_value());
  ASSERT_TRUE((*first)->Commit().has_value());
  // `first` still exists (its owner goes on to publish what it wrote): the next writer may start.
  auto second = (*opened)->Begin(Access::kWrite);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  ASSERT_TRUE((*second)->Execute("INSERT INTO t VALUES (1)").has_value());
  ASSERT_TRUE((*second)->Commit().has_value());
  EXPECT_FALSE((*first)->Execute("INSERT INTO t VALUES (2)").has_value());  // it has ended
}

TEST_F(SqliteTest, BackupIsACompleteCheckedCopy) {
  {
    auto tx = db_->Begin(Access::kWrite);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE((*tx)->Execute("INSERT INTO items (name) VALUES (?)", {std::to_string(i)}));
    }
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  const std::string copy = dir_.File("copy.db");
  auto backed_up = db_->Backup(copy);
  ASSERT_TRUE(backed_up.has_value()) << backed_up.error().ToString();
  EXPECT_FALSE(std::filesystem::exists(copy + ".partial"));
  auto restored = SqliteDatabase::Open({.path = copy});
  auto tx = (*restored)->Begin(Access::kRead);
  EXPECT_EQ((*(*tx)->Query("SELECT count(*) FROM items"))[0].Int(0), 50);
}

TEST_F(SqliteTest, ABackupIsOnlyItsOwnersWhateverTheUmask) {
  const mode_t old_mask = ::umask(0);
  auto backed_up = db_->Backup(dir_.File("copy.db"));
  ::umask(old_mask);
  ASSERT_TRUE(backed_up.has_value()) << backed_up.error().ToString();
  EXPECT_EQ(
      std::filesystem::status(dir_.File("copy.db")).permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(SqliteTest, BackupIntoAMissingFolderFails) {
  auto backed_up = db_->Backup(dir_.File("no/such/folder/copy.db"));
  ASSERT_FALSE(backed_up.has_value());
  EXPECT_EQ(backed_up.error().code(), base::ErrorCode::kUnavailable);
}

TEST(SqliteOpen, AFileThatIsNotADatabaseIsUnavailable) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("junk.db"), std::string(8192, 'x'));
  auto opened = SqliteDatabase::Open({.path = dir.File("junk.db")});
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message().find("not a database"), std::string::npos);
  EXPECT_NE(opened.error().message().find("junk.db"), std::string::npos);
}

TEST(SqliteOpen, AMissingFolderIsUnavailable) {
  auto opened = SqliteDatabase::Open({.path = "/nonexistent/folder/x.db"});
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), base::ErrorCode::kUnavailable);
}

TEST(SqliteOpen, InMemoryDatabasesWorkWithoutReaders) {
  auto opened = SqliteDatabase::Open({.path = ":memory:"});
  ASSERT_TRUE(opened.has_value());
  auto tx = (*opened)->Begin(Access::kRead);
  EXPECT_TRUE((*tx)->Query("SELECT 1").has_value());
  EXPECT_FALSE((*opened)->Backup("/tmp/never").has_value());
}

}  // namespace
}  // namespace taskwire::store::sqlite
