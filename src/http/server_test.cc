#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "http/router.h"
#include "testing/http_client.h"

namespace taskwire::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpRequest;
using testing::RawConnection;

// A server on a free loopback port with a few routes that exercise the Responder.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {}

  void StartServer(ServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    router_.Add(Method::kGet, "/hello",
                [](Request&, Responder r) { r.Send(Response::Text(200, "hello\n")); });
    router_.Add(Method::kPost, "/echo",
                [](Request& request, Responder r) { r.Send(Response::Text(200, request.body)); });
    router_.Add(Method::kGet, "/later", [](Request&, Responder r) {
      std::thread([r = std::move(r)]() mutable {
        std::this_thread::sleep_for(50ms);
        r.Send(Response::Text(200, "later\n"));
      }).detach();
    });
    router_.Add(Method::kGet, "/slow", [this](Request&, Responder r) {
      slow_started_.set_value();
      std::thread([r = std::move(r)]() mutable {
        std::this_thread::sleep_for(300ms);
        r.Send(Response::Text(200, "slow\n"));
      }).detach();
    });
    router_.Add(Method::kGet, "/forgotten", [](Request&, Responder) {});
    router_.Add(Method::kGet, "/throws",
                [](Request&, Responder) { throw std::runtime_error("handler bug"); });
    router_.Add(Method::kGet, "/inject", [](Request&, Responder r) {
      Response response = Response::Text(200, "ok");
      response.headers.Add("X-Bad", "a\r\nSet-Cookie: evil=1");
      r.Send(std::move(response));
    });
    router_.Add(Method::kGet, "/hold", [this](Request&, Responder r) {
      auto held = std::make_shared<Responder>(std::move(r));
      held->OnCancel([this] { cancelled_.set_value(); });
      std::lock_guard lock(mutex_);
      held_ = held;
    });
    router_.Add(Method::kGet, "/park", [this](Request&, Responder r) {
      std::lock_guard lock(mutex_);
      parked_.push_back(std::move(r));
    });
    router_.Add(Method::kGet, "/events", [this](Request&, Responder r) {
      auto stream = r.StartEventStream(Response{});
      stream->OnClose([this] { stream_closed_.set_value(); });
      stream->Send(SseEvent{.id = "1", .event = "", .data = "first", .retry_ms = 1000});
      std::thread([stream] {
        std::this_thread::sleep_for(20ms);
        stream->Send(SseEvent{.id = "2", .event = "message", .data = "line one\nline two"});
        if (stream->closed()) return;
      }).detach();
      std::lock_guard lock(mutex_);
      stream_ = stream;
    });
    server_ = std::make_unique<Server>(
        options, [this](Request& request, Responder r) { router_.Handle(request, std::move(r)); },
        logger_);
    ASSERT_TRUE(server_->Listen().has_value());
    server_->Start();
    port_ = server_->port();
  }

  void TearDown() override {
    AnswerParked();
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
  }

  std::unique_ptr<RawConnection> Connect(const char* source = nullptr) {
    auto connection = RawConnection::Connect(port_, source);
    EXPECT_NE(connection, nullptr);
    return connection;
  }

  // A connection from `source` that has made one request and now waits idle.
  std::unique_ptr<RawConnection> Idle(const char* source = nullptr) {
    auto connection = Connect(source);
    EXPECT_TRUE(connection->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto response = connection->ReadResponse();
    EXPECT_TRUE(response.has_value() && response->status == 200);
    return connection;
  }

  // A connection whose request /hold is held (held_).
  std::unique_ptr<RawConnection> Held() {
    auto connection = Connect();
    EXPECT_TRUE(connection->Send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (int i = 0; i < 100; ++i) {
      {
        std::lock_guard lock(mutex_);
        if (held_ != nullptr) break;
      }
      std::this_thread::sleep_for(10ms);
    }
    return connection;
  }

  // A connection whose request /park holds unanswered.
  std::unique_ptr<RawConnection> Busy() {
    auto connection = Connect();
    size_t parked = 0;
    {
      std::lock_guard lock(mutex_);
      parked = parked_.size();
    }
    EXPECT_TRUE(connection->Send("GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (int i = 0; i < 500; ++i) {
      std::this_thread::sleep_for(10ms);
      std::lock_guard lock(mutex_);
      if (parked_.size() > parked) break;
    }
    return connection;
  }

  void AnswerParked() {
    std::lock_guard lock(mutex_);
    for (auto& r : parked_) r.Send(Response::Text(200, "parked\n"));
    parked_.clear();
  }

  // Waits until the server counts at most `count` connections.
  void WaitForConnections(size_t count) {
    for (int attempt = 0; attempt < 250 && server_->connections() > count; ++attempt) {
      std::this_thread::sleep_for(20ms);
    }
  }

  base::SystemClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
  Router router_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::shared_ptr<Responder> held_;
  std::vector<Responder> parked_;
  std::shared_ptr<EventStream> stream_;
  std::promise<void> cancelled_;
  std::promise<void> stream_closed_;
  std::promise<void> slow_started_;
};

TEST_F(ServerTest, AnswersAndKeepsTheConnectionAlive) {
  StartServer();
  auto connection = Connect();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(connection->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto response = connection->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "hello\n");
    EXPECT_EQ(response->Header("Connection"), "");
    EXPECT_FALSE(response->Header("Date").empty());
  }
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(
      connection->Send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n"
                       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nworld"
                       "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(connection->ReadResponse()->body, "later\n");
  EXPECT_EQ(connection->ReadResponse()->body, "world");
  EXPECT_EQ(connection->ReadResponse()->body, "hello\n");
}

TEST_F(ServerTest, HeadGetsTheHeadersWithoutTheBody) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(connection->Send(
      "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = connection->ReadUntil("\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_NE(head->find("Content-Length: 6"), std::string::npos);
  // The next bytes are the GET's response, not a body.
  auto get = connection->ReadResponse();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->body, "hello\n");
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  StartServer();
  auto missing = HttpRequest(port_, "GET", "/nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  auto wrong = HttpRequest(port_, "DELETE", "/hello");
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->Header("Allow"), "GET, HEAD");
}

TEST_F(ServerTest, MalformedRequestLineIs400AndCloses) {
  StartServer();
  for (const char* bad : {"GARBAGE\r\n\r\n", "GET /hello HTTP/9.9\r\n\r\n", "GET  HTTP/1.1\r\n\r\n",
                          "\x01\x02\x03 / HTTP/1.1\r\n\r\n"}) {
    auto connection = Connect();
    ASSERT_TRUE(connection->Send(bad));
    auto response = connection->ReadResponse();
    ASSERT_TRUE(response.has_value()) << bad;
    EXPECT_EQ(response->status, 400) << bad;
    EXPECT_EQ(response->Header("Connection"), "close");
    EXPECT_TRUE(connection->WaitClosed());
  }
}

TEST_F(ServerTest, BadHeaderIs400) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(connection->Send("GET /hello HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n"));
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(connection->WaitClosed());
}

TEST_F(ServerTest, AbsoluteFormTargetIs400) {
  StartServer();
  auto response = HttpRequest(port_, "GET", "http://evil.example/hello");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  ServerOptions options;
  options.max_header_bytes = 2048;
  StartServer(options);
  auto connection = Connect();
  ASSERT_TRUE(connection->Send(
      "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n"));
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_TRUE(connection->WaitClosed());
}

TEST_F(ServerTest, OversizedBodyIs413BeforeItIsSent) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  auto connection = Connect();
  // Only the head is sent: the declared length alone is refused.
  ASSERT_TRUE(
      connection->Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"));
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("1024 bytes"), std::string::npos);
}

