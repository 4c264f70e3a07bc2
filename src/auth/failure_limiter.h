#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace taskwire::auth {

// Limits how often one source address may present a bad credential: a burst of `per_minute`
// failures, then one more every minute / `per_minute` (a token bucket, kept as the generic cell
// rate algorithm's one time point per address, in whole nanoseconds). Only failures count, so a
// client whose credential is good never runs dry. Thread-safe.
class FailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_minute` 0 turns the limit off. At most `max_addresses` buckets are kept; beyond that,
  // full ones are forgotten first.
  explicit FailureLimiter(int64_t per_minute, size_t max_addresses = 100'000)
      : per_minute_(per_minute),
        interval_(per_minute > 0 ? Clock::duration(std::chrono::minutes(1)) / per_minute
                                 : Clock::duration::zero()),
        max_addresses_(max_addresses) {}

  // How long `address` must wait, or nullopt when it may try now.
  std::optional<std::chrono::seconds> Blocked(std::string_view address, Clock::time_point now);
  void RecordFailure(std::string_view address, Clock::time_point now);

 private:
  // When the address's bucket will be full again: each failure pushes it `interval_` further.
  using Recovered = Clock::time_point;

  const int64_t per_minute_;
  const Clock::duration interval_;
  const size_t max_addresses_;
  std::mutex mutex_;  // guards buckets_
  std::unordered_map<std::string, Recovered> buckets_;
};

}  // namespace taskwire::auth
