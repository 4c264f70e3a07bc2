#include "oauth/signing_keys.h"

#include "base/random.h"

namespace taskwire::oauth {

namespace {

base::Result<void> InsertKey(store::Transaction& tx, const auth::SealingKey& sealing,
                             const std::string& now) {
  auto key = SigningKey::Generate();
  if (!key) return std::move(key).error();
  const std::string kid = base::RandomToken(12);
  auto inserted = tx.Execute(
      "INSERT INTO oauth_signing_keys (kid, private_key_sealed, created_at) VALUES (?, ?, ?)",
      {kid, sealing.Seal(key->ToPem(), SigningKeys::AssociatedData(kid)), now});
  if (!inserted) return std::move(inserted).error();
  return {};
}

// What to do when the secrets key cannot open the keys: said once, the same for every cause.
std::string Remedy(const std::string& file) {
  return "restore " + file +
         " (it is not part of a database backup; auth.secrets_key_file says where it is), or "
         "run 'taskwire oauth reset-keys' to start over with a new signing key (access tokens "
         "issued so far "
         "stop working; refresh tokens go on)";
}

}  // namespace

std::string SigningKeys::AssociatedData(const std::string& kid) {
  return "taskwire oauth_signing_keys " + kid;
}

base::Result<auth::SealingKey> SigningKeys::Sealing(bool create) {
  std::lock_guard lock(mutex_);
  if (sealing_) return *sealing_;
  auto loaded = create ? auth::SealingKey::LoadOrCreate(secrets_key_file_)
                       : auth::SealingKey::Load(secrets_key_file_);
  if (!loaded) {
    if (create) return std::move(loaded).error();
    return base::Error::FailedPrecondition(
        "the OAuth signing keys in the database are sealed, and " + loaded.error().message() +
        ": " + Remedy(secrets_key_file_));
  }
  sealing_ = *loaded;
  return *loaded;
}

base::Result<void> SigningKeys::Load() {
  const base::WallTime now = clock_.Now();
  const std::string now_text = base::FormatIso8601(now);
  const std::string published_since =
      base::FormatIso8601(now - token_lifetime_ - std::chrono::minutes(1));
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto stored = (*tx)->Query("SELECT kid, private_key_sealed FROM oauth_signing_keys");
  if (!stored) return std::move(stored).error();
  bool any_sealed = false;
  for (const auto& row : *stored)
    any_sealed = any_sealed || auth::SealingKey::IsSealed(row.Text(1));
  auto sealing = Sealing(/*create=*/!any_sealed);
  if (!sealing) return std::move(sealing).error();
  // Keys an older version stored in clear are sealed where they are.
  int64_t sealed_now = 0;
  for (const auto& row : *stored) {
    if (auth::SealingKey::IsSealed(row.Text(1))) continue;
    auto sealed =
        (*tx)->Execute("UPDATE oauth_signing_keys SET private_key_sealed = ? WHERE kid = ?",
                       {sealing->Seal(row.Text(1), AssociatedData(row.Text(0))), row.Text(0)});
    if (!sealed) return std::move(sealed).error();
    ++sealed_now;
  }
  auto active = (*tx)->Query("SELECT count(*) FROM oauth_signing_keys WHERE retired_at IS NULL");
  if (!active) return std::move(active).error();
  if (active->front().Int(0) == 0) {
    if (auto ok = InsertKey(**tx, *sealing, now_text); !ok) return ok;
  }
  // Keys retired long enough ago that no token they signed is still valid are gone for good.
  auto dropped = (*tx)->Execute(
      "DELETE FROM oauth_signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?",
      {published_since});
  if (!dropped) return std::move(dropped).error();
  auto rows = (*tx)->Query(
      "SELECT kid, private_key_sealed, retired_at IS NULL FROM oauth_signing_keys "
      "ORDER BY retired_at IS NOT NULL, created_at DESC");
  if (!rows) return std::move(rows).error();
  std::optional<Set> set;
  std::vector<Jwk> jwks;
  for (const auto& row : *rows) {
    auto pem = sealing->Open(row.Text(1), AssociatedData(row.Text(0)));
    if (!pem) {
      return base::Error::FailedPrecondition(
          "the OAuth signing key " + row.Text(0) +
          " in the database does not "
          "open with the secrets key file " +
          secrets_key_file_ + " (it was sealed with another one): " + Remedy(secrets_key_file_));
    }
    auto key = SigningKey::FromPem(*pem);
    if (!key)
      return base::Error::Internal("signing key " + row.Text(0) +
                                   " is unreadable: " + key.error().message());
    jwks.push_back(PublicJwk(*key, row.Text(0)));
    if (row.Int(2) != 0 && !set) set.emplace(Set{row.Text(0), *key, {}});
  }
  if (!set) return base::Error::Internal("no active signing key");
  // Only once every key opened: a wrong secrets key file changes nothing in the database.
  if (auto ok = (*tx)->Commit(); !ok) return ok;
  if (sealed_now > 0 && logger_ != nullptr) {
    logger_->Info("oauth.signing_keys_sealed",
                  {{"keys", sealed_now}, {"secrets_key_file", secrets_key_file_}});
  }
  set->jwks = std::move(jwks);
  std::lock_guard lock(mutex_);
  current_ = std::make_shared<const Set>(std::move(*set));
  return {};
}

base::Result<std::string> SigningKeys::Rotate() {
  const std::string now = base::FormatIso8601(clock_.Now());
  {
    // Load first: it seals keys left in clear, and reads (or creates) the secrets key.
    if (auto ok = Load(); !ok) return std::move(ok).error();
    auto sealing = Sealing(/*create=*/false);
    if (!sealing) return std::move(sealing).error();
    auto tx = database_.Begin(store::Access::kWrite);
    if (!tx) return std::move(tx).error();
    auto retired = (*tx)->Execute(
        "UPDATE oauth_signing_keys SET retired_at = ? WHERE retired_at IS NULL", {now});
    if (!retired) return std::move(retired).error();
    if (auto ok = InsertKey(**tx, *sealing, now); !ok) return std::move(ok).error();
    if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  }
  if (auto ok = Load(); !ok) return std::move(ok).error();
  return Current()->kid;
}

base::Result<std::string> SigningKeys::Reset() {
  {
    auto tx = database_.Begin(store::Access::kWrite);
    if (!tx) return std::move(tx).error();
    auto deleted = (*tx)->Execute("DELETE FROM oauth_signing_keys");
    if (!deleted) return std::move(deleted).error();
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
