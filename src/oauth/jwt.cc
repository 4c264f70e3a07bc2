#include "oauth/jwt.h"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <limits>
#include <set>
#include <utility>

#include "base/base64url.h"

namespace taskwire::oauth {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr size_t kMaxJwksBytes = 1024 * 1024;
constexpr size_t kMaxJsonDepth = 32;

// The algorithms this module can verify. "none" and the HMAC family are absent on purpose: a
// verifier that accepts HS256 can be fed a token "signed" with a public key as the secret (the
// key-confusion attack; RFC 8725 §2.1 and §3.1).
constexpr std::array<std::string_view, 3> kSupportedAlgorithms = {"ES256", "RS256", "EdDSA"};

// Claims that must be integers (RFC 7519 §2 NumericDate; we take no fractions) and claims that
// must be strings when present; a token with either of another type is refused rather than read
// as if the claim were absent.
constexpr std::array<std::string_view, 3> kDateClaims = {"exp", "iat", "nbf"};
constexpr std::array<std::string_view, 5> kStringClaims = {"iss", "sub", "jti", "client_id",
                                                           "scope"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view name) {
  for (const std::string_view item : list) {
    if (item == name) return true;
  }
  return false;
}

std::string_view View(json::string_view text) { return std::string_view(text.data(), text.size()); }

// A handler for json::basic_parser that only looks for a repeated member name in any object.
// Boost.JSON keeps the last of duplicates silently, and two readers of one token that pick
// different duplicates disagree on what it says (RFC 8259 §4, RFC 7515 §5.2 step 4).
class DuplicateFinder {
 public:
  // NOLINTBEGIN(readability-identifier-naming): the names basic_parser's handler concept requires
  static constexpr size_t max_array_size = std::numeric_limits<size_t>::max();
  static constexpr size_t max_object_size = std::numeric_limits<size_t>::max();
  static constexpr size_t max_string_size = std::numeric_limits<size_t>::max();
  static constexpr size_t max_key_size = std::numeric_limits<size_t>::max();
  // NOLINTEND(readability-identifier-naming)

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(size_t, json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    names_.emplace_back();
    return true;
  }
  bool on_object_end(size_t, json::error_code&) {
    names_.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view part, size_t, json::error_code&) {
    key_.append(View(part));
    return true;
  }
  bool on_key(json::string_view part, size_t, json::error_code& ec) {
    key_.append(View(part));
    const bool fresh = names_.back().insert(std::move(key_)).second;
    key_.clear();
    if (!fresh) ec = json::error::syntax;
    return fresh;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::vector<std::set<std::string, std::less<>>> names_;  // one set per open object
  std::string key_;
};

// `text` as strict JSON: standard syntax, valid UTF-8, at most kMaxJsonDepth deep, no duplicate
// member names. nullopt otherwise.
std::optional<json::value> ParseStrictJson(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::basic_parser<DuplicateFinder> checker(options);
  json::error_code ec;
  checker.write_some(false, text.data(), text.size(), ec);
  if (ec) return std::nullopt;
  json::value parsed = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) return std::nullopt;
  return parsed;
}

// A JSON object from base64url text, or nullopt.
std::optional<json::object> DecodeObject(std::string_view encoded) {
  base::Result<std::string> decoded = base::Base64UrlDecode(encoded);
  if (!decoded) return std::nullopt;
  std::optional<json::value> parsed = ParseStrictJson(*decoded);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return std::move(parsed->as_object());
}

// The three parts of a compact JWS (RFC 7515 §7.1), or nullopt when there are not three.
std::optional<std::array<std::string_view, 3>> SplitToken(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::array<std::string_view, 3>{token.substr(0, first),
                                         token.substr(first + 1, second - first - 1),
                                         token.substr(second + 1)};
}

struct ParsedHeader {
  JoseHeader header;
  bool critical = false;  // has a "crit" member
};

// The header part of a token, or nullopt when it is not an object with a string "alg" (and
// strings for "kid" and "typ" when present).
std::optional<ParsedHeader> ParseHeader(std::string_view encoded) {
  const std::optional<json::object> object = DecodeObject(encoded);
  if (!object) return std::nullopt;
  ParsedHeader parsed;
  const json::value* alg = object->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return std::nullopt;
  parsed.header.alg = View(alg->as_string());
  for (auto [name, out] :
       {std::pair{"kid", &parsed.header.kid}, std::pair{"typ", &parsed.header.typ}}) {
    if (const json::value* value = object->if_contains(name)) {
      if (!value->is_string()) return std::nullopt;
      *out = View(value->as_string());
    }
  }
  parsed.critical = object->contains("crit");
  return parsed;
}

bool IsAllowedAlgorithm(std::string_view alg, std::span<const std::string> algorithms) {
  if (!Contains(kSupportedAlgorithms, alg)) return false;
  for (const std::string& allowed : algorithms) {
    if (allowed == alg) return true;
  }
  return false;
}

// Whether `key` may check a signature made with `alg` (RFC 7518 §6, RFC 8037 §2).
bool KeyFits(const Jwk& key, std::string_view alg) {
  if (!key.use.empty() && key.use != "sig") return false;
  if (!key.alg.empty() && key.alg != alg) return false;
  if (alg == "ES256") return key.kty == "EC" && key.crv == "P-256";
  if (alg == "RS256") return key.kty == "RSA";
  if (alg == "EdDSA") return key.kty == "OKP" && key.crv == "Ed25519";
  return false;
}

bool VerifyWith(const Jwk& key, std::string_view alg, std::string_view input,
                std::string_view signature) {
  if (alg == "ES256") return VerifyEs256(key.x, key.y, input, signature);
  if (alg == "RS256") return VerifyRs256(key.n, key.e, input, signature);
  if (alg == "EdDSA") return VerifyEdDsa(key.x, input, signature);
  return false;
}

base::Error Refused(std::string reason) { return base::Error::Unauthenticated(std::move(reason)); }

// The claims of a verified payload, translated out of JSON (see Claims and VerifyJwt).
base::Result<Claims> ReadClaims(const json::object& payload) {
  Claims claims;
  for (const auto& [raw_name, value] : payload) {
    const std::string name(View(raw_name));
    if (name == "aud") {
      // RFC 7519 §4.1.3: one string, or an array of them.
      if (value.is_string()) {
        claims.audiences.emplace_back(View(value.as_string()));
        continue;
      }
      if (!value.is_array()) return Refused("the token's \"aud\" is neither a string nor an array");
      for (const json::value& audience : value.as_array()) {
        if (!audience.is_string()) return Refused("the token's \"aud\" holds a non-string");
        claims.audiences.emplace_back(View(audience.as_string()));
      }
    } else if (Contains(kDateClaims, name)) {
      // Boost.JSON gives uint64 only to integers above INT64_MAX; those are refused too.
      if (!value.is_int64()) return Refused("the token's \"" + name + "\" is not an integer");
      claims.numbers.emplace(name, value.as_int64());
    } else if (value.is_string()) {
      claims.strings.emplace(name, View(value.as_string()));
    } else if (Contains(kStringClaims, name)) {
      return Refused("the token's \"" + name + "\" is not a string");
    } else if (value.is_int64()) {
      claims.numbers.emplace(name, value.as_int64());
    }
    // Other members (booleans, objects, fractions, huge integers) are not ours to read.
  }
  return claims;
}

int64_t Seconds(std::chrono::seconds duration) { return duration.count(); }

}  // namespace

