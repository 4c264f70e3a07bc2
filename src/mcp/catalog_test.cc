// The catalog on its own: lookups, scopes, pages and the headers tools mirror. McpServerTest
// covers the same through requests.
#include "mcp/catalog.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace taskwire::mcp {
namespace {

ReadOutcome Nothing(std::string_view, const json::object&, CallContext&) { return NotFound{}; }

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"a", "b", "c"})
      catalog_.AddTool(Tool{.name = name, .description = name});
    catalog_.AddTool(Tool{.name = "secret", .description = "", .scope = "admin"});
    catalog_.AddResource(Resource{
        .uri = "test://items/fixed", .scope = "exact", .name = "fixed", .handler = Nothing});
    catalog_.AddResourceTemplate(ResourceTemplate{
        .uri_template = "test://items/{id}", .scope = "items", .name = "item", .handler = Nothing});
  }

  static Message Request(std::string_view body) { return std::get<Message>(ParseMessage(body)); }

  Catalog catalog_{2};  // two items a page
};

TEST_F(CatalogTest, ToolsAreListedAPageAtATimeWithoutThoseTheCallerMayNotUse) {
  const Principal anyone{};
  auto first = std::get<json::object>(catalog_.ListTools({}, "2025-11-25", anyone));
  ASSERT_EQ(first.at("tools").as_array().size(), 2u);
  ASSERT_TRUE(first.contains("nextCursor"));
  auto second = std::get<json::object>(
      catalog_.ListTools(json::object{{"cursor", first.at("nextCursor")}}, "2025-11-25", anyone));
  ASSERT_EQ(second.at("tools").as_array().size(), 1u);
  EXPECT_EQ(second.at("tools").at(0).at("name"), "c");  // not "secret"
  EXPECT_FALSE(second.contains("nextCursor"));

  const Principal admin{
      .subject = "ada",
      .scopes = std::make_shared<const Principal::Scopes>(Principal::Scopes{"admin"}),
      .data = nullptr};
  auto all = std::get<json::object>(
      catalog_.ListTools(json::object{{"cursor", first.at("nextCursor")}}, "2025-11-25", admin));
  EXPECT_EQ(all.at("tools").as_array().size(), 2u);

  EXPECT_TRUE(std::holds_alternative<RpcError>(
      catalog_.ListTools(json::object{{"cursor", "not-ours"}}, "2025-11-25", anyone)));
}

TEST_F(CatalogTest, AResourceOfThatUriComesBeforeAMatchingTemplate) {
  auto fixed = catalog_.FindReadable("test://items/fixed");
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(*fixed->scope, "exact");
  EXPECT_TRUE(fixed->variables.empty());
  auto item = catalog_.FindReadable("test://items/42");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(*item->scope, "items");
  EXPECT_EQ(item->variables.at("id"), "42");
  EXPECT_FALSE(catalog_.FindReadable("test://items/4/2").has_value());
  EXPECT_FALSE(catalog_.FindReadable("test://other").has_value());
}

TEST_F(CatalogTest, MissingScopeNamesWhatTheItemNeeds) {
  const Principal anyone{};
  EXPECT_EQ(
      catalog_.MissingScope(
          Request(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"secret"}})"),
          anyone),
      "admin");
  EXPECT_EQ(catalog_.MissingScope(
                Request(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}})"),
                anyone),
            std::nullopt);
  EXPECT_EQ(
      catalog_.MissingScope(
          Request(
              R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"test://items/7"}})"),
          anyone),
      "items");
  // Unknown items and malformed requests are the handler's to refuse.
  EXPECT_EQ(
      catalog_.MissingScope(
          Request(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}})"),
          anyone),
      std::nullopt);
  EXPECT_EQ(
      catalog_.MissingScope(
          Request(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}})"), anyone),
      std::nullopt);
}

TEST(ParamHeaders, OnlyThroughChainsOfProperties) {
  const Schema schema = Schema::Object()
                            .Property("region", Schema::String().Header("Region"))
                            .Property("nested", Schema::Object().Property(
                                                    "count", Schema::Integer().Header("Count")));
  const std::vector<ParamHeader> headers = ParamHeadersOf(schema.json());
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].name, "Region");
  EXPECT_EQ(headers[0].path, (std::vector<std::string>{"region"}));
  EXPECT_EQ(headers[1].name, "Count");
  EXPECT_EQ(headers[1].path, (std::vector<std::string>{"nested", "count"}));
  // An x-mcp-header under "items" (an array's elements) mirrors nothing.
  const json::value under_items = boost::json::parse(
      R"({"type":"object","properties":{"list":{"type":"array","items":{"x-mcp-header":"X"}}}})");
  EXPECT_TRUE(ParamHeadersOf(under_items.as_object()).empty());
}

}  // namespace
}  // namespace taskwire::mcp
