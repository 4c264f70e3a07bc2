#include "oauth/crypto.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/base64url.h"

namespace taskwire::oauth {
namespace {

// This test may use OpenSSL (it matches oauth/crypto.*): it makes RSA and Ed25519 keys and
// signatures the module only verifies, so those checks are tested against an independent signer.

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

PkeyPtr GenerateKey(const char* type, size_t rsa_bits = 0) {
  PkeyPtr key(rsa_bits != 0 ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, rsa_bits)
                            : EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  EXPECT_NE(key, nullptr);
  return key;
}

// Signs with OpenSSL: SHA-256 unless `digest` is null (Ed25519); `pss` for RSA-PSS.
std::string Sign(EVP_PKEY* key, std::string_view input, const EVP_MD* digest, bool pss = false) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* key_ctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx, &key_ctx, digest, nullptr, key), 1);
  if (pss) {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PSS_PADDING), 1);
  }
  size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &size, data, input.size()), 1);
  std::string signature(size, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                           input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  signature.resize(size);
  return signature;
}

std::string BignumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* value = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &value), 1);
  std::string bytes(static_cast<size_t>(BN_num_bytes(value)), '\0');
  BN_bn2bin(value, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(value);
  return base::Base64UrlEncode(bytes);
}

std::string Pkcs8Pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string FlipBit(std::string text, size_t byte, int bit = 0) {
  text[byte] = static_cast<char>(text[byte] ^ (1 << bit));
  return text;
}

SigningKey NewKey() {
  base::Result<SigningKey> key = SigningKey::Generate();
  EXPECT_TRUE(key.has_value());
  return std::move(key).value();
}

TEST(SigningKey, SignaturesVerifyWithItsPublicPoint) {
  const SigningKey key = NewKey();
  EXPECT_EQ(key.x().size(), 43u);  // 32 bytes, unpadded base64url
  EXPECT_EQ(key.y().size(), 43u);
  const std::string signature = key.SignEs256("header.payload");
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(VerifyEs256(key.x(), key.y(), "header.payload", signature));
  EXPECT_FALSE(VerifyEs256(key.x(), key.y(), "header.payloae", signature));
}

TEST(SigningKey, TwoKeysDiffer) {
  const SigningKey first = NewKey();
  const SigningKey second = NewKey();
  EXPECT_NE(first.x(), second.x());
  EXPECT_FALSE(VerifyEs256(second.x(), second.y(), "input", first.SignEs256("input")));
}

TEST(SigningKey, PemRoundTripKeepsTheKey) {
  const SigningKey key = NewKey();
  const std::string pem = key.ToPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem;
  base::Result<SigningKey> loaded = SigningKey::FromPem(pem);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->x(), key.x());
  EXPECT_EQ(loaded->y(), key.y());
  EXPECT_EQ(loaded->ToPem(), pem);
  EXPECT_TRUE(VerifyEs256(key.x(), key.y(), "input", loaded->SignEs256("input")));
}

