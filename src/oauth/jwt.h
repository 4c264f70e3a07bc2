#pragma once

// JSON Web Tokens in the JWS compact serialization (RFC 7515, RFC 7519): signing our access tokens
// (RFC 9068) with a SigningKey, verifying tokens against a JSON Web Key Set (RFC 7517), and
// checking the registered claims. Plain functions of their arguments: safe from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "oauth/crypto.h"

namespace taskwire::oauth {

// A token's claims set, translated out of JSON. Members of other JSON types (booleans, objects,
// non-integer numbers) are left out, except where VerifyJwt refuses them (see there).
struct Claims {
  std::map<std::string, std::string, std::less<>> strings;  // "iss", "sub", "scope", "jti", ...
  std::map<std::string, int64_t, std::less<>> numbers;      // "exp", "iat", "nbf", ...
  // "aud": a string or an array of strings in the token; SignJwt writes a single one as a
  // string. It takes precedence over an "aud" in `strings`, and `numbers` over `strings`.
  std::vector<std::string> audiences;

  std::optional<std::string> String(std::string_view name) const;
  std::optional<int64_t> Number(std::string_view name) const;
};

// One JSON Web Key (RFC 7517 §4, RFC 7518 §6), its string members only; empty means absent.
struct Jwk {
  std::string kid, kty, crv, alg, use, x, y, n, e;
};

// The keys of a JWKS document {"keys":[...]}. Entries that are not objects, or whose members above
// are not strings, are skipped (RFC 7517 §5); keys of unknown kty, or without "kid", are kept but
// match only what VerifyJwt says. InvalidArgument for more than 1 MiB, malformed JSON, a duplicate
// member name or no "keys" array.
base::Result<std::vector<Jwk>> ParseJwks(std::string_view json);

// {"keys":[{"kty":..,"crv":..,"alg":..,"use":..,"kid":..,"x":..,"y":..,"n":..,"e":..}, ...]} with
// only the non-empty members.
std::string JwksJson(std::span<const Jwk> keys);

// The public half of `key`: kty EC, crv P-256, alg ES256, use sig.
Jwk PublicJwk(const SigningKey& key, std::string_view kid);

// A compact JWS with header {"alg":"ES256","typ":typ,"kid":kid} (typ and kid left out when empty;
// "at+jwt" is RFC 9068's type for access tokens) over `claims`.
std::string SignJwt(const SigningKey& key, std::string_view kid, const Claims& claims,
                    std::string_view typ = "at+jwt");

// Verifies a token's signature and returns its claims; the claims' values are checked by
// CheckClaims. Refused (Unauthenticated, with a short reason that never quotes the token):
// - anything but three base64url parts, or more than 16 KiB in all;
// - a header that is not a JSON object, has a "crit" member, or whose "alg" is not both in
//   `algorithms` and one of "ES256", "RS256", "EdDSA" ("none" and HS* are refused even if listed);
// - no key in `keys` with the header's "kid" (a key without "kid" matches only tokens without
//   one), of the alg's type (EC P-256 for ES256, RSA for RS256, OKP Ed25519 for EdDSA), with the
//   same "alg" and "use" sig when the key states them, whose signature check passes;
// - a payload that is not a JSON object; a duplicate member name in header or payload; "exp",
//   "iat" or "nbf" that is not an integer; "aud" neither a string nor an array of strings;
//   "iss", "sub", "jti", "client_id" or "scope" that is not a string.
base::Result<Claims> VerifyJwt(std::string_view token, std::span<const Jwk> keys,
                               std::span<const std::string> algorithms);

struct ClaimRules {
  std::string issuer;    // "iss" must equal it exactly
  std::string audience;  // must be among "aud"
  base::WallTime now;
  std::chrono::seconds leeway{30};       // for clocks that disagree, on exp, nbf and iat
  std::chrono::seconds max_lifetime{0};  // when > 0, exp - iat must not exceed it (iat required)
};

// Ok when the claims satisfy `rules`: the issuer and audience match, "exp" is present and in the
// future, "nbf" and "iat" (when present) are not in the future. Otherwise Unauthenticated naming
// the rule that failed, e.g. "the token has expired".
base::Result<void> CheckClaims(const Claims& claims, const ClaimRules& rules);

// RFC 9068 §4: Ok when the token's header says it is an access token ("typ" "at+jwt" or
// "application/at+jwt", without regard to case), so that an ID token or another JWT signed by the
// same keys is not taken for one. Unauthenticated otherwise. Call it after VerifyJwt, which
// checked the signature over the header.
base::Result<void> CheckAccessTokenType(std::string_view token);

// The members of a JOSE header worth knowing before verification; empty when absent.
struct JoseHeader {
  std::string alg, kid, typ;
};

// A token's header, read without verifying anything (for logging, or choosing a key set): never
// trust it. InvalidArgument when the token has not three parts or its header is not a JSON object
// with string "alg" (and string "kid" and "typ" when present).
base::Result<JoseHeader> ReadUnverifiedHeader(std::string_view token);

}  // namespace taskwire::oauth
