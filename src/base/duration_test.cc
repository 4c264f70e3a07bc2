#include "base/duration.h"

#include <gtest/gtest.h>

namespace taskwire::base {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesEachUnitAndCombinations) {
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(*ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*ParseDuration("30d"), milliseconds(2'592'000'000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(Duration, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "30", "s", "-5s", "5 s", "5x", "1.5h", "99999999999999999999d"}) {
    auto parsed = ParseDuration(bad);
    EXPECT_FALSE(parsed.has_value()) << bad;
    if (!parsed) {
      EXPECT_NE(parsed.error().message().find(bad), std::string::npos);
    }
  }
}

TEST(Duration, FormatsTheShortestFormItReadsBack) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(86'400'000)), "1d");
  for (int64_t ms : {1LL, 999LL, 61'001LL, 90'061'001LL}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(milliseconds(ms))), milliseconds(ms));
  }
}

}  // namespace
TEST(Duration, SinceIsAnIsoTimeOrADurationBeforeNow) {
  const WallTime now = *ParseIso8601("2026-12-03T12:00:00Z");
  EXPECT_EQ(FormatIso8601(*ParseSince("since", "24h", now)), "2026-12-02T12:00:00.000Z");
  EXPECT_EQ(FormatIso8601(*ParseSince("since", "7d", now)), "2026-11-26T12:00:00.000Z");
  EXPECT_EQ(FormatIso8601(*ParseSince("since", "2026-12-01T09:00:00Z", now)),
            "2026-12-01T09:00:00.000Z");
  auto bad = ParseSince("--since", "yesterday", now);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("--since must be an ISO 8601 time"), std::string::npos);
}

}  // namespace taskwire::base
