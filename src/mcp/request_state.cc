#include "mcp/request_state.h"

#include <charconv>

#include "base/base64url.h"
#include "base/sha256.h"

namespace taskwire::mcp {

namespace {

constexpr std::string_view kPrefix = "rs1.";

int64_t EpochSeconds(base::WallTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace

std::string RequestStateSealer::Mac(std::string_view expiry, std::string_view payload,
                                    std::string_view subject, std::string_view method,
                                    std::string_view target) const {
  // Length-prefixed fields, so no two different inputs sign the same bytes.
  std::string message;
  for (std::string_view field : {expiry, payload, subject, method, target}) {
    message += std::to_string(field.size());
    message += ':';
    message += field;
  }
  const base::Sha256Digest mac = base::HmacSha256(key_, message);
  return base::Base64UrlEncode(std::span<const uint8_t>(mac.data(), mac.size()));
}

std::string RequestStateSealer::Seal(std::string_view payload, std::string_view subject,
                                     std::string_view method, std::string_view target) const {
  const std::string expiry = std::to_string(EpochSeconds(clock_.Now()) + lifetime_.count());
  std::string sealed(kPrefix);
  sealed += expiry;
  sealed += '.';
  sealed += base::Base64UrlEncode(payload);
  sealed += '.';
  sealed += Mac(expiry, payload, subject, method, target);
  return sealed;
}

std::optional<std::string> RequestStateSealer::Open(std::string_view sealed,
                                                    std::string_view subject,
                                                    std::string_view method,
                                                    std::string_view target) const {
  if (!sealed.starts_with(kPrefix)) return std::nullopt;
  sealed.remove_prefix(kPrefix.size());
  const size_t first = sealed.find('.');
  const size_t second = first == std::string_view::npos ? first : sealed.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const std::string_view expiry = sealed.substr(0, first);
  const std::string_view encoded = sealed.substr(first + 1, second - first - 1);
  const std::string_view mac = sealed.substr(second + 1);
  auto payload = base::Base64UrlDecode(encoded);
  if (!payload) return std::nullopt;
  if (!base::ConstantTimeEquals(mac, Mac(expiry, *payload, subject, method, target))) {
    return std::nullopt;
  }
  int64_t expires = 0;
  auto [end, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), expires);
  if (ec != std::errc() || end != expiry.data() + expiry.size()) return std::nullopt;
  if (EpochSeconds(clock_.Now()) > expires) return std::nullopt;
  return std::move(*payload);
}

}  // namespace taskwire::mcp