std::optional<std::string> Claims::String(std::string_view name) const {
  const auto it = strings.find(name);
  if (it == strings.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> Claims::Number(std::string_view name) const {
  const auto it = numbers.find(name);
  if (it == numbers.end()) return std::nullopt;
  return it->second;
}

base::Result<std::vector<Jwk>> ParseJwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) {
    return base::Error::InvalidArgument("the JWKS document is larger than 1 MiB");
  }
  const std::optional<json::value> parsed = ParseStrictJson(text);
  if (!parsed) return base::Error::InvalidArgument("the JWKS document is not valid JSON");
  const json::value* keys = parsed->is_object() ? parsed->as_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) {
    return base::Error::InvalidArgument("the JWKS document has no \"keys\" array");
  }
  std::vector<Jwk> out;
  for (const json::value& entry : keys->as_array()) {
    if (!entry.is_object()) continue;
    const json::object& object = entry.as_object();
    Jwk jwk;
    const std::pair<const char*, std::string*> members[] = {
        {"kid", &jwk.kid}, {"kty", &jwk.kty}, {"crv", &jwk.crv},
        {"alg", &jwk.alg}, {"use", &jwk.use}, {"x", &jwk.x},
        {"y", &jwk.y},     {"n", &jwk.n},     {"e", &jwk.e}};
    bool usable = true;
    for (const auto& [name, field] : members) {
      const json::value* value = object.if_contains(name);
      if (value == nullptr) continue;
      if (!value->is_string()) {
        usable = false;  // RFC 7517 §5: ignore a JWK whose members are out of range
        break;
      }
      *field = View(value->as_string());
    }
    if (usable) out.push_back(std::move(jwk));
  }
  return out;
}

