#pragma once

// The signatures of JSON Web Tokens (RFC 7518 §3): our own ES256 key, and checks of ES256, RS256
// and EdDSA signatures against public keys given as JWK members. OpenSSL's home in oauth/; nothing
// of it shows in this header.

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/sha256.h"

namespace taskwire::oauth {

// An EC P-256 private key for ES256 signatures (RFC 7518 §3.4). Immutable; copies share the key.
// Safe to use from any number of threads at once.
class SigningKey {
 public:
  // A fresh key from OpenSSL's CSPRNG. Internal if OpenSSL fails.
  static base::Result<SigningKey> Generate();
  // A key from PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), as ToPem writes it. InvalidArgument for
  // anything else: other PEM types, encrypted keys, keys that fail OpenSSL's checks, other curves.
  static base::Result<SigningKey> FromPem(std::string_view pem);

  // Unencrypted PKCS#8 PEM: keep it as secret as the key.
  std::string ToPem() const;

  // The public point's coordinates, 32 bytes each, base64url without padding (JWK "x" and "y").
  const std::string& x() const { return x_; }
  const std::string& y() const { return y_; }

  // The JWS signature over `input`: SHA-256 ECDSA as the 64-byte r||s that JWS uses (RFC 7518
  // §3.4), not DER. A failure of OpenSSL here is a broken invariant (CHECK).
  std::string SignEs256(std::string_view input) const;

 private:
  struct Key;  // the EVP_PKEY, defined in crypto.cc

  SigningKey(std::shared_ptr<const Key> key, std::string x, std::string y);

  std::shared_ptr<const Key> key_;
  std::string x_;
  std::string y_;
};

// Signature checks over `input` (the JWS signing input). Each returns false for any malformed key,
// a signature of the wrong length or a bad signature; none throws. Safe from any thread.

// ES256: `x` and `y` are the JWK's base64url P-256 coordinates (a point off the curve is refused);
// `signature` is the raw 64-byte r||s.
bool VerifyEs256(std::string_view x, std::string_view y, std::string_view input,
                 std::string_view signature);

// RS256 (RSASSA-PKCS1-v1_5 with SHA-256): `n` and `e` are the RSA JWK's base64url modulus and
// exponent. Moduli under 2048 or over 8192 bits are refused.
bool VerifyRs256(std::string_view n, std::string_view e, std::string_view input,
                 std::string_view signature);

// EdDSA with Ed25519 (RFC 8037): `x` is the OKP JWK's base64url 32-byte public key; `signature`
// the raw 64 bytes.
bool VerifyEdDsa(std::string_view x, std::string_view input, std::string_view signature);

}  // namespace taskwire::oauth
