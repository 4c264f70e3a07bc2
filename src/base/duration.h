#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace taskwire::base {

// Parses a duration written for people: a whole number and a unit, "250ms", "30s", "5m", "2h",
// "30d" (several may be joined: "1h30m"). InvalidArgument naming the text otherwise.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back: "30s", "1h30m", "250ms", "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace taskwire::base
