#include "mcp/envelope.h"

#include <gtest/gtest.h>

namespace taskwire::mcp {
namespace {

http::Headers HeadersOf(std::initializer_list<std::pair<const char*, const char*>> fields) {
  http::Headers headers;
  for (const auto& [name, value] : fields) headers.Add(name, value);
  return headers;
}

Message MessageOf(std::string_view body) { return std::get<Message>(ParseMessage(body)); }

TEST(Envelope, ReadsEveryHeaderOnceTrimmedAndStillEncoded) {
  const Envelope envelope =
      ReadEnvelope(HeadersOf({{"mcp-protocol-version", " 2026-07-28\t"},
                              {"MCP-METHOD", "tools/call"},
                              {"Mcp-Name", " =?base64?ZWNobw==?= "},
                              {"Mcp-Session-Id", "s1"},
                              {"Last-Event-ID", " 1-4 "},
                              {"Accept", "application/json, text/event-stream"}}));
  EXPECT_EQ(envelope.era, Era::kLegacy);
  EXPECT_EQ(envelope.protocol_version, "2026-07-28");
  EXPECT_EQ(envelope.method, "tools/call");
  EXPECT_EQ(envelope.name, "=?base64?ZWNobw==?=");
  EXPECT_EQ(envelope.session_id, "s1");
  EXPECT_EQ(envelope.last_event_id, "1-4");
  EXPECT_TRUE(envelope.accepts_event_stream);
  EXPECT_TRUE(envelope.params.empty());
}

TEST(Envelope, AbsentHeadersStayAbsent) {
  const Envelope envelope = ReadEnvelope(HeadersOf({{"Accept", "application/json"}}));
  EXPECT_EQ(envelope.protocol_version, std::nullopt);
  EXPECT_EQ(envelope.method, std::nullopt);
  EXPECT_EQ(envelope.name, std::nullopt);
  EXPECT_EQ(envelope.session_id, std::nullopt);
  EXPECT_EQ(envelope.last_event_id, std::nullopt);
  EXPECT_FALSE(envelope.accepts_event_stream);
  EXPECT_TRUE(ReadEnvelope(HeadersOf({{"Accept", "*/*"}})).accepts_event_stream);
  // An empty header is present, and empty.
  EXPECT_EQ(ReadEnvelope(HeadersOf({{"Mcp-Name", "  "}})).name, "");
}

TEST(Envelope, ParamHeadersKeepTheFirstOfEachNameWhateverItsCase) {
  const Envelope envelope = ReadEnvelope(HeadersOf({{"Mcp-Param-Region", " eu "},
                                                    {"mcp-param-region", "us"},
                                                    {"MCP-PARAM-Count", "42"},
                                                    {"Mcp-Param-", "nameless"},
                                                    {"Mcp-Parameter", "not one"}}));
  ASSERT_EQ(envelope.params.size(), 2u);
  ASSERT_NE(envelope.Param("REGION"), nullptr);
  EXPECT_EQ(*envelope.Param("region"), "eu");
  EXPECT_EQ(*envelope.Param("Count"), "42");
  EXPECT_EQ(envelope.Param("meter"), nullptr);
  EXPECT_EQ(envelope.Param(""), nullptr);
}

TEST(Envelope, TheEraComesFromMetaOrAVersionHeaderThatIsNotLegacy) {
  const Message plain = MessageOf(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  const Message marked = MessageOf(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientInfo":{}}}})");
  const Message other_meta = MessageOf(
      R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"progressToken":1}}})");
  EXPECT_EQ(EraOf(ReadEnvelope({}), plain), Era::kLegacy);
  EXPECT_EQ(EraOf(ReadEnvelope({}), other_meta), Era::kLegacy);
  EXPECT_EQ(EraOf(ReadEnvelope({}), marked), Era::kModern);
  for (const char* legacy : {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}) {
    EXPECT_EQ(EraOf(ReadEnvelope(HeadersOf({{"MCP-Protocol-Version", legacy}})), plain),
              Era::kLegacy)
        << legacy;
  }
  for (const char* modern : {"2026-07-28", "v999.0.0", ""}) {
    EXPECT_EQ(EraOf(ReadEnvelope(HeadersOf({{"MCP-Protocol-Version", modern}})), plain),
              Era::kModern)
        << modern;
  }
}

TEST(HeaderValue, PlainTextStaysAsItIs) {
  for (const char* text : {"tools/call", "echo", "a b", "test://items/{id}"}) {
    EXPECT_EQ(EncodeHeaderValue(text), text);
    EXPECT_EQ(DecodeHeaderValue(text), text);
  }
}

TEST(HeaderValue, WhatHeaderTextCannotCarryIsBase64AndDecodesBack) {
  EXPECT_EQ(EncodeHeaderValue("Hello\n"), "=?base64?SGVsbG8K?=");
  EXPECT_EQ(EncodeHeaderValue(" echo"), "=?base64?IGVjaG8=?=");
  EXPECT_EQ(EncodeHeaderValue(""),
            "=?base64?"
            "?=");
  // Base64's own alphabet, not base64url's: 0xfb 0xff encodes to "+/8=".
  EXPECT_EQ(EncodeHeaderValue("\xfb\xff"), "=?base64?+/8=?=");
  // Text that would read as an encoded value is encoded itself.
  EXPECT_EQ(EncodeHeaderValue("=?base64?ZWNobw==?="), "=?base64?PT9iYXNlNjQ/WldOb2J3PT0/PQ==?=");
  for (const char* text :
       {"Hello\n", " echo", "", "\xfb\xff", "=?base64?ZWNobw==?=", "tab\there", "日本"}) {
    EXPECT_EQ(DecodeHeaderValue(EncodeHeaderValue(text)), text) << text;
  }
}

TEST(HeaderValue, InvalidBase64IsRefused) {
  EXPECT_EQ(DecodeHeaderValue("=?base64?ZWNob?="), std::nullopt);            // no padding
  EXPECT_EQ(DecodeHeaderValue("=?base64?ZW-o?="), std::nullopt);             // base64url alphabet
  EXPECT_EQ(DecodeHeaderValue("=?base64?ZWNobw==?"), "=?base64?ZWNobw==?");  // not closed: literal
}

}  // namespace
}  // namespace taskwire::mcp
