#include "oauth/signing_keys.h"

#include "base/random.h"

namespace taskwire::oauth {

namespace {

base::Result<void> InsertKey(store::Transaction& tx, const std::string& now) {
  auto key = SigningKey::Generate();
  if (!key) return std::move(key).error();
  auto inserted = tx.Execute("INSERT INTO oauth_signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)",
                             {base::RandomToken(12), key->ToPem(), now});
  if (!inserted) return std::move(inserted).error();
  return {};
}

}  // namespace

base::Result<void> SigningKeys::Load() {
  const base::WallTime now = clock_.Now();
  const std::string now_text = base::FormatIso8601(now);
  const std::string published_since =
      base::FormatIso8601(now - token_lifetime_ - std::chrono::minutes(1));
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto active = (*tx)->Query("SELECT count(*) FROM oauth_signing_keys WHERE retired_at IS NULL");
  if (!active) return std::move(active).error();
  if (active->front().Int(0) == 0) {
    if (auto ok = InsertKey(**tx, now_text); !ok) return ok;
  }
  // Keys retired long enough ago that no token they signed is still valid are gone for good.
  auto dropped = (*tx)->Execute("DELETE FROM oauth_signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?",
                                {published_since});
  if (!dropped) return std::move(dropped).error();
  auto rows = (*tx)->Query(
      "SELECT kid, private_pem, retired_at IS NULL FROM oauth_signing_keys "
      "ORDER BY retired_at IS NOT NULL, created_at DESC");
  if (!rows) return std::move(rows).error();
  if (auto ok = (*tx)->Commit(); !ok) return ok;
  std::optional<Set> set;
  std::vector<Jwk> jwks;
  for (const auto& row : *rows) {
    auto key = SigningKey::FromPem(row.Text(1));
    if (!key) return base::Error::Internal("signing key " + row.Text(0) + " is unreadable: " + key.error().message());
    jwks.push_back(PublicJwk(*key, row.Text(0)));
    if (row.Int(2) != 0 && !set) set.emplace(Set{row.Text(0), *key, {}});
  }
  if (!set) return base::Error::Internal("no active signing key");
  set->jwks = std::move(jwks);
  std::lock_guard lock(mutex_);
  current_ = std::make_shared<const Set>(std::move(*set));
  return {};
}

base::Result<std::string> SigningKeys::Rotate() {
  const std::string now = base::FormatIso8601(clock_.Now());
  {
    auto tx = database_.Begin(store::Access::kWrite);
    if (!tx) return std::move(tx).error();
    auto retired = (*tx)->Execute("UPDATE oauth_signing_keys SET retired_at = ? WHERE retired_at IS NULL", {now});
    if (!retired) return std::move(retired).error();
    if (auto ok = InsertKey(**tx, now); !ok) return std::move(ok).error();
    if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  }
  if (auto ok = Load(); !ok) return std::move(ok).error();
  return Current()->kid;
}

std::shared_ptr<const SigningKeys::Set> SigningKeys::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace taskwire::oauth
