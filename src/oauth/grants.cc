#include "oauth/grants.h"

#include <algorithm>

#include "auth/scopes.h"
#include "base/base64url.h"
#include "base/random.h"
#include "base/sha256.h"

namespace taskwire::oauth {

namespace {

constexpr size_t kTokenBytes = 32;

std::string Hash(std::string_view secret) { return base::ToHex(base::Sha256(secret)); }

std::set<std::string> Scopes(const std::string& text) {
  return auth::ParseScopes(text).value_or(std::set<std::string>{});
}

base::Error InvalidGrant(std::string why) { return base::Error::PermissionDenied(std::move(why)); }

constexpr std::string_view kGrantColumns =
    "g.id, g.user_id, u.name, g.client_id, g.client_name, g.scopes, g.created_at, g.last_used_at, "
    "g.revoked_at, g.review, u.deleted_at IS NOT NULL";

Grant GrantFromRow(const store::Row& row) {
  Grant grant;
  grant.id = row.Int(0);
  grant.user_id = row.Int(1);
  grant.user_name = row.Text(2);
  grant.client_id = row.Text(3);
  grant.client_name = row.Text(4);
  grant.scopes = Scopes(row.Text(5));
  grant.created_at = row.Text(6);
  grant.last_used_at = row.OptionalText(7);
  grant.revoked_at = row.OptionalText(8);
  grant.review = auth::ReviewModeOf(row.Int(9));
  grant.owner_deleted = row.Int(10) != 0;
  return grant;
}

// The family's owner and scopes, for an Issued answer.
base::Result<Issued> LoadIssued(store::Transaction& tx, std::string_view family_id) {
  auto rows = tx.Query(
      "SELECT f.grant_id, g.user_id, u.name, g.client_id, f.scopes, f.resource FROM "
      "oauth_token_families f "
      "JOIN oauth_grants g ON g.id = f.grant_id JOIN users u ON u.id = g.user_id WHERE f.id = ?",
      {family_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return InvalidGrant("the token family is gone");
  const auto& row = rows->front();
  Issued issued;
  issued.family_id = std::string(family_id);
  issued.grant_id = row.Int(0);
  issued.user_id = row.Int(1);
  issued.user_name = row.Text(2);
  issued.client_id = row.Text(3);
  issued.scopes = Scopes(row.Text(4));
  issued.resource = row.Text(5);
  return issued;
}

}  // namespace

std::string S256Challenge(std::string_view verifier) {
  const auto digest = base::Sha256(verifier);
  return base::Base64UrlEncode(std::span<const uint8_t>(digest.data(), digest.size()));
}

bool IsValidVerifier(std::string_view verifier) {
  return verifier.size() >= 43 && verifier.size() <= 128 &&
         std::all_of(verifier.begin(), verifier.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                  c == '~';
         });
}

void GrantStore::Signal() const {
  if (revocations_ == nullptr) return;
  if (auto raised = revocations_->Raise(); !raised) {
    // The revocation stands; servers notice it when their cached entries expire.
    (void)raised;
  }
}

base::Result<std::optional<Grant>> GrantStore::Find(int64_t user_id, std::string_view client_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kGrantColumns) +
                               " FROM oauth_grants g JOIN users u ON u.id = g.user_id "
                               "WHERE g.user_id = ? AND g.client_id = ? AND g.revoked_at IS NULL",
                           {user_id, client_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Grant>();
  return std::optional<Grant>(GrantFromRow(rows->front()));
}

base::Result<std::string> GrantStore::IssueCode(const CodeRequest& request) {
  const base::WallTime now = clock_.Now();
  const std::string now_text = base::FormatIso8601(now);
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto live = (*tx)->Query(
      "SELECT id, scopes FROM oauth_grants WHERE user_id = ? AND client_id = ? AND revoked_at IS "
      "NULL",
      {request.user_id, request.client_id});
  if (!live) return std::move(live).error();
  int64_t grant_id = 0;
  if (live->empty()) {
    auto inserted = (*tx)->Query(
        "INSERT INTO oauth_grants (user_id, client_id, client_name, scopes, review, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {request.user_id, request.client_id, request.client_name, auth::JoinScopes(request.scopes),
         static_cast<int64_t>(request.review.value_or(auth::ReviewMode::kOff)), now_text});
    if (!inserted) return std::move(inserted).error();
    grant_id = inserted->front().Int(0);
  } else {
    grant_id = live->front().Int(0);
    std::set<std::string> scopes = Scopes(live->front().Text(1));
    scopes.insert(request.scopes.begin(), request.scopes.end());
    auto updated =
        (*tx)->Execute("UPDATE oauth_grants SET scopes = ?, client_name = ? WHERE id = ?",
                       {auth::JoinScopes(scopes), request.client_name, grant_id});
    if (!updated) return std::move(updated).error();
    // The consent form's checkbox decides anew each time it is shown.
    if (request.review) {
      auto reviewed = (*tx)->Execute("UPDATE oauth_grants SET review = ? WHERE id = ?",
                                     {static_cast<int64_t>(*request.review), grant_id});
      if (!reviewed) return std::move(reviewed).error();
    }
  }
  const std::string code = base::RandomToken(kTokenBytes);
  auto inserted = (*tx)->Execute(
      "INSERT INTO oauth_codes (hash, grant_id, client_id, redirect_uri, code_challenge, resource, "
      "scopes, "
      "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {Hash(code), grant_id, request.client_id, request.redirect_uri, request.code_challenge,
       request.resource, auth::JoinScopes(request.scopes),
       base::FormatIso8601(now + options_.code_lifetime)});
  if (!inserted) return std::move(inserted).error();
  // Codes are single-use and short-lived; old ones are of no further use.
  auto swept = (*tx)->Execute("DELETE FROM oauth_codes WHERE expires_at < ?",
                              {base::FormatIso8601(now - std::chrono::hours(1))});
  if (!swept) return std::move(swept).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return code;
}

