// libsodium's home in auth/ (ARCHITECTURE.md, the module picture).

#include "auth/sealing_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/base64url.h"
#include "base/check.h"

namespace taskwire::auth {

namespace {

constexpr size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kKeyBytes == 32);

std::string SystemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Writes all of `text` to `fd`; false (errno set) when it cannot.
bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

SealingKey::~SealingKey() { sodium_memzero(key_.data(), key_.size()); }

base::Result<SealingKey> SealingKey::Load(const std::string& path) {
  if (sodium_init() < 0) return base::Error::Internal("libsodium failed to initialize");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return base::Error::FailedPrecondition("the secrets key file " + path + " does not exist");
    }
    return base::Error::FailedPrecondition(SystemError("cannot read the secrets key file", path));
  }
  std::string text(128, '\0');  // a key file is 44 bytes; more is not a key
  size_t used = 0;
  ssize_t n = 0;
  while (used < text.size() && (n = ::read(fd, text.data() + used, text.size() - used)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    used += static_cast<size_t>(n);
  }
  const int read_error = errno;
  ::close(fd);
  if (n < 0) {
    errno = read_error;
    return base::Error::FailedPrecondition(SystemError("cannot read the secrets key file", path));
  }
  text.resize(used);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  auto decoded = base::Base64UrlDecode(text);
  sodium_memzero(text.data(), text.size());
  if (!decoded || decoded->size() != kKeyBytes) {
    return base::Error::FailedPrecondition("the secrets key file " + path +
                                           " does not hold a key (43 base64url characters)");
  }
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), decoded->data(), key.size());
  sodium_memzero(decoded->data(), decoded->size());
  SealingKey loaded(path, key);
  sodium_memzero(key.data(), key.size());
  return loaded;
}

base::Result<SealingKey> SealingKey::LoadOrCreate(const std::string& path) {
  if (::access(path.c_str(), F_OK) == 0 || errno != ENOENT) return Load(path);
  if (sodium_init() < 0) return base::Error::Internal("libsodium failed to initialize");
  // Written whole to a private temporary, then linked into place: link() never replaces, so a
  // key another process put there first is kept, and no reader ever sees half a key.
  std::string temporary = path + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0)
    return base::Error::Unavailable(SystemError("cannot create the secrets key file", path));
  std::array<uint8_t, 32> key{};
  randombytes_buf(key.data(), key.size());
  std::string text = base::Base64UrlEncode(std::span<const uint8_t>(key)) + "\n";
  sodium_memzero(key.data(), key.size());
  const bool written = ::fchmod(fd, 0600) == 0 && WriteAll(fd, text) && ::fsync(fd) == 0;
  sodium_memzero(text.data(), text.size());
  const int saved = errno;
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    errno = saved;
    return base::Error::Unavailable(SystemError("cannot write the secrets key file", path));
  }
  const bool linked = ::link(temporary.c_str(), path.c_str()) == 0 || errno == EEXIST;
  const int link_error = errno;
  ::unlink(temporary.c_str());
  if (!linked) {
    errno = link_error;
    return base::Error::Unavailable(SystemError("cannot create the secrets key file", path));
  }
  return Load(path);
}

std::string SealingKey::Seal(std::string_view plaintext, std::string_view associated_data) const {
  std::string sealed(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long length = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonceBytes, &length, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(associated_data.data()),
      associated_data.size(), nullptr, nonce, key_.data());
  CHECK(rc == 0 && length == plaintext.size() + kTagBytes);
  return std::string(kPrefix) + base::Base64UrlEncode(sealed);
}

base::Result<std::string> SealingKey::Open(std::string_view sealed,
                                           std::string_view associated_data) const {
  if (!IsSealed(sealed)) return base::Error::InvalidArgument("not a sealed value");
  auto bytes = base::Base64UrlDecode(sealed.substr(kPrefix.size()));
  if (!bytes || bytes->size() < kNonceBytes + kTagBytes) {
    return base::Error::InvalidArgument("a sealed value that is cut short or not base64url");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(bytes->data());
  std::string plaintext(bytes->size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &length, nullptr, nonce + kNonceBytes,
          bytes->size() - kNonceBytes,
          reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(),
          nonce, key_.data()) != 0) {
    return base::Error::FailedPrecondition("the value does not open with the secrets key " + path_ +
                                           " (sealed with another key, or altered)");
  }
  plaintext.resize(length);
  return plaintext;
}

}  // namespace taskwire::auth
