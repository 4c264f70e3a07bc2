#include "base/lru_map.h"

#include <gtest/gtest.h>

#include <string>

namespace taskwire::base {
namespace {

TEST(LruMap, AFullMapDropsOnlyTheLeastRecentlyUsedEntry) {
  LruMap<std::string, int> map(3);
  map.Insert("a", 1);
  map.Insert("b", 2);
  map.Insert("c", 3);
  ASSERT_NE(map.Touch("a"), nullptr);  // b is now the oldest
  map.Insert("d", 4);
  EXPECT_EQ(map.size(), 3u);
  EXPECT_EQ(map.Find("b"), nullptr);
  ASSERT_NE(map.Find("a"), nullptr);
  EXPECT_EQ(*map.Find("a"), 1);
  EXPECT_NE(map.Find("c"), nullptr);
  EXPECT_NE(map.Find("d"), nullptr);
  // Find does not count as a use: c stays the oldest.
  (void)map.Find("c");
  map.Insert("e", 5);
  EXPECT_EQ(map.Find("c"), nullptr);
  EXPECT_NE(map.Find("a"), nullptr);
}

TEST(LruMap, InsertingAnExistingKeyReplacesItsValueWithoutDroppingAnother) {
  LruMap<std::string, int> map(2);
  map.Insert("a", 1);
  map.Insert("b", 2);
  map.Insert("a", 10);
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(*map.Find("a"), 10);
  EXPECT_EQ(map.Oldest()->first, "b");
  map.Erase("b");
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ(map.Oldest()->first, "a");
  map.EraseOldest();
  EXPECT_EQ(map.Oldest(), nullptr);
  map.EraseOldest();  // empty: nothing happens
  EXPECT_EQ(map.size(), 0u);
}

}  // namespace
}  // namespace taskwire::base
