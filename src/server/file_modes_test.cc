#include "server/file_modes.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace taskwire::server {
namespace {

unsigned ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

// Restores the umask a test changed.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : old_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(old_); }

 private:
  mode_t old_;
};

std::string Captured(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[1024];
  while (const size_t n = std::fread(buffer, 1, sizeof buffer, file)) text.append(buffer, n);
  return text;
}

TEST(FileModes, UsePrivateFileModesMakesNewFilesOwnerOnly) {
  testing::TempDir dir;
  const UmaskGuard guard(022);
  UsePrivateFileModes();
  testing::WriteFile(dir.File("new"), "x");
  std::filesystem::create_directory(dir.File("folder"));
  EXPECT_EQ(ModeOf(dir.File("new")), 0600u);
  EXPECT_EQ(ModeOf(dir.File("folder")), 0700u);
}

TEST(FileModes, ExposureNamesWhoMayReachAFileOrFolder) {
  testing::TempDir dir;
  const std::string file = dir.File("db");
  testing::WriteFile(file, "x");
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  EXPECT_EQ(Exposure(file), std::nullopt);
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  EXPECT_EQ(Exposure(file), "mode 0644: group and others can read it");
  ASSERT_EQ(::chmod(file.c_str(), 0620), 0);
  EXPECT_EQ(Exposure(file), "mode 0620: group can write it");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  EXPECT_EQ(Exposure(dir.path()), "mode 0755: group and others can list it");
  EXPECT_EQ(Exposure(dir.File("missing")), std::nullopt);
}

TEST(FileModes, CreatePrivateFileMakesA0600FileAndLeavesAnExistingOneAlone) {
  testing::TempDir dir;
  const UmaskGuard guard(0);  // the mode must not depend on the umask
  ASSERT_TRUE(CreatePrivateFile(dir.File("a")).has_value());
  EXPECT_EQ(ModeOf(dir.File("a")), 0600u);
  testing::WriteFile(dir.File("b"), "keep");
  ASSERT_TRUE(CreatePrivateFile(dir.File("b")).has_value());
  EXPECT_EQ(testing::ReadFile(dir.File("b")), "keep");
  auto failed = CreatePrivateFile(dir.File("no/such/folder"));
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message().find("no/such/folder"), std::string::npos);
}

TEST(FileModes, TightenFileRemovesGroupAndOtherBits) {
  testing::TempDir dir;
  const std::string file = dir.File("db");
  testing::WriteFile(file, "x");
  ASSERT_EQ(::chmod(file.c_str(), 0664), 0);
  auto changed = TightenFile(file);
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(*changed, std::optional<unsigned>(0664u));
  EXPECT_EQ(ModeOf(file), 0600u);
  changed = TightenFile(file);
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(*changed, std::nullopt);  // nothing left to do
  EXPECT_EQ(*TightenFile(dir.File("missing")), std::nullopt);
}

TEST(FileModes, SecureDatabaseFilesCreatesTheDatabase0600AndTightensItsCompanions) {
  testing::TempDir dir;
  const UmaskGuard guard(022);
  testing::FakeClock clock;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  base::Logger logger(base::LogLevel::kInfo, base::LogFormat::kText, out, clock);
  const std::string db = dir.File("taskwire.db");
  ASSERT_TRUE(SecureDatabaseFiles(db, logger).has_value());
  EXPECT_EQ(ModeOf(db), 0600u);
  EXPECT_EQ(Captured(out), "");  // created private: nothing to say

  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  testing::WriteFile(db + "-wal", "");
  testing::WriteFile(db + "-shm", "");
  ASSERT_EQ(::chmod((db + "-shm").c_str(), 0666), 0);
  ASSERT_TRUE(SecureDatabaseFiles(db, logger).has_value());
  for (const std::string& file : {db, db + "-wal", db + "-shm"})
    EXPECT_EQ(ModeOf(file), 0600u) << file;
  const std::string log = Captured(out);
  EXPECT_NE(log.find("store.file_mode_tightened file=" + db + " was=0644 now=0600"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("file=" + db + "-shm was=0666 now=0600"), std::string::npos) << log;
  std::fclose(out);
}

TEST(FileModes, ExposureWarningsNameTheDataDirAndTheDatabase) {
  testing::TempDir dir;
  const std::string db = dir.File("taskwire.db");
  testing::WriteFile(db, "");
  ASSERT_EQ(::chmod(db.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  EXPECT_TRUE(ExposureWarnings(dir.path(), db, dir.File("secrets.key")).empty());
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(db.c_str(), 0640), 0);
  testing::WriteFile(dir.File("secrets.key"), "");
  ASSERT_EQ(::chmod(dir.File("secrets.key").c_str(), 0604), 0);
  const auto warnings = ExposureWarnings(dir.path(), db, dir.File("secrets.key"));
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], "data dir " + dir.path() +
                             " is mode 0755: group and others can list it (chmod 700 " +
                             dir.path() + ")");
  EXPECT_EQ(warnings[1],
            "database " + db + " is mode 0640: group can read it (chmod 600 " + db + ")");
  EXPECT_EQ(warnings[2], "secrets key " + dir.File("secrets.key") +
                             " is mode 0604: others can read it (chmod 600 " +
                             dir.File("secrets.key") + ")");
  EXPECT_TRUE(ExposureWarnings(dir.path(), ":memory:", dir.File("missing")).size() == 1);
}

}  // namespace
}  // namespace taskwire::server
