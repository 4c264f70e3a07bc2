#include "base/log.h"

#include <cmath>
#include <cstdio>

#include "base/utf8.h"

namespace taskwire::base {

namespace {

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kLevelNamesUpper[] = {"DEBUG", "INFO", "WARN", "ERROR"};

// Code points a terminal or a log viewer would not show as themselves: C0 and C1 controls,
// DEL, line and paragraph separators, bidirectional marks, overrides and isolates, the BOM.
bool Invisible(uint32_t code) {
  return code < 0x20 || (code >= 0x7F && code <= 0x9F) || code == 0x200E || code == 0x200F ||
         (code >= 0x2028 && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069) || code == 0xFEFF;
}

// Whether a text-format token must be quoted: it is empty, or has a byte that could end the
// token or start another (space, '=', a quote), a backslash, or anything not printable. Left
// bare, "a key=value" would read as two fields, and a newline as a second record.
bool NeedsQuotes(std::string_view text) {
  if (text.empty()) return true;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      if (c <= 0x20 || c == 0x7F || c == '"' || c == '=' || c == '\\') return true;
      ++i;
      continue;
    }
    uint32_t code = 0;
    const size_t length = Utf8SequenceLength(text, i, &code);
    if (length == 0 || Invisible(code)) return true;
    i += length;
  }
  return false;
}

void AppendHex(std::string& out, std::string_view prefix, uint32_t value, int digits) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.*s%0*X", static_cast<int>(prefix.size()), prefix.data(),
                digits, static_cast<unsigned>(value));
  out += buffer;
}

// A text-format key, event or value: bare when it is safe (NeedsQuotes), else in double quotes
// with \" \\ \n \r \t, \xHH for other control bytes and bytes that are not UTF-8, and \uHHHH
// for invisible code points. The record stays one line and its fields cannot be forged.
void AppendTextToken(std::string& out, std::string_view text) {
  if (!NeedsQuotes(text)) {
    out += text;
    return;
  }
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c >= 0x80) {
      uint32_t code = 0;
      const size_t length = Utf8SequenceLength(text, i, &code);
      if (length == 0) {
        AppendHex(out, "\\x", c, 2);
        ++i;
        continue;
      }
      if (Invisible(code)) {
        AppendHex(out, "\\u", code, 4);
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          AppendHex(out, "\\x", c, 2);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void AppendValue(std::string& out, const LogField::Value& value, bool json) {
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    if (json) {
      out += '"';
      AppendJsonEscaped(out, *s);
      out += '"';
    } else {
      AppendTextToken(out, *s);
    }
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
    AppendTextToken(line, event);
    for (const LogField& field : fields) {
      line += ' ';
      AppendTextToken(line, field.key);
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
