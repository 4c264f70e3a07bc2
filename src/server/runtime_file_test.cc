#include "server/runtime_file.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "testing/temp_dir.h"

namespace taskwire::server {
namespace {

TEST(RuntimeFile, WrittenFileNamesThisProcessAndItsUrl) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteRuntimeFile(dir.path(), "http://127.0.0.1:43210/").has_value());
  const auto running = FindRunningServer(dir.path());
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->pid, static_cast<long>(::getpid()));
  EXPECT_EQ(running->url, "http://127.0.0.1:43210/");
  EXPECT_FALSE(std::filesystem::exists(RuntimeFilePath(dir.path()) + ".new"));
}

TEST(RuntimeFile, RemovedOnlyByItsOwnProcess) {
  testing::TempDir dir;
  testing::WriteFile(RuntimeFilePath(dir.path()), "pid 1\nurl http://127.0.0.1:1/\n");
  RemoveRuntimeFile(dir.path());
  EXPECT_TRUE(std::filesystem::exists(RuntimeFilePath(dir.path())));
  ASSERT_TRUE(WriteRuntimeFile(dir.path(), "http://127.0.0.1:2/").has_value());
  RemoveRuntimeFile(dir.path());
  EXPECT_FALSE(std::filesystem::exists(RuntimeFilePath(dir.path())));
}

TEST(RuntimeFile, StaleFileOfADeadProcessIsIgnored) {
  testing::TempDir dir;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  testing::WriteFile(RuntimeFilePath(dir.path()),
                     "pid " + std::to_string(child) + "\nurl http://127.0.0.1:9/\n");
  EXPECT_FALSE(FindRunningServer(dir.path()).has_value());
}

TEST(RuntimeFile, MissingOrMalformedFileIsNoServer) {
  testing::TempDir dir;
  EXPECT_FALSE(FindRunningServer(dir.path()).has_value());
  EXPECT_FALSE(ParseRuntimeFile("").has_value());
  EXPECT_FALSE(ParseRuntimeFile("pid abc\nurl http://x/\n").has_value());
  EXPECT_FALSE(ParseRuntimeFile("pid 12\n").has_value());
  EXPECT_FALSE(ParseRuntimeFile("pid 12\nurl file:///etc/passwd\n").has_value());
  EXPECT_FALSE(ParseRuntimeFile("pid -4\nurl http://x/\n").has_value());
  const auto parsed = ParseRuntimeFile("pid 12\nurl https://tasks.example/\n");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->pid, 12);
  EXPECT_EQ(parsed->url, "https://tasks.example/");
}

}  // namespace
}  // namespace taskwire::server
