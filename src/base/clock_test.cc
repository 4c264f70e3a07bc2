#include "base/clock.h"

#include <gtest/gtest.h>

namespace taskwire::base {
namespace {

TEST(Iso8601, FormatsUtcWithMilliseconds) {
  const WallTime time = std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) +
                        std::chrono::hours(7) + std::chrono::minutes(47) +
                        std::chrono::seconds(17) + std::chrono::milliseconds(123);
  EXPECT_EQ(FormatIso8601(time), "2026-11-21T07:47:17.123Z");
}

TEST(Iso8601, ParsesWhatItFormatsAndCommonVariants) {
  const WallTime now = SystemClock().Now();
  const WallTime truncated = std::chrono::floor<std::chrono::milliseconds>(now);
  EXPECT_EQ(*ParseIso8601(FormatIso8601(now)), truncated);
  EXPECT_EQ(*ParseIso8601("2026-11-21T07:47:17Z"), *ParseIso8601("2026-11-21T07:47:17.000Z"));
  EXPECT_EQ(*ParseIso8601("2026-11-21T07:47:17+00:00"), *ParseIso8601("2026-11-21T07:47:17Z"));
}

TEST(Iso8601, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-11-21", "2026-11-21 07:47:17Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-21T24:00:00Z", "2026-11-21T07:47:17", "2026-11-21T07:47:17+02:00",
        "2026-11-21T07:47:17.Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
    auto parsed = ParseIso8601(bad);
    EXPECT_FALSE(parsed.has_value()) << bad;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace taskwire::base
