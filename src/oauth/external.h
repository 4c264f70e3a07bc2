#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "oauth/authorization_server.h"
#include "oauth/jwt.h"
#include "store/database.h"

namespace taskwire::oauth {

// auth.mode = "external": access tokens come from another authorization server. They are JWTs
// (RS256, ES256 or EdDSA) verified against that issuer's published keys, fetched from its JWKS URL
// and cached (re-fetched when a token names a key not seen yet, at most every 30 s); "iss" must be
// the issuer exactly and "aud" must hold the audience. The configured claim's value is the name of
// the Taskwire user the token acts for; its "scope" claim (space-separated) gives the scopes.
// Revocation is the issuer's business: tokens live until they expire, except that a deleted user's
// stop at once. Thread-safe.
class ExternalIssuer final : public TokenVerifier {
 public:
  struct Options {
    std::string issuer;
    std::string jwks_url;
    std::string audience;  // "" = the MCP endpoint's URL
    std::string user_claim = "sub";
    std::chrono::seconds keys_ttl{600};
  };

  ExternalIssuer(Options options, store::Database& database, const base::Clock& clock)
      : options_(std::move(options)), database_(database), clock_(clock) {}

  base::Result<auth::Identity> Verify(std::string_view token, const Site& site) override;

 private:
  // The cached keys, fetched when missing, stale, or (`refresh`) when a token named an unknown key.
  base::Result<std::shared_ptr<const std::vector<Jwk>>> Keys(bool refresh);

  const Options options_;
  store::Database& database_;
  const base::Clock& clock_;
  std::mutex mutex_;  // guards the three below; held across a fetch so only one runs
  std::shared_ptr<const std::vector<Jwk>> keys_;
  base::WallTime fetched_at_{};
  base::WallTime last_refresh_{};
};

}  // namespace taskwire::oauth
