#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace taskwire::base {

// Fills `out` from the kernel's CSPRNG (getrandom). Never fails in practice; a kernel that
// cannot supply randomness is a broken invariant (CHECK). Thread-safe.
void RandomBytes(std::span<uint8_t> out);

// `bytes` random bytes, base64url-encoded without padding (for tokens, ids, passwords).
std::string RandomToken(size_t bytes);

// A uniformly distributed integer in [0, bound).
uint64_t RandomBelow(uint64_t bound);

}  // namespace taskwire::base
