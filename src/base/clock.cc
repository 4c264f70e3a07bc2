#include "base/clock.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace taskwire::base {

std::string FormatIso8601(WallTime time) {
  const auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

namespace {

bool ReadDigits(std::string_view text, size_t& pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  const char* begin = text.data() + pos;
  for (size_t i = 0; i < count; ++i) {
    if (begin[i] < '0' || begin[i] > '9') return false;
  }
  std::from_chars(begin, begin + count, out);
  pos += count;
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Result<WallTime> ParseIso8601(std::string_view text) {
  auto invalid = [&] {
    return Error::InvalidArgument("'" + std::string(text) +
                                  "' is not an ISO 8601 UTC time such as 2026-11-21T07:47:17Z");
  };
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day) || !Expect(text, pos, 'T') ||
      !ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, second)) {
    return invalid();
  }
  std::chrono::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += std::chrono::nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 9) return invalid();
  }
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "+00:00") return invalid();

  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  // WallTime counts nanoseconds, which span 1677 to 2262: keep well inside that.
  if (!ymd.ok() || year < 1900 || year > 2200 || hour > 23 || minute > 59 || second > 60) {
    return invalid();
  }
  const auto days = std::chrono::sys_days(ymd);
  return WallTime(std::chrono::duration_cast<WallTime::duration>(
      days.time_since_epoch() + std::chrono::hours(hour) + std::chrono::minutes(minute) +
      std::chrono::seconds(second) + fraction));
}

}  // namespace taskwire::base
