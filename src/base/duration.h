#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace taskwire::base {

// Parses a duration written for people: a whole number and a unit, "250ms", "30s", "5m", "2h",
// "30d" (several may be joined: "1h30m"). InvalidArgument naming the text otherwise.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back: "30s", "1h30m", "250ms", "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

// A point in time as people give it for "since": an ISO 8601 time, or a duration before `now`
// ("24h", "7d"). InvalidArgument naming `field` and both forms otherwise.
Result<WallTime> ParseSince(std::string_view field, std::string_view text, WallTime now);

}  // namespace taskwire::base
