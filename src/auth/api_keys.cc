#include "auth/api_keys.h"

#include <algorithm>
#include <cctype>

#include "auth/crypto.h"
#include "auth/scopes.h"
#include "base/base64url.h"
#include "base/random.h"

namespace taskwire::auth {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kEncodedLength = 43;  // base64url of 32 bytes, unpadded
constexpr size_t kDisplayPrefix = 10;  // "tw_" and 7 characters

constexpr std::string_view kKeyColumns =
    "k.id, u.name, k.name, k.prefix, k.scopes, k.review, k.created_at, k.expires_at, "
    "k.last_used_at, k.revoked_at, u.deleted_at IS NOT NULL";

ApiKey KeyFromRow(const store::Row& row) {
  ApiKey key;
  key.id = row.Int(0);
  key.user_name = row.Text(1);
  key.name = row.Text(2);
  key.prefix = row.Text(3);
  key.scopes = ParseScopes(row.Text(4)).value_or(std::set<std::string>{});
  key.review = ReviewModeOf(row.Int(5));
  key.created_at = row.Text(6);
  key.expires_at = row.OptionalText(7);
  key.last_used_at = row.OptionalText(8);
  key.revoked_at = row.OptionalText(9);
  key.owner_deleted = row.Int(10) != 0;
  return key;
}

std::string HashKey(std::string_view raw) { return CredentialHash(raw); }

}  // namespace

std::string_view ReviewModeName(ReviewMode mode) {
  switch (mode) {
    case ReviewMode::kOff:
      return "off";
    case ReviewMode::kPerson:
      return "person";
    case ReviewMode::kConfirm:
      return "confirm";
  }
  return "off";
}

std::optional<ReviewMode> ParseReviewMode(std::string_view name) {
  for (ReviewMode mode : {ReviewMode::kOff, ReviewMode::kPerson, ReviewMode::kConfirm}) {
    if (ReviewModeName(mode) == name) return mode;
  }
  return std::nullopt;
}

ReviewMode ReviewModeOf(int64_t stored) {
  if (stored == 1) return ReviewMode::kPerson;
  if (stored == 2) return ReviewMode::kConfirm;
  return ReviewMode::kOff;
}

std::string_view DisplayPrefix(std::string_view raw_key) {
  return raw_key.substr(0, kDisplayPrefix);
}

std::string_view KeyState(const ApiKey& key, base::WallTime now) {
  if (key.revoked_at) return "revoked";
  if (key.owner_deleted) return "owner-deleted";
  if (key.expires_at) {
    auto at = base::ParseIso8601(*key.expires_at);
    if (!at || *at <= now) return "expired";
  }
  return "active";
}

