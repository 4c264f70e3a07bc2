#include "auth/failure_limiter.h"

#include <algorithm>

#include "http/address.h"

namespace taskwire::auth {

std::string FailureLimiter::KeyOf(std::string_view source) const {
  if (keys_ == Keys::kAddresses) {
    if (auto address = http::IpAddress::Parse(source))
      return address->SubscriberPrefix().ToString();
  }
  return std::string(source);
}

std::optional<std::chrono::seconds> FailureLimiter::WaitLocked(const std::string& key,
                                                               Clock::time_point now) {
  const Recovered* recovered = buckets_.Find(key);
  if (recovered == nullptr) return std::nullopt;
  // Blocked while fewer than one failure's worth of room is left.
  const Clock::duration excess = *recovered - now - (per_minute_ - 1) * interval_;
  if (excess <= Clock::duration::zero()) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(excess);
}

std::optional<std::chrono::seconds> FailureLimiter::Blocked(std::string_view source,
                                                            Clock::time_point now) {
  if (per_minute_ <= 0) return std::nullopt;
  const std::string key = KeyOf(source);
  std::lock_guard lock(mutex_);
  return WaitLocked(key, now);
}

bool FailureLimiter::RecordFailure(std::string_view source, Clock::time_point now) {
  if (per_minute_ <= 0) return false;
  const std::string key = KeyOf(source);
  std::lock_guard lock(mutex_);
  const bool was_blocked = WaitLocked(key, now).has_value();
  Recovered* recovered = buckets_.Touch(key);
  // A new source in a full table replaces the least recently failed one (LruMap::Insert).
  if (recovered == nullptr) recovered = &buckets_.Insert(key, now);
  *recovered = std::max(*recovered, now) + interval_;
  return !was_blocked && WaitLocked(key, now).has_value();
}

}  // namespace taskwire::auth