TEST(SigningKey, FromPemRefusesAnythingButPkcs8P256) {
  const auto refused = [](std::string_view pem) {
    base::Result<SigningKey> key = SigningKey::FromPem(pem);
    return !key.has_value() && key.error().code() == base::ErrorCode::kInvalidArgument;
  };
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("not a key"));
  EXPECT_TRUE(refused("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  const std::string good = NewKey().ToPem();
  EXPECT_TRUE(refused(good.substr(0, good.size() / 2)));
  EXPECT_TRUE(refused(FlipBit(good, 60, 1)));

  // The traditional "EC PRIVATE KEY" form of a P-256 key.
  PkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_NE(ec, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(
      PEM_write_bio_PrivateKey_traditional(bio, ec.get(), nullptr, nullptr, 0, nullptr, nullptr),
      1);
  char* data = nullptr;
  const std::string traditional(data, static_cast<size_t>(BIO_get_mem_data(bio, &data)));
  BIO_free(bio);
  EXPECT_TRUE(traditional.starts_with("-----BEGIN EC PRIVATE KEY-----")) << traditional;
  EXPECT_TRUE(refused(traditional));
  EXPECT_TRUE(SigningKey::FromPem(Pkcs8Pem(ec.get())).has_value());  // the same key as PKCS#8

  // Other curves and key types in PKCS#8.
  PkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  EXPECT_TRUE(refused(Pkcs8Pem(p384.get())));
  EXPECT_TRUE(refused(Pkcs8Pem(GenerateKey("ED25519").get())));
  EXPECT_TRUE(refused(Pkcs8Pem(GenerateKey("RSA", 1024).get())));
}

TEST(SigningKey, SignsFromManyThreadsAtOnce) {
  const SigningKey key = NewKey();
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> valid(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&key, &valid, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string input = "input " + std::to_string(t) + " " + std::to_string(i);
        valid[t] += VerifyEs256(key.x(), key.y(), input, key.SignEs256(input)) ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(valid, std::vector<int>(4, 50));
}

// RFC 7515 Appendix A.3: an ES256 JWS made by another implementation.
constexpr std::string_view kRfc7515X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr std::string_view kRfc7515Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr std::string_view kRfc7515Input =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr std::string_view kRfc7515Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

std::string Decode(std::string_view text) { return base::Base64UrlDecode(text).value(); }

TEST(VerifyEs256, AcceptsTheRfc7515Example) {
  EXPECT_TRUE(VerifyEs256(kRfc7515X, kRfc7515Y, kRfc7515Input, Decode(kRfc7515Signature)));
}

TEST(VerifyEs256, RefusesAnyFlippedBit) {
  const std::string signature = Decode(kRfc7515Signature);
  const std::string input(kRfc7515Input);
  for (size_t byte : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, input, FlipBit(signature, byte))) << byte;
  }
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, FlipBit(input, 10), signature));
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, input + " ", signature));
}

TEST(VerifyEs256, RefusesWrongLengthsAndDer) {
  const std::string signature = Decode(kRfc7515Signature);
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, kRfc7515Input, ""));
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, kRfc7515Input, signature.substr(0, 63)));
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, kRfc7515Input, signature + '\0'));
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, kRfc7515Input, '\0' + signature));
  // A DER signature from OpenSSL over the same input, as a JWS that forgot to convert would send.
  PkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const std::string der = Sign(ec.get(), "input", EVP_sha256());
  EXPECT_FALSE(VerifyEs256(BignumParam(ec.get(), OSSL_PKEY_PARAM_EC_PUB_X),
                           BignumParam(ec.get(), OSSL_PKEY_PARAM_EC_PUB_Y), "input", der));
}

TEST(VerifyEs256, RefusesZeroSignatureAndMalformedKeys) {
  const std::string signature = Decode(kRfc7515Signature);
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, kRfc7515Input, std::string(64, '\0')));
  EXPECT_FALSE(VerifyEs256(kRfc7515X, kRfc7515Y, kRfc7515Input, std::string(64, '\xff')));
  EXPECT_FALSE(VerifyEs256(kRfc7515Y, kRfc7515X, kRfc7515Input, signature));  // off the curve
  EXPECT_FALSE(
      VerifyEs256(kRfc7515X, FlipBit(std::string(kRfc7515Y), 5), kRfc7515Input, signature));
  EXPECT_FALSE(VerifyEs256("", kRfc7515Y, kRfc7515Input, signature));
  EXPECT_FALSE(VerifyEs256(std::string(kRfc7515X) + "=", kRfc7515Y, kRfc7515Input, signature));
  EXPECT_FALSE(VerifyEs256(base::Base64UrlEncode(std::string(31, 'a')), kRfc7515Y, kRfc7515Input,
                           signature));
  EXPECT_FALSE(VerifyEs256(base::Base64UrlEncode(std::string(32, '\0')),
                           base::Base64UrlEncode(std::string(32, '\0')), kRfc7515Input, signature));
}