bool LooksLikeApiKey(std::string_view text) {
  if (text.size() != kApiKeyPrefix.size() + kEncodedLength || !text.starts_with(kApiKeyPrefix)) {
    return false;
  }
  return std::all_of(text.begin() + kApiKeyPrefix.size(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

base::Result<std::pair<std::string, ApiKey>> ApiKeyStore::Create(const NewApiKey& spec) {
  if (spec.name.empty() || spec.name.size() > 100 ||
      std::any_of(spec.name.begin(), spec.name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return base::Error::InvalidArgument("a key name is 1 to 100 characters on one line");
  }
  if (spec.scopes.empty()) return base::Error::InvalidArgument("a key needs at least one scope");
  const base::WallTime now = clock_.Now();
  if (spec.expires && *spec.expires <= now) {
    return base::Error::InvalidArgument("the expiry is in the past");
  }
  const std::string raw = std::string(kApiKeyPrefix) + base::RandomToken(kKeyBytes);
  const std::string now_text = base::FormatIso8601(now);
  const std::optional<std::string> expires =
      spec.expires ? std::optional(base::FormatIso8601(*spec.expires)) : std::nullopt;
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto user =
      (*tx)->Query("SELECT id FROM users WHERE name = ? AND deleted_at IS NULL", {spec.user_name});
  if (!user) return std::move(user).error();
  if (user->empty()) return base::Error::NotFound("user", spec.user_name);
  const std::string scopes = JoinScopes(spec.scopes);
  auto rows = (*tx)->Query(
      "INSERT INTO api_keys (user_id, name, prefix, hash, scopes, review, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {user->front().Int(0), spec.name, std::string(DisplayPrefix(raw)), HashKey(raw), scopes,
       static_cast<int64_t>(spec.review), now_text, expires});
  if (!rows) return std::move(rows).error();
  const int64_t id = rows->front().Int(0);
  auto created =
      (*tx)->Query("SELECT " + std::string(kKeyColumns) +
                       " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?",
                   {id});
  if (!created) return std::move(created).error();
  if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
  return std::pair{raw, KeyFromRow(created->front())};
}

base::Result<std::vector<ApiKey>> ApiKeyStore::List(std::optional<std::string_view> user_name) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  std::string sql =
      "SELECT " + std::string(kKeyColumns) + " FROM api_keys k JOIN users u ON u.id = k.user_id";
  std::vector<store::Param> params;
  if (user_name) {
    sql += " WHERE u.name = ?";
    params.emplace_back(*user_name);
  }
  sql += " ORDER BY k.id DESC";
  auto rows = (*tx)->Query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<ApiKey> keys;
  for (const store::Row& row : *rows) keys.push_back(KeyFromRow(row));
  return keys;
}

base::Result<ApiKey> ApiKeyStore::Revoke(int64_t id, std::optional<std::string_view> user_name) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kKeyColumns) +
                               " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?",
                           {id});
  if (!rows) return std::move(rows).error();
  if (rows->empty() || (user_name && rows->front().Text(1) != *user_name)) {
    return base::Error::NotFound("API key", std::to_string(id));
  }
  ApiKey key = KeyFromRow(rows->front());
  if (!key.revoked_at) {
    key.revoked_at = base::FormatIso8601(clock_.Now());
    auto changed =
        (*tx)->Execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", {*key.revoked_at, id});
    if (!changed) return std::move(changed).error();
  }
  if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
  if (revocations_ != nullptr) {
    // The revocation stands either way; a failed signal only delays it in running servers.
    (void)revocations_->Raise();
  }
  return key;
}

base::Result<Identity> ApiKeyStore::Verify(std::string_view raw_key) {
  const auto refused = [] { return base::Error::Unauthenticated("the API key is not valid"); };
  if (!LooksLikeApiKey(raw_key)) return refused();
  // A read first: an unknown key, the common bad credential, never takes the write lock.
  auto rtx = database_.Begin(store::Access::kRead);
  if (!rtx) return std::move(rtx).error();
  auto known = (*rtx)->Query("SELECT 1 FROM api_keys WHERE hash = ?", {HashKey(raw_key)});
  if (!known) return std::move(known).error();
  if (known->empty()) return refused();
  rtx->reset();
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  // The lookup is by hash, so the secret itself is never compared byte by byte.
  auto rows = (*tx)->Query(
      "SELECT k.id, k.user_id, u.name, k.name, k.scopes, k.review, k.expires_at, k.revoked_at "
      "FROM api_keys k JOIN users u ON u.id = k.user_id "
      "WHERE k.hash = ? AND u.deleted_at IS NULL",
      {HashKey(raw_key)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return refused();
  const store::Row& row = rows->front();
  if (!row.IsNull(7)) return refused();
  const base::WallTime now = clock_.Now();
  Identity identity;
  if (auto expires = row.OptionalText(6)) {
    auto at = base::ParseIso8601(*expires);
    if (!at || *at <= now) return base::Error::Unauthenticated("the API key has expired");
    identity.expires = *at;
  }
  identity.user_id = row.Int(1);
  identity.user_name = row.Text(2);
  identity.credential = "key:" + std::to_string(row.Int(0));
  identity.client = row.Text(3);
  identity.scopes = ParseScopes(row.Text(4)).value_or(std::set<std::string>{});
  identity.review = ReviewModeOf(row.Int(5));
  auto used = (*tx)->Execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                             {base::FormatIso8601(now), row.Int(0)});
  if (!used) return std::move(used).error();
  if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
  return identity;
}

}  // namespace taskwire::auth