base::Result<std::string> GrantStore::NewRefreshToken(store::Transaction& tx,
                                                      std::string_view family_id,
                                                      const std::string& now,
                                                      base::WallTime family_created) {
  const std::string token = base::RandomToken(kTokenBytes);
  const base::WallTime expires =
      std::min(clock_.Now() + options_.refresh_lifetime, family_created + options_.family_lifetime);
  auto inserted = tx.Execute(
      "INSERT INTO oauth_refresh_tokens (hash, family_id, created_at, expires_at) VALUES (?, ?, ?, "
      "?)",
      {Hash(token), family_id, now, base::FormatIso8601(expires)});
  if (!inserted) return std::move(inserted).error();
  return token;
}

base::Result<void> GrantStore::RevokeFamilyIn(store::Transaction& tx, std::string_view family_id,
                                              const std::string& now) {
  auto revoked = tx.Execute(
      "UPDATE oauth_token_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
      {now, family_id});
  if (!revoked) return std::move(revoked).error();
  return {};
}

base::Result<Issued> GrantStore::ExchangeCode(std::string_view code, std::string_view client_id,
                                              std::string_view redirect_uri,
                                              std::string_view verifier,
                                              std::optional<std::string_view> resource) {
  const base::WallTime now = clock_.Now();
  const std::string now_text = base::FormatIso8601(now);
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT c.grant_id, c.client_id, c.redirect_uri, c.code_challenge, c.resource, c.scopes, "
      "c.expires_at, "
      "c.used_at, c.family_id, g.revoked_at, u.deleted_at FROM oauth_codes c "
      "JOIN oauth_grants g ON g.id = c.grant_id JOIN users u ON u.id = g.user_id WHERE c.hash = ?",
      {Hash(code)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return InvalidGrant("unknown authorization code");
  const auto& row = rows->front();
  if (!row.IsNull(7)) {
    // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
    if (auto family = row.OptionalText(8)) {
      if (auto ok = RevokeFamilyIn(**tx, *family, now_text); !ok) return std::move(ok).error();
    }
    if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
    Signal();
    return InvalidGrant("the authorization code was already used; the tokens it gave are revoked");
  }
  if (row.Text(1) != client_id)
    return InvalidGrant("the authorization code was issued to another client");
  if (row.Text(2) != redirect_uri)
    return InvalidGrant("redirect_uri differs from the authorization request's");
  auto expires = base::ParseIso8601(row.Text(6));
  if (!expires || *expires <= now) return InvalidGrant("the authorization code has expired");
  if (!row.IsNull(9) || !row.IsNull(10))
    return InvalidGrant("the grant was revoked or its user deleted");
  if (!IsValidVerifier(verifier) ||
      !base::ConstantTimeEquals(S256Challenge(verifier), row.Text(3))) {
    return InvalidGrant("code_verifier does not match the code challenge");
  }
  if (resource && *resource != row.Text(4))
    return InvalidGrant("resource differs from the authorization request's");
  const std::string family_id = base::RandomToken(16);
  auto family = (*tx)->Execute(
      "INSERT INTO oauth_token_families (id, grant_id, scopes, resource, created_at) VALUES (?, ?, "
      "?, ?, ?)",
      {family_id, row.Int(0), row.Text(5), row.Text(4), now_text});
  if (!family) return std::move(family).error();
  auto used = (*tx)->Execute("UPDATE oauth_codes SET used_at = ?, family_id = ? WHERE hash = ?",
                             {now_text, family_id, Hash(code)});
  if (!used) return std::move(used).error();
  auto issued = LoadIssued(**tx, family_id);
  if (!issued) return issued;
  if (issued->scopes.contains(std::string(auth::kScopeOfflineAccess))) {
    auto refresh = NewRefreshToken(**tx, family_id, now_text, now);
    if (!refresh) return std::move(refresh).error();
    issued->refresh_token = std::move(*refresh);
  }
  auto touched = (*tx)->Execute("UPDATE oauth_grants SET last_used_at = ? WHERE id = ?",
                                {now_text, issued->grant_id});
  if (!touched) return std::move(touched).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return issued;
}

base::Result<Issued> GrantStore::Refresh(std::string_view refresh_token, std::string_view client_id,
                                         const std::optional<std::set<std::string>>& scopes,
                                         std::optional<std::string_view> resource) {
  const base::WallTime now = clock_.Now();
  const std::string now_text = base::FormatIso8601(now);
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT r.family_id, r.expires_at, r.used_at, r.superseded, f.revoked_at, g.revoked_at, "
      "g.client_id, "
      "f.resource, u.deleted_at, f.created_at, r.retried, r.successor, s.used_at, s.superseded "
      "FROM oauth_refresh_tokens r JOIN oauth_token_families f ON f.id = r.family_id "
      "JOIN oauth_grants g ON g.id = f.grant_id JOIN users u ON u.id = g.user_id "
      "LEFT JOIN oauth_refresh_tokens s ON s.hash = r.successor WHERE r.hash = ?",
      {Hash(refresh_token)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return InvalidGrant("unknown refresh token");
  const auto& row = rows->front();
  const std::string family_id = row.Text(0);
  // Cuts the whole family off (the access tokens too: they name it) and says why.
  auto revoke_family = [&](std::string why) -> base::Result<Issued> {
    if (auto ok = RevokeFamilyIn(**tx, family_id, now_text); !ok) return std::move(ok).error();
    if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
    Signal();
    return InvalidGrant(std::move(why));
  };
  if (row.Text(6) != client_id)
    return InvalidGrant("the refresh token was issued to another client");
  if (!row.IsNull(5)) return InvalidGrant("the grant was revoked");
  if (!row.IsNull(8)) return InvalidGrant("the user was deleted");
  if (!row.IsNull(4))
    return InvalidGrant(
        "the token family was revoked (a reused code or refresh token, or RFC 7009)");
  auto family_created = base::ParseIso8601(row.Text(9));
  if (!family_created || now >= *family_created + options_.family_lifetime) {
    return InvalidGrant(
        "the token family reached its absolute lifetime (oauth.refresh_family_ttl); authorize "
        "again");
  }
  if (row.Int(3) != 0) {
    // A successor a retry replaced came back: both answers reached someone.
    return revoke_family(
        "the refresh token was replaced by a retry and came back; every token of its family is "
        "revoked");
  }
  auto expires = base::ParseIso8601(row.Text(1));
  if (!expires || *expires <= now) return InvalidGrant("the refresh token has expired");
  if (resource && *resource != row.Text(7))
    return InvalidGrant("resource differs from the grant's");
  if (auto used = row.OptionalText(2)) {
    // RFC 9700 §4.14.2: a rotated token came back. Only a client whose answer was lost retries:
    // once, soon, and before it ever used the successor that answer carried.
    auto used_at = base::ParseIso8601(*used);
    const bool soon = used_at && now - *used_at <= options_.refresh_grace;
    const bool first_retry = row.Int(10) == 0;
    const bool successor_unused =
        !row.IsNull(11) && row.IsNull(12) && !row.IsNull(13) && row.Int(13) == 0;
    if (!soon || !first_retry || !successor_unused) {
      return revoke_family(
          "the refresh token was already used; every token of its family is revoked");
    }
    auto superseded = (*tx)->Execute(
        "UPDATE oauth_refresh_tokens SET superseded = 1 WHERE hash = ?", {row.Text(11)});
    if (!superseded) return std::move(superseded).error();
    auto retried = (*tx)->Execute("UPDATE oauth_refresh_tokens SET retried = 1 WHERE hash = ?",
                                  {Hash(refresh_token)});
    if (!retried) return std::move(retried).error();
  } else {
    auto rotated = (*tx)->Execute("UPDATE oauth_refresh_tokens SET used_at = ? WHERE hash = ?",
                                  {now_text, Hash(refresh_token)});
    if (!rotated) return std::move(rotated).error();
  }
  auto issued = LoadIssued(**tx, family_id);
  if (!issued) return issued;
  if (scopes) {
    for (const auto& scope : *scopes) {
      if (!issued->scopes.contains(scope)) {
        return base::Error::InvalidArgument("invalid_scope: " + scope + " was not granted")
            .WithReason(kInvalidScope);
      }
    }
    issued->scopes = *scopes;
    issued->scopes.insert(std::string(auth::kScopeOfflineAccess));
  }
  auto refresh = NewRefreshToken(**tx, family_id, now_text, *family_created);
  if (!refresh) return std::move(refresh).error();
  auto linked = (*tx)->Execute("UPDATE oauth_refresh_tokens SET successor = ? WHERE hash = ?",
                               {Hash(*refresh), Hash(refresh_token)});
  if (!linked) return std::move(linked).error();
  issued->refresh_token = std::move(*refresh);
  auto touched = (*tx)->Execute("UPDATE oauth_grants SET last_used_at = ? WHERE id = ?",
                                {now_text, issued->grant_id});
  if (!touched) return std::move(touched).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return issued;
}

base::Result<LiveFamily> GrantStore::CheckFamily(std::string_view family_id) {
  const std::string now_text = base::FormatIso8601(clock_.Now());
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT g.id, g.user_id, u.name, g.client_name, g.review FROM oauth_token_families f "
      "JOIN oauth_grants g ON g.id = f.grant_id JOIN users u ON u.id = g.user_id "
      "WHERE f.id = ? AND f.revoked_at IS NULL AND g.revoked_at IS NULL AND u.deleted_at IS NULL",
      {family_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::Unauthenticated("the token was revoked");
  const auto& row = rows->front();
  LiveFamily family{row.Int(0), row.Int(1), row.Text(2), row.Text(3),
                    auth::ReviewModeOf(row.Int(4))};
  auto touched = (*tx)->Execute("UPDATE oauth_grants SET last_used_at = ? WHERE id = ?",
                                {now_text, family.grant_id});
  if (!touched) return std::move(touched).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return family;
}

base::Result<void> GrantStore::RevokeRefreshToken(std::string_view refresh_token,
                                                  std::string_view client_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT r.family_id, g.client_id FROM oauth_refresh_tokens r JOIN oauth_token_families f ON "
      "f.id = r.family_id "
      "JOIN oauth_grants g ON g.id = f.grant_id WHERE r.hash = ?",
      {Hash(refresh_token)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return {};
  if (rows->front().Text(1) != client_id) {
    return base::Error::PermissionDenied("the token was issued to another client");
  }
  if (auto ok = RevokeFamilyIn(**tx, rows->front().Text(0), base::FormatIso8601(clock_.Now())); !ok)
    return ok;
  if (auto ok = (*tx)->Commit(); !ok) return ok;
  Signal();
  return {};
}

base::Result<void> GrantStore::RevokeFamily(std::string_view family_id,
                                            std::string_view client_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT g.client_id FROM oauth_token_families f JOIN oauth_grants g ON g.id = f.grant_id "
      "WHERE f.id = ?",
      {family_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return {};
  if (rows->front().Text(0) != client_id) {
    return base::Error::PermissionDenied("the token was issued to another client");
  }
  if (auto ok = RevokeFamilyIn(**tx, family_id, base::FormatIso8601(clock_.Now())); !ok) return ok;
  if (auto ok = (*tx)->Commit(); !ok) return ok;
  Signal();
  return {};
}

base::Result<std::vector<Grant>> GrantStore::List(std::optional<std::string_view> user_name,
                                                  bool include_revoked) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  std::string sql = "SELECT " + std::string(kGrantColumns) +
                    " FROM oauth_grants g JOIN users u ON u.id = g.user_id WHERE 1";
  if (!include_revoked) sql += " AND g.revoked_at IS NULL";
  std::vector<store::Param> params;
  if (user_name) {
    sql += " AND u.name = ?";
    params.emplace_back(*user_name);
  }
  sql += " ORDER BY g.created_at DESC, g.id DESC";
  auto rows = (*tx)->Query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<Grant> grants;
  for (const auto& row : *rows) grants.push_back(GrantFromRow(row));
  return grants;
}

base::Result<Grant> GrantStore::Revoke(int64_t grant_id,
                                       std::optional<std::string_view> user_name) {
  const std::string now = base::FormatIso8601(clock_.Now());
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  // Names compare without regard to case (the column's collation).
  auto rows = (*tx)->Query("SELECT " + std::string(kGrantColumns) +
                               " FROM oauth_grants g JOIN users u ON u.id = g.user_id "
                               "WHERE g.id = ? AND (? IS NULL OR u.name = ?)",
                           {grant_id, user_name, user_name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {
    return base::Error::NotFound("grant", std::to_string(grant_id));
  }
  Grant grant = GrantFromRow(rows->front());
  if (!grant.revoked_at) {
    auto revoked =
        (*tx)->Execute("UPDATE oauth_grants SET revoked_at = ? WHERE id = ?", {now, grant_id});
    if (!revoked) return std::move(revoked).error();
    auto families = (*tx)->Execute(
        "UPDATE oauth_token_families SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL",
        {now, grant_id});
    if (!families) return std::move(families).error();
    if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
    grant.revoked_at = now;
    Signal();
  }
  return grant;
}

}  // namespace taskwire::oauth
