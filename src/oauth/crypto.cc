// OpenSSL's home in oauth/ (tests/architecture_test.cc). Only the OpenSSL 3 EVP interfaces are
// used; the deprecated EC_KEY/RSA ones are not.

#include "oauth/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <utility>

#include "base/base64url.h"
#include "base/check.h"

namespace taskwire::oauth {

namespace {

constexpr size_t kCoordinateBytes = 32;  // P-256 field elements and Ed25519 keys
constexpr size_t kEs256SignatureBytes = 2 * kCoordinateBytes;
constexpr size_t kEdDsaSignatureBytes = 64;
constexpr int kMinRsaBits = 2048;
// Verifying with a huge modulus costs time an attacker who controls a JWKS could spend.
constexpr int kMaxRsaBits = 8192;
constexpr size_t kMaxRsaExponentBytes = 8;
constexpr size_t kMaxPemBytes = 16 * 1024;

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* pointer) const {
    Free(pointer);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<&EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<&EVP_MD_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<&BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<&ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<&OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<&OSSL_PARAM_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<&BIO_free_all>>;
using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<&PKCS8_PRIV_KEY_INFO_free>>;
// OPENSSL_free is a macro, so it needs a function to be a deleter.
void FreeBytes(unsigned char* bytes) { OPENSSL_free(bytes); }
using OpenSslBytesPtr = std::unique_ptr<unsigned char, Deleter<&FreeBytes>>;

// OpenSSL reports failures on a thread-local queue that TLS code in http/ also reads; a failed
// verification (an everyday event) must not leave entries there for it to trip over.
class ErrorQueueCleaner {
 public:
  ErrorQueueCleaner() = default;
  ErrorQueueCleaner(const ErrorQueueCleaner&) = delete;
  ErrorQueueCleaner& operator=(const ErrorQueueCleaner&) = delete;
  ~ErrorQueueCleaner() { ERR_clear_error(); }
};

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string_view Chars(const unsigned char* bytes, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(bytes), size);
}

// The bytes of a base64url JWK member of exactly `size` bytes (any size when 0), or nullopt.
std::optional<std::string> DecodeMember(std::string_view text, size_t size = 0) {
  base::Result<std::string> decoded = base::Base64UrlDecode(text);
  if (!decoded || decoded->empty() || (size != 0 && decoded->size() != size)) return std::nullopt;
  return std::move(*decoded);
}

BignumPtr ToBignum(std::string_view big_endian) {
  if (big_endian.size() > INT_MAX) return nullptr;
  return BignumPtr(BN_bin2bn(Bytes(big_endian), static_cast<int>(big_endian.size()), nullptr));
}

// A public key of `type` ("EC", "RSA") from the parameters in `builder`, or null.
PkeyPtr PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* builder) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  return PkeyPtr(key);
}

// The P-256 public key at (x, y), or null when the coordinates are malformed or the point is not
// on the curve (OpenSSL checks that when it decodes the point, which defeats invalid-curve
// attacks).
PkeyPtr P256PublicKey(std::string_view x, std::string_view y) {
  const std::optional<std::string> x_bytes = DecodeMember(x, kCoordinateBytes);
  const std::optional<std::string> y_bytes = DecodeMember(y, kCoordinateBytes);
  if (!x_bytes || !y_bytes) return nullptr;
  const std::string point = '\x04' + *x_bytes + *y_bytes;  // SEC 1 §2.3.3, uncompressed
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      SN_X9_62_prime256v1, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return PublicKeyFromParams("EC", builder.get());
}

// True when `signature` is a valid signature of `input` under `key`. `digest` is null for Ed25519,
// which hashes internally. `rsa_padding` is set when the key is RSA.
bool DigestVerify(EVP_PKEY* key, const EVP_MD* digest, std::string_view input,
                  std::string_view signature, bool rsa_padding = false) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_ctx = nullptr;  // owned by ctx
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), &key_ctx, digest, nullptr, key) != 1) {
    return false;
  }
  // RFC 7518 §3.3: RS256 is PKCS#1 v1.5 (OpenSSL's default, but PSS must never slip in).
  if (rsa_padding && EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PADDING) != 1) return false;
  return EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(input),
                          input.size()) == 1;
}

