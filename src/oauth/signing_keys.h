#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/sealing_key.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "oauth/crypto.h"
#include "oauth/jwt.h"
#include "store/database.h"

namespace taskwire::oauth {

// The keys that sign access tokens: one active ES256 key, and retired ones still published until
// every token they signed has expired. Generated at first start, rotated on command (another
// process may rotate; Reload picks it up). The private keys are kept in the database sealed
// with the secrets key (auth::SealingKey, `secrets_key_file`), bound to their kid; keys an older
// version left in clear are sealed in place by Load. Thread-safe.
class SigningKeys {
 public:
  struct Set {
    std::string kid;        // of the active key
    SigningKey key;         // signs new tokens
    std::vector<Jwk> jwks;  // every published public key, the active one first
  };

  // `token_lifetime` is the longest an access token lives: a retired key stays published that
  // long (and a minute more). `logger` (may be null) hears of keys sealed in place.
  SigningKeys(store::Database& database, const base::Clock& clock,
              std::chrono::seconds token_lifetime, std::string secrets_key_file,
              base::Logger* logger = nullptr)
      : database_(database),
        clock_(clock),
        token_lifetime_(token_lifetime),
        secrets_key_file_(std::move(secrets_key_file)),
        logger_(logger) {}

  // Reads the keys, creating the first one (and the secrets key file, when no key is sealed yet)
  // when there is none; again after another process rotated them. FailedPrecondition naming the
  // secrets key file when sealed keys exist and the file is missing or unreadable, or when a key
  // does not open with it (another file): never a silent new key, which would end every token.
  base::Result<void> Load();
  // A new active key; the old one retires. Returns the new kid.
  base::Result<std::string> Rotate();
  // Forgets every key, sealed or not, and makes a new one (with the secrets key file as it is
  // now, created when missing): for a lost or replaced secrets key file. Every access token
  // signed so far stops verifying; refresh tokens go on working. Returns the new kid.
  base::Result<std::string> Reset();
  // The current keys; null before Load.
  std::shared_ptr<const Set> Current() const;

  // What a key's sealed value is bound to (its associated data).
  static std::string AssociatedData(const std::string& kid);

 private:
  // The secrets key; `create` when none of the stored keys is sealed yet.
  base::Result<auth::SealingKey> Sealing(bool create);

  store::Database& database_;
  const base::Clock& clock_;
  const std::chrono::seconds token_lifetime_;
  const std::string secrets_key_file_;
  base::Logger* const logger_;
  mutable std::mutex mutex_;  // guards current_ and sealing_
  std::shared_ptr<const Set> current_;
  std::optional<auth::SealingKey> sealing_;  // once read, kept: the file is read at most once
};

}  // namespace taskwire::oauth
