#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace taskwire::auth {

// Passwords are stored as Argon2id hashes in libsodium's self-describing string format
// ("$argon2id$v=19$m=65536,t=2,p=1$..."), at libsodium's interactive cost (64 MiB, ~0.1 s).

// Limits on what a person may choose.
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 1024;

// InvalidArgument when `password` is shorter than kMinPasswordLength or longer than
// kMaxPasswordLength; ResourceExhausted when the machine cannot spare the memory.
base::Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash`; false for a wrong password or a malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);

// A new random password for a generated account: 24 base64url characters (144 bits).
std::string GeneratePassword();

}  // namespace taskwire::auth