// The 32-byte big-endian value of an EC public coordinate parameter, base64url-encoded.
std::optional<std::string> Coordinate(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return std::nullopt;
  const BignumPtr value(raw);
  unsigned char bytes[kCoordinateBytes];
  if (BN_bn2binpad(value.get(), bytes, sizeof bytes) != static_cast<int>(sizeof bytes)) {
    return std::nullopt;
  }
  return base::Base64UrlEncode(Chars(bytes, sizeof bytes));
}

bool IsP256(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[64];
  size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) return false;
  return OBJ_sn2nid(group) == NID_X9_62_prime256v1 ||
         EC_curve_nist2nid(group) == NID_X9_62_prime256v1;
}

}  // namespace

struct SigningKey::Key {
  PkeyPtr pkey;
};

SigningKey::SigningKey(std::shared_ptr<const Key> key, std::string x, std::string y)
    : key_(std::move(key)), x_(std::move(x)), y_(std::move(y)) {}

base::Result<SigningKey> SigningKey::Generate() {
  const ErrorQueueCleaner cleaner;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), SN_X9_62_prime256v1) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return base::Error::Internal("OpenSSL failed to generate a P-256 key");
  }
  auto key = std::make_shared<Key>(Key{PkeyPtr(raw)});
  std::optional<std::string> x = Coordinate(key->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  std::optional<std::string> y = Coordinate(key->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) return base::Error::Internal("OpenSSL gave no public point for a new key");
  return SigningKey(std::move(key), std::move(*x), std::move(*y));
}

base::Result<SigningKey> SigningKey::FromPem(std::string_view pem) {
  const ErrorQueueCleaner cleaner;
  static constexpr std::string_view kBegin = "-----BEGIN PRIVATE KEY-----";
  const size_t start = pem.find_first_not_of(" \t\r\n");
  if (pem.size() > kMaxPemBytes || start == std::string_view::npos ||
      !pem.substr(start).starts_with(kBegin)) {
    return base::Error::InvalidArgument("the signing key is not a PKCS#8 PEM private key");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return base::Error::Internal("OpenSSL could not allocate a buffer");
  // A PEM with encryption headers would make OpenSSL's default callback prompt on the terminal.
  pem_password_cb* const no_password = [](char*, int, int, void*) { return -1; };
  const Pkcs8Ptr info(PEM_read_bio_PKCS8_PRIV_KEY_INFO(bio.get(), nullptr, no_password, nullptr));
  if (info == nullptr) {
    return base::Error::InvalidArgument("the signing key is not a readable PKCS#8 private key");
  }
  auto key = std::make_shared<Key>(Key{PkeyPtr(EVP_PKCS82PKEY(info.get()))});
  if (key->pkey == nullptr || !IsP256(key->pkey.get())) {
    return base::Error::InvalidArgument("the signing key is not an EC P-256 key");
  }
  // Catches a private scalar that does not match the stored public point.
  const PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_check(check.get()) != 1) {
    return base::Error::InvalidArgument("the signing key fails OpenSSL's consistency check");
  }
  std::optional<std::string> x = Coordinate(key->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  std::optional<std::string> y = Coordinate(key->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) return base::Error::InvalidArgument("the signing key has no public point");
  return SigningKey(std::move(key), std::move(*x), std::move(*y));
}

std::string SigningKey::ToPem() const {
  const ErrorQueueCleaner cleaner;
  BioPtr bio(BIO_new(BIO_s_mem()));
  CHECK(bio != nullptr);
  // OpenSSL 3 writes PKCS#8 ("BEGIN PRIVATE KEY") here, unencrypted as no cipher is given.
  CHECK(PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr) == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  CHECK(size > 0 && data != nullptr);
  return std::string(data, static_cast<size_t>(size));
}

std::string SigningKey::SignEs256(std::string_view input) const {
  const ErrorQueueCleaner cleaner;
  // One EVP_MD_CTX per call: the shared EVP_PKEY is only read, which OpenSSL allows from many
  // threads at once.
  MdCtxPtr ctx(EVP_MD_CTX_new());
  CHECK(ctx != nullptr);
  CHECK(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) == 1);
  size_t der_size = 0;
  CHECK(EVP_DigestSign(ctx.get(), nullptr, &der_size, Bytes(input), input.size()) == 1);
  std::string der(der_size, '\0');
  unsigned char* der_bytes = reinterpret_cast<unsigned char*>(der.data());
  CHECK(EVP_DigestSign(ctx.get(), der_bytes, &der_size, Bytes(input), input.size()) == 1);

  // OpenSSL writes the DER SEQUENCE of RFC 3279; JWS wants r and s as fixed-size big-endian
  // integers side by side (RFC 7518 §3.4).
  const unsigned char* cursor = der_bytes;
  const EcdsaSigPtr parsed(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_size)));
  CHECK(parsed != nullptr);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(parsed.get(), &r, &s);
  unsigned char out[kEs256SignatureBytes];
  constexpr int kSize = static_cast<int>(kCoordinateBytes);
  CHECK(BN_bn2binpad(r, out, kSize) == kSize);
  CHECK(BN_bn2binpad(s, out + kCoordinateBytes, kSize) == kSize);
  return std::string(Chars(out, sizeof out));
}

