#include "store/database.h"

#include <gtest/gtest.h>

namespace taskwire::store {
namespace {

TEST(Row, ReadsEachTypeAndNull) {
  const Row row({int64_t{7}, 2.5, std::string("text"), nullptr, std::string("42")});
  EXPECT_EQ(row.size(), 5u);
  EXPECT_EQ(row.Int(0), 7);
  EXPECT_DOUBLE_EQ(row.Double(1), 2.5);
  EXPECT_EQ(row.Text(2), "text");
  EXPECT_TRUE(row.IsNull(3));
  EXPECT_FALSE(row.OptionalInt(3).has_value());
  EXPECT_FALSE(row.OptionalText(3).has_value());
  EXPECT_EQ(row.Int(4), 42);
  EXPECT_EQ(*row.OptionalText(2), "text");
}

TEST(Row, TakesTextWithoutCopying) {
  Row row({std::string(64, 'a'), int64_t{5}, nullptr});
  EXPECT_EQ(row.TakeText(0), std::string(64, 'a'));
  EXPECT_EQ(row.Text(0), "");       // moved out, not copied: the cell gave its string away
  EXPECT_EQ(row.TakeText(1), "5");  // non-text cells are converted as Text does
  EXPECT_FALSE(row.TakeOptionalText(2).has_value());
  EXPECT_EQ(row.TakeOptionalText(1), std::optional<std::string>("5"));
}

TEST(RowDeathTest, AColumnBeyondTheRowIsABug) {
  const Row row({int64_t{1}});
  EXPECT_DEATH((void)row.Int(1), "CHECK failed");
}

TEST(Param, BindsOptionalsAsValueOrNull) {
  const std::optional<std::string> some = "x";
  const std::optional<std::string> none;
  EXPECT_EQ(std::get<std::string_view>(Param(some).value()), "x");
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(Param(none).value()));
  EXPECT_EQ(std::get<int64_t>(Param(true).value()), 1);
}

}  // namespace
}  // namespace taskwire::store
