#include "api/usage.h"

#include <algorithm>
#include <boost/json/array.hpp>

namespace taskwire::api {

void Usage::Record(int64_t user_id, std::string_view client, std::string_view tool,
                   std::chrono::microseconds latency, bool error) {
  std::lock_guard lock(mutex_);
  Counter& counter = counters_[{user_id, std::string(client), std::string(tool)}];
  ++counter.calls;
  if (error) ++counter.errors;
  if (counter.recent_us.size() < kWindow) {
    counter.recent_us.push_back(latency.count());
  } else {
    counter.recent_us[counter.next] = latency.count();
    counter.next = (counter.next + 1) % kWindow;
  }
}

boost::json::object Usage::Report(int64_t user_id) const {
  namespace json = boost::json;
  const auto percentile = [](std::vector<int64_t>& sorted, double p) {
    if (sorted.empty()) return 0.0;
    const size_t index =
        std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
    return static_cast<double>(sorted[index]) / 1000.0;
  };
  json::array clients;
  std::lock_guard lock(mutex_);
  std::string current_client;
  json::array tools;
  const auto flush = [&] {
    if (!tools.empty()) {
      clients.push_back(json::object{{"client", current_client}, {"tools", std::move(tools)}});
      tools = json::array();
    }
  };
  for (auto it = counters_.lower_bound({user_id, "", ""});
       it != counters_.end() && std::get<0>(it->first) == user_id; ++it) {
    const auto& [key, counter] = *it;
    if (std::get<1>(key) != current_client) {
      flush();
      current_client = std::get<1>(key);
    }
    std::vector<int64_t> sorted = counter.recent_us;
    std::sort(sorted.begin(), sorted.end());
    tools.push_back(json::object{{"tool", std::get<2>(key)},
                                 {"calls", counter.calls},
                                 {"errors", counter.errors},
                                 {"latencyMs", json::object{{"p50", percentile(sorted, 0.50)},
                                                            {"p95", percentile(sorted, 0.95)},
                                                            {"p99", percentile(sorted, 0.99)}}}});
  }
  flush();
  return json::object{{"since", base::FormatIso8601(started_)},
                      {"now", base::FormatIso8601(clock_.Now())},
                      {"clients", std::move(clients)}};
}

}  // namespace taskwire::api
