#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "http/client.h"
#include "http/router.h"
#include "http/server.h"
#include "testing/http_client.h"

namespace taskwire::http {
namespace {

using namespace std::chrono_literals;

// A TCP listener on 127.0.0.1 that takes one connection, reads the request head, sends canned
// bytes and then closes or holds the connection open: for what http::Server would never send
// (oversized or half answers, silence).
class RawServer {
 public:
  RawServer() { EXPECT_NE(listener_.port(), 0); }
  ~RawServer() {
    release_.set_value();
    if (thread_.joinable()) thread_.join();
  }

  // Serves one connection on a thread of its own: sends `reply` once the request head is in,
  // then closes, or with `hold` keeps the connection open until this server is destroyed.
  void AnswerOnce(std::string reply, bool hold = false) {
    thread_ = std::thread([this, reply = std::move(reply), hold] {
      if (!ConnectionPending(5s)) return;
      const int connection = ::accept(listener_.fd(), nullptr, nullptr);
      if (connection < 0) return;
      accepted_.set_value();
      char chunk[4096];
      // Reads the request head; a TLS ClientHello (a handshake record, 0x16) has none, so it
      // is answered as soon as it arrives.
      while (request_.find("\r\n\r\n") == std::string::npos &&
             (request_.empty() || request_[0] != '\x16')) {
        const ssize_t got = ::recv(connection, chunk, sizeof chunk, 0);
        if (got <= 0) break;
        request_.append(chunk, static_cast<size_t>(got));
      }
      for (size_t sent = 0; sent < reply.size();) {
        const ssize_t wrote =
            ::send(connection, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
        if (wrote <= 0) break;
        sent += static_cast<size_t>(wrote);
      }
      if (hold) release_future_.wait();
      ::close(connection);
    });
  }

  // True when a connection is waiting to be accepted within `timeout`.
  bool ConnectionPending(std::chrono::milliseconds timeout) {
    pollfd entry{listener_.fd(), POLLIN, 0};
    return ::poll(&entry, 1, static_cast<int>(timeout.count())) == 1;
  }
  bool WaitAccepted(std::chrono::milliseconds timeout) {
    return accepted_future_.wait_for(timeout) == std::future_status::ready;
  }
  // The request head, once the connection was served (with `hold`, once the head arrived).
  std::string Request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

  std::string Url(std::string_view scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(listener_.port()) + "/doc.json";
  }

 private:
  testing::LoopbackListener listener_{8};
  std::thread thread_;
  std::string request_;
  std::promise<void> accepted_;
  std::future<void> accepted_future_ = accepted_.get_future();
  std::promise<void> release_;
  std::shared_future<void> release_future_ = release_.get_future().share();
};

class FetchBoundedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/doc.json",
                [](Request&, Responder r) { r.Send(Response::Json(200, R"({"client_id":"x"})")); });
    router_.Add(Method::kGet, "/moved", [](Request&, Responder r) {
      Response response = Response::Text(302, "");
      response.headers.Add("Location", "http://169.254.169.254/latest/meta-data/");
      r.Send(std::move(response));
    });
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    server_ = std::make_unique<Server>(
        options, [this](Request& request, Responder r) { router_.Handle(request, std::move(r)); },
        logger_);
    ASSERT_TRUE(server_->Listen().has_value());
    server_->Start();
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  base::SystemClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
  Router router_;
  std::unique_ptr<Server> server_;
};

TEST_F(FetchBoundedTest, ReadsTheWholeDocument) {
  auto document = FetchBounded(Url("/doc.json"), {}, FetchLimits{});
  ASSERT_TRUE(document.has_value()) << document.error().ToString();
  EXPECT_EQ(document->status, 200);
  EXPECT_EQ(document->body, R"({"client_id":"x"})");
  EXPECT_EQ(document->headers.Get("Content-Type"), "application/json");
}

TEST_F(FetchBoundedTest, ReturnsARedirectAsItIs) {
  auto document = FetchBounded(Url("/moved"), {}, FetchLimits{});
  ASSERT_TRUE(document.has_value()) << document.error().ToString();
  EXPECT_EQ(document->status, 302);
  EXPECT_EQ(document->headers.Get("Location"), "http://169.254.169.254/latest/meta-data/");
}

TEST(FetchBounded, SendsAOneShotGetWithHostAndUserAgent) {
  RawServer server;
  server.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  Headers headers;
  headers.Add("Accept", "application/json");
  auto document = FetchBounded(server.Url(), headers, FetchLimits{});
  ASSERT_TRUE(document.has_value()) << document.error().ToString();
  const std::string request = server.Request();
  EXPECT_EQ(request.rfind("GET /doc.json HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("Host: 127.0.0.1:"), std::string::npos) << request;
  EXPECT_NE(request.find("Connection: close\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("User-Agent: taskwire\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("Accept: application/json\r\n"), std::string::npos) << request;
}

TEST(FetchBounded, ABodyOfExactlyTheLimitIsRead) {
  RawServer server;
  server.AnswerOnce("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n" +
                    std::string(512, 'a') + "\r\n200\r\n" + std::string(512, 'b') +
                    "\r\n0\r\n\r\n");
  auto document = FetchBounded(server.Url(), {}, FetchLimits{.max_body = 1024});
  ASSERT_TRUE(document.has_value()) << document.error().ToString();
  EXPECT_EQ(document->body.size(), 1024u);
}

TEST(FetchBounded, AContentLengthOverTheLimitFails) {
  RawServer server;
  server.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'a'));
  auto document = FetchBounded(server.Url(), {}, FetchLimits{.max_body = 1024});
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(document.error().message().find("too large"), std::string::npos)
      << document.error().message();
  EXPECT_NE(document.error().message().find(server.Url()), std::string::npos);
}

TEST(FetchBounded, AChunkedBodyGrowingOverTheLimitFails) {
  std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) reply += "200\r\n" + std::string(512, 'a') + "\r\n";
  reply += "0\r\n\r\n";
  RawServer server;
  server.AnswerOnce(reply);
  auto document = FetchBounded(server.Url(), {}, FetchLimits{.max_body = 1024});
  ASSERT_FALSE(document.has_value());
  EXPECT_NE(document.error().message().find("too large"), std::string::npos)
      << document.error().message();
}

TEST(FetchBounded, ASilentServerTimesOut) {
  RawServer server;
  server.AnswerOnce("", /*hold=*/true);
  const auto start = std::chrono::steady_clock::now();
  auto document = FetchBounded(server.Url(), {}, FetchLimits{.timeout = 300ms});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(document.has_value());
  EXPECT_TRUE(server.WaitAccepted(0ms));  // it was connected, then waited for the answer
  EXPECT_EQ(document.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(document.error().message().find("timed out"), std::string::npos)
      << document.error().message();
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
}

TEST(FetchBounded, AnAnswerThatStallsHalfwayTimesOut) {
  RawServer server;
  server.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", /*hold=*/true);
  const auto start = std::chrono::steady_clock::now();
  auto document = FetchBounded(server.Url(), {}, FetchLimits{.timeout = 300ms});
  ASSERT_FALSE(document.has_value());
  EXPECT_NE(document.error().message().find("timed out"), std::string::npos)
      << document.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(FetchBounded, ADisallowedAddressIsNeverConnectedTo) {
  RawServer server;
  std::vector<IpAddress> offered;
  FetchLimits limits;
  limits.allow_address = [&offered](const IpAddress& address) {
    offered.push_back(address);
    return !IsPrivateOrReserved(address);
  };
  auto document = FetchBounded(server.Url(), {}, limits);
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(document.error().message().find("resolves only to addresses that are not allowed"),
            std::string::npos)
      << document.error().message();
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0], *IpAddress::Parse("127.0.0.1"));
  EXPECT_FALSE(server.ConnectionPending(200ms));
}

TEST(FetchBounded, EveryResolvedAddressIsOfferedToTheFilter) {
  RawServer server;
  std::vector<IpAddress> offered;
  FetchLimits limits;
  limits.allow_address = [&offered](const IpAddress& address) {
    offered.push_back(address);
    return false;
  };
  const std::string url = "http://localhost:1/";  // a name: goes through the resolver
  auto document = FetchBounded(url, {}, limits);
  ASSERT_FALSE(document.has_value());
  EXPECT_NE(document.error().message().find("not allowed"), std::string::npos)
      << document.error().message();
  EXPECT_FALSE(offered.empty());
  for (const auto& address : offered) EXPECT_TRUE(IsPrivateOrReserved(address));
}

TEST(FetchBounded, ANameThatDoesNotResolveFails) {
  auto document = FetchBounded("http://no-such-host.invalid/", {}, FetchLimits{.timeout = 3s});
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(document.error().message().find("no-such-host.invalid"), std::string::npos)
      << document.error().message();
}

TEST(FetchBounded, NobodyListeningFails) {
  std::string url;
  {
    RawServer closed;  // a port that was free a moment ago
    url = closed.Url();
  }
  auto document = FetchBounded(url, {}, FetchLimits{});
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(document.error().message().find("cannot connect"), std::string::npos)
      << document.error().message();
}

TEST(FetchBounded, AServerThatSpeaksNoTlsFailsTheHandshake) {
  RawServer server;
  server.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}\r\n\r\n");
  auto document = FetchBounded(server.Url("https"), {}, FetchLimits{.timeout = 2s});
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(document.error().message().find("TLS"), std::string::npos)
      << document.error().message();
}

