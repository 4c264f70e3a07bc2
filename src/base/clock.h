#pragma once

#include <chrono>
#include <string>

#include "base/result.h"

namespace taskwire::base {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

// The source of time. Code that reads the time takes a Clock& so tests can move it
// (testing::FakeClock). Implementations are safe to use from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  virtual SteadyTime Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  SteadyTime Steady() const override { return std::chrono::steady_clock::now(); }
};

// ISO 8601 in UTC with milliseconds: "2026-11-21T07:47:17.123Z".
std::string FormatIso8601(WallTime time);

// Parses ISO 8601 UTC timestamps as FormatIso8601 writes them, with or without fractional
// seconds, or with a "+00:00" offset, for years 1900 to 2200. InvalidArgument for anything else.
Result<WallTime> ParseIso8601(std::string_view text);

}  // namespace taskwire::base
