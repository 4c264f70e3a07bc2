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
  return std::any_of(keys.begin(), keys.end(), [&header](const Jwk& key) { return key.kid == header->kid; });
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
    const std::string why = !fetched ? fetched.error().message()
                            : fetched->status != 200 ? "HTTP " + std::to_string(fetched->status)
                                                     : parsed.error().message();
    return base::Error::Unavailable("cannot read the external issuer's keys at " + options_.jwks_url + ": " + why);
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
  ClaimRules rules;
  rules.issuer = options_.issuer;
  rules.audience = options_.audience.empty() ? site.resource : options_.audience;
  rules.now = clock_.Now();
  if (auto ok = CheckClaims(*claims, rules); !ok) return std::move(ok).error();
  const auto user_name = claims->String(options_.user_claim);
  if (!user_name || user_name->empty()) {
    return base::Error::Unauthenticated("the token has no \"" + options_.user_claim + "\" claim naming a user");
  }
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT id, name FROM users WHERE name = ? AND deleted_at IS NULL", {*user_name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::Unauthenticated("the token's user is not a Taskwire user");
  auth::Identity identity;
  identity.user_id = rows->front().Int(0);
  identity.user_name = rows->front().Text(1);
  identity.credential = "external";
  identity.client = claims->String("client_id").value_or(claims->String("azp").value_or("external"));
  // Scopes this server does not know are the issuer's business, not ours: ignored.
  std::string_view scope_text;
  const auto scope = claims->String("scope");
  if (scope) scope_text = *scope;
  while (!scope_text.empty()) {
    const size_t end = scope_text.find(' ');
    const std::string_view one = scope_text.substr(0, end);
    if (std::find(std::begin(auth::kAllScopes), std::end(auth::kAllScopes), one) != std::end(auth::kAllScopes)) {
      identity.scopes.emplace(one);
    }
    if (end == std::string_view::npos) break;
    scope_text.remove_prefix(end + 1);
  }
  identity.expires = base::WallTime(std::chrono::seconds(claims->Number("exp").value_or(0)));
  return identity;
}

}  // namespace taskwire::oauth
