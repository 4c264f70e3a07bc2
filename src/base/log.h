#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "base/clock.h"
#include "base/json_writer.h"  // AppendJsonEscaped, which log lines use
#include "base/result.h"

namespace taskwire::base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kJson, kText };

// "debug", "info", "warn" or "error"; InvalidArgument otherwise.
Result<LogLevel> ParseLogLevel(std::string_view text);
// "json" or "text"; InvalidArgument otherwise.
Result<LogFormat> ParseLogFormat(std::string_view text);

struct LogField {
  using Value = std::variant<std::string_view, int64_t, double, bool>;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, unsigned v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, long v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, long long v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  Value value;
};

// Structured logging: one line per record, either a JSON object
//   {"time":"2026-11-21T07:47:17.123Z","level":"info","event":"http.listening","address":"..."}
// or, for a terminal, "2026-11-21T07:47:17.123Z INFO http.listening address=...", where a value
// with a space, '=', a quote, a backslash or anything not printable is double-quoted and escaped,
// so that no value can forge a field or a record.
// `event` is a dotted name that is stable across releases; details go in fields.
// Thread-safe: records from different threads never interleave.
class Logger {
 public:
  Logger(LogLevel min_level, LogFormat format, std::FILE* out, const Clock& clock)
      : min_level_(min_level), format_(format), out_(out), clock_(clock) {}

  bool Enabled(LogLevel level) const { return level >= min_level_; }

  void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view event, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kDebug, event, fields);
  }
  void Info(std::string_view event, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kInfo, event, fields);
  }
  void Warn(std::string_view event, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kWarn, event, fields);
  }
  void Error(std::string_view event, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kError, event, fields);
  }

  // The record Log() would write, without its newline (for tests).
  std::string Format(LogLevel level, std::string_view event,
                     std::initializer_list<LogField> fields) const;

 private:
  const LogLevel min_level_;
  const LogFormat format_;
  std::FILE* const out_;
  const Clock& clock_;
  std::mutex mutex_;  // guards writes to out_
};

}  // namespace taskwire::base
