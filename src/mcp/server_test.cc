#include "mcp/server.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <thread>

#include "mcp/server_test.h"
#include "testing/fake_clock.h"

namespace taskwire::mcp {
namespace {

using namespace std::chrono_literals;

// A credential the test revokes, or lets expire, at will.
class FakeCredential final : public PrincipalData {
 public:
  explicit FakeCredential(std::optional<base::WallTime> expires = std::nullopt)
      : expires_(expires) {}
  bool StillValid(base::WallTime now) const override {
    return !revoked_.load() && (!expires_ || now < *expires_);
  }
  std::optional<base::WallTime> Expires() const override { return expires_; }
  void Revoke() { revoked_ = true; }

 private:
  const std::optional<base::WallTime> expires_;
  std::atomic<bool> revoked_{false};
};

Principal Holding(std::string subject, std::shared_ptr<const PrincipalData> credential) {
  return Principal{.subject = std::move(subject), .scopes = {}, .data = std::move(credential)};
}

class McpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddTool(Tool{.name = "echo",
                         .description = "Echoes its text.",
                         .input = Schema::Object().Property("text", Schema::String().MaxLength(10),
                                                            Schema::Required::kYes),
                         .handler = [](const json::object& arguments, CallContext&) -> ToolOutcome {
                           return ToolResult::Text(arguments.at("text").as_string());
                         }});
    server_.AddTool(Tool{.name = "needs_sampling",
                         .description = "Needs sampling.",
                         .required_client_capabilities = json::object{{"sampling", json::object{}}},
                         .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                           return ToolResult::Text("ok");
                         }});
    server_.AddTool(Tool{
        .name = "ask_name",
        .description = "Asks the user's name.",
        .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
          const json::value* answer = context.input_responses().if_contains("name");
          if (answer == nullptr || !context.request_state()) {
            return InputRequired{
                json::object{
                    {"name", json::object{{"method", "elicitation/create"},
                                          {"params", json::object{{"message", "Name?"}}}}}},
                "asked"};
          }
          return ToolResult::Text(
              "Hello, " + std::string(answer->as_object().at("content").at("name").as_string()));
        }});
    server_.AddTool(Tool{.name = "progress",
                         .description = "Reports progress.",
                         .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
                           context.Progress(1, 2, "half");
                           return ToolResult::Text("done");
                         }});
    server_.AddTool(Tool{.name = "later",
                         .description = "Answers when the test says so.",
                         .handler = [this](const json::object&, CallContext&) -> ToolOutcome {
                           return Deferred{[this](std::function<void(ToolResult)> resume) {
                             std::lock_guard lock(later_mutex_);
                             later_ = std::move(resume);
                           }};
                         }});
    server_.AddTool(
        Tool{.name = "later_progress",
             .description = "Answers when the test says so, with progress before.",
             .handler = [this](const json::object&, CallContext& context) -> ToolOutcome {
               return Deferred{[this, &context](std::function<void(ToolResult)> resume) {
                 std::lock_guard lock(later_mutex_);
                 later_context_ = &context;
                 later_ = std::move(resume);
               }};
             }});
    server_.AddResource(Resource{
        .uri = "test://a",
        .name = "a",
        .mime_type = "text/plain",
        .handler = [](std::string_view uri, const json::object&, CallContext&) -> ReadOutcome {
          return std::vector<ResourceContents>{{std::string(uri), "text/plain", "A", std::nullopt}};
        }});
    server_.AddResourceTemplate(ResourceTemplate{
        .uri_template = "test://items/{id}",
        .name = "item",
        .handler = [](std::string_view uri, const json::object& variables,
                      CallContext&) -> ReadOutcome {
          if (variables.at("id") == "missing") return NotFound{};
          return std::vector<ResourceContents>{{std::string(uri), "text/plain",
                                                std::string(variables.at("id").as_string()),
                                                std::nullopt}};
        }});
  }

  // A 2026-07-28 request with all the headers and _meta a conforming client sends.
  http::Request Modern(std::string_view method, json::object params = {}, json::value id = 1) {
    return ModernRequest(method, std::move(params), std::move(id),
                         json::object{{"elicitation", json::object{}}});
  }

  static http::Request Raw(const json::object& body) { return RawRequest(body); }

  std::shared_ptr<Recorder> Post(http::Request request, const Principal& principal = {},
                                 Server* server = nullptr) {
    auto recorder = PostTo(server != nullptr ? *server : server_, std::move(request), principal);
    EXPECT_TRUE(recorder->WaitDone());
    return recorder;
  }

  static int ErrorCode(const Recorder& recorder) { return recorder.ErrorCode(); }

  std::mutex later_mutex_;
  std::function<void(ToolResult)> later_;  // guarded by later_mutex_
  CallContext* later_context_ = nullptr;   // guarded by later_mutex_
  testing::FakeClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
  base::WorkerPool pool_{2, 100};
  Server server_{ServerOptions{.name = "test", .version = "1.0"}, pool_, clock_, logger_};
};

