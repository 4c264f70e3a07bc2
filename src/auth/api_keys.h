#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "auth/revocation_signal.h"
#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace taskwire::auth {

// What a credential's writes do (docs/review.md): applied (kOff), or recorded as proposals that
// only a person commits (kPerson) or that the same credential may commit in a separate call
// (kConfirm). Stored as 0, 1, 2 (migration 0015).
enum class ReviewMode { kOff = 0, kPerson = 1, kConfirm = 2 };
// "off", "person", "confirm".
std::string_view ReviewModeName(ReviewMode mode);
// nullopt for anything but those three names.
std::optional<ReviewMode> ParseReviewMode(std::string_view name);
// The stored integer; kOff for an unknown one.
ReviewMode ReviewModeOf(int64_t stored);

// Who a verified credential speaks for, and what it may do.
struct Identity {
  int64_t user_id = 0;
  std::string user_name;
  std::string credential;  // "key:12"
  std::string client;      // the key's name, e.g. "claude-code"
  std::set<std::string> scopes;
  ReviewMode review = ReviewMode::kOff;  // writes become proposals unless kOff
  std::optional<base::WallTime> expires;
  // An OAuth access token (built-in or external): an app acting for the person. It never holds
  // keys:manage, and REST refuses it key, grant and user management whatever its scopes.
  bool oauth = false;
};

struct ApiKey {
  int64_t id = 0;
  std::string user_name;
  std::string name;
  std::string prefix;  // the first characters of the key, for telling keys apart
  std::set<std::string> scopes;
  ReviewMode review = ReviewMode::kOff;
  std::string created_at;
  std::optional<std::string> expires_at;
  std::optional<std::string> last_used_at;
  std::optional<std::string> revoked_at;
  bool owner_deleted = false;  // its user was deleted: the key no longer works
};

// What a key is at `now`: "revoked", "owner-deleted", "expired" or "active" (the first that
// holds, in that order), as `key list` and GET /api/v1/keys show it.
std::string_view KeyState(const ApiKey& key, base::WallTime now);

struct NewApiKey {
  std::string user_name;
  std::string name;
  std::set<std::string> scopes;
  std::optional<base::WallTime> expires;
  ReviewMode review = ReviewMode::kOff;
};

// API keys (personal access tokens): "tw_" and 43 base64url characters (256 random bits), shown
// once; only their SHA-256 is stored. Blocking (database); thread-safe.
class ApiKeyStore {
 public:
  // Revoke() raises `revocations` (when given), so servers that cache verified keys drop them.
  ApiKeyStore(store::Database& database, const base::Clock& clock,
              const RevocationSignal* revocations = nullptr)
      : database_(database), clock_(clock), revocations_(revocations) {}

  // The raw key and its record. NotFound for an unknown user; InvalidArgument for a bad name or
  // an expiry in the past.
  base::Result<std::pair<std::string, ApiKey>> Create(const NewApiKey& key);
  // Every key, or one user's; newest first. Revoked keys included.
  base::Result<std::vector<ApiKey>> List(std::optional<std::string_view> user_name);
  // NotFound for an unknown id, or one of another user's keys when `user_name` is given;
  // revoking twice is not an error.
  base::Result<ApiKey> Revoke(int64_t id, std::optional<std::string_view> user_name = std::nullopt);
  // The identity of a raw key, and records its use. Unauthenticated otherwise: "the API key has
  // expired" for a key past its expiry (only whoever holds the secret can learn that), one message
  // for every other reason (malformed, unknown, revoked, a deleted user's).
  base::Result<Identity> Verify(std::string_view raw_key);

 private:
  store::Database& database_;
  const base::Clock& clock_;
  const RevocationSignal* revocations_;
};

inline constexpr std::string_view kApiKeyPrefix = "tw_";

// True when `text` has the shape of an API key (no lookup).
bool LooksLikeApiKey(std::string_view text);
// The first characters of a key ("tw_" and 7 more): not secret, stored and listed as the key's
// prefix so people can tell keys apart, and logged when a key is refused.
std::string_view DisplayPrefix(std::string_view raw_key);

}  // namespace taskwire::auth
