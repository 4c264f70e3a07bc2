#pragma once

#include <cstddef>
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

}  // namespace taskwire::base
