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

TEST(FailureLimiter, KeepsAtMostMaxAddresses) {
  FailureLimiter limiter(1, /*max_addresses=*/2);
  const auto now = FailureLimiter::Clock::now();
  limiter.RecordFailure("a", now);
  limiter.RecordFailure("b", now);
  EXPECT_TRUE(limiter.Blocked("a", now));
  limiter.RecordFailure("c", now);  // no bucket has recovered: the table starts over
  EXPECT_FALSE(limiter.Blocked("a", now));
  EXPECT_TRUE(limiter.Blocked("c", now));
}

}  // namespace
}  // namespace taskwire::auth
