#include "http/address.h"

#include <gtest/gtest.h>

namespace taskwire::http {
namespace {

Cidr Range(std::string_view text) {
  auto range = Cidr::Parse(text);
  EXPECT_TRUE(range.has_value()) << text;
  return range.value_or(Cidr{});
}

IpAddress Address(std::string_view text) {
  auto address = IpAddress::Parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

Request From(std::string peer,
             std::initializer_list<std::pair<const char*, const char*>> headers = {}) {
  Request request;
  request.peer.address = std::move(peer);
  for (const auto& [name, value] : headers) request.headers.Add(name, value);
  return request;
}

TEST(IpAddress, TheSubscriberPrefixIsAnIpv4AddressOrAnIpv6Slash64) {
  EXPECT_EQ(Address("192.0.2.7").SubscriberPrefix().ToString(), "192.0.2.7");
  EXPECT_EQ(Address("::ffff:192.0.2.7").SubscriberPrefix().ToString(), "192.0.2.7");
  EXPECT_EQ(Address("2001:db8:1:2:aaaa:bbbb:cccc:dddd").SubscriberPrefix().ToString(),
            "2001:db8:1:2::");
  EXPECT_EQ(Address("2001:db8:1:2::1").SubscriberPrefix(),
            Address("2001:db8:1:2:ffff::9").SubscriberPrefix());
  EXPECT_NE(Address("2001:db8:1:2::1").SubscriberPrefix(),
            Address("2001:db8:1:3::1").SubscriberPrefix());
  EXPECT_TRUE(Address("10.0.0.1").IsV4());
  EXPECT_FALSE(Address("::1").IsV4());
}

TEST(Cidr, MatchesIpv4AndIpv6Ranges) {
  EXPECT_TRUE(Range("127.0.0.0/8").Contains(Address("127.1.2.3")));
  EXPECT_FALSE(Range("127.0.0.0/8").Contains(Address("128.0.0.1")));
  EXPECT_TRUE(Range("160.79.104.0/21").Contains(Address("160.79.111.255")));
  EXPECT_FALSE(Range("160.79.104.0/21").Contains(Address("160.79.112.0")));
  EXPECT_TRUE(Range("100.64.0.0/10").Contains(Address("100.127.255.1")));
  EXPECT_FALSE(Range("100.64.0.0/10").Contains(Address("100.128.0.1")));
  EXPECT_TRUE(Range("2607:6bc0::/48").Contains(Address("2607:6bc0:0:ffff::1")));
  EXPECT_FALSE(Range("2607:6bc0::/48").Contains(Address("2607:6bc0:1::1")));
  EXPECT_TRUE(Range("::1").Contains(Address("[::1]")));
  EXPECT_TRUE(Range("192.0.2.7").Contains(Address("192.0.2.7")));
  EXPECT_FALSE(Range("192.0.2.7").Contains(Address("192.0.2.8")));
  EXPECT_TRUE(Range("0.0.0.0/0").Contains(Address("8.8.8.8")));
}

TEST(Cidr, IpvFourMappedAddressesMatchIpv4Ranges) {
  EXPECT_TRUE(Range("127.0.0.0/8").Contains(Address("::ffff:127.0.0.1")));
  EXPECT_FALSE(Range("127.0.0.0/8").Contains(Address("::1")));
  // An IPv4 range never swallows IPv6 addresses, even /0.
  EXPECT_FALSE(Range("0.0.0.0/0").Contains(Address("2001:db8::1")));
}

TEST(Cidr, RefusesWhatIsNotARange) {
  for (const char* text : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8x", "10.0.0/8",
                           "host.example", "10.0.0.1/8", "local", "1.2.3.4/-1", "[::1]/64"}) {
    auto range = Cidr::Parse(text);
    ASSERT_FALSE(range.has_value()) << text;
    EXPECT_NE(range.error().message().find("is not an address range"), std::string::npos);
  }
}

TEST(SourcePolicy, EmptyAllowListLetsEveryoneIn) {
  const SourcePolicy policy;
  EXPECT_TRUE(policy.Allowed(From("203.0.113.9")));
  EXPECT_EQ(policy.ClientAddress(From("203.0.113.9")), "203.0.113.9");
}

TEST(SourcePolicy, DecidesByThePeerAndIgnoresForwardingHeadersFromStrangers) {
  const SourcePolicy policy({Range("192.0.2.0/24")}, {});
  EXPECT_TRUE(policy.Allowed(From("192.0.2.10")));
  EXPECT_FALSE(policy.Allowed(From("127.0.0.1")));
  // Without a trusted proxy, a header cannot move a request into the allowed range.
  EXPECT_FALSE(policy.Allowed(From("127.0.0.1", {{"X-Forwarded-For", "192.0.2.10"}})));
  EXPECT_EQ(policy.ClientAddress(From("127.0.0.1", {{"X-Forwarded-For", "192.0.2.10"}})),
            "127.0.0.1");
}

TEST(SourcePolicy, TrustedProxyForwardsTheNearestUntrustedAddress) {
  const SourcePolicy policy({Range("192.0.2.0/24")}, {Range("127.0.0.1"), Range("10.0.0.0/8")});
  EXPECT_TRUE(policy.Allowed(From("127.0.0.1", {{"X-Forwarded-For", "192.0.2.10"}})));
  EXPECT_EQ(policy.ClientAddress(From("127.0.0.1", {{"X-Forwarded-For", "192.0.2.10"}})),
            "192.0.2.10");
  // A client that writes its own X-Forwarded-For only adds hops to the left of the real one.
  const Request spoofed = From("127.0.0.1", {{"X-Forwarded-For", "192.0.2.10, 198.51.100.4"}});
  EXPECT_EQ(policy.ClientAddress(spoofed), "198.51.100.4");
  EXPECT_FALSE(policy.Allowed(spoofed));
  // A chain of trusted proxies is skipped, across repeated header fields too.
  const Request chained =
      From("127.0.0.1", {{"X-Forwarded-For", "192.0.2.10"}, {"X-Forwarded-For", "10.1.1.1"}});
  EXPECT_EQ(policy.ClientAddress(chained), "192.0.2.10");
  EXPECT_TRUE(policy.Allowed(chained));
  // A proxy claiming loopback for its client gets loopback, which this list does not allow.
  EXPECT_FALSE(policy.Allowed(From("127.0.0.1", {{"X-Forwarded-For", "127.0.0.1"}})));
  // An unreadable hop cannot be judged: refused.
  EXPECT_FALSE(policy.Allowed(From("127.0.0.1", {{"X-Forwarded-For", "192.0.2.10, garbage"}})));
  // The proxy's own requests (no header) are judged by its address.
  EXPECT_FALSE(policy.Allowed(From("127.0.0.1")));
}

TEST(SourcePolicy, ForwardedSeesEitherHeader) {
  EXPECT_FALSE(SourcePolicy::Forwarded(From("127.0.0.1")));
  EXPECT_TRUE(SourcePolicy::Forwarded(From("127.0.0.1", {{"X-Forwarded-For", "127.0.0.1"}})));
  EXPECT_TRUE(SourcePolicy::Forwarded(From("127.0.0.1", {{"forwarded", "for=192.0.2.1"}})));
}

}  // namespace
}  // namespace taskwire::http
