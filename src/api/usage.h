#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/clock.h"

namespace taskwire::api {

// Calls per user, client and tool since the server started: counts, errors and latency
// percentiles over the most recent calls (get_usage). Kept in memory; thread-safe.
class Usage {
 public:
  explicit Usage(const base::Clock& clock) : clock_(clock), started_(clock.Now()) {}

  void Record(int64_t user_id, std::string_view client, std::string_view tool,
              std::chrono::microseconds latency, bool error);
  // {"since", "clients": [{"client", "tools": [{"tool", "calls", "errors", "latencyMs":
  // {"p50", "p95", "p99"}}]}]}
  boost::json::object Report(int64_t user_id) const;

  // Latencies kept per user, client and tool for the percentiles.
  static constexpr size_t kWindow = 512;

 private:
  struct Counter {
    int64_t calls = 0;
    int64_t errors = 0;
    std::vector<int64_t> recent_us;  // a ring of at most kWindow latencies
    size_t next = 0;
  };

  const base::Clock& clock_;
  const base::WallTime started_;
  mutable std::mutex mutex_;  // guards counters_
  std::map<std::tuple<int64_t, std::string, std::string>, Counter> counters_;
};

}  // namespace taskwire::api