TEST(VerifyRs256, AcceptsPkcs1SignaturesFromOpenSsl) {
  PkeyPtr rsa = GenerateKey("RSA", 2048);
  const std::string n = BignumParam(rsa.get(), OSSL_PKEY_PARAM_RSA_N);
  const std::string e = BignumParam(rsa.get(), OSSL_PKEY_PARAM_RSA_E);
  const std::string signature = Sign(rsa.get(), "header.payload", EVP_sha256());
  ASSERT_EQ(signature.size(), 256u);
  EXPECT_TRUE(VerifyRs256(n, e, "header.payload", signature));
  EXPECT_FALSE(VerifyRs256(n, e, "header.payloae", signature));
  EXPECT_FALSE(VerifyRs256(n, e, "header.payload", FlipBit(signature, 100)));
  EXPECT_FALSE(VerifyRs256(n, e, "header.payload", signature.substr(1)));
  EXPECT_FALSE(VerifyRs256(n, e, "header.payload", '\0' + signature));
  EXPECT_FALSE(VerifyRs256(n, base::Base64UrlEncode(std::string_view("\x01\x00\x03", 3)),
                           "header.payload", signature));
  EXPECT_FALSE(VerifyRs256(n, "", "header.payload", signature));
  EXPECT_FALSE(VerifyRs256("not base64!", e, "header.payload", signature));
}

TEST(VerifyRs256, RefusesPssAndOtherDigests) {
  PkeyPtr rsa = GenerateKey("RSA", 2048);
  const std::string n = BignumParam(rsa.get(), OSSL_PKEY_PARAM_RSA_N);
  const std::string e = BignumParam(rsa.get(), OSSL_PKEY_PARAM_RSA_E);
  EXPECT_FALSE(VerifyRs256(n, e, "input", Sign(rsa.get(), "input", EVP_sha256(), /*pss=*/true)));
  EXPECT_FALSE(VerifyRs256(n, e, "input", Sign(rsa.get(), "input", EVP_sha384())));
  EXPECT_TRUE(VerifyRs256(n, e, "input", Sign(rsa.get(), "input", EVP_sha256())));
}

TEST(VerifyRs256, RefusesModuliUnder2048Bits) {
  PkeyPtr rsa = GenerateKey("RSA", 1024);
  const std::string signature = Sign(rsa.get(), "input", EVP_sha256());
  EXPECT_FALSE(VerifyRs256(BignumParam(rsa.get(), OSSL_PKEY_PARAM_RSA_N),
                           BignumParam(rsa.get(), OSSL_PKEY_PARAM_RSA_E), "input", signature));
}

// RFC 8037 Appendix A.4.
TEST(VerifyEdDsa, AcceptsTheRfc8037Example) {
  constexpr std::string_view kX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
  constexpr std::string_view kInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  const std::string signature = Decode(
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  EXPECT_TRUE(VerifyEdDsa(kX, kInput, signature));
  EXPECT_FALSE(VerifyEdDsa(kX, kInput, FlipBit(signature, 0)));
  EXPECT_FALSE(VerifyEdDsa(kX, kInput, FlipBit(signature, 63, 7)));
  EXPECT_FALSE(VerifyEdDsa(kX, std::string(kInput) + ".", signature));
}

TEST(VerifyEdDsa, AcceptsSignaturesFromOpenSsl) {
  PkeyPtr ed = GenerateKey("ED25519");
  unsigned char raw[32];
  size_t raw_size = sizeof raw;
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(ed.get(), raw, &raw_size), 1);
  const std::string x =
      base::Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(raw), raw_size));
  const std::string signature = Sign(ed.get(), "header.payload", nullptr);
  EXPECT_TRUE(VerifyEdDsa(x, "header.payload", signature));
  EXPECT_FALSE(VerifyEdDsa(x, "header.payloae", signature));
  EXPECT_FALSE(VerifyEdDsa(x, "header.payload", signature.substr(0, 63)));
  EXPECT_FALSE(VerifyEdDsa(x, "header.payload", signature + '\0'));
  EXPECT_FALSE(VerifyEdDsa(x.substr(0, 42), "header.payload", signature));
  EXPECT_FALSE(VerifyEdDsa("", "header.payload", signature));
}

}  // namespace
}  // namespace taskwire::oauth
