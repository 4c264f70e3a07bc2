#include "mcp/http_endpoint.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "testing/fake_clock.h"
#include "testing/response_recorder.h"

namespace taskwire::mcp {
namespace {

// Refuses requests without "Authorization: Bearer good"; otherwise names the caller.
class TokenAuthenticator final : public Authenticator {
 public:
  void Authenticate(const http::Request& request, std::function<void(Outcome)> done) override {
    if (request.headers.Get("Authorization") != std::optional<std::string_view>("Bearer good")) {
      Refusal refusal{.status = 401, .message = "no key given", .headers = {}};
      refusal.headers.Add("WWW-Authenticate", "Bearer resource_metadata=\"x\"");
      done(std::move(refusal));
      return;
    }
    done(Principal{.subject = "ada", .scopes = {}, .data = nullptr});
  }
};

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterEndpoint(router_, "/mcp", server_, guard_, &authenticator_); }

  http::Response Send(http::Method method,
                      std::initializer_list<std::pair<const char*, const char*>> headers,
                      std::string body = "") {
    http::Request request;
    request.method = method;
    request.path = "/mcp";
    request.body = std::move(body);
    for (const auto& [name, value] : headers) request.headers.Add(name, value);
    auto recorder = std::make_shared<testing::ResponseRecorder>();
    router_.Handle(request, http::Responder(recorder));
    EXPECT_TRUE(recorder->response().has_value());
    return recorder->response().value_or(http::Response{});
  }

  static constexpr const char* kPing = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  static constexpr std::pair<const char*, const char*> kJson{"Content-Type", "application/json"};
  testing::FakeClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
  base::WorkerPool pool_{1, 10};
  Server server_{ServerOptions{}, pool_, clock_, logger_};
  http::HostGuard guard_{{.hosts = {"127.0.0.1"}, .origins = {}}};
  TokenAuthenticator authenticator_;
  http::Router router_;
};

TEST_F(EndpointTest, ForeignHostIsRefusedWithAJsonRpcErrorBeforeAuthentication) {
  const http::Response response =
      Send(http::Method::kPost,
           {{"Host", "evil.example.com"}, {"Authorization", "Bearer good"}, kJson}, kPing);
  EXPECT_EQ(response.status, 403);
  const auto body = boost::json::parse(response.body);
  EXPECT_TRUE(body.as_object().contains("error"));
  EXPECT_FALSE(body.as_object().contains("id"));
}

TEST_F(EndpointTest, TheAuthenticatorsRefusalIsPassedOn) {
  const http::Response response = Send(http::Method::kPost, {{"Host", "127.0.0.1"}, kJson}, kPing);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(*response.headers.Get("WWW-Authenticate"), "Bearer resource_metadata=\"x\"");
}

// A refusal on the MCP endpoint is a JSON-RPC error answering the request (its id, when the body
// had one), never a REST error body, which MCP clients and the conformance suite's schema reject.
TEST_F(EndpointTest, TheAuthenticatorsRefusalIsAJsonRpcErrorWithTheRequestsId) {
  const http::Response response = Send(http::Method::kPost, {{"Host", "127.0.0.1"}, kJson},
                                       R"({"jsonrpc":"2.0","id":"call-7","method":"tools/call"})");
  EXPECT_EQ(response.status, 401);
  const auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("jsonrpc"), "2.0");
  EXPECT_EQ(body.at("id"), "call-7");
  EXPECT_EQ(body.at("error").at("code").as_int64(), -32600);
  EXPECT_EQ(body.at("error").at("message"), "no key given");
  EXPECT_EQ(*response.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(*response.headers.Get("WWW-Authenticate"), "Bearer resource_metadata=\"x\"");
  // GET has no id to answer: the error has none.
  const http::Response get =
      Send(http::Method::kGet, {{"Host", "127.0.0.1"}, {"Accept", "text/event-stream"}});
  EXPECT_EQ(get.status, 401);
  const auto get_body = boost::json::parse(get.body).as_object();
  EXPECT_TRUE(get_body.contains("error"));
  EXPECT_TRUE(!get_body.contains("id") || get_body.at("id").is_null());
}

TEST_F(EndpointTest, AuthenticatedRequestsReachTheServer) {
  const http::Response response = Send(
      http::Method::kPost, {{"Host", "127.0.0.1"}, {"Authorization", "Bearer good"}, kJson}, kPing);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(boost::json::parse(response.body).at("result"), boost::json::object{});
}

TEST_F(EndpointTest, PostsThatAreNotApplicationJsonAre415WithAJsonRpcError) {
  for (const char* type :
       {"text/plain", "text/plain; charset=application/json", "application/json-patch+json",
        "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"}) {
    const http::Response response = Send(
        http::Method::kPost,
        {{"Host", "127.0.0.1"}, {"Authorization", "Bearer good"}, {"Content-Type", type}}, kPing);
    EXPECT_EQ(response.status, 415) << type;
    const auto body = boost::json::parse(response.body);
    EXPECT_EQ(body.at("error").at("code").as_int64(), kInvalidRequest) << type;
  }
  // No Content-Type at all, as a browser's no-cors fetch may send.
  EXPECT_EQ(
      Send(http::Method::kPost, {{"Host", "127.0.0.1"}, {"Authorization", "Bearer good"}}, kPing)
          .status,
      415);
  // Parameters and case do not matter.
  for (const char* type : {"application/json; charset=utf-8", "Application/JSON"}) {
    EXPECT_EQ(
        Send(http::Method::kPost,
             {{"Host", "127.0.0.1"}, {"Authorization", "Bearer good"}, {"Content-Type", type}},
             kPing)
            .status,
        200)
        << type;
  }
}

TEST_F(EndpointTest, PreflightListsTheMcpHeaders) {
  const http::Response response =
      Send(http::Method::kOptions, {{"Host", "127.0.0.1"}, {"Origin", "http://127.0.0.1"}});
  EXPECT_EQ(response.status, 204);
  EXPECT_NE(response.headers.Get("Access-Control-Allow-Headers")->find("Mcp-Session-Id"),
            std::string_view::npos);
  EXPECT_EQ(*response.headers.Get("Access-Control-Allow-Origin"), "http://127.0.0.1");
}

TEST_F(EndpointTest, OtherMethodsAre405) {
  EXPECT_EQ(Send(http::Method::kPut, {{"Host", "127.0.0.1"}}).status, 405);
}

}  // namespace
}  // namespace taskwire::mcp
