#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>

#include "base/random.h"

namespace taskwire::base {
namespace {

TEST(Ids, HaveThePrefixAndAreWellFormed) {
  const std::string id = NewId("ses_");
  EXPECT_TRUE(id.starts_with("ses_"));
  EXPECT_EQ(id.size(), 4u + 22u);
  EXPECT_TRUE(IsWellFormedId(id, "ses_"));
  EXPECT_FALSE(IsWellFormedId(id, "key_"));
  EXPECT_FALSE(IsWellFormedId(id + "A", "ses_"));
  EXPECT_FALSE(IsWellFormedId("ses_!!!!!!!!!!!!!!!!!!!!!!", "ses_"));
}

TEST(Ids, DoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) EXPECT_TRUE(seen.insert(NewId("x")).second);
}

TEST(Random, BelowStaysInRangeAndCoversIt) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 2'000; ++i) {
    const uint64_t value = RandomBelow(10);
    ASSERT_LT(value, 10u);
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 10u);
}

}  // namespace
}  // namespace taskwire::base
