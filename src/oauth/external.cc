#include "oauth/external.h"

#include <algorithm>

#include "auth/scopes.h"
#include "http/client.h"

namespace taskwire::oauth {

namespace {

constexpr std::chrono::seconds kMinRefreshInterval{30};

bool NamesKnownKey(std::string_view token, const std::vector<Jwk>& keys) {
  auto header = ReadUnverifiedHeader(token);
  if (!header) return true;  // unreadable: verification will say so
  return std::any_of(keys.begin(), keys.end(),
                     [&header](const Jwk& key) { return key.kid == header->kid; });
}

}  // namespace

base::Result<std::shared_ptr<const std::vector<Jwk>>> ExternalIssuer::Keys(bool refresh) {
  std::lock_guard lock(mutex_);
  const base::WallTime now = clock_.Now();
  const bool stale = !keys_ || now - fetched_at_ > options_.keys_ttl;
  const bool may_refresh = refresh && now - last_refresh_ >= kMinRefreshInterval;
  if (!stale && !may_refresh) return keys_;
  if (refresh) last_refresh_ = now;
  http::FetchLimits limits;
  limits.max_body = 256 * 1024;
  http::Headers headers;
  headers.Add("Accept", "application/json");
  auto fetched = http::FetchBounded(options_.jwks_url, headers, limits);
  base::Result<std::vector<Jwk>> parsed = base::Error::Unavailable("");
  if (fetched && fetched->status == 200) parsed = ParseJwks(fetched->body);
  if (!fetched || fetched->status != 200 || !parsed) {
    // Keep serving with the keys we have; an issuer's brief outage should not lock everyone out.
    if (keys_) return keys_;
    const std::string why = !fetched                 ? fetched.error().message()
                            : fetched->status != 200 ? "HTTP " + std::to_string(fetched->status)
                                                     : parsed.error().message();
    return base::Error::Unavailable("cannot read the external issuer's keys at " +
                                    options_.jwks_url + ": " + why);
  }
  keys_ = std::make_shared<const std::vector<Jwk>>(std::move(*parsed));
  fetched_at_ = now;
  return keys_;
}

base::Result<auth::Identity> ExternalIssuer::Verify(std::string_view token, const Site& site) {
  static const std::vector<std::string> kAlgorithms{"RS256", "ES256", "EdDSA"};
  auto keys = Keys(false);
  if (!keys) return std::move(keys).error();
  if (!NamesKnownKey(token, **keys)) {
    auto refreshed = Keys(true);
    if (!refreshed) return std::move(refreshed).error();
    keys = std::move(refreshed);
  }
  auto claims = VerifyJwt(token, **keys, kAlgorithms);
  if (!claims) return std::move(claims).error();
  // RFC 9068 §4: an ID token or any other JWT of the issuer is not an access token.
  if (auto typed = CheckAccessTokenType(token); !typed) return std::move(typed).error();
  ClaimRules rules;
  rules.issuer = options_.issuer;
  rules.audience = options_.audience.empty() ? site.resource : options_.audience;
  rules.now = clock_.Now();
  rules.max_lifetime = options_.max_lifetime;  // requires "iat"
  if (auto ok = CheckClaims(*claims, rules); !ok) return std::move(ok).error();
  const auto subject = claims->String("sub");
  if (!subject || subject->empty())
    return base::Error::Unauthenticated("the token has no \"sub\" claim");
  auto link = LinkOf(*claims, *subject);
  if (!link) return std::move(link).error();
  auth::Identity identity;
  identity.user_id = link->user_id;
  identity.user_name = link->user_name;
  // One per subject: its own place in the event feed, its own line in the audit log.
  identity.credential = "external:" + std::to_string(link->id);
  identity.client =
      claims->String("client_id").value_or(claims->String("azp").value_or("external"));
  // Scopes this server does not know are the issuer's business, not ours: ignored.
  std::string_view scope_text;
  const auto scope = claims->String("scope");
  if (scope) scope_text = *scope;
  while (!scope_text.empty()) {
    const size_t end = scope_text.find(' ');
    const std::string_view one = scope_text.substr(0, end);
    // keys:manage is never an OAuth client's, whoever issued the token.
    if (auth::IsGrantable(one)) identity.scopes.emplace(one);
    if (end == std::string_view::npos) break;
    scope_text.remove_prefix(end + 1);
  }
  identity.expires = base::WallTime(std::chrono::seconds(claims->Number("exp").value_or(0)));
  identity.oauth = true;
  return identity;
}

base::Result<ExternalLink> ExternalIssuer::LinkOf(const Claims& claims,
                                                  const std::string& subject) {
  auto found = links_.Find(options_.issuer, subject);
  if (!found) return std::move(found).error();
  if (*found) {
    // The name claim plays no part once a subject is linked, whatever it says now.
    if ((*found)->user_name.empty())
      return base::Error::Unauthenticated("the token's user was deleted");
    return std::move(**found);
  }
  if (!options_.auto_link) {
    return base::Error::Unauthenticated(
        "the token's subject is linked to no Taskwire user (taskwire user link)");
  }
  const auto name = claims.String(options_.user_claim);
  if (!name || name->empty()) {
    return base::Error::Unauthenticated(
        "the token's subject is linked to no Taskwire user, and it has no \"" +
        options_.user_claim + "\" claim naming one");
  }
  auto linked = links_.Link(options_.issuer, subject, *name);
  if (!linked) {
    if (linked.error().code() == base::ErrorCode::kAlreadyExists) {
      // Another token of this subject linked it meanwhile: use that link.
      auto again = links_.Find(options_.issuer, subject);
      if (again && *again && !(*again)->user_name.empty()) return std::move(**again);
      // Or the named user is linked to another subject: a name claim never moves a link.
      if (logger_ != nullptr) {
        logger_->Warn("auth.external.link_refused",
                      {{"issuer", options_.issuer},
                       {"subject", subject},
                       {"claimed_user", *name},
                       {"reason", "the user is linked to another subject of this issuer"}});
      }
      return base::Error::Unauthenticated(
          "the user the token names is linked to another subject of its issuer");
    }
    if (linked.error().code() == base::ErrorCode::kNotFound) {
      return base::Error::Unauthenticated("the token's user is not a Taskwire user");
    }
    return std::move(linked).error();
  }
  if (logger_ != nullptr) {
    logger_->Info("auth.external.linked", {{"issuer", options_.issuer},
                                           {"subject", subject},
                                           {"user", linked->user_name},
                                           {"claim", options_.user_claim}});
  }
  return linked;
}

namespace {

constexpr std::string_view kLinkColumns =
    "l.id, l.issuer, l.subject, l.user_id, u.name, l.created_at, u.deleted_at";

ExternalLink LinkFromRow(const store::Row& row) {
  ExternalLink link;
  link.id = row.Int(0);
  link.issuer = row.Text(1);
  link.subject = row.Text(2);
  link.user_id = row.Int(3);
  // A deleted user's link stays (the row does) but speaks for nobody.
  link.user_name = row.IsNull(6) ? row.Text(4) : "";
  link.created_at = row.Text(5);
  return link;
}

}  // namespace

base::Result<std::optional<ExternalLink>> ExternalLinks::Find(std::string_view issuer,
                                                              std::string_view subject) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kLinkColumns) +
                               " FROM external_identities l JOIN users u ON u.id = l.user_id "
                               "WHERE l.issuer = ? AND l.subject = ?",
                           {issuer, subject});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<ExternalLink>();
  return std::optional<ExternalLink>(LinkFromRow(rows->front()));
}

