// libsodium's home in auth/ (ARCHITECTURE.md, the module picture).

#include "auth/password.h"

#include <sodium.h>

#include "base/random.h"

namespace taskwire::auth {

base::Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return base::Error::InvalidArgument("a password needs at least " +
                                        std::to_string(kMinPasswordLength) + " characters");
  }
  if (password.size() > kMaxPasswordLength) {
    return base::Error::InvalidArgument("a password may have at most " +
                                        std::to_string(kMaxPasswordLength) + " characters");
  }
  if (sodium_init() < 0) return base::Error::Internal("libsodium failed to initialize");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return base::Error::ResourceExhausted("not enough memory to hash the password");
  }
  return std::string(hash);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (password.size() > kMaxPasswordLength) return false;
  if (sodium_init() < 0) return false;
  const std::string terminated(hash);  // crypto_pwhash_str_verify wants a C string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

std::string GeneratePassword() { return base::RandomToken(18); }

}  // namespace taskwire::auth
