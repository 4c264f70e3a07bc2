#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "oauth/crypto.h"
#include "oauth/jwt.h"
#include "store/database.h"

namespace taskwire::oauth {

// The keys that sign access tokens: one active ES256 key, and retired ones still published until
// every token they signed has expired. Generated at first start, rotated on command (another
// process may rotate; Reload picks it up). Thread-safe.
class SigningKeys {
 public:
  struct Set {
    std::string kid;         // of the active key
    SigningKey key;          // signs new tokens
    std::vector<Jwk> jwks;   // every published public key, the active one first
  };

  // `token_lifetime` is the longest an access token lives: a retired key stays published that
  // long (and a minute more).
  SigningKeys(store::Database& database, const base::Clock& clock, std::chrono::seconds token_lifetime)
      : database_(database), clock_(clock), token_lifetime_(token_lifetime) {}

  // Reads the keys, creating the first one when there is none; again after another process
  // rotated them.
  base::Result<void> Load();
  // A new active key; the old one retires. Returns the new kid.
  base::Result<std::string> Rotate();
  // The current keys; null before Load.
  std::shared_ptr<const Set> Current() const;

 private:
  store::Database& database_;
  const base::Clock& clock_;
  const std::chrono::seconds token_lifetime_;
  mutable std::mutex mutex_;  // guards current_
  std::shared_ptr<const Set> current_;
};

}  // namespace taskwire::oauth