bool VerifyEs256(std::string_view x, std::string_view y, std::string_view input,
                 std::string_view signature) {
  const ErrorQueueCleaner cleaner;
  if (signature.size() != kEs256SignatureBytes) return false;
  const PkeyPtr key = P256PublicKey(x, y);
  if (key == nullptr) return false;
  // Back to the DER OpenSSL verifies; OpenSSL then rejects r or s of zero or not below the order.
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BignumPtr r = ToBignum(signature.substr(0, kCoordinateBytes));
  BignumPtr s = ToBignum(signature.substr(kCoordinateBytes));
  if (sig == nullptr || r == nullptr || s == nullptr) return false;
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return false;
  (void)r.release();  // now owned by sig
  (void)s.release();
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_size <= 0) return false;
  const OpenSslBytesPtr der_owner(der);
  return DigestVerify(key.get(), EVP_sha256(), input, Chars(der, static_cast<size_t>(der_size)));
}

bool VerifyRs256(std::string_view n, std::string_view e, std::string_view input,
                 std::string_view signature) {
  const ErrorQueueCleaner cleaner;
  const std::optional<std::string> n_bytes = DecodeMember(n);
  const std::optional<std::string> e_bytes = DecodeMember(e);
  if (!n_bytes || !e_bytes || n_bytes->size() > kMaxRsaBits / 8 + 1 ||
      e_bytes->size() > kMaxRsaExponentBytes) {
    return false;
  }
  const BignumPtr modulus = ToBignum(*n_bytes);
  const BignumPtr exponent = ToBignum(*e_bytes);
  if (modulus == nullptr || exponent == nullptr) return false;
  const int bits = BN_num_bits(modulus.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) return false;
  // RFC 8017 §8.2.2: the signature is exactly as long as the modulus.
  if (signature.size() != static_cast<size_t>(BN_num_bytes(modulus.get()))) return false;
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return false;
  }
  const PkeyPtr key = PublicKeyFromParams("RSA", builder.get());
  if (key == nullptr) return false;
  return DigestVerify(key.get(), EVP_sha256(), input, signature, /*rsa_padding=*/true);
}

bool VerifyEdDsa(std::string_view x, std::string_view input, std::string_view signature) {
  const ErrorQueueCleaner cleaner;
  if (signature.size() != kEdDsaSignatureBytes) return false;
  const std::optional<std::string> x_bytes = DecodeMember(x, kCoordinateBytes);
  if (!x_bytes) return false;
  const PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(*x_bytes), x_bytes->size()));
  if (key == nullptr) return false;
  // RFC 8032 §5.1.7: Ed25519 hashes the message itself, so no digest is named.
  return DigestVerify(key.get(), nullptr, input, signature);
}

}  // namespace taskwire::oauth