TEST(FetchBounded, RefusesUrlsThatAreNotPlainHttp) {
  for (const char* url : {"ftp://example.com/doc.json", "http://user:pass@example.com/doc.json",
                          "https://user@example.com/", "file:///etc/passwd", "example.com/doc",
                          "http:///nohost", "http://example.com:99999/"}) {
    auto document = FetchBounded(url, {}, FetchLimits{});
    ASSERT_FALSE(document.has_value()) << url;
    EXPECT_EQ(document.error().code(), base::ErrorCode::kInvalidArgument) << url;
  }
}

TEST(IsPrivateOrReserved, SortsAddresses) {
  const struct {
    const char* address;
    bool blocked;
  } cases[] = {
      {"8.8.8.8", false},
      {"1.1.1.1", false},
      {"93.184.216.34", false},
      {"172.15.255.255", false},
      {"172.32.0.1", false},
      {"100.63.255.255", false},
      {"100.128.0.1", false},
      {"192.0.1.1", false},
      {"198.17.255.255", false},
      {"198.20.0.1", false},
      {"223.255.255.255", false},
      {"2606:4700::1", false},
      {"2001:4860:4860::8888", false},
      {"2a00:1450:4001::1", false},
      {"::ffff:8.8.8.8", false},
      {"64:ff9b::808:808", false},  // NAT64 of 8.8.8.8
      {"2002:808:808::1", false},   // 6to4 of 8.8.8.8
      {"0.0.0.0", true},
      {"0.1.2.3", true},
      {"10.0.0.1", true},
      {"10.255.255.255", true},
      {"100.64.0.1", true},
      {"100.127.255.255", true},
      {"127.0.0.1", true},
      {"127.1.2.3", true},
      {"169.254.169.254", true},
      {"172.16.0.1", true},
      {"172.31.255.255", true},
      {"192.0.0.8", true},
      {"192.0.2.1", true},
      {"192.168.1.1", true},
      {"198.18.0.1", true},
      {"198.19.255.255", true},
      {"198.51.100.7", true},
      {"203.0.113.9", true},
      {"224.0.0.1", true},
      {"239.255.255.250", true},
      {"240.0.0.1", true},
      {"255.255.255.255", true},
      {"::", true},
      {"::1", true},
      {"::ffff:10.0.0.1", true},
      {"::ffff:127.0.0.1", true},
      {"::ffff:169.254.169.254", true},
      {"::127.0.0.1", true},  // IPv4-compatible, deprecated
      {"fc00::1", true},
      {"fd12:3456::1", true},
      {"fe80::1", true},
      {"febf::1", true},
      {"fec0::1", true},
      {"ff02::1", true},
      {"100::1", true},
      {"2001:db8::1", true},
      {"2001::1", true},  // Teredo
      {"3fff::1", true},
      {"64:ff9b::a00:1", true},     // NAT64 of 10.0.0.1
      {"64:ff9b::7f00:1", true},    // NAT64 of 127.0.0.1
      {"64:ff9b:1::a00:1", true},   // local-use NAT64
      {"2002:7f00:1::1", true},     // 6to4 of 127.0.0.1
      {"2002:a9fe:a9fe::1", true},  // 6to4 of 169.254.169.254
  };
  for (const auto& c : cases) {
    auto address = IpAddress::Parse(c.address);
    ASSERT_TRUE(address.has_value()) << c.address;
    EXPECT_EQ(IsPrivateOrReserved(*address), c.blocked) << c.address;
  }
}

}  // namespace
}  // namespace taskwire::http
