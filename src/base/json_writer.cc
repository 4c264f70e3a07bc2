#include "base/json_writer.h"

#include <charconv>

namespace taskwire::base {

namespace {

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

// Printable ASCII other than '"' and '\\': copied as it is.
constexpr bool Plain(uint8_t c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

void AppendInt(std::string& out, int64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Runs of plain bytes are appended at once: most text is nothing but.
    const size_t run = i;
    while (i < text.size() && Plain(static_cast<uint8_t>(text[i]))) ++i;
    out.append(text.data() + run, i - run);
    if (i == text.size()) break;
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
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(escaped, sizeof escaped);
      }
    }
    ++i;
  }
}

JsonWriter& JsonWriter::Ints(std::string_view key, const std::vector<int64_t>& values) {
  BeginArray(key);
  for (const int64_t value : values) Int(value);
  return EndArray();
}

JsonWriter& JsonWriter::Strings(std::string_view key, const std::vector<std::string>& values) {
  BeginArray(key);
  for (const std::string& value : values) String(value);
  return EndArray();
}

JsonWriter& JsonWriter::String(std::string_view value) {
  Separate();
  out_ += '"';
  AppendJsonEscaped(out_, value);
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  Separate();
  AppendInt(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  Separate();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_ += '{';
  open_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_ += '[';
  open_.push_back(false);
  return *this;
}

std::string JsonWriter::Finish() && {
  out_ += '}';
  return std::move(out_);
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  Separate();
  out_ += '"';
  AppendJsonEscaped(out_, key);
  out_ += "\":";
  after_key_ = true;  // the value that follows takes no separator
  return *this;
}

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (open_.back()) out_ += ',';
  open_.back() = true;
}

JsonWriter& JsonWriter::Close(char bracket) {
  out_ += bracket;
  open_.pop_back();
  return *this;
}

}  // namespace taskwire::base
