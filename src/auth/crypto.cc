// OpenSSL's home in auth/ (tests/architecture_test.cc): hashing only.

#include "auth/crypto.h"

#include <openssl/evp.h>

#include <memory>

#include "base/check.h"

namespace taskwire::auth {

base::Sha256Digest Sha256ByOpenSsl(std::string_view data) {
  // The algorithm is fetched once and a context kept per thread: fetching by name on each call
  // (what the one-shot SHA256() does in OpenSSL 3) would cost more than hashing a short token.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                               &EVP_MD_CTX_free);
  base::Sha256Digest digest{};
  unsigned int length = 0;
  CHECK(kSha256 != nullptr && context != nullptr);
  CHECK(EVP_DigestInit_ex2(context.get(), kSha256, nullptr) == 1 &&
        EVP_DigestUpdate(context.get(), data.data(), data.size()) == 1 &&
        EVP_DigestFinal_ex(context.get(), digest.data(), &length) == 1 && length == digest.size());
  return digest;
}

std::string CredentialHash(std::string_view credential) {
  return base::ToHex(Sha256ByOpenSsl(credential));
}

}  // namespace taskwire::auth