// ---- 2026-07-28: the validation order ---------------------------------------------------

TEST_F(McpServerTest, ADeferredToolAnswersWhenResumedFromAnotherThread) {
  auto recorder = std::make_shared<Recorder>();
  http::Request request = Modern("tools/call", {{"name", "later"}});
  Serve(server_, request, {}, http::Responder(recorder));
  std::function<void(ToolResult)> resume;
  for (int i = 0; i < 500 && !resume; ++i) {
    std::this_thread::sleep_for(1ms);
    std::lock_guard lock(later_mutex_);
    resume = later_;
  }
  ASSERT_TRUE(resume);
  EXPECT_EQ(recorder->status(), 0);  // nothing answered yet, and no pool thread waits
  std::thread([resume] { resume(ToolResult::Text("at last")); }).join();
  ASSERT_TRUE(recorder->WaitDone());
  EXPECT_EQ(recorder->Message().at("result").at("content").at(0).at("text"), "at last");
}

// While a Deferred tool waits, its context stays usable from any thread: progress it reports
// streams ahead of the result.
TEST_F(McpServerTest, ADeferredToolReportsProgressUntilItResumes) {
  http::Request request = Modern("tools/call", {{"name", "later_progress"}});
  json::value body = boost::json::parse(request.body);
  body.at("params").at("_meta").as_object()["progressToken"] = "p2";
  request.body = json::serialize(body);
  auto recorder = std::make_shared<Recorder>();
  Serve(server_, request, {}, http::Responder(recorder));
  std::function<void(ToolResult)> resume;
  CallContext* context = nullptr;
  for (int i = 0; i < 500 && !resume; ++i) {
    std::this_thread::sleep_for(1ms);
    std::lock_guard lock(later_mutex_);
    resume = later_;
    context = later_context_;
  }
  ASSERT_TRUE(resume);
  std::thread([context] { context->Progress(1, 3, "one of three"); }).join();
  std::thread([resume] { resume(ToolResult::Text("at last")); }).join();
  ASSERT_TRUE(recorder->WaitDone());
  const auto events = recorder->events();
  ASSERT_EQ(events.size(), 2u);
  const json::value progress = boost::json::parse(events[0]);
  EXPECT_EQ(progress.at("method"), "notifications/progress");
  EXPECT_EQ(progress.at("params").at("progressToken"), "p2");
  EXPECT_EQ(progress.at("params").at("message"), "one of three");
  EXPECT_EQ(boost::json::parse(events[1]).at("result").at("content").at(0).at("text"), "at last");
}

TEST_F(McpServerTest, ModernDiscoverDescribesTheServer) {
  auto recorder = Post(Modern("server/discover"));
  EXPECT_EQ(recorder->status(), 200);
  const json::value result = recorder->Message().at("result");
  EXPECT_EQ(result.at("supportedVersions"), (json::array{"2026-07-28"}));
  EXPECT_EQ(result.at("resultType"), "complete");
  EXPECT_TRUE(result.at("capabilities").as_object().contains("tools"));
  EXPECT_TRUE(result.at("ttlMs").is_int64());
  EXPECT_EQ(result.at("cacheScope"), "public");
  EXPECT_EQ(result.at("_meta").at("io.modelcontextprotocol/serverInfo").at("name"), "test");
}

TEST_F(McpServerTest, MissingVersionHeaderIsHeaderMismatch) {
  http::Request request = Modern("tools/list");
  request.headers.Remove("MCP-Protocol-Version");
  auto recorder = Post(request);
  EXPECT_EQ(recorder->status(), 400);
  EXPECT_EQ(ErrorCode(*recorder), kHeaderMismatch);
  EXPECT_EQ(recorder->Message().at("id"), 1);  // the id is echoed
}

TEST_F(McpServerTest, MissingMetaIsInvalidParamsBeforeAnyMismatch) {
  http::Request request = Raw(json::object{
      {"jsonrpc", "2.0"}, {"id", 101}, {"method", "server/discover"}, {"params", json::object{}}});
  request.headers.Add("MCP-Protocol-Version", "2026-07-28");
  request.headers.Add("Mcp-Method", "server/discover");
  auto recorder = Post(request);
  EXPECT_EQ(recorder->status(), 400);
  EXPECT_EQ(ErrorCode(*recorder), kInvalidParams);
  EXPECT_EQ(recorder->Message().at("id"), 101);
}

TEST_F(McpServerTest, HeaderAndMetaVersionsMustAgreeThenBeSupported) {
  http::Request mismatch = Modern("tools/list");
  mismatch.headers.Set("MCP-Protocol-Version", "2026-07-28");
  json::value body = boost::json::parse(mismatch.body);
  body.at("params").at("_meta").as_object()["io.modelcontextprotocol/protocolVersion"] = "v999.0.0";
  mismatch.body = json::serialize(body);
  EXPECT_EQ(ErrorCode(*Post(mismatch)), kHeaderMismatch);

  mismatch.headers.Set("MCP-Protocol-Version", "v999.0.0");
  auto unsupported = Post(mismatch);
  EXPECT_EQ(unsupported->status(), 400);
  EXPECT_EQ(ErrorCode(*unsupported), kUnsupportedProtocolVersion);
  const json::value data = unsupported->Message().at("error").at("data");
  EXPECT_EQ(data.at("requested"), "v999.0.0");
  EXPECT_EQ(data.at("supported"), (json::array{"2026-07-28"}));
}

