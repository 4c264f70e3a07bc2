#include "testing/fake_clock.h"

namespace taskwire::testing {

FakeClock::FakeClock()
    : now_(std::chrono::duration_cast<base::WallTime::duration>(
               std::chrono::sys_days(std::chrono::year(2026) / 1 / 1).time_since_epoch())
               .count()) {}

void FakeClock::Advance(std::chrono::milliseconds by) {
  now_.fetch_add(std::chrono::duration_cast<base::WallTime::duration>(by).count());
}

}  // namespace taskwire::testing
