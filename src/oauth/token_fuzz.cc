// Fuzzes what the authorization server reads from strangers: bearer tokens (the JWT reader and
// verifier, against a fixed key set) and form or query strings.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oauth/authorization_server.h"
#include "oauth/jwt.h"
#include "oauth/uri.h"

using namespace taskwire::oauth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const SigningKey kKey = *SigningKey::Generate();
  static const std::vector<Jwk> kKeys{PublicJwk(kKey, "k1")};
  static const std::vector<std::string> kAlgorithms{"ES256", "RS256", "EdDSA", "HS256", "none"};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ReadUnverifiedHeader(text);
  if (auto claims = VerifyJwt(text, kKeys, kAlgorithms)) {
    ClaimRules rules;
    rules.issuer = "https://tasks.example.com";
    rules.audience = "https://tasks.example.com/mcp";
    (void)CheckClaims(*claims, rules);
  }
  (void)ParseJwks(text);
  (void)SplitUri(text);
  if (auto form = taskwire::http::ParseForm(text)) {
    for (const auto& [name, value] : *form) (void)taskwire::http::PercentEncode(name + value);
  }
  return 0;
}