std::string JwksJson(std::span<const Jwk> keys) {
  json::array array;
  for (const Jwk& key : keys) {
    json::object object;
    for (const auto& [name, field] :
         {std::pair{"kty", &key.kty}, std::pair{"crv", &key.crv}, std::pair{"alg", &key.alg},
          std::pair{"use", &key.use}, std::pair{"kid", &key.kid}, std::pair{"x", &key.x},
          std::pair{"y", &key.y}, std::pair{"n", &key.n}, std::pair{"e", &key.e}}) {
      if (!field->empty()) object[name] = *field;
    }
    array.push_back(std::move(object));
  }
  json::object document;
  document["keys"] = std::move(array);
  return json::serialize(document);
}

Jwk PublicJwk(const SigningKey& key, std::string_view kid) {
  return Jwk{.kid = std::string(kid),
             .kty = "EC",
             .crv = "P-256",
             .alg = "ES256",
             .use = "sig",
             .x = key.x(),
             .y = key.y()};
}

std::string SignJwt(const SigningKey& key, std::string_view kid, const Claims& claims,
                    std::string_view typ) {
  json::object header;
  header["alg"] = "ES256";
  if (!typ.empty()) header["typ"] = typ;
  if (!kid.empty()) header["kid"] = kid;
  // Assignment by name replaces, so a name in two of the maps is written once.
  json::object payload;
  for (const auto& [name, value] : claims.strings) payload[name] = value;
  for (const auto& [name, value] : claims.numbers) payload[name] = value;
  if (claims.audiences.size() == 1) {
    payload["aud"] = claims.audiences.front();
  } else if (!claims.audiences.empty()) {
    json::array audiences;
    for (const std::string& audience : claims.audiences) audiences.emplace_back(audience);
    payload["aud"] = std::move(audiences);
  }
  // RFC 7515 §5.1: the signature covers the two encoded parts joined by a dot.
  std::string token = base::Base64UrlEncode(json::serialize(header)) + '.' +
                      base::Base64UrlEncode(json::serialize(payload));
  const std::string signature = key.SignEs256(token);
  token += '.';
  token += base::Base64UrlEncode(signature);
  return token;
}

