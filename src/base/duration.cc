#include "base/duration.h"

#include <charconv>
#include <cstdint>

namespace taskwire::base {

namespace {

struct Unit {
  std::string_view suffix;
  int64_t millis;
};
// Longest suffix first so "ms" is not read as "m".
constexpr Unit kUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto invalid = [&] {
    return Error::InvalidArgument("'" + std::string(text) +
                                  "' is not a duration such as 250ms, 30s, 5m, 2h or 30d");
  };
  if (text.empty()) return invalid();
  int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    int64_t number = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (ec != std::errc() || number < 0 || end == rest.data()) return invalid();
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (rest.starts_with(candidate.suffix)) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) return invalid();
    rest.remove_prefix(unit->suffix.size());
    if (number > (INT64_MAX - total) / unit->millis) return invalid();
    total += number * unit->millis;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t rest = duration.count();
  if (rest == 0) return "0s";
  std::string out;
  for (const int64_t unit : {86'400'000LL, 3'600'000LL, 60'000LL, 1000LL, 1LL}) {
    if (rest >= unit) {
      out += std::to_string(rest / unit);
      out += unit == 86'400'000  ? "d"
             : unit == 3'600'000 ? "h"
             : unit == 60'000    ? "m"
             : unit == 1000      ? "s"
                                 : "ms";
      rest %= unit;
    }
  }
  return out;
}

Result<WallTime> ParseSince(std::string_view field, std::string_view text, WallTime now) {
  if (auto duration = ParseDuration(text)) {
    return now - std::chrono::duration_cast<WallTime::duration>(*duration);
  }
  if (auto time = ParseIso8601(text)) return *time;
  return Error::InvalidArgument(std::string(field) +
                                " must be an ISO 8601 time (2026-12-01T09:00:00Z) or a duration "
                                "before now such as 24h or 7d, not '" +
                                std::string(text) + "'");
}

}  // namespace taskwire::base
