#include "http/host_guard.h"

#include <gtest/gtest.h>

namespace taskwire::http {
namespace {

Request WithHeaders(std::initializer_list<std::pair<const char*, const char*>> headers) {
  Request request;
  for (const auto& [name, value] : headers) request.headers.Add(name, value);
  return request;
}

HostGuard LoopbackGuard() {
  return HostGuard({.hosts = {"localhost", "127.0.0.1", "[::1]"}, .origins = {}});
}

TEST(HostGuard, AcceptsLoopbackHostsWithoutOrigin) {
  const HostGuard guard = LoopbackGuard();
  for (const char* host : {"127.0.0.1:8080", "localhost:3000", "LOCALHOST", "[::1]:8080"}) {
    EXPECT_FALSE(guard.Check(WithHeaders({{"Host", host}})).has_value()) << host;
  }
}

TEST(HostGuard, RejectsAForeignHost) {
  // The conformance suite's dns-rebinding probe.
  auto refused = LoopbackGuard().Check(WithHeaders({{"Host", "evil.example.com"}}));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("forbidden_host"), std::string::npos);
}

TEST(HostGuard, RejectsAMissingOrMalformedHost) {
  const HostGuard guard = LoopbackGuard();
  EXPECT_TRUE(guard.Check(WithHeaders({})).has_value());
  for (const char* host : {"127.0.0.1:80:80", "local host", "[::1", "127.0.0.1:abc", "a@b"}) {
    EXPECT_TRUE(guard.Check(WithHeaders({{"Host", host}})).has_value()) << host;
  }
}

TEST(HostGuard, AcceptsSameOriginAndRejectsForeignOrigins) {
  const HostGuard guard = LoopbackGuard();
  EXPECT_FALSE(
      guard.Check(WithHeaders({{"Host", "127.0.0.1:8080"}, {"Origin", "http://127.0.0.1:8080"}}))
          .has_value());
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "127.0.0.1"}, {"Origin", "http://127.0.0.1:80"}}))
                   .has_value());
  // The same authority under https is another origin: this server speaks plain HTTP there.
  for (const char* origin : {"http://evil.example.com", "http://127.0.0.1:9999", "null", "file://",
                             "http://localhost:8080", "http://127.0.0.1", "https://127.0.0.1:8080",
                             "HTTPS://127.0.0.1:8080"}) {
    auto refused = guard.Check(WithHeaders({{"Host", "127.0.0.1:8080"}, {"Origin", origin}}));
    ASSERT_TRUE(refused.has_value()) << origin;
    EXPECT_NE(refused->body.find("forbidden_origin"), std::string::npos);
  }
}

TEST(HostGuard, AcceptsListedOriginsAndThePublicHost) {
  // As server/ builds it for public_url = https://tasks.example.com, with claude.ai allowed.
  const HostGuard guard({.hosts = {"tasks.example.com"},
                         .origins = {"https://tasks.example.com", "https://claude.ai"}});
  EXPECT_FALSE(
      guard.Check(WithHeaders({{"Host", "tasks.example.com"}, {"Origin", "https://claude.ai"}}))
          .has_value());
  EXPECT_FALSE(guard
                   .Check(WithHeaders(
                       {{"Host", "tasks.example.com"}, {"Origin", "https://tasks.example.com"}}))
                   .has_value());
  EXPECT_FALSE(guard
                   .Check(WithHeaders({{"Host", "tasks.example.com:443"},
                                       {"Origin", "https://tasks.example.com"}}))
                   .has_value());
  EXPECT_TRUE(guard.Check(WithHeaders({{"Host", "127.0.0.1"}})).has_value());
}

TEST(HostGuard, AnHttpsPublicHostIsNotThisServersOriginOverHttp) {
  // public_url = https://tasks.example.com, listening on loopback (a TLS proxy in front).
  const HostGuard guard({.hosts = {"tasks.example.com", "localhost", "127.0.0.1", "[::1]"},
                         .origins = {"https://tasks.example.com"}});
  EXPECT_FALSE(guard
                   .Check(WithHeaders(
                       {{"Host", "tasks.example.com"}, {"Origin", "https://tasks.example.com"}}))
                   .has_value());
  for (const char* origin : {"http://tasks.example.com", "http://tasks.example.com:80"}) {
    auto refused = guard.Check(WithHeaders({{"Host", "tasks.example.com"}, {"Origin", origin}}));
    ASSERT_TRUE(refused.has_value()) << origin;
    EXPECT_NE(refused->body.find("forbidden_origin"), std::string::npos);
  }
  // The loopback address itself is still reached over plain HTTP.
  EXPECT_FALSE(
      guard.Check(WithHeaders({{"Host", "127.0.0.1:8080"}, {"Origin", "http://127.0.0.1:8080"}}))
          .has_value());
  EXPECT_TRUE(
      guard.Check(WithHeaders({{"Host", "127.0.0.1:8080"}, {"Origin", "https://127.0.0.1:8080"}}))
          .has_value());
}

