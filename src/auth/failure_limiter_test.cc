#include "auth/failure_limiter.h"

#include <gtest/gtest.h>

namespace taskwire::auth {
namespace {

using std::chrono::seconds;

TEST(FailureLimiter, BlocksAnAddressAfterItsFailuresAndRecoversAtTheRefillRate) {
  FailureLimiter limiter(6);  // one token back every 10 s
  const auto start = FailureLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 6; ++i) {
    ASSERT_FALSE(limiter.Blocked("192.0.2.1", start)) << i;
    limiter.RecordFailure("192.0.2.1", start);
  }
  auto wait = limiter.Blocked("192.0.2.1", start);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, seconds(10));
  EXPECT_FALSE(limiter.Blocked("192.0.2.2", start)) << "other addresses are not affected";
  EXPECT_TRUE(limiter.Blocked("192.0.2.1", start + seconds(9)));
  EXPECT_FALSE(limiter.Blocked("192.0.2.1", start + seconds(10)));
  limiter.RecordFailure("192.0.2.1", start + seconds(10));
  EXPECT_TRUE(limiter.Blocked("192.0.2.1", start + seconds(10)));
  EXPECT_FALSE(limiter.Blocked("192.0.2.1", start + seconds(80)));
}

TEST(FailureLimiter, ZeroMeansNoLimit) {
  FailureLimiter limiter(0);
  const auto now = FailureLimiter::Clock::now();
  for (int i = 0; i < 1000; ++i) limiter.RecordFailure("192.0.2.1", now);
  EXPECT_FALSE(limiter.Blocked("192.0.2.1", now));
}

TEST(FailureLimiter, AFullTableForgetsOnlyTheLeastRecentlyFailedSource) {
  FailureLimiter limiter(1, /*max_sources=*/2);
  const auto now = FailureLimiter::Clock::now();
  limiter.RecordFailure("192.0.2.1", now);
  limiter.RecordFailure("192.0.2.2", now);
  limiter.RecordFailure("192.0.2.1", now);  // .1 failed last: .2 is now the oldest
  EXPECT_TRUE(limiter.Blocked("192.0.2.1", now));
  limiter.RecordFailure("192.0.2.3", now);  // no bucket has recovered: .2 makes room, alone
  EXPECT_TRUE(limiter.Blocked("192.0.2.1", now)) << "a full table never forgets everyone";
  EXPECT_FALSE(limiter.Blocked("192.0.2.2", now));
  EXPECT_TRUE(limiter.Blocked("192.0.2.3", now));
}

TEST(FailureLimiter, AFloodOfNewSourcesDoesNotUnblockAnActiveOne) {
  FailureLimiter limiter(3, /*max_sources=*/100);
  const auto start = FailureLimiter::Clock::time_point{} + std::chrono::hours(1);
  auto now = start;
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("198.51.100.7", now);
  ASSERT_TRUE(limiter.Blocked("198.51.100.7", now));
  // The attacker fills the table with other addresses, failing again from its own now and then.
  for (int i = 0; i < 1000; ++i) {
    now += std::chrono::milliseconds(10);
    limiter.RecordFailure("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), now);
    if (i % 50 == 0) limiter.RecordFailure("198.51.100.7", now);
    ASSERT_TRUE(limiter.Blocked("198.51.100.7", now)) << i;
  }
}

TEST(FailureLimiter, AnIpv6Slash64IsOneSourceAndIpv4AddressesAreEachTheirOwn) {
  FailureLimiter limiter(2);
  const auto now = FailureLimiter::Clock::now();
  limiter.RecordFailure("2001:db8:1:2::1", now);
  limiter.RecordFailure("2001:db8:1:2:ffff:ffff:ffff:fffe", now);
  EXPECT_TRUE(limiter.Blocked("2001:db8:1:2::99", now))
      << "every address of the /64 shares the bucket";
  EXPECT_FALSE(limiter.Blocked("2001:db8:1:3::1", now)) << "the next /64 is another subscriber";
  EXPECT_EQ(limiter.KeyOf("2001:db8:1:2:abcd::1"), "2001:db8:1:2::");
  limiter.RecordFailure("192.0.2.1", now);
  limiter.RecordFailure("192.0.2.2", now);
  EXPECT_FALSE(limiter.Blocked("192.0.2.1", now));
  EXPECT_FALSE(limiter.Blocked("192.0.2.2", now));
  EXPECT_FALSE(limiter.Blocked("::ffff:192.0.2.3", now));
}

TEST(FailureLimiter, NamesAreCountedAsTheyAre) {
  FailureLimiter limiter(1, 100, FailureLimiter::Keys::kNames);
  const auto now = FailureLimiter::Clock::now();
  limiter.RecordFailure("2001:db8::1", now);
  EXPECT_TRUE(limiter.Blocked("2001:db8::1", now));
  EXPECT_FALSE(limiter.Blocked("2001:db8::2", now));
  EXPECT_EQ(limiter.KeyOf("ada"), "ada");
}

TEST(FailureLimiter, RecordFailureSaysOnceWhenTheSourceRunsOut) {
  FailureLimiter limiter(3);
  const auto now = FailureLimiter::Clock::now();
  EXPECT_FALSE(limiter.RecordFailure("192.0.2.1", now));
  EXPECT_FALSE(limiter.RecordFailure("192.0.2.1", now));
  EXPECT_TRUE(limiter.RecordFailure("192.0.2.1", now));
  EXPECT_FALSE(limiter.RecordFailure("192.0.2.1", now)) << "already over the limit";
}

}  // namespace
}  // namespace taskwire::auth
