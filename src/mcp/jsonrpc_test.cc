#include "mcp/jsonrpc.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace taskwire::mcp {
namespace {

ParseFailure Failure(std::string_view body) {
  auto parsed = ParseMessage(body);
  EXPECT_TRUE(std::holds_alternative<ParseFailure>(parsed)) << body;
  return std::holds_alternative<ParseFailure>(parsed) ? std::get<ParseFailure>(parsed)
                                                      : ParseFailure{};
}

Message Parsed(std::string_view body) {
  auto parsed = ParseMessage(body);
  EXPECT_TRUE(std::holds_alternative<Message>(parsed)) << body;
  return std::holds_alternative<Message>(parsed) ? std::get<Message>(parsed) : Message{};
}

TEST(ParseMessage, ReadsRequestsNotificationsAndResponses) {
  const Message request =
      Parsed(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}})");
  EXPECT_EQ(request.kind, Message::Kind::kRequest);
  EXPECT_EQ(request.id, json::value(7));
  EXPECT_EQ(request.method, "tools/list");
  EXPECT_TRUE(request.has_params);
  EXPECT_EQ(request.params.at("cursor"), "x");

  const Message notification = Parsed(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(notification.kind, Message::Kind::kNotification);
  EXPECT_TRUE(notification.params.empty());

  const Message response = Parsed(R"({"jsonrpc":"2.0","id":"tw-1","result":{"roots":[]}})");
  EXPECT_EQ(response.kind, Message::Kind::kResponse);
  EXPECT_EQ(response.id, json::value("tw-1"));
  EXPECT_TRUE(response.result.is_object());
}

TEST(ParseMessage, TextThatIsNotJsonIsAParseError) {
  for (const char* body : {"", "{", "not json", "{\"jsonrpc\":\"2.0\",}", "[1,2"}) {
    const ParseFailure failure = Failure(body);
    EXPECT_EQ(failure.error.code, kParseError) << body;
    EXPECT_EQ(failure.error.http_status, 400);
    EXPECT_TRUE(failure.id.is_null());
  }
}

TEST(ParseMessage, JsonThatIsNotAMessageIsAnInvalidRequestKeepingTheId) {
  EXPECT_EQ(Failure("[]").error.code, kInvalidRequest);  // batches were removed
  EXPECT_EQ(Failure("42").error.code, kInvalidRequest);
  EXPECT_EQ(Failure(R"({"id":1,"method":"ping"})").error.code, kInvalidRequest);  // no jsonrpc
  const ParseFailure wrong_version = Failure(R"({"jsonrpc":"1.0","id":3,"method":"ping"})");
  EXPECT_EQ(wrong_version.error.code, kInvalidRequest);
  EXPECT_EQ(wrong_version.id, json::value(3));
  EXPECT_EQ(Failure(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})").error.code,
            kInvalidRequest);
  EXPECT_EQ(Failure(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})").error.code, kInvalidRequest);
  EXPECT_EQ(Failure(R"({"jsonrpc":"2.0","id":null,"method":"ping"})").error.code, kInvalidRequest);
  EXPECT_EQ(Failure(R"({"jsonrpc":"2.0","id":1,"method":7})").error.code, kInvalidRequest);
  EXPECT_EQ(Failure(R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1]})").error.code,
            kInvalidRequest);
  EXPECT_EQ(Failure(R"({"jsonrpc":"2.0","id":1})").error.code, kInvalidRequest);
  EXPECT_EQ(Failure(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})").error.code,
            kInvalidRequest);
}

TEST(ParseMessage, RefusesNestingBeyondItsDepthLimit) {
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "}}";
  EXPECT_EQ(Failure(deep).error.code, kParseError);
}

TEST(Encode, WritesResultsErrorsAndNotifications) {
  EXPECT_EQ(EncodeResult(json::value(1), json::object{}),
            R"({"jsonrpc":"2.0","id":1,"result":{}})");
  EXPECT_EQ(EncodeResult(json::value("q\"1"), json::object{{"n", json::array{1, "two"}}}),
            R"({"jsonrpc":"2.0","id":"q\"1","result":{"n":[1,"two"]}})");
  EXPECT_EQ(EncodeRawResult(json::value(7), R"({"a":true})"),
            R"({"jsonrpc":"2.0","id":7,"result":{"a":true}})");
  EXPECT_EQ(EncodeError(nullptr, RpcError{kParseError, "bad", nullptr, 400}),
            R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"bad"}})");
  EXPECT_EQ(
      EncodeError(json::value("a"), RpcError{kUnsupportedProtocolVersion, "no",
                                             json::object{{"requested", "x"}}, 400}),
      R"({"jsonrpc":"2.0","id":"a","error":{"code":-32022,"message":"no","data":{"requested":"x"}}})");
  EXPECT_EQ(EncodeNotification("notifications/progress", json::object{{"progress", 1}}),
            R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})");
}

}  // namespace
}  // namespace taskwire::mcp
