#include "auth/revocation_signal.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace taskwire::auth {
namespace {

TEST(RevocationSignal, EveryRaiseChangesTheStamp) {
  testing::TempDir dir;
  const RevocationSignal signal(dir.File("credentials.revoked"));
  const RevocationSignal other_process(signal.path());
  const uint64_t before = signal.Stamp();
  ASSERT_TRUE(signal.Raise().has_value());
  const uint64_t once = other_process.Stamp();
  EXPECT_NE(once, before);
  ASSERT_TRUE(other_process.Raise().has_value());
  EXPECT_NE(signal.Stamp(), once);
  EXPECT_EQ(signal.Stamp(), other_process.Stamp());
}

TEST(RevocationSignal, AnUnwritablePlaceIsAnError) {
  const RevocationSignal signal("/nonexistent-folder/credentials.revoked");
  auto raised = signal.Raise();
  ASSERT_FALSE(raised.has_value());
  EXPECT_NE(raised.error().message().find("/nonexistent-folder"), std::string::npos);
}

}  // namespace
}  // namespace taskwire::auth
