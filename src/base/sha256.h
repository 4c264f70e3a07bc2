#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace taskwire::base {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 (FIPS 180-4) of `data`.
Sha256Digest Sha256(std::string_view data);

// HMAC-SHA256 (RFC 2104) of `message` under `key`.
Sha256Digest HmacSha256(std::string_view key, std::string_view message);

// Compares in time that depends only on the length, so secrets are not revealed by timing.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Lower-case hex of `digest`.
std::string ToHex(const Sha256Digest& digest);

}  // namespace taskwire::base