TEST_F(McpServerTest, MethodAndNameHeadersMustMatchTheBody) {
  http::Request wrong_method = Modern("tools/list");
  wrong_method.headers.Set("Mcp-Method", "prompts/list");
  EXPECT_EQ(ErrorCode(*Post(wrong_method)), kHeaderMismatch);
  http::Request case_differs = Modern("tools/list");
  case_differs.headers.Set("Mcp-Method", "TOOLS/LIST");
  EXPECT_EQ(ErrorCode(*Post(case_differs)), kHeaderMismatch);

  http::Request no_name =
      Modern("tools/call", json::object{{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  no_name.headers.Remove("Mcp-Name");
  EXPECT_EQ(ErrorCode(*Post(no_name)), kHeaderMismatch);
  http::Request wrong_name =
      Modern("tools/call", json::object{{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  wrong_name.headers.Set("Mcp-Name", "other");
  EXPECT_EQ(ErrorCode(*Post(wrong_name)), kHeaderMismatch);
  http::Request bad_base64 =
      Modern("tools/call", json::object{{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  bad_base64.headers.Set("Mcp-Name", "=?base64?ZWNob?=");
  EXPECT_EQ(ErrorCode(*Post(bad_base64)), kHeaderMismatch);

  http::Request encoded =
      Modern("tools/call", json::object{{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  encoded.headers.Set("Mcp-Name", "  =?base64?ZWNobw==?=  ");  // "echo", with spaces around it
  EXPECT_EQ(Post(encoded)->Message().at("result").at("content").at(0).at("text"), "hi");
}

TEST_F(McpServerTest, ParamHeadersMustMirrorMarkedArguments) {
  server_.AddTool(Tool{.name = "routed",
                       .description = "Has a mirrored argument.",
                       .input = Schema::Object()
                                    .Property("region", Schema::String().Header("Region"))
                                    .Property("count", Schema::Integer().Header("Count")),
                       .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                         return ToolResult::Text("routed");
                       }});
  auto call = [&](json::object arguments,
                  std::initializer_list<std::pair<const char*, const char*>> headers) {
    http::Request request =
        Modern("tools/call", json::object{{"name", "routed"}, {"arguments", std::move(arguments)}});
    for (const auto& [name, value] : headers) request.headers.Add(name, value);
    return Post(request);
  };
  EXPECT_EQ(call({{"region", "eu"}, {"count", 42}},
                 {{"Mcp-Param-Region", "eu"}, {"Mcp-Param-Count", "42.0"}})
                ->status(),
            200);
  EXPECT_EQ(call({{"region", "Hello"}}, {{"Mcp-Param-Region", "=?base64?SGVsbG8=?="}})->status(),
            200);
  EXPECT_EQ(call({}, {})->status(), 200);  // nothing set, nothing mirrored
  for (const auto& recorder :
       {call({{"region", "eu"}}, {}), call({}, {{"Mcp-Param-Region", "eu"}}),
        call({{"region", "eu"}}, {{"Mcp-Param-Region", "us"}}),
        call({{"region", "Hello"}}, {{"Mcp-Param-Region", "=?base64?SGVsbG8?="}}),
        call({{"count", 42}}, {{"Mcp-Param-Count", "43"}})}) {
    EXPECT_EQ(recorder->status(), 400);
    EXPECT_EQ(ErrorCode(*recorder), kHeaderMismatch);
  }
}

TEST_F(McpServerTest, RemovedAndUnknownMethodsAre404) {
  for (const char* method :
       {"initialize", "ping", "logging/setLevel", "resources/subscribe", "unknown/method"}) {
    auto recorder = Post(Modern(method));
    EXPECT_EQ(recorder->status(), 404) << method;
    EXPECT_EQ(ErrorCode(*recorder), kMethodNotFound) << method;
  }
}

TEST_F(McpServerTest, UndeclaredClientCapabilityIs400WithTheCapabilities) {
  auto recorder = Post(Modern("tools/call", json::object{{"name", "needs_sampling"}}));
  EXPECT_EQ(recorder->status(), 400);
  EXPECT_EQ(ErrorCode(*recorder), kMissingRequiredClientCapability);
  EXPECT_EQ(recorder->Message().at("error").at("data").at("requiredCapabilities"),
            (json::object{{"sampling", json::object{}}}));
}

TEST_F(McpServerTest, ListsCarryCachingHintsAndRejectForeignCursors) {
  const json::value result = Post(Modern("tools/list"))->Message().at("result");
  EXPECT_EQ(result.at("tools").as_array().size(), 6u);
  EXPECT_EQ(result.at("tools").at(0).at("name"), "echo");
  EXPECT_TRUE(result.at("tools").at(0).at("inputSchema").is_object());
  EXPECT_TRUE(result.at("ttlMs").is_int64());
  auto bad = Post(Modern("tools/list", json::object{{"cursor", "not-ours"}}));
  EXPECT_EQ(ErrorCode(*bad), kInvalidParams);
}

TEST_F(McpServerTest, BadArgumentsAreAToolErrorNamingTheField) {
  auto recorder =
      Post(Modern("tools/call", json::object{{"name", "echo"}, {"arguments", {{"text", 5}}}}));
  const json::value result = recorder->Message().at("result");
  EXPECT_EQ(result.at("isError"), true);
  EXPECT_EQ(result.at("content").at(0).at("text"),
            "Invalid arguments: arguments.text must be a string, not an integer");
  auto unknown = Post(Modern("tools/call", json::object{{"name", "nope"}}));
  EXPECT_EQ(ErrorCode(*unknown), kInvalidParams);
  auto not_object = Post(Modern("tools/call", json::object{{"name", "echo"}, {"arguments", "x"}}));
  EXPECT_EQ(ErrorCode(*not_object), kInvalidParams);
}

TEST_F(McpServerTest, InputRequiredRoundTripWithSealedState) {
  const json::value first =
      Post(Modern("tools/call", json::object{{"name", "ask_name"}}))->Message().at("result");
  EXPECT_EQ(first.at("resultType"), "input_required");
  EXPECT_EQ(first.at("inputRequests").at("name").at("method"), "elicitation/create");
  EXPECT_FALSE(first.as_object().contains("ttlMs"));
  const std::string state(first.at("requestState").as_string());
  EXPECT_NE(state, "asked");  // sealed, not the handler's plain text

  json::object answers{
      {"name", json::object{{"action", "accept"}, {"content", {{"name", "Ada"}}}}}};
  auto retry = Post(Modern(
      "tools/call",
      json::object{{"name", "ask_name"}, {"inputResponses", answers}, {"requestState", state}}, 2));
  EXPECT_EQ(retry->Message().at("result").at("content").at(0).at("text"), "Hello, Ada");

  auto tampered = Post(Modern(
      "tools/call",
      json::object{
          {"name", "ask_name"}, {"inputResponses", answers}, {"requestState", state + "-TAMPERED"}},
      3));
  EXPECT_EQ(ErrorCode(*tampered), kInvalidParams);
  auto other_caller = Post(
      Modern(
          "tools/call",
          json::object{{"name", "ask_name"}, {"inputResponses", answers}, {"requestState", state}},
          4),
      Principal{.subject = "mallory", .scopes = {}, .data = nullptr});
  EXPECT_EQ(ErrorCode(*other_caller), kInvalidParams);
  auto bad_responses =
      Post(Modern("tools/call", json::object{{"name", "ask_name"}, {"inputResponses", 12345}}, 5));
  EXPECT_EQ(ErrorCode(*bad_responses), kInvalidParams);
}

TEST_F(McpServerTest, ProgressStreamsBeforeTheResult) {
  json::object params{{"name", "progress"}};
  http::Request request = Modern("tools/call", params);
  json::value body = boost::json::parse(request.body);
  body.at("params").at("_meta").as_object()["progressToken"] = "p1";
  request.body = json::serialize(body);
  auto recorder = Post(request);
  ASSERT_TRUE(recorder->streamed());
  const auto events = recorder->events();
  ASSERT_EQ(events.size(), 2u);
  const json::value progress = boost::json::parse(events[0]);
  EXPECT_EQ(progress.at("method"), "notifications/progress");
  EXPECT_EQ(progress.at("params").at("progressToken"), "p1");
  EXPECT_EQ(boost::json::parse(events[1]).at("result").at("content").at(0).at("text"), "done");
}

TEST_F(McpServerTest, ResourcesReadByUriOrTemplateAndNotFoundNamesTheUri) {
  EXPECT_EQ(Post(Modern("resources/read", json::object{{"uri", "test://a"}}))
                ->Message()
                .at("result")
                .at("contents")
                .at(0)
                .at("text"),
            "A");
  EXPECT_EQ(Post(Modern("resources/read", json::object{{"uri", "test://items/42"}}))
                ->Message()
                .at("result")
                .at("contents")
                .at(0)
                .at("text"),
            "42");
  for (const char* uri : {"test://nothing", "test://items/missing", "test://items/a/b"}) {
    auto missing = Post(Modern("resources/read", json::object{{"uri", uri}}));
    EXPECT_EQ(ErrorCode(*missing), kInvalidParams) << uri;
    EXPECT_EQ(missing->Message().at("error").at("data").at("uri"), uri);
  }
}

// ---- Parse errors -------------------------------------------------------------------------

TEST_F(McpServerTest, MalformedBodiesAre400WithTheirCodes) {
  http::Request junk;
  junk.method = http::Method::kPost;
  junk.body = "{not json";
  auto parse = Post(junk);
  EXPECT_EQ(parse->status(), 400);
  EXPECT_EQ(ErrorCode(*parse), kParseError);
  EXPECT_FALSE(parse->Message().as_object().contains("id"));
  junk.body = R"({"jsonrpc":"2.0","id":9})";
  auto invalid = Post(junk);
  EXPECT_EQ(invalid->status(), 400);
  EXPECT_EQ(ErrorCode(*invalid), kInvalidRequest);
  EXPECT_EQ(invalid->Message().at("id"), 9);
}

// ---- Streams end with their credential ------------------------------------------------------

class StreamCredentialTest : public McpServerTest {
 protected:
  std::shared_ptr<Recorder> Listen(const Principal& principal) {
    auto listen = std::make_shared<Recorder>();
    http::Request request = Modern("subscriptions/listen",
                                   {{"notifications", json::object{{"toolsListChanged", true}}}});
    Serve(server_, request, principal, http::Responder(listen));
    EXPECT_TRUE(listen->WaitEvents(1));  // the acknowledgment
    return listen;
  }
};

TEST_F(StreamCredentialTest, AListenStreamEndsInsteadOfDeliveringOnceItsCredentialIsRevoked) {
  auto credential = std::make_shared<FakeCredential>();
  auto other = std::make_shared<FakeCredential>();
  auto listen = Listen(Holding("ada", credential));
  auto untouched = Listen(Holding("ada", other));
  EXPECT_EQ(listen->close_after(), std::nullopt);  // no expiry, no timer
  server_.NotifyToolsListChanged();
  ASSERT_TRUE(listen->WaitEvents(2));
  credential->Revoke();
  server_.NotifyToolsListChanged();
  EXPECT_TRUE(listen->stream_closed());
  EXPECT_EQ(listen->events().size(), 2u);  // the acknowledgment and the first change only
  // The same user's other credential still hears both.
  ASSERT_TRUE(untouched->WaitEvents(3));
  EXPECT_FALSE(untouched->stream_closed());
}

TEST_F(StreamCredentialTest, AListenStreamEndsAtItsCredentialsExpiry) {
  auto listen = Listen(Holding("ada", std::make_shared<FakeCredential>(clock_.Now() + 90s)));
  // The transport closes the stream by itself then, even when nothing is sent.
  EXPECT_EQ(listen->close_after(), 90s);
  clock_.Advance(91s);
  server_.NotifyToolsListChanged();
  EXPECT_TRUE(listen->stream_closed());
  EXPECT_EQ(listen->events().size(), 1u);
}

// ---- Legacy sessions ------------------------------------------------------------------------

class LegacyTest : public McpServerTest {
 protected:
  std::string Initialize(std::string_view version, json::object capabilities = {},
                         const Principal& principal = {}, Server* server = nullptr) {
    auto recorder =
        Post(Raw(json::object{
                 {"jsonrpc", "2.0"},
                 {"id", 1},
                 {"method", "initialize"},
                 {"params", json::object{{"protocolVersion", version},
                                         {"capabilities", std::move(capabilities)},
                                         {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}),
             principal, server);
    if (recorder->status() != 200) return "";
    negotiated_ = std::string(recorder->Message().at("result").at("protocolVersion").as_string());
    return std::string(*recorder->response()->headers.Get("Mcp-Session-Id"));
  }

  http::Request InSession(const std::string& session, std::string_view method,
                          json::object params = {}, json::value id = 2) {
    http::Request request = Raw(json::object{
        {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    request.headers.Add("Mcp-Session-Id", session);
    request.headers.Add("MCP-Protocol-Version", "2025-11-25");
    return request;
  }

  static http::Request Get(const std::string& session) {
    http::Request get;
    get.method = http::Method::kGet;
    get.headers.Add("Accept", "text/event-stream");
    get.headers.Add("Mcp-Session-Id", session);
    return get;
  }

  std::shared_ptr<Recorder> OpenGet(const std::string& session, const Principal& principal) {
    http::Request get = Get(session);
    auto stream = std::make_shared<Recorder>();
    Serve(server_, get, principal, http::Responder(stream));
    EXPECT_TRUE(stream->streamed());
    return stream;
  }

  std::string negotiated_;
};

TEST_F(LegacyTest, InitializeNegotiatesTheVersion) {
  Initialize("2025-06-18");
  EXPECT_EQ(negotiated_, "2025-06-18");
  Initialize("2024-11-05");
  EXPECT_EQ(negotiated_, "2025-03-26");
  Initialize("2099-01-01");
  EXPECT_EQ(negotiated_, "2025-11-25");
  EXPECT_EQ(server_.session_count(), 3u);
}

TEST_F(LegacyTest, PingAndSetLevelAnswerExactlyAnEmptyObject) {
  const std::string session = Initialize("2025-11-25");
  EXPECT_EQ(Post(InSession(session, "ping"))->Message().at("result"), json::object{});
  EXPECT_EQ(
      Post(InSession(session, "logging/setLevel", {{"level", "debug"}}))->Message().at("result"),
      json::object{});
  EXPECT_EQ(ErrorCode(*Post(InSession(session, "logging/setLevel", {{"level", "loud"}}))),
            kInvalidParams);
}

TEST_F(LegacyTest, LegacyResultsHaveNoModernFields) {
  const std::string session = Initialize("2025-11-25");
  const json::value result = Post(InSession(session, "tools/list"))->Message().at("result");
  EXPECT_FALSE(result.as_object().contains("resultType"));
  EXPECT_FALSE(result.as_object().contains("ttlMs"));
  auto missing = Post(InSession(session, "resources/read", {{"uri", "test://nothing"}}));
  EXPECT_EQ(ErrorCode(*missing), kLegacyResourceNotFound);
}

TEST_F(LegacyTest, UnknownOrDeletedSessionsAre404) {
  auto unknown = Post(InSession("no-such-session", "ping"));
  EXPECT_EQ(unknown->status(), 404);
  const std::string session = Initialize("2025-11-25");
  http::Request remove;
  remove.method = http::Method::kDelete;
  remove.headers.Add("Mcp-Session-Id", session);
  auto deleted = std::make_shared<Recorder>();
  Serve(server_, remove, {}, http::Responder(deleted));
  ASSERT_TRUE(deleted->WaitDone());
  EXPECT_EQ(deleted->status(), 204);
  EXPECT_EQ(Post(InSession(session, "ping"))->status(), 404);
}

TEST_F(LegacyTest, IdleSessionsExpire) {
  const std::string session = Initialize("2025-11-25");
  EXPECT_EQ(Post(InSession(session, "ping"))->status(), 200);
  clock_.Advance(59min);
  EXPECT_EQ(Post(InSession(session, "ping"))->status(), 200);  // use keeps it alive
  clock_.Advance(61min);
  EXPECT_EQ(Post(InSession(session, "ping"))->status(), 404);
}

TEST_F(LegacyTest, SessionsBelongToTheirPrincipal) {
  const std::string session = Initialize("2025-11-25");  // anonymous
  auto other = Post(InSession(session, "ping"),
                    Principal{.subject = "mallory", .scopes = {}, .data = nullptr});
  EXPECT_EQ(other->status(), 404);
}

TEST_F(LegacyTest, InputRequiredBecomesServerToClientRequests) {
  const std::string session =
      Initialize("2025-11-25", json::object{{"elicitation", json::object{}}});
  auto call = std::make_shared<Recorder>();
  http::Request request = InSession(session, "tools/call", {{"name", "ask_name"}});
  Serve(server_, request, {}, http::Responder(call));
  // 2025-11-25 streams start with a priming event (an id and empty data), then the request.
  ASSERT_TRUE(call->WaitEvents(2));
  EXPECT_EQ(call->events()[0], "");
  const json::value asked = boost::json::parse(call->events()[1]);
  EXPECT_EQ(asked.at("method"), "elicitation/create");

  // The client answers with a JSON-RPC response to the server's request id.
  http::Request answer = Raw(json::object{
      {"jsonrpc", "2.0"},
      {"id", asked.at("id")},
      {"result", json::object{{"action", "accept"}, {"content", {{"name", "Grace"}}}}}});
  answer.headers.Add("Mcp-Session-Id", session);
  auto accepted = Post(answer);
  EXPECT_EQ(accepted->status(), 202);
  ASSERT_TRUE(call->WaitDone());
  EXPECT_EQ(call->Message().at("result").at("content").at(0).at("text"), "Hello, Grace");
}

TEST_F(LegacyTest, InputRequiredWithoutTheCapabilityIsAnError) {
  const std::string session = Initialize("2025-11-25");  // no elicitation declared
  auto call = Post(InSession(session, "tools/call", {{"name", "ask_name"}}));
  EXPECT_EQ(ErrorCode(*call), kInvalidParams);
}

TEST_F(LegacyTest, APostStreamCanBeResumedWithLastEventId) {
  server_.AddTool(Tool{.name = "hang_up",
                       .description = "Releases the connection, then answers.",
                       .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
                         context.ReleaseConnection(250ms);
                         return ToolResult::Text("after the hang-up");
                       }});
  const std::string session = Initialize("2025-11-25");
  auto post = Post(InSession(session, "tools/call", {{"name", "hang_up"}}));
  // Only the priming event (id, empty data) and the retry event came on the POST stream.
  const auto events = post->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "");

  http::Request get;
  get.method = http::Method::kGet;
  get.headers.Add("Accept", "text/event-stream");
  get.headers.Add("Mcp-Session-Id", session);
  get.headers.Add("Last-Event-ID", "1-0");
  auto resumed = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(resumed));
  ASSERT_TRUE(resumed->WaitDone());
  EXPECT_EQ(resumed->Message().at("result").at("content").at(0).at("text"), "after the hang-up");

  get.headers.Set("Last-Event-ID", "99-0");
  auto unknown = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(unknown));
  EXPECT_EQ(unknown->status(), 404);
}

TEST_F(LegacyTest, GetWithoutSessionIs405AndTheStreamIsExclusive) {
  http::Request get;
  get.method = http::Method::kGet;
  get.headers.Add("Accept", "text/event-stream");
  auto no_session = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(no_session));
  EXPECT_EQ(no_session->status(), 405);

  get.headers.Add("Mcp-Session-Id", Initialize("2025-11-25"));
  auto first = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(first));
  EXPECT_TRUE(first->streamed());
  auto second = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(second));
  EXPECT_EQ(second->status(), 409);
  server_.NotifyToolsListChanged();
  ASSERT_TRUE(first->WaitEvents(1));
  EXPECT_EQ(boost::json::parse(first->events()[0]).at("method"),
            "notifications/tools/list_changed");
}

// GET and DELETE answer like the rest of the endpoint: a JSON-RPC error (without id, as these
// requests have none), never a REST error body.
TEST_F(LegacyTest, GetAndDeleteRefusalsAreJsonRpcErrors) {
  const auto expect_rpc_error = [](const Recorder& recorder, int status, std::string_view what) {
    EXPECT_EQ(recorder.status(), status) << what;
    ASSERT_TRUE(recorder.response().has_value()) << what;
    EXPECT_EQ(*recorder.response()->headers.Get("Content-Type"), "application/json") << what;
    const json::object body = recorder.Message().as_object();
    EXPECT_EQ(body.at("jsonrpc"), "2.0") << what;
    EXPECT_TRUE(!body.contains("id") || body.at("id").is_null()) << what;
    EXPECT_EQ(body.at("error").at("code").as_int64(), kInvalidRequest) << what;
    EXPECT_FALSE(body.at("error").at("message").as_string().empty()) << what;
  };
  http::Request get;
  get.method = http::Method::kGet;
  get.headers.Add("Accept", "text/event-stream");
  auto no_session = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(no_session));
  expect_rpc_error(*no_session, 405, "GET without a session");
  EXPECT_EQ(*no_session->response()->headers.Get("Allow"), "POST");
  http::Request del;
  del.method = http::Method::kDelete;
  auto delete_no_session = std::make_shared<Recorder>();
  Serve(server_, del, {}, http::Responder(delete_no_session));
  expect_rpc_error(*delete_no_session, 405, "DELETE without a session");

  const std::string session = Initialize("2025-11-25");
  http::Request plain;
  plain.method = http::Method::kGet;
  plain.headers.Add("Mcp-Session-Id", session);
  auto not_acceptable = std::make_shared<Recorder>();
  Serve(server_, plain, {}, http::Responder(not_acceptable));
  expect_rpc_error(*not_acceptable, 406, "GET without Accept: text/event-stream");

  get.headers.Add("Mcp-Session-Id", session);
  auto first = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(first));
  ASSERT_TRUE(first->streamed());
  auto second = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(second));
  expect_rpc_error(*second, 409, "a second GET stream");
  get.headers.Add("Last-Event-ID", "99-0");
  auto gone = std::make_shared<Recorder>();
  Serve(server_, get, {}, http::Responder(gone));
  expect_rpc_error(*gone, 404, "a stream that cannot be resumed");
}

TEST_F(LegacyTest, ResourceUpdatesReachOnlyTheirAudience) {
  const Principal ada{.subject = "ada", .scopes = {}, .data = nullptr};
  const Principal bob{.subject = "bob", .scopes = {}, .data = nullptr};
  std::vector<std::shared_ptr<Recorder>> streams;
  for (const Principal* who : {&ada, &bob}) {
    auto initialized =
        Post(Raw(json::object{
                 {"jsonrpc", "2.0"},
                 {"id", 1},
                 {"method", "initialize"},
                 {"params", json::object{{"protocolVersion", "2025-11-25"},
                                         {"capabilities", json::object{}},
                                         {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}),
             *who);
    const std::string session(*initialized->response()->headers.Get("Mcp-Session-Id"));
    EXPECT_EQ(Post(InSession(session, "resources/subscribe", {{"uri", "test://items/1"}}), *who)
                  ->status(),
              200);
    http::Request get;
    get.method = http::Method::kGet;
    get.headers.Add("Accept", "text/event-stream");
    get.headers.Add("Mcp-Session-Id", session);
    streams.push_back(std::make_shared<Recorder>());
    Serve(server_, get, *who, http::Responder(streams.back()));
  }
  const std::set<std::string> audience{"bob"};
  server_.NotifyResourceUpdated("test://items/1", &audience);
  server_.NotifyResourceUpdated("test://items/1");  // everyone subscribed
  ASSERT_TRUE(streams[1]->WaitEvents(2));
  ASSERT_TRUE(streams[0]->WaitEvents(1));
  EXPECT_EQ(streams[0]->events().size(), 1u);  // ada heard only the unrestricted one
}

TEST_F(LegacyTest, AGetStreamEndsInsteadOfDeliveringOnceItsCredentialIsRevoked) {
  auto credential = std::make_shared<FakeCredential>();
  const std::string session = Initialize("2025-11-25", {}, Holding("ada", credential));
  auto stream = OpenGet(session, Holding("ada", credential));
  server_.NotifyToolsListChanged();
  ASSERT_TRUE(stream->WaitEvents(1));
  credential->Revoke();
  server_.NotifyToolsListChanged();
  EXPECT_TRUE(stream->stream_closed());
  EXPECT_EQ(stream->events().size(), 1u);
  // The session is the user's: another of their credentials may open its GET stream again, and
  // resumes with what the revoked one did not receive.
  http::Request resume = Get(session);
  resume.headers.Add("Last-Event-ID", "0-1");
  auto again = std::make_shared<Recorder>();
  Serve(server_, resume, Holding("ada", std::make_shared<FakeCredential>()),
        http::Responder(again));
  ASSERT_TRUE(again->WaitEvents(1));
  EXPECT_EQ(boost::json::parse(again->events()[0]).at("method"),
            "notifications/tools/list_changed");
}

TEST_F(LegacyTest, AGetStreamEndsAtItsCredentialsExpiry) {
  auto credential = std::make_shared<FakeCredential>(clock_.Now() + 30s);
  const std::string session = Initialize("2025-11-25", {}, Holding("ada", credential));
  auto stream = OpenGet(session, Holding("ada", credential));
  EXPECT_EQ(stream->close_after(), 30s);
  clock_.Advance(31s);
  server_.NotifyToolsListChanged();
  EXPECT_TRUE(stream->stream_closed());
  EXPECT_TRUE(stream->events().empty());
}

// ---- The session table: per subject, then global -------------------------------------------

class SessionLimitTest : public LegacyTest {
 protected:
  static ServerOptions Small() {
    ServerOptions options{.name = "test", .version = "1.0"};
    options.max_sessions_per_subject = 2;
    options.max_sessions = 4;
    return options;
  }

  // A session of `subject` on the small server; "" when initialize was refused.
  std::string Open(const std::string& subject) {
    return Initialize("2025-11-25", {}, As(subject), &small_);
  }
  int Ping(const std::string& session, const std::string& subject) {
    return Post(InSession(session, "ping"), As(subject), &small_)->status();
  }
  static Principal As(const std::string& subject) {
    return Principal{.subject = subject, .scopes = {}, .data = nullptr};
  }

  Server small_{Small(), pool_, clock_, logger_};
};

TEST_F(SessionLimitTest, OneSubjectsSessionsNeverLockTheOthersOut) {
  // The attack: one read-only key opens session after session. It only ever replaces its own.
  std::vector<std::string> mallory;
  for (int i = 0; i < 50; ++i) {
    mallory.push_back(Open("mallory"));
    ASSERT_FALSE(mallory.back().empty()) << "initialize " << i << " was refused";
  }
  EXPECT_EQ(small_.session_count(), 2u);
  EXPECT_EQ(Ping(mallory[49], "mallory"), 200);
  EXPECT_EQ(Ping(mallory[47], "mallory"), 404);  // evicted
  const std::string ada = Open("ada");
  const std::string bob = Open("bob");
  ASSERT_FALSE(ada.empty());
  ASSERT_FALSE(bob.empty());
  EXPECT_EQ(Ping(ada, "ada"), 200);
  EXPECT_EQ(Ping(bob, "bob"), 200);
}

TEST_F(SessionLimitTest, TheSubjectsLeastRecentlyUsedSessionMakesRoom) {
  const std::string first = Open("ada");
  clock_.Advance(1s);
  const std::string second = Open("ada");
  clock_.Advance(1s);
  EXPECT_EQ(Ping(first, "ada"), 200);  // now the more recently used
  clock_.Advance(1s);
  const std::string third = Open("ada");
  EXPECT_EQ(Ping(second, "ada"), 404);
  EXPECT_EQ(Ping(first, "ada"), 200);
  EXPECT_EQ(Ping(third, "ada"), 200);
}

TEST_F(SessionLimitTest, SessionsNeverUsedAfterInitializeExpireSooner) {
  const std::string abandoned = Open("ada");
  const std::string working = Open("ada");
  EXPECT_EQ(Ping(working, "ada"), 200);
  clock_.Advance(5min + 1s);
  EXPECT_EQ(Ping(abandoned, "ada"), 404);
  EXPECT_EQ(Ping(working, "ada"), 200);  // a used session keeps the idle timeout (an hour)
}

TEST_F(SessionLimitTest, AFullTableRefusesInitializeUntilSessionsExpire) {
  for (const char* subject : {"ada", "ada", "bob", "bob"}) ASSERT_FALSE(Open(subject).empty());
  const json::object params{{"protocolVersion", "2025-11-25"}, {"capabilities", json::object{}}};
  const json::object initialize{
      {"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", params}};
  EXPECT_EQ(Post(Raw(initialize), As("carol"), &small_)->status(), 503);
  clock_.Advance(5min + 1s);  // none of them was used after initialize
  EXPECT_FALSE(Open("carol").empty());
  EXPECT_EQ(small_.session_count(), 1u);
}

}  // namespace
}  // namespace taskwire::mcp
