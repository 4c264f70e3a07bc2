#include "base/ids.h"

#include "base/base64url.h"
#include "base/random.h"

namespace taskwire::base {

namespace {
constexpr size_t kIdBytes = 16;
constexpr size_t kIdChars = 22;  // ceil(16 * 4 / 3)
}  // namespace

std::string NewId(std::string_view prefix) {
  std::string id(prefix);
  id += RandomToken(kIdBytes);
  return id;
}

bool IsWellFormedId(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix) || id.size() != prefix.size() + kIdChars) return false;
  auto decoded = Base64UrlDecode(id.substr(prefix.size()));
  return decoded.has_value() && decoded->size() == kIdBytes;
}

}  // namespace taskwire::base