TEST(HostGuard, AnHttpPublicUrlIsMatchedByItsOrigin) {
  const HostGuard guard(
      {.hosts = {"tasks.example.com"}, .origins = {"http://tasks.example.com:8080"}});
  EXPECT_FALSE(guard
                   .Check(WithHeaders({{"Host", "tasks.example.com:8080"},
                                       {"Origin", "http://tasks.example.com:8080"}}))
                   .has_value());
  EXPECT_TRUE(guard
                  .Check(WithHeaders({{"Host", "tasks.example.com:8080"},
                                      {"Origin", "https://tasks.example.com:8080"}}))
                  .has_value());
}

TEST(HostGuard, EmptyHostListAcceptsAnyWellFormedHost) {
  const HostGuard guard({});
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "192.168.1.20:8080"}})).has_value());
  EXPECT_TRUE(guard.Check(WithHeaders({{"Host", "bad host"}})).has_value());
}

TEST(HostGuard, IpLiteralModeAcceptsAddressesAndListedNamesOnly) {
  // Listening on every address without server.public_url: any IP literal, localhost, and no
  // other DNS name, which is what a DNS-rebinding page would send.
  HostGuard::Policy policy;
  policy.hosts = {"localhost", "127.0.0.1", "[::1]"};
  policy.ip_literals = true;
  const HostGuard guard(policy);
  for (const char* host :
       {"192.168.1.20:8080", "10.0.0.1", "[2001:db8::1]:8080", "localhost:8080", "[::1]"}) {
    EXPECT_FALSE(guard.Check(WithHeaders({{"Host", host}})).has_value()) << host;
    EXPECT_FALSE(guard.CheckHost(WithHeaders({{"Host", host}})).has_value()) << host;
  }
  for (const char* host :
       {"rebind.attacker.example:8080", "tasks.example.com", "192.168.1.20.nip.io", "1.2.3"}) {
    auto refused = guard.CheckHost(WithHeaders({{"Host", host}}));
    ASSERT_TRUE(refused.has_value()) << host;
    EXPECT_EQ(refused->status, 403);
    EXPECT_NE(refused->body.find("server.public_url"), std::string::npos) << refused->body;
    EXPECT_NE(refused->body.find("DNS-rebinding"), std::string::npos) << refused->body;
  }
  // Same origin under an IP literal still passes the Origin check.
  EXPECT_FALSE(guard
                   .Check(WithHeaders(
                       {{"Host", "192.168.1.20:8080"}, {"Origin", "http://192.168.1.20:8080"}}))
                   .has_value());
}

TEST(HostGuard, CheckHostIgnoresTheOrigin) {
  const HostGuard guard({.hosts = {"localhost", "127.0.0.1"}, .origins = {}});
  const Request request =
      WithHeaders({{"Host", "127.0.0.1:8080"}, {"Origin", "https://inspector.example"}});
  EXPECT_TRUE(guard.Check(request).has_value());
  EXPECT_FALSE(guard.CheckHost(request).has_value());
  EXPECT_TRUE(guard.CheckHost(WithHeaders({{"Host", "evil.example"}})).has_value());
}

TEST(OriginOf, NormalizesSchemeHostAndDefaultPort) {
  EXPECT_EQ(*OriginOf("HTTPS://Example.COM:443/path?q"), "https://example.com");
  EXPECT_EQ(*OriginOf("http://127.0.0.1:8080/mcp"), "http://127.0.0.1:8080");
  EXPECT_EQ(*OriginOf("http://[::1]:80"), "http://[::1]");
  EXPECT_FALSE(OriginOf("ftp://example.com").has_value());
  EXPECT_FALSE(OriginOf("https://user@example.com").has_value());
  EXPECT_FALSE(OriginOf("example.com").has_value());
}

}  // namespace
}  // namespace taskwire::http
