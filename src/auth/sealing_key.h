#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace taskwire::auth {

// The secrets key: 32 random bytes in a file of their own (default <data dir>/secrets.key,
// auth.secrets_key_file) that seal the secrets the database must keep in a form it can use
// again, the OAuth signing keys. A copy of the database without this file yields none of them
// (docs/security.md, "Files on disk").
//
// A value is sealed with XChaCha20-Poly1305 (libsodium's crypto_aead_xchacha20poly1305_ietf)
// under a random 192-bit nonce of its own, with associated data that names where it belongs
// (so a sealed value moved to another row does not open). Sealed text: "sealed1." followed by
// base64url(nonce || ciphertext || tag). Immutable after loading; thread-safe.
class SealingKey {
 public:
  static constexpr std::string_view kPrefix = "sealed1.";

  // Reads the key file. FailedPrecondition naming the file when it does not exist, cannot be
  // read, or does not hold a key (43 base64url characters and a newline).
  static base::Result<SealingKey> Load(const std::string& path);
  // Load, or, when the file does not exist, a new random key written there with mode 0600.
  // Another process creating it at the same time is safe: the key first in place wins, and both
  // use it. Unavailable naming the file when it cannot be written.
  static base::Result<SealingKey> LoadOrCreate(const std::string& path);

  SealingKey(const SealingKey&) = default;
  SealingKey& operator=(const SealingKey&) = default;
  ~SealingKey();

  // `plaintext` sealed for `associated_data`.
  std::string Seal(std::string_view plaintext, std::string_view associated_data) const;
  // The plaintext. FailedPrecondition when `sealed` does not open with this key and
  // `associated_data` (another secrets key, altered, or moved); InvalidArgument when it is not
  // sealed text at all.
  base::Result<std::string> Open(std::string_view sealed, std::string_view associated_data) const;

  // Whether `value` is sealed text (by its prefix; it says nothing of which key sealed it).
  static bool IsSealed(std::string_view value) { return value.starts_with(kPrefix); }

  const std::string& path() const { return path_; }

 private:
  SealingKey(std::string path, const std::array<uint8_t, 32>& key)
      : path_(std::move(path)), key_(key) {}

  std::string path_;
  std::array<uint8_t, 32> key_;
};

}  // namespace taskwire::auth
