// mcp::Server driven through a recording mcp::Channel, without HTTP: what the server decides in MCP
// terms (replies with their status, challenges, streams of events) before any transport shapes
// it. server_test.cc covers the same server through the Streamable HTTP transport.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <mutex>

#include "mcp/envelope.h"
#include "mcp/server.h"
#include "testing/fake_clock.h"

namespace taskwire::mcp {
namespace {

using namespace std::chrono_literals;

// What a RecordingChannel and its stream were given. Shared: the server keeps (and drops) the
// channel while the test reads.
struct Recorded {
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::optional<Reply> reply;
  std::optional<std::pair<json::value, std::string>> challenge;  // (id, scope)
  bool streamed = false;
  std::vector<StreamEvent> events;
  bool closed = false;

  bool WaitDone() {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 5s, [this] { return reply || challenge || closed; });
  }
};

class RecordingStream final : public Stream {
 public:
  explicit RecordingStream(std::shared_ptr<Recorded> recorded) : recorded_(std::move(recorded)) {}
  bool Send(StreamEvent event) override {
    std::lock_guard lock(recorded_->mutex);
    if (recorded_->closed) return false;
    recorded_->events.push_back(std::move(event));
    recorded_->changed.notify_all();
    return true;
  }
  void Close() override {
    std::lock_guard lock(recorded_->mutex);
    recorded_->closed = true;
    recorded_->changed.notify_all();
  }
  void CloseAfter(std::chrono::milliseconds) override {}
  bool closed() const override {
    std::lock_guard lock(recorded_->mutex);
    return recorded_->closed;
  }
  void OnClose(std::function<void()>) override {}

 private:
  const std::shared_ptr<Recorded> recorded_;
};

class RecordingChannel final : public Channel {
 public:
  explicit RecordingChannel(std::shared_ptr<Recorded> recorded) : recorded_(std::move(recorded)) {}
  void Answer(Reply reply) override {
    std::lock_guard lock(recorded_->mutex);
    recorded_->reply = std::move(reply);
    recorded_->changed.notify_all();
  }
  void Challenge(const json::value& id, std::string_view scope) override {
    std::lock_guard lock(recorded_->mutex);
    recorded_->challenge.emplace(id, std::string(scope));
    recorded_->changed.notify_all();
  }
  std::shared_ptr<Stream> OpenStream() override {
    std::lock_guard lock(recorded_->mutex);
    recorded_->streamed = true;
    return std::make_shared<RecordingStream>(recorded_);
  }
  void OnCancel(std::function<void()>) override {}

 private:
  const std::shared_ptr<Recorded> recorded_;
};

class ChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddTool(
        Tool{.name = "echo",
             .description = "Echoes its text.",
             .input = Schema::Object().Property("text", Schema::String(), Schema::Required::kYes),
             .handler = [](const json::object& arguments, CallContext&) -> ToolOutcome {
               return ToolResult::Text(arguments.at("text").as_string());
             }});
    server_.AddTool(Tool{.name = "secret",
                         .description = "Needs a scope.",
                         .scope = "secrets:read",
                         .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                           return ToolResult::Text("the secret");
                         }});
    server_.AddTool(Tool{.name = "progress",
                         .description = "Reports progress.",
                         .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
                           context.Progress(1, 2, "half");
                           return ToolResult::Text("done");
                         }});
  }

  // A 2026-07-28 message for `method` as its envelope and text, the way a transport hands it
  // over.
  static std::pair<Envelope, std::string> Modern(std::string_view method, json::object params,
                                                 bool accepts_stream = false) {
    Envelope envelope;
    envelope.protocol_version = std::string(kModernVersion);
    envelope.method = std::string(method);
    if (const json::value* name = params.if_contains("name")) {
      envelope.name = std::string(name->as_string());
    }
    envelope.accepts_event_stream = accepts_stream;
    params["_meta"] = json::object{{"io.modelcontextprotocol/protocolVersion", kModernVersion},
                                   {"io.modelcontextprotocol/clientCapabilities", json::object{}}};
    return {std::move(envelope),
            json::serialize(json::object{
                {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}})};
  }

  std::shared_ptr<Recorded> Receive(const Envelope& envelope, std::string_view message,
                                    const Principal& principal = {}) {
    auto recorded = std::make_shared<Recorded>();
    server_.Receive(envelope, message, principal, std::make_unique<RecordingChannel>(recorded));
    EXPECT_TRUE(recorded->WaitDone());
    return recorded;
  }

  testing::FakeClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
  base::WorkerPool pool_{2, 100};
  Server server_{ServerOptions{.name = "test", .version = "1.0"}, pool_, clock_, logger_};
};

