#include "base/log.h"

#include <cmath>
#include <cstdio>

namespace taskwire::base {

namespace {

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kLevelNamesUpper[] = {"DEBUG", "INFO", "WARN", "ERROR"};

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  size_t length;
  uint32_t min_code;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, min_code = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, min_code = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, min_code = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  uint32_t code = b0 & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

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

void AppendJsonEscaped(std::string& out, std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
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
