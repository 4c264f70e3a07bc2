#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace taskwire::testing {

// Waits until `done` holds, asking every millisecond, at most `limit`; false when it never did.
// For what another thread or process finishes in its own time, never for measuring time.
inline bool Eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace taskwire::testing
