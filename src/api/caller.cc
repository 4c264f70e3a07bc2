#include "api/caller.h"

namespace taskwire::api {

bool Caller::StillValid(base::WallTime now) const {
  if (identity.expires && now >= *identity.expires) return false;
  if (signal_ == nullptr || !recheck_) return true;
  // Read before the recheck, so a revocation that lands during it moves the signal again.
  const uint64_t current = signal_->Stamp();
  std::lock_guard lock(mutex_);
  if (refused_) return false;
  if (current == stamp_) return true;
  const std::optional<bool> holds = recheck_();
  if (!holds) return true;  // cannot tell now (the database is busy): ask again next time
  if (!*holds) {
    refused_ = true;
    return false;
  }
  stamp_ = current;
  return true;
}

}  // namespace taskwire::api
