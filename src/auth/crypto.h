#pragma once

#include <string>
#include <string_view>

#include "base/sha256.h"

namespace taskwire::auth {

// SHA-256 of `data` by OpenSSL, which uses the CPU's SHA extensions where it has them: the same
// digest as base::Sha256, several times faster, for hashing on every request (a JWT is ten
// blocks). Safe from any thread.
base::Sha256Digest Sha256ByOpenSsl(std::string_view data);

// How a credential (an API key, a bearer token) is known without keeping it: the lower-case hex
// SHA-256 of its text. The API-key table stores it and the gate's cache is keyed by it. Safe
// from any thread.
std::string CredentialHash(std::string_view credential);

}  // namespace taskwire::auth
