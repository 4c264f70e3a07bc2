#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace taskwire::base {

// Number of Unicode code points in UTF-8 `text`: what "characters" means in every length limit
// (JSON Schema's minLength/maxLength, a task title's 500).
inline size_t CodePoints(std::string_view text) {
  size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid (overlong,
// a surrogate, beyond U+10FFFF, cut short). Sets `*code` to its code point when valid.
inline size_t Utf8SequenceLength(std::string_view text, size_t i, uint32_t* code_out = nullptr) {
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
  if (code_out != nullptr) *code_out = code;
  return length;
}

}  // namespace taskwire::base