base::Result<ExternalLink> ExternalLinks::Link(std::string_view issuer, std::string_view subject,
                                               std::string_view user_name) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  // The name column compares without regard to case; a link needs the name exactly.
  auto users =
      (*tx)->Query("SELECT id, name FROM users WHERE name = ? AND deleted_at IS NULL", {user_name});
  if (!users) return std::move(users).error();
  if (users->empty() || users->front().Text(1) != user_name)
    return base::Error::NotFound("user", std::string(user_name));
  auto inserted = (*tx)->Query(
      "INSERT INTO external_identities (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?) "
      "RETURNING id",
      {issuer, subject, users->front().Int(0), base::FormatIso8601(clock_.Now())});
  if (!inserted) {
    if (inserted.error().code() == base::ErrorCode::kAlreadyExists) {
      return base::Error::AlreadyExists("the subject, or the user " + std::string(user_name) +
                                        ", is already linked at " + std::string(issuer));
    }
    return std::move(inserted).error();
  }
  auto rows = (*tx)->Query(
      "SELECT " + std::string(kLinkColumns) +
          " FROM external_identities l JOIN users u ON u.id = l.user_id WHERE l.id = ?",
      {inserted->front().Int(0)});
  if (!rows) return std::move(rows).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return LinkFromRow(rows->front());
}

base::Result<ExternalLink> ExternalLinks::Unlink(std::string_view issuer,
                                                 std::string_view user_name) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kLinkColumns) +
                               " FROM external_identities l JOIN users u ON u.id = l.user_id "
                               "WHERE l.issuer = ? AND u.name = ?",
                           {issuer, user_name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("link of user", std::string(user_name));
  ExternalLink link = LinkFromRow(rows->front());
  auto removed = (*tx)->Execute("DELETE FROM external_identities WHERE id = ?", {link.id});
  if (!removed) return std::move(removed).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return link;
}

base::Result<std::vector<ExternalLink>> ExternalLinks::List() {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows =
      (*tx)->Query("SELECT " + std::string(kLinkColumns) +
                   " FROM external_identities l JOIN users u ON u.id = l.user_id ORDER BY l.id");
  if (!rows) return std::move(rows).error();
  std::vector<ExternalLink> links;
  for (const auto& row : *rows) links.push_back(LinkFromRow(row));
  return links;
}

}  // namespace taskwire::oauth
