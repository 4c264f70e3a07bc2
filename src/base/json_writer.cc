#include "base/json_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "base/utf8.h"

namespace taskwire::base {

namespace {

// For each byte: 0 when it is copied as it is (printable ASCII but '"' and '\\'), 1 when it
// starts a UTF-8 sequence to check, else the character after the backslash of its escape ('u'
// for \u00XX).
constexpr std::array<char, 256> kEscapes = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'u', table['\f'] = 'u';  // written as \u0008 and \u000c
  table['\n'] = 'n', table['\r'] = 'r', table['\t'] = 't';
  table['"'] = '"', table['\\'] = '\\', table[0x7F] = 'u';
  for (int c = 0x80; c < 0x100; ++c) table[c] = 1;
  return table;
}();

void AppendInt(std::string& out, int64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
  // Most keys and values need no escape: those are appended at once.
  size_t plain = 0;
  while (plain < text.size() && kEscapes[static_cast<uint8_t>(text[plain])] == 0) ++plain;
  out.append(text.data(), plain);
  if (plain == text.size()) return;
  text.remove_prefix(plain);
  // Written through a cursor into room made in advance: this runs over every byte of every
  // answer, so no call per character. Invariant: from `at` on, `out` has room for the rest of
  // `text` copied as it is; an escape makes room for itself first.
  size_t at = out.size();
  out.resize(at + text.size() + 16);
  const auto room = [&](size_t bytes) {
    if (out.size() - at < bytes) out.resize(std::max(out.size() * 2, at + bytes + 16));
  };
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    const char escape = kEscapes[c];
    if (escape == 0) {
      out[at++] = static_cast<char>(c);
      ++i;
      continue;
    }
    if (escape == 1) {
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {  // U+FFFD: three bytes for one
        room(3 + (text.size() - i));
        std::memcpy(out.data() + at, "\xEF\xBF\xBD", 3);
        at += 3;
        ++i;
      } else {
        std::memcpy(out.data() + at, text.data() + i, length);
        at += length;
        i += length;
      }
      continue;
    }
    room(6 + (text.size() - i));
    out[at++] = '\\';
    out[at++] = escape;
    if (escape == 'u') {
      static constexpr char kHex[] = "0123456789abcdef";
      out[at++] = '0';
      out[at++] = '0';
      out[at++] = kHex[c >> 4];
      out[at++] = kHex[c & 0xF];
    }
    ++i;
  }
  out.resize(at);
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
