#include "http/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace taskwire::http {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool IpAddress::IsV4() const {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes.data(), kMapped, sizeof kMapped) == 0;
}

IpAddress IpAddress::SubscriberPrefix() const {
  IpAddress prefix = *this;
  if (!IsV4()) std::fill(prefix.bytes.begin() + 8, prefix.bytes.end(), uint8_t{0});
  return prefix;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (IsV4()) {
    ::inet_ntop(AF_INET, bytes.data() + 12, text, sizeof text);
  } else {
    ::inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  }
  return text;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string copy(text);
  IpAddress address;
  uint8_t v4[4];
  if (::inet_pton(AF_INET, copy.c_str(), v4) == 1) {
    address.bytes[10] = 0xff;
    address.bytes[11] = 0xff;
    std::copy(std::begin(v4), std::end(v4), address.bytes.begin() + 12);
    return address;
  }
  if (::inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

base::Result<Cidr> Cidr::Parse(std::string_view text) {
  const auto bad = [&] {
    return base::Error::InvalidArgument("'" + std::string(text) +
                                        "' is not an address range such as 10.0.0.0/8 or "
                                        "2001:db8::/32");
  };
  const size_t slash = text.find('/');
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return bad();
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  Cidr cidr{*address, 128};
  if (slash != std::string_view::npos) {
    const std::string_view bits = text.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || value < 0 ||
        value > (v4 ? 32 : 128)) {
      return bad();
    }
    cidr.prefix_bits = v4 ? 96 + value : value;
  }
  // Host bits set ("10.0.0.1/8") are a typo more often than not: refuse rather than guess.
  IpAddress masked = cidr.network;
  for (int bit = cidr.prefix_bits; bit < 128; ++bit) {
    masked.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  if (!(masked == cidr.network)) return bad();
  return cidr;
}

bool Cidr::Contains(const IpAddress& address) const {
  const int whole = prefix_bits / 8;
  if (!std::equal(network.bytes.begin(), network.bytes.begin() + whole, address.bytes.begin())) {
    return false;
  }
  const int rest = prefix_bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff00u >> rest);
  return (network.bytes[whole] & mask) == (address.bytes[whole] & mask);
}

bool AnyContains(const std::vector<Cidr>& ranges, const IpAddress& address) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const Cidr& range) { return range.Contains(address); });
}

std::optional<IpAddress> SourcePolicy::Client(const Request& request) const {
  auto peer = IpAddress::Parse(request.peer.address);
  if (!peer || !AnyContains(trusted_proxies_, *peer)) return peer;
  // Every X-Forwarded-For field, as one list, read from the right.
  std::vector<std::string_view> hops;
  for (std::string_view field : request.headers.GetAll("X-Forwarded-For")) {
    size_t start = 0;
    while (start <= field.size()) {
      const size_t comma = std::min(field.find(',', start), field.size());
      hops.push_back(Trim(field.substr(start, comma - start)));
      start = comma + 1;
    }
  }
  if (hops.empty()) return peer;  // the proxy's own request
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    auto address = IpAddress::Parse(*hop);
    // A hop we cannot read cannot be judged: no source, so no allowlist lets it in.
    if (!address) return std::nullopt;
    if (!AnyContains(trusted_proxies_, *address) || hop + 1 == hops.rend()) return address;
  }
  return std::nullopt;  // not reached: the loop returns on its last hop
}

std::string SourcePolicy::ClientAddress(const Request& request) const {
  auto client = Client(request);
  return client ? client->ToString() : request.peer.address;
}

bool SourcePolicy::Allowed(const Request& request) const {
  if (allowed_.empty()) return true;
  auto client = Client(request);
  return client && AnyContains(allowed_, *client);
}

bool SourcePolicy::Forwarded(const Request& request) {
  return request.headers.Has("X-Forwarded-For") || request.headers.Has("Forwarded");
}

}  // namespace taskwire::http
