#include "base/random.h"

#include <sys/random.h>

#include <cerrno>
#include <vector>

#include "base/base64url.h"
#include "base/check.h"

namespace taskwire::base {

void RandomBytes(std::span<uint8_t> out) {
  size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t n = getrandom(out.data() + filled, out.size() - filled, 0);
    if (n < 0) {
      CHECK(errno == EINTR);
      continue;
    }
    filled += static_cast<size_t>(n);
  }
}

std::string RandomToken(size_t bytes) {
  std::vector<uint8_t> buffer(bytes);
  RandomBytes(buffer);
  return Base64UrlEncode(buffer);
}

uint64_t RandomBelow(uint64_t bound) {
  CHECK(bound > 0);
  // Rejection sampling avoids the modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value;
  do {
    RandomBytes(std::span(reinterpret_cast<uint8_t*>(&value), sizeof value));
  } while (value >= limit);
  return value % bound;
}

}  // namespace taskwire::base
