#pragma once

#include <atomic>

#include "base/clock.h"

namespace taskwire::testing {

// A clock that moves only when told. Thread-safe.
class FakeClock final : public base::Clock {
 public:
  // Starts at 2026-01-01T00:00:00Z.
  FakeClock();
  base::WallTime Now() const override {
    return base::WallTime(base::WallTime::duration(now_.load()));
  }
  base::SteadyTime Steady() const override {
    return base::SteadyTime(base::SteadyTime::duration(now_.load()));
  }
  void Advance(std::chrono::milliseconds by);

 private:
  std::atomic<int64_t> now_;  // system_clock ticks since the epoch
};

}  // namespace taskwire::testing
