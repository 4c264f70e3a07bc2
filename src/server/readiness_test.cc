#include "server/readiness.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "store/migrations.h"
#include "store/sqlite/sqlite_database.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace taskwire::server {
namespace {

// A database whose disk failed: every call answers the error SQLite gives, path and all.
class BrokenDatabase final : public store::Database {
 public:
  static base::Error Failure() {
    return base::Error::Unavailable(
        "cannot open /srv/secret-place/taskwire.db: disk I/O error (SQLITE_IOERR)");
  }
  base::Result<std::unique_ptr<store::Transaction>> Begin(store::Access) override {
    return Failure();
  }
  base::Result<void> Ping() override { return Failure(); }
  base::Result<void> Backup(const std::string&) override { return Failure(); }
  std::string_view dialect() const override { return "sqlite"; }
  std::string description() const override { return "/srv/secret-place/taskwire.db"; }
};

class ReadinessTest : public ::testing::Test {
 protected:
  std::string Log() {
    std::fflush(log_);
    return testing::ReadFile(dir_.File("log"));
  }
  void TearDown() override { std::fclose(log_); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::FILE* log_ = std::fopen(dir_.File("log").c_str(), "w");
  base::Logger logger_{base::LogLevel::kInfo, base::LogFormat::kJson, log_, clock_};
};

TEST_F(ReadinessTest, TheReasonNamesNoPathAndTheDetailGoesToTheLogOnce) {
  BrokenDatabase database;
  ReadinessCheck check(database, logger_);
  const Readiness readiness = check.Check();
  EXPECT_FALSE(readiness.ready);
  EXPECT_EQ(readiness.reason, "the database does not answer");
  const std::string body = ReadinessJson(readiness);
  EXPECT_EQ(
      body,
      R"({"status":"unavailable","schemaVersion":0,"reason":"the database does not answer"})");
  EXPECT_EQ(body.find("secret-place"), std::string::npos);
  (void)check.Check();
  const std::string log = Log();
  const size_t logged = log.find(
      R"("event":"server.not_ready","reason":"the database does not answer","detail":"cannot open /srv/secret-place/taskwire.db)");
  EXPECT_NE(logged, std::string::npos) << log;
  EXPECT_EQ(log.find("server.not_ready", logged + 30), std::string::npos)
      << "once per change: " << log;
}

TEST_F(ReadinessTest, AnOldSchemaSaysWhichVersionsAndACurrentOneIsReady) {
  auto opened = store::sqlite::SqliteDatabase::Open({.path = dir_.File("t.db")});
  ASSERT_TRUE(opened.has_value());
  ReadinessCheck check(**opened, logger_);
  const Readiness old = check.Check();
  EXPECT_FALSE(old.ready);
  EXPECT_TRUE(old.reason.starts_with("schema version 0, expected ")) << old.reason;
  ASSERT_TRUE(store::Migrate(**opened, store::EmbeddedMigrations("sqlite"), clock_).has_value());
  const Readiness current = check.Check();
  EXPECT_TRUE(current.ready);
  EXPECT_GT(current.schema_version, 0);
  EXPECT_EQ(ReadinessJson(current),
            R"({"status":"ready","schemaVersion":)" + std::to_string(current.schema_version) + "}");
}

}  // namespace
}  // namespace taskwire::server
