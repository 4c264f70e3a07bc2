#include "auth/failure_limiter.h"

#include <algorithm>

namespace taskwire::auth {

std::optional<std::chrono::seconds> FailureLimiter::Blocked(std::string_view address,
                                                            Clock::time_point now) {
  if (per_minute_ <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) return std::nullopt;
  // Blocked while fewer than one failure's worth of room is left.
  const Clock::duration excess = it->second - now - (per_minute_ - 1) * interval_;
  if (excess <= Clock::duration::zero()) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(excess);
}

void FailureLimiter::RecordFailure(std::string_view address, Clock::time_point now) {
  if (per_minute_ <= 0) return;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) {
      // Forget the addresses that have recovered; if none has, start over rather than grow.
      std::erase_if(buckets_, [now](const auto& entry) { return entry.second <= now; });
      if (buckets_.size() >= max_addresses_) buckets_.clear();
    }
    it = buckets_.emplace(std::string(address), now).first;
  }
  it->second = std::max(it->second, now) + interval_;
}

}  // namespace taskwire::auth