base::Result<Claims> VerifyJwt(std::string_view token, std::span<const Jwk> keys,
                               std::span<const std::string> algorithms) {
  if (token.size() > kMaxTokenBytes) return Refused("the token is too large");
  const std::optional<std::array<std::string_view, 3>> parts = SplitToken(token);
  if (!parts) return Refused("the token is not a JWS in compact form");
  const auto& [encoded_header, encoded_payload, encoded_signature] = *parts;
  const std::optional<ParsedHeader> parsed = ParseHeader(encoded_header);
  if (!parsed) return Refused("the token's header is unreadable");
  // RFC 7515 §4.1.11: we understand no extension, so any "crit" must be refused.
  if (parsed->critical) return Refused("the token has critical header parameters");
  const JoseHeader& header = parsed->header;
  if (!IsAllowedAlgorithm(header.alg, algorithms)) {
    return Refused("the token's algorithm is not allowed");
  }
  const base::Result<std::string> signature = base::Base64UrlDecode(encoded_signature);
  if (!signature) return Refused("the token's signature is malformed");

  // The key is chosen by the header, but only among keys fit for its algorithm, so a token cannot
  // make us use an RSA key as an HMAC secret or an EC key for another curve.
  const std::string_view input =
      token.substr(0, encoded_header.size() + 1 + encoded_payload.size());
  bool found_key = false;
  bool verified = false;
  for (const Jwk& key : keys) {
    if (key.kid != header.kid || !KeyFits(key, header.alg)) continue;
    found_key = true;
    if (VerifyWith(key, header.alg, input, *signature)) {
      verified = true;
      break;
    }
  }
  if (!found_key) return Refused("no key matches the token");
  if (!verified) return Refused("the token's signature is invalid");

  const std::optional<json::object> payload = DecodeObject(encoded_payload);
  if (!payload) return Refused("the token's payload is not a JSON object");
  return ReadClaims(*payload);
}

base::Result<void> CheckClaims(const Claims& claims, const ClaimRules& rules) {
  // RFC 7519 §4.1.1 and §4.1.3 (RFC 9068 §4 requires both checks of an access token).
  if (claims.String("iss") != rules.issuer) return Refused("the token is from another issuer");
  bool our_audience = false;
  for (const std::string& audience : claims.audiences) our_audience |= audience == rules.audience;
  if (!our_audience) return Refused("the token is for another audience");

  // NumericDates are whole seconds, so comparing with the current second rounded down is exact:
  // now >= exp  <=>  floor(now) >= exp. The clock and leeway are ours and small, so these sums
  // cannot overflow, while the token's values are never added to.
  const int64_t now =
      std::chrono::floor<std::chrono::seconds>(rules.now.time_since_epoch()).count();
  const int64_t leeway = Seconds(rules.leeway);
  const std::optional<int64_t> expires = claims.Number("exp");
  if (!expires) return Refused("the token has no expiry");
  if (now - leeway >= *expires) return Refused("the token has expired");  // RFC 7519 §4.1.4
  const std::optional<int64_t> not_before = claims.Number("nbf");
  if (not_before && now + leeway < *not_before) {
    return Refused("the token is not valid yet");  // RFC 7519 §4.1.5
  }
  const std::optional<int64_t> issued = claims.Number("iat");
  if (issued && now + leeway < *issued) return Refused("the token was issued in the future");
  if (rules.max_lifetime > std::chrono::seconds::zero()) {
    if (!issued) return Refused("the token has no issue time");
    // *issued <= now + leeway here, so adding the lifetime cannot overflow.
    if (*expires > *issued + Seconds(rules.max_lifetime)) {
      return Refused("the token lives longer than allowed");
    }
  }
  return base::Ok();
}

base::Result<JoseHeader> ReadUnverifiedHeader(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return base::Error::InvalidArgument("the token is too large");
  const std::optional<std::array<std::string_view, 3>> parts = SplitToken(token);
  if (!parts) return base::Error::InvalidArgument("the token is not a JWS in compact form");
  std::optional<ParsedHeader> parsed = ParseHeader((*parts)[0]);
  if (!parsed) return base::Error::InvalidArgument("the token's header is unreadable");
  return std::move(parsed->header);
}

base::Result<void> CheckAccessTokenType(std::string_view token) {
  auto header = ReadUnverifiedHeader(token);
  if (!header) return Refused("the token's header is unreadable");
  std::string typ = header->typ;
  for (char& c : typ) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (typ != "at+jwt" && typ != "application/at+jwt") {
    return Refused("the token is not an access token (its \"typ\" must be \"at+jwt\", RFC 9068)");
  }
  return base::Ok();
}

}  // namespace taskwire::oauth
