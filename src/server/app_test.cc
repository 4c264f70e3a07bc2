#include "server/app.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/migrations.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace taskwire::server {
namespace {

class AppTest : public ::testing::Test {
 protected:
  Config ConfigIn(const std::string& data_dir) {
    Config config;
    config.server.data_dir = data_dir;
    config.storage.url = "sqlite:taskwire.db";
    return config;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
};

TEST_F(AppTest, OpenCreatesTheDataDirAndMigrates) {
  const std::string data_dir = dir_.File("nested/data");
  auto app = App::Open(ConfigIn(data_dir), logger_, clock_, {});
  ASSERT_TRUE(app.has_value()) << app.error().ToString();
  EXPECT_TRUE(std::filesystem::is_directory(data_dir));
  EXPECT_EQ(std::filesystem::status(data_dir).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  const auto status = store::CheckSchema((*app)->database(), store::EmbeddedMigrations("sqlite"));
  EXPECT_EQ(status->current, status->latest);
  EXPECT_EQ(*(*app)->users().Count(), 0);
}

TEST_F(AppTest, OpenWithoutMigratingLeavesTheSchemaAlone) {
  auto app = App::Open(ConfigIn(dir_.path()), logger_, clock_, {.migrate = false});
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(store::CheckSchema((*app)->database(), store::EmbeddedMigrations("sqlite"))->current,
            0);
}

TEST_F(AppTest, ADataDirThatCannotBeCreatedIsUnavailable) {
  testing::WriteFile(dir_.File("file"), "not a folder");
  auto app = App::Open(ConfigIn(dir_.File("file/data")), logger_, clock_, {});
  ASSERT_FALSE(app.has_value());
  EXPECT_EQ(app.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(app.error().message().find("cannot create data dir"), std::string::npos);
  auto not_dir = PrepareDataDir(dir_.File("file"));
  ASSERT_FALSE(not_dir.has_value());
  EXPECT_NE(not_dir.error().message().find("is not a folder"), std::string::npos);
}

TEST_F(AppTest, ACorruptDatabaseIsUnavailable) {
  testing::WriteFile(dir_.File("taskwire.db"), std::string(4096, '\x7f'));
  auto app = App::Open(ConfigIn(dir_.path()), logger_, clock_, {});
  ASSERT_FALSE(app.has_value());
  EXPECT_EQ(app.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(app.error().message().find("not a database"), std::string::npos);
}

}  // namespace
}  // namespace taskwire::server