TEST_F(ServerTest, OversizedBodyIs413ReadableWhileTheClientKeepsSending) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  auto connection = Connect();
  // A client that writes its whole body before it reads: the server must not reset the
  // connection under it, or the 413 is lost (it reads and drops the rest, then closes).
  constexpr size_t kBody = 16 * 1024 * 1024;
  EXPECT_TRUE(connection->Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBody) + "\r\n\r\n"));
  EXPECT_TRUE(connection->Send(std::string(kBody, 'x')));
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(connection->WaitClosed());
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  auto connection = Connect();
  std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) request += "200\r\n" + std::string(512, 'x') + "\r\n";
  request += "0\r\n\r\n";
  connection->Send(request);
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
}

TEST_F(ServerTest, ChunkedBodyIsReassembled) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(
      connection->Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "hello world");
}

TEST_F(ServerTest, TruncatedBodyIsAnsweredOrClosedNeverHandled) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(
      connection->Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten.."));
  connection->ShutdownWrite();
  auto response = connection->ReadResponse();
  if (response.has_value()) {
    EXPECT_EQ(response->status, 400);
  }
  EXPECT_TRUE(connection->WaitClosed());
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(connection->Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = connection->ReadUntil("\r\n\r\n");
  ASSERT_TRUE(interim.has_value());
  EXPECT_TRUE(interim->starts_with("HTTP/1.1 100 Continue"));
  ASSERT_TRUE(connection->Send("body"));
  EXPECT_EQ(connection->ReadResponse()->body, "body");
}

TEST_F(ServerTest, StalledRequestIsTimedOut) {
  ServerOptions options;
  options.request_timeout = 300ms;
  StartServer(options);
  auto connection = Connect();
  ASSERT_TRUE(connection->Send("GET /hello HTTP/1.1\r\nHost: x\r\n"));  // never finished
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection->WaitClosed(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  // The server still serves others.
  EXPECT_EQ(HttpRequest(port_, "GET", "/hello")->status, 200);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.idle_timeout = 300ms;
  StartServer(options);
  auto connection = Connect();
  ASSERT_TRUE(connection->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(connection->ReadResponse().has_value());
  EXPECT_TRUE(connection->WaitClosed(5s));
}

TEST_F(ServerTest, ConnectionsBeyondTheCapGet503WhenNoneIsIdle) {
  ServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  auto first = Busy();
  auto second = Busy();
  auto third = Connect();
  ASSERT_TRUE(third->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto refused = third->ReadResponse();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Header("Retry-After"), "1");
  EXPECT_NE(refused->body.find("the server has too many open connections"), std::string::npos);
  // Once they are answered they are idle, and a new connection takes an idle one's place.
  AnswerParked();
  ASSERT_EQ(first->ReadResponse()->body, "parked\n");
  ASSERT_EQ(second->ReadResponse()->body, "parked\n");
  EXPECT_EQ(HttpRequest(port_, "GET", "/hello")->status, 200);
}

TEST_F(ServerTest, AtTheCapTheLongestIdleConnectionMakesRoom) {
  ServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  auto oldest = Idle();
  std::this_thread::sleep_for(20ms);
  auto newer = Idle();
  // A third connection is served, and the connection idle the longest is closed for it.
  EXPECT_EQ(HttpRequest(port_, "GET", "/hello")->status, 200);
  EXPECT_TRUE(oldest->WaitClosed(2s));
  ASSERT_TRUE(newer->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(newer->ReadResponse()->status, 200);
}

TEST_F(ServerTest, OneAddressCannotTakeEveryConnection) {
  ServerOptions options;
  options.max_connections = 100;
  options.max_connections_per_address = 2;
  StartServer(options);
  auto first = Idle("127.0.0.1");
  auto second = Idle("127.0.0.1");
  // The third from the same address is refused, though it sent its request before reading.
  auto third = Connect("127.0.0.1");
  ASSERT_TRUE(third->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto refused = third->ReadResponse();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("this address has too many open connections"), std::string::npos);
  // Another address is served meanwhile.
  auto other = Idle("127.0.0.2");
  // Once one of the first address's connections closes, it may open another.
  first.reset();
  WaitForConnections(2);
  Idle("127.0.0.1");
}

TEST_F(ServerTest, UncappedPeersMayExceedThePerAddressCap) {
  ServerOptions options;
  options.max_connections_per_address = 1;
  options.uncapped_peers = {*Cidr::Parse("127.0.0.1")};
  StartServer(options);
  std::vector<std::unique_ptr<RawConnection>> proxy;
  proxy.reserve(3);
  for (int i = 0; i < 3; ++i) proxy.push_back(Idle("127.0.0.1"));
  auto capped = Idle("127.0.0.2");
  auto refused = Connect("127.0.0.2");
  ASSERT_TRUE(refused->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(refused->ReadResponse()->status, 503);
}

TEST_F(ServerTest, ConnectionThatSendsNothingIsClosedAfterTheFirstByteTimeout) {
  ServerOptions options;
  options.first_byte_timeout = 200ms;
  options.idle_timeout = 60s;
  StartServer(options);
  auto silent = Connect();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent->WaitClosed(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  // A connection that has made a request waits for the next one under the idle timeout.
  auto idle = Idle();
  EXPECT_FALSE(idle->WaitClosed(600ms));
}

TEST_F(ServerTest, UnansweredRequestGets500) {
  StartServer();
  auto response = HttpRequest(port_, "GET", "/forgotten");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
}

TEST_F(ServerTest, ThrowingHandlerGets500AndTheServerLivesOn) {
  StartServer();
  EXPECT_EQ(HttpRequest(port_, "GET", "/throws")->status, 500);
  EXPECT_EQ(HttpRequest(port_, "GET", "/hello")->status, 200);
}

TEST_F(ServerTest, HeadersThatWouldSplitTheResponseAreDropped) {
  StartServer();
  auto response = HttpRequest(port_, "GET", "/inject");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("X-Bad"), "");
  EXPECT_EQ(response->Header("Set-Cookie"), "");
}

TEST_F(ServerTest, Http10ConnectionClosesAfterTheResponse) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(connection->Send("GET /hello HTTP/1.0\r\n\r\n"));
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "hello\n");
  EXPECT_TRUE(connection->WaitClosed());
}

TEST_F(ServerTest, HalfClosedClientStillGetsItsAnswer) {
  StartServer();
  // RFC 9112 §9.6: a client may close its sending side once its requests are sent.
  auto connection = Connect();
  ASSERT_TRUE(connection->Send(
      "GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  connection->ShutdownWrite();
  auto later = connection->ReadResponse();
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->status, 200);
  EXPECT_EQ(later->body, "later\n");
  auto hello = connection->ReadResponse();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->body, "hello\n");
  EXPECT_EQ(hello->Header("Connection"), "close");
  EXPECT_TRUE(connection->WaitClosed());
}

TEST_F(ServerTest, PeerResettingCancelsAHeldRequest) {
  StartServer();
  auto cancelled = cancelled_.get_future();
  auto connection = Held();
  connection->Reset();
  EXPECT_EQ(cancelled.wait_for(5s), std::future_status::ready);
}

// Closing the socket sends the same FIN as a half-close; the server's probe tells them apart.
TEST_F(ServerTest, PeerLeavingCancelsAHeldRequest) {
  StartServer();
  auto cancelled = cancelled_.get_future();
  Held();  // and closes the socket
  EXPECT_EQ(cancelled.wait_for(5s), std::future_status::ready);
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(held_->cancelled());
  held_->Send(Response::Text(200, "too late"));  // goes nowhere, harmlessly
}

TEST_F(ServerTest, EventStreamSendsEventsEndsAndTheConnectionIsReused) {
  StartServer();
  auto connection = Connect();
  ASSERT_TRUE(connection->Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = connection->ReadUntil("\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_NE(head->find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(head->find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(head->find("Cache-Control: no-cache"), std::string::npos);
  auto events = connection->ReadUntil("data: line two\n\n");
  ASSERT_TRUE(events.has_value());
  EXPECT_NE(events->find("id: 1\nretry: 1000\ndata: first\n\n"), std::string::npos);
  EXPECT_NE(events->find("id: 2\nevent: message\ndata: line one\ndata: line two\n\n"),
            std::string::npos);
  {
    std::lock_guard lock(mutex_);
    stream_->Close();
  }
  ASSERT_TRUE(connection->ReadUntil("0\r\n\r\n").has_value());
  ASSERT_TRUE(connection->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = connection->ReadResponse();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "hello\n");
}

TEST_F(ServerTest, EventStreamNoticesThePeerLeaving) {
  StartServer();
  auto closed = stream_closed_.get_future();
  {
    auto connection = Connect();
    ASSERT_TRUE(connection->Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(connection->ReadUntil("data: first").has_value());
  }
  EXPECT_EQ(closed.wait_for(5s), std::future_status::ready);
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(stream_->closed());
  EXPECT_FALSE(stream_->Send(SseEvent{.data = "nobody listens"}));
}

TEST_F(ServerTest, EventStreamSendsKeepAliveComments) {
  ServerOptions options;
  options.stream_keepalive = 100ms;
  StartServer(options);
  auto connection = Connect();
  ASSERT_TRUE(connection->Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(connection->ReadUntil(": keep-alive\n\n", 5s).has_value());
}

TEST_F(ServerTest, ShutdownFinishesInFlightRequestsAndClosesIdleOnes) {
  StartServer();
  auto idle = Connect();
  ASSERT_TRUE(idle->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle->ReadResponse().has_value());
  auto busy = Connect();
  auto started = slow_started_.get_future();
  ASSERT_TRUE(busy->Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(started.wait_for(5s), std::future_status::ready);

  server_->Shutdown();
  auto response = busy->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "slow\n");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(idle->WaitClosed());
  server_->Wait();
  EXPECT_EQ(RawConnection::Connect(port_), nullptr);
  server_.reset();
}

TEST_F(ServerTest, ShutdownEndsOpenEventStreams) {
  StartServer();
  auto closed = stream_closed_.get_future();
  auto connection = Connect();
  ASSERT_TRUE(connection->Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(connection->ReadUntil("data: first").has_value());
  server_->Shutdown();
  EXPECT_EQ(closed.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(connection->WaitClosed());
  server_->Wait();
  server_.reset();
}

TEST(ServerListen, PortInUseIsUnavailableNamingTheAddress) {
  base::SystemClock clock;
  base::Logger logger(base::LogLevel::kError, base::LogFormat::kText, stderr, clock);
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  Server first(
      options, [](Request&, Responder r) { r.Send({}); }, logger);
  ASSERT_TRUE(first.Listen().has_value());
  options.listen = first.local_address();
  Server second(
      options, [](Request&, Responder r) { r.Send({}); }, logger);
  auto listened = second.Listen();
  ASSERT_FALSE(listened.has_value());
  EXPECT_EQ(listened.error().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(listened.error().message().find(options.listen), std::string::npos);
  EXPECT_NE(listened.error().message().find("in use"), std::string::npos);
}

TEST(ServerListen, ParsesListenAddresses) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(ParseListenAddress("[::1]:0")->host, "::1");
  EXPECT_EQ(ParseListenAddress("localhost:80")->host, "127.0.0.1");
  for (const char* bad : {"", "8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80x",
                          "::1:80", "example.com:80", ":80"}) {
    EXPECT_FALSE(ParseListenAddress(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace taskwire::http
