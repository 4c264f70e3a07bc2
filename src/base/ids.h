#pragma once

#include <string>
#include <string_view>

namespace taskwire::base {

// A new random identifier for things whose id must not be guessable or collide across replicas
// (sessions, request ids, key ids): `prefix` followed by 128 random bits in base64url, e.g.
// NewId("ses_") -> "ses_3q2-7wEAAAB3Y8a1bC9xZg".
std::string NewId(std::string_view prefix);

// True when `id` could have come from NewId(prefix): the prefix and 22 base64url characters.
bool IsWellFormedId(std::string_view id, std::string_view prefix);

}  // namespace taskwire::base
