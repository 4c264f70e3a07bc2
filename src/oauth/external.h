#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "oauth/authorization_server.h"
#include "oauth/jwt.h"
#include "store/database.h"

namespace taskwire::oauth {

// Which Taskwire user an external issuer's subject is (the table external_identities).
struct ExternalLink {
  int64_t id = 0;
  std::string issuer;
  std::string subject;
  int64_t user_id = 0;
  std::string user_name;
  std::string created_at;
};

// The links of external subjects ("iss" + "sub") to Taskwire users: one per subject, and one per
// user at each issuer. For the issuer's verifier and the operator's `taskwire user link/unlink`.
// Blocking; thread-safe.
class ExternalLinks {
 public:
  ExternalLinks(store::Database& database, const base::Clock& clock)
      : database_(database), clock_(clock) {}

  // The link of `subject` at `issuer`, if any (its user may have been deleted since: check).
  base::Result<std::optional<ExternalLink>> Find(std::string_view issuer, std::string_view subject);
  // Links `subject` at `issuer` to the user named exactly `user_name` (case included). NotFound
  // for no such user; AlreadyExists when the subject, or the user, already has a link there.
  base::Result<ExternalLink> Link(std::string_view issuer, std::string_view subject,
                                  std::string_view user_name);
  // Removes the user's link at `issuer`; NotFound when there is none.
  base::Result<ExternalLink> Unlink(std::string_view issuer, std::string_view user_name);
  // Every link, oldest first.
  base::Result<std::vector<ExternalLink>> List();

 private:
  store::Database& database_;
  const base::Clock& clock_;
};

// auth.mode = "external": access tokens come from another authorization server. They are JWTs
// (RS256, ES256 or EdDSA) of type "at+jwt" (RFC 9068) verified against that issuer's published
// keys, fetched from its JWKS URL and cached (re-fetched when a token names a key not seen yet, at
// most every 30 s); "iss" must be the issuer exactly, "aud" must hold the audience, "sub" and
// "iat" are required, and exp - iat may not exceed the maximum lifetime. A token acts for the user
// its subject is linked to (ExternalLinks), never for a name in a claim: the configured name claim
// only makes a subject's first link (when auto-linking is on), to the user of exactly that name,
// who must not be linked to another subject of this issuer. Its "scope" claim (space-separated)
// gives the scopes, keys:manage never. Revocation is the issuer's business: tokens live until they
// expire, except that a deleted user's stop at once. Thread-safe.
class ExternalIssuer final : public TokenVerifier {
 public:
  struct Options {
    std::string issuer;
    std::string jwks_url;
    std::string audience;                      // "" = the MCP endpoint's URL
    std::string user_claim = "sub";            // names the user an unlinked subject is linked to
    bool auto_link = true;                     // false: only `taskwire user link` makes links
    std::chrono::seconds max_lifetime{86400};  // of a token: exp - iat
    std::chrono::seconds keys_ttl{600};
  };

  // `logger` (may be null) records every link made and every one refused.
  ExternalIssuer(Options options, store::Database& database, const base::Clock& clock,
                 base::Logger* logger = nullptr)
      : options_(std::move(options)), links_(database, clock), clock_(clock), logger_(logger) {}

  base::Result<auth::Identity> Verify(std::string_view token, const Site& site) override;

 private:
  // The cached keys, fetched when missing, stale, or (`refresh`) when a token named an unknown key.
  base::Result<std::shared_ptr<const std::vector<Jwk>>> Keys(bool refresh);
  // The link of the token's subject, made from its name claim when there is none yet and that is
  // allowed. Unauthenticated saying why there is none.
  base::Result<ExternalLink> LinkOf(const Claims& claims, const std::string& subject);

  const Options options_;
  ExternalLinks links_;
  const base::Clock& clock_;
  base::Logger* logger_;
  std::mutex mutex_;  // guards the three below; held across a fetch so only one runs
  std::shared_ptr<const std::vector<Jwk>> keys_;
  base::WallTime fetched_at_{};
  base::WallTime last_refresh_{};
};

}  // namespace taskwire::oauth
