#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/lru_map.h"

namespace taskwire::auth {

// Limits how often one source (an address, or a subject such as a user name) may present a bad
// credential: a burst of `per_minute` failures, then one more every minute / `per_minute` (a
// token bucket, kept as the generic cell rate algorithm's one time point per source, in whole
// nanoseconds). Only failures count, so a client whose credential is good never runs dry; what
// a caller does with a good credential from a source that is over its limit is the caller's
// choice (the authenticator lets it through). Addresses are counted by what one subscriber
// holds: an IPv4 address, an IPv6 /64. Thread-safe.
class FailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Keys {
    kAddresses,  // IP addresses as text, grouped by http::IpAddress::SubscriberPrefix
    kNames,      // any other text, counted as it is (user names)
  };

  // `per_minute` 0 turns the limit off. At most `max_sources` buckets are kept; a new source in
  // a full table takes the place of the one whose last failure is oldest, one at a time, so a
  // flood of new sources never resets everyone's bucket at once.
  explicit FailureLimiter(int64_t per_minute, size_t max_sources = 100'000,
                          Keys keys = Keys::kAddresses)
      : per_minute_(per_minute),
        interval_(per_minute > 0 ? Clock::duration(std::chrono::minutes(1)) / per_minute
                                 : Clock::duration::zero()),
        keys_(keys),
        buckets_(max_sources) {}

  // How long `source` must wait, or nullopt when it may try now.
  std::optional<std::chrono::seconds> Blocked(std::string_view source, Clock::time_point now);
  // Counts a failure; true when this one used up the source's burst (it is blocked from now on),
  // which callers log once rather than every refusal after it.
  bool RecordFailure(std::string_view source, Clock::time_point now);
  // The key `source` is counted under: "2001:db8:1:2::" for any address of that /64.
  std::string KeyOf(std::string_view source) const;
  int64_t per_minute() const { return per_minute_; }

 private:
  // When the source's bucket will be full again: each failure pushes it `interval_` further.
  using Recovered = Clock::time_point;

  std::optional<std::chrono::seconds> WaitLocked(const std::string& key, Clock::time_point now);

  const int64_t per_minute_;
  const Clock::duration interval_;
  const Keys keys_;
  std::mutex mutex_;                              // guards buckets_
  base::LruMap<std::string, Recovered> buckets_;  // by KeyOf; least recently failed first
};

}  // namespace taskwire::auth
