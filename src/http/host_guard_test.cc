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
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "127.0.0.1:8080"},
                                        {"Origin", "http://127.0.0.1:8080"}}))
                   .has_value());
  // Same authority under the other scheme is accepted: only this server listens there.
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "127.0.0.1:8080"},
                                        {"Origin", "https://127.0.0.1:8080"}}))
                   .has_value());
  for (const char* origin : {"http://evil.example.com", "http://127.0.0.1:9999", "null",
                             "file://", "http://localhost:8080", "http://127.0.0.1"}) {
    auto refused = guard.Check(WithHeaders({{"Host", "127.0.0.1:8080"}, {"Origin", origin}}));
    ASSERT_TRUE(refused.has_value()) << origin;
    EXPECT_NE(refused->body.find("forbidden_origin"), std::string::npos);
  }
}

TEST(HostGuard, AcceptsListedOriginsAndThePublicHost) {
  const HostGuard guard({.hosts = {"tasks.example.com"}, .origins = {"https://claude.ai"}});
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "tasks.example.com"}, {"Origin", "https://claude.ai"}}))
                   .has_value());
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "tasks.example.com"},
                                        {"Origin", "https://tasks.example.com"}}))
                   .has_value());
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "tasks.example.com:443"},
                                        {"Origin", "https://tasks.example.com"}}))
                   .has_value());
  EXPECT_TRUE(guard.Check(WithHeaders({{"Host", "127.0.0.1"}})).has_value());
}

TEST(HostGuard, EmptyHostListAcceptsAnyWellFormedHost) {
  const HostGuard guard({});
  EXPECT_FALSE(guard.Check(WithHeaders({{"Host", "192.168.1.20:8080"}})).has_value());
  EXPECT_TRUE(guard.Check(WithHeaders({{"Host", "bad host"}})).has_value());
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
