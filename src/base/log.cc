#include "base/log.h"

#include <cmath>
#include <cstdio>

namespace taskwire::base {

namespace {

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kLevelNamesUpper[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void AppendValue(std::string& out, const LogField::Value& value, bool json) {
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    if (json) out += '"';
    AppendJsonEscaped(out, *s);
    if (json) out += '"';
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    out += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    if (std::isfinite(*d)) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.6g", *d);
      out += buffer;
    } else {
      out += json ? "null" : "nan";
    }
  } else {
    out += std::get<bool>(value) ? "true" : "false";
  }
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view text) {
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (text == kLevelNames[i]) return static_cast<LogLevel>(i);
  }
  return Error::InvalidArgument("'" + std::string(text) +
                                "' is not a log level (debug, info, warn, error)");
}

Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "json") return LogFormat::kJson;
  if (text == "text") return LogFormat::kText;
  return Error::InvalidArgument("'" + std::string(text) + "' is not a log format (json, text)");
}

std::string Logger::Format(LogLevel level, std::string_view event,
                           std::initializer_list<LogField> fields) const {
  std::string line;
  line.reserve(128);
  const std::string time = FormatIso8601(clock_.Now());
  const auto index = static_cast<size_t>(level);
  if (format_ == LogFormat::kJson) {
    line += R"({"time":")";
    line += time;
    line += R"(","level":")";
    line += kLevelNames[index];
    line += R"(","event":")";
    AppendJsonEscaped(line, event);
    line += '"';
    for (const LogField& field : fields) {
      line += ",\"";
      AppendJsonEscaped(line, field.key);
      line += "\":";
      AppendValue(line, field.value, /*json=*/true);
    }
    line += '}';
  } else {
    line += time;
    line += ' ';
    line += kLevelNamesUpper[index];
    line += ' ';
    AppendJsonEscaped(line, event);
    for (const LogField& field : fields) {
      line += ' ';
      AppendJsonEscaped(line, field.key);
      line += '=';
      AppendValue(line, field.value, /*json=*/false);
    }
  }
  return line;
}

void Logger::Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  std::string line = Format(level, event, fields);
  line += '\n';
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace taskwire::base