TEST_F(ChannelTest, AToolCallIsOneReplyWithItsStatus) {
  const auto [envelope, message] =
      Modern("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  const auto recorded = Receive(envelope, message);
  ASSERT_TRUE(recorded->reply.has_value());
  EXPECT_EQ(recorded->reply->status, 200);
  EXPECT_TRUE(recorded->reply->session_id.empty());
  EXPECT_FALSE(recorded->streamed);
  const json::value answer = json::parse(recorded->reply->message);
  EXPECT_EQ(answer.at("result").at("content").at(0).at("text"), "hi");
}

TEST_F(ChannelTest, AnErrorTravelsWithTheStatusItsEraTiesToIt) {
  const auto [envelope, message] = Modern("no/such", {});
  const auto recorded = Receive(envelope, message);
  ASSERT_TRUE(recorded->reply.has_value());
  EXPECT_EQ(recorded->reply->status, 404);
  EXPECT_EQ(json::parse(recorded->reply->message).at("error").at("code"), kMethodNotFound);
}

TEST_F(ChannelTest, AMissingScopeIsChallengedBeforeTheToolRuns) {
  const auto [envelope, message] = Modern("tools/call", {{"name", "secret"}, {"arguments", {}}});
  const auto recorded = Receive(envelope, message);
  ASSERT_TRUE(recorded->challenge.has_value());
  EXPECT_EQ(recorded->challenge->first, 1);
  EXPECT_EQ(recorded->challenge->second, "secrets:read");
  EXPECT_FALSE(recorded->reply.has_value());

  const auto allowed = Receive(envelope, message,
                               Principal{.subject = "ada",
                                         .scopes = std::make_shared<const Principal::Scopes>(
                                             Principal::Scopes{"secrets:read"}),
                                         .data = nullptr});
  ASSERT_TRUE(allowed->reply.has_value());
  EXPECT_EQ(allowed->reply->status, 200);
}

TEST_F(ChannelTest, ProgressOpensAStreamThatEndsWithTheAnswer) {
  auto [envelope, message] = Modern("tools/call", {{"name", "progress"}, {"arguments", {}}}, true);
  json::value body = json::parse(message);
  body.at("params").at("_meta").as_object()["progressToken"] = "p";
  const auto recorded = Receive(envelope, json::serialize(body));
  EXPECT_TRUE(recorded->streamed);
  EXPECT_FALSE(recorded->reply.has_value());
  ASSERT_EQ(recorded->events.size(), 2U);
  EXPECT_EQ(json::parse(recorded->events[0].message).at("method"), "notifications/progress");
  EXPECT_EQ(json::parse(recorded->events[1].message).at("result").at("content").at(0).at("text"),
            "done");
  EXPECT_TRUE(recorded->events[1].id.empty()) << "2026-07-28 streams are not resumed";
  EXPECT_TRUE(recorded->closed);
}

TEST_F(ChannelTest, ALegacySessionStartsWithItsIdAndEndsWithNoMessage) {
  Envelope envelope;  // 2025-x: no version header, no _meta
  const auto opened = Receive(envelope, R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)"
                                        R"({"protocolVersion":"2025-11-25","capabilities":{}}})");
  ASSERT_TRUE(opened->reply.has_value());
  EXPECT_EQ(opened->reply->status, 200);
  ASSERT_FALSE(opened->reply->session_id.empty());
  EXPECT_EQ(server_.session_count(), 1U);

  // A notification needs no answer: 202 without a message.
  envelope.session_id = opened->reply->session_id;
  const auto noticed =
      Receive(envelope, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(noticed->reply.has_value());
  EXPECT_EQ(noticed->reply->status, 202);
  EXPECT_TRUE(noticed->reply->message.empty());

  auto ended = std::make_shared<Recorded>();
  server_.EndSession(envelope, {}, std::make_unique<RecordingChannel>(ended));
  ASSERT_TRUE(ended->reply.has_value());
  EXPECT_EQ(ended->reply->status, 204);
  EXPECT_TRUE(ended->reply->message.empty());
  EXPECT_EQ(server_.session_count(), 0U);

  // Without a session to name, neither a stream nor an end exists (405).
  auto refused = std::make_shared<Recorded>();
  server_.OpenSessionStream(Envelope{}, {}, std::make_unique<RecordingChannel>(refused));
  ASSERT_TRUE(refused->reply.has_value());
  EXPECT_EQ(refused->reply->status, 405);
  EXPECT_EQ(json::parse(refused->reply->message).at("error").at("message"),
            "GET needs the Mcp-Session-Id of a session from initialize");
}

}  // namespace
}  // namespace taskwire::mcp
