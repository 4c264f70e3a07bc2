#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "auth/api_keys.h"
#include "auth/revocation_signal.h"
#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace taskwire::oauth {

// base::Error::reason() of a grant refusal that RFC 6749 §5.2 calls invalid_scope.
inline constexpr std::string_view kInvalidScope = "invalid_scope";

// What a person allowed one client ("connected apps").
struct Grant {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string user_name;
  std::string client_id;
  std::string client_name;
  std::set<std::string> scopes;
  auth::ReviewMode review = auth::ReviewMode::kOff;  // "Ask me before this app changes anything"
  std::string created_at;
  std::optional<std::string> last_used_at;
  std::optional<std::string> revoked_at;
  bool owner_deleted = false;  // its user was deleted: its tokens no longer work
};

// What `taskwire grant list` and GET /api/v1/grants show: "revoked", "owner-deleted" or
// "active". A grant does not expire; its tokens and refresh tokens do, one by one.
inline std::string_view GrantState(const Grant& grant) {
  if (grant.revoked_at) return "revoked";
  if (grant.owner_deleted) return "owner-deleted";
  return "active";
}

// An authorization request the person approved, bound into its code.
struct CodeRequest {
  int64_t user_id = 0;
  std::string client_id;
  std::string client_name;
  std::string redirect_uri;
  std::string code_challenge;  // S256
  std::string resource;
  std::set<std::string> scopes;  // what the person granted
  // The review mode the consent form set on the grant; nullopt keeps the grant's (a request an
  // earlier consent covers).
  std::optional<auth::ReviewMode> review;
};

// What a code or a refresh token was exchanged for.
struct Issued {
  std::string family_id;  // the access tokens' "sid"
  int64_t grant_id = 0;
  int64_t user_id = 0;
  std::string user_name;
  std::string client_id;
  std::set<std::string> scopes;
  std::string resource;
  std::string refresh_token;  // "" without offline_access
};

// A live token family, for verifying an access token.
struct LiveFamily {
  int64_t grant_id = 0;
  int64_t user_id = 0;
  std::string user_name;
  std::string client_name;
  auth::ReviewMode review = auth::ReviewMode::kOff;  // the grant's, as it is now
};

// Grants, authorization codes, token families and refresh tokens. Codes and refresh tokens are
// stored only as SHA-256 hashes. Every revocation raises the signal, so servers drop cached
// tokens. Errors: PermissionDenied means the OAuth error invalid_grant (its message says why, for
// the log); InvalidArgument means invalid_request. Blocking; thread-safe.
class GrantStore {
 public:
  struct Options {
    std::chrono::seconds code_lifetime{60};
    std::chrono::seconds refresh_lifetime{30 * 86400};
    // The absolute lifetime of a token family, counted from the code exchange: refreshing stops
    // then, however often the tokens were rotated, and the person must authorize the app again.
    std::chrono::seconds family_lifetime{90 * 86400};
    // RFC 9700 §4.14.2: a rotated refresh token that comes back revokes its whole family, except
    // for one retry whose first answer was plausibly lost: it comes within this grace, it is the
    // first retry of that token, and the successor the first answer carried was never used. The
    // retry gets fresh tokens and that successor stops working; if the successor comes back
    // afterwards, it too revokes the family.
    std::chrono::seconds refresh_grace{30};
  };

  GrantStore(store::Database& database, const base::Clock& clock,
             const auth::RevocationSignal* revocations, Options options)
      : database_(database), clock_(clock), revocations_(revocations), options_(options) {}

  // The person's live grant to the client, if any.
  base::Result<std::optional<Grant>> Find(int64_t user_id, std::string_view client_id);
  // Records the consent (the grant's scopes grow to include `request.scopes`) and returns a new
  // single-use authorization code.
  base::Result<std::string> IssueCode(const CodeRequest& request);
  // Exchanges a code: it must be unused, unexpired, for this client and redirect URI, and the
  // verifier must match its S256 challenge. A code presented twice revokes what it was exchanged
  // for.
  base::Result<Issued> ExchangeCode(std::string_view code, std::string_view client_id,
                                    std::string_view redirect_uri, std::string_view verifier,
                                    std::optional<std::string_view> resource);
  // Rotates a refresh token. `scopes`, when given, narrows the family's scopes for the new access
  // token (never widens). invalid_grant (revoking the family) for a replay that is not the one
  // allowed retry (Options::refresh_grace); invalid_grant for a family past its absolute lifetime.
  // Refusals are typed as RFC 6749 §5.2 names them: PermissionDenied is invalid_grant (for
  // ExchangeCode too), and InvalidArgument with reason() kInvalidScope a scope beyond the grant's.
  base::Result<Issued> Refresh(std::string_view refresh_token, std::string_view client_id,
                               const std::optional<std::set<std::string>>& scopes,
                               std::optional<std::string_view> resource);
  // The family behind an access token's "sid", when it and its grant are live; records the use.
  base::Result<LiveFamily> CheckFamily(std::string_view family_id);

  // RFC 7009: revokes the family of a refresh token, or of an access token's sid. Unknown tokens
  // are not an error. Only the client the token was issued to may revoke it.
  base::Result<void> RevokeRefreshToken(std::string_view refresh_token, std::string_view client_id);
  base::Result<void> RevokeFamily(std::string_view family_id, std::string_view client_id);

  // Live grants, of one user or everyone's (revoked ones too with `include_revoked`).
  base::Result<std::vector<Grant>> List(std::optional<std::string_view> user_name,
                                        bool include_revoked = false);
  // Revokes a grant and every token it issued. NotFound for an unknown id, or another user's when
  // `user_name` is given; revoking twice is not an error.
  base::Result<Grant> Revoke(int64_t grant_id,
                             std::optional<std::string_view> user_name = std::nullopt);

 private:
  // Issues a new refresh token in `family`, created at `family_created` (it expires no later than
  // the family's absolute lifetime).
  base::Result<std::string> NewRefreshToken(store::Transaction& tx, std::string_view family_id,
                                            const std::string& now, base::WallTime family_created);
  base::Result<void> RevokeFamilyIn(store::Transaction& tx, std::string_view family_id,
                                    const std::string& now);
  void Signal() const;

  store::Database& database_;
  const base::Clock& clock_;
  const auth::RevocationSignal* revocations_;
  const Options options_;
};

// The S256 code challenge of a PKCE verifier (RFC 7636 §4.2).
std::string S256Challenge(std::string_view verifier);
// A verifier is 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).
bool IsValidVerifier(std::string_view verifier);

}  // namespace taskwire::oauth
