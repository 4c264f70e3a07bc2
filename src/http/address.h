#pragma once

// IP addresses and CIDR ranges, and the policy that decides which source addresses may use an
// endpoint (server.allow_origins, server.trusted_proxies).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/message.h"

namespace taskwire::http {

// An IPv4 or IPv6 address; IPv4 is kept as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one range type
// covers both and "::ffff:127.0.0.1" matches 127.0.0.0/8.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  // Dotted IPv4 or IPv6 text ("10.0.0.1", "::1", "[::1]"); nullopt otherwise.
  static std::optional<IpAddress> Parse(std::string_view text);
  bool operator==(const IpAddress&) const = default;

  bool IsV4() const;
  // What one subscriber holds whole, so what per-address limits count by: an IPv4 address
  // itself, an IPv6 address cut to its /64.
  IpAddress SubscriberPrefix() const;
  // "192.0.2.7", "2001:db8::1".
  std::string ToString() const;
};

// An address range: "10.0.0.0/8", "2607:6bc0::/48", or one address ("192.0.2.7").
struct Cidr {
  IpAddress network;
  int prefix_bits = 128;  // over the 128-bit form

  // InvalidArgument naming `text` when it is not a range or an address.
  static base::Result<Cidr> Parse(std::string_view text);
  bool Contains(const IpAddress& address) const;
};

bool AnyContains(const std::vector<Cidr>& ranges, const IpAddress& address);

// Which source addresses may use an endpoint. The source is the socket's peer, unless the peer is
// a trusted proxy: then it is the nearest address in X-Forwarded-For that is not one (the header
// is read right to left, as each proxy appends the address it saw). Immutable; thread-safe.
class SourcePolicy {
 public:
  SourcePolicy() = default;
  // An empty `allowed` lets every address in.
  SourcePolicy(std::vector<Cidr> allowed, std::vector<Cidr> trusted_proxies)
      : allowed_(std::move(allowed)), trusted_proxies_(std::move(trusted_proxies)) {}

  // The address the request came from, as text ("192.0.2.7", "::1").
  std::string ClientAddress(const Request& request) const;
  bool Allowed(const Request& request) const;
  // True when the request was relayed by a proxy (it carries X-Forwarded-For or Forwarded): a
  // loopback peer then does not mean the person is on this machine.
  static bool Forwarded(const Request& request);

 private:
  std::optional<IpAddress> Client(const Request& request) const;

  std::vector<Cidr> allowed_;
  std::vector<Cidr> trusted_proxies_;
};

}  // namespace taskwire::http
