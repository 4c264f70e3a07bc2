#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace taskwire::base {

// RFC 4648 §5 base64url without padding (as JWTs, PKCE and our tokens use it).
std::string Base64UrlEncode(std::span<const uint8_t> bytes);
std::string Base64UrlEncode(std::string_view bytes);

// Decodes unpadded base64url. InvalidArgument on any character outside the alphabet, on padding,
// on an impossible length, or on non-zero trailing bits (so every text has one decoding).
Result<std::string> Base64UrlDecode(std::string_view text);

// RFC 4648 §4 base64 with its '=' padding, strictly: the length must be a multiple of 4 and the
// padding exactly what the length needs. InvalidArgument otherwise.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace taskwire::base
