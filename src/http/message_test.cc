#include "http/message.h"

#include <gtest/gtest.h>

namespace taskwire::http {
namespace {

TEST(HasMediaType, ComparesTheMediaTypeAloneIgnoringCaseAndParameters) {
  auto with = [](std::initializer_list<const char*> types) {
    Headers headers;
    for (const char* type : types) headers.Add("Content-Type", type);
    return HasMediaType(headers, "application/json");
  };
  for (const char* good :
       {"application/json", "Application/JSON", "application/json; charset=utf-8",
        "application/json;charset=UTF-8", " application/json "}) {
    EXPECT_TRUE(with({good})) << good;
  }
  for (const char* bad :
       {"text/plain", "text/plain; a=application/json", "application/json-patch+json",
        "application/jsonx", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
        ""}) {
    EXPECT_FALSE(with({bad})) << bad;
  }
  EXPECT_FALSE(with({}));
  EXPECT_FALSE(with({"application/json", "text/plain"}));
}

TEST(Headers, LookUpIgnoringCaseAndKeepEveryValue) {
  Headers headers;
  headers.Add("Content-Type", "application/json");
  headers.Add("Accept", "a");
  headers.Add("accept", "b");
  EXPECT_EQ(*headers.Get("content-type"), "application/json");
  EXPECT_EQ(headers.GetAll("ACCEPT"), (std::vector<std::string_view>{"a", "b"}));
  headers.Set("Accept", "c");
  EXPECT_EQ(headers.GetAll("accept"), (std::vector<std::string_view>{"c"}));
  headers.Remove("accept");
  EXPECT_FALSE(headers.Has("Accept"));
}

TEST(PercentDecode, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b", /*plus_as_space=*/true), "a b");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("%2").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
  EXPECT_FALSE(PercentDecode("a%00b").has_value());
}

TEST(Request, ReadsQueryParameters) {
  Request request;
  request.query = "status=TODO&label=a%20b&flag&status=DONE";
  EXPECT_EQ(*request.QueryParam("status"), "TODO");
  EXPECT_EQ(*request.QueryParam("label"), "a b");
  EXPECT_EQ(*request.QueryParam("flag"), "");
  EXPECT_FALSE(request.QueryParam("missing").has_value());
}

TEST(Response, JsonErrorEscapesItsMessage) {
  const Response response = Response::JsonError(400, "bad", "say \"hi\"\n");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(*response.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(response.body, R"({"error":{"code":"bad","message":"say \"hi\"\n"}})");
}

TEST(Methods, ParseAndName) {
  EXPECT_EQ(ParseMethod("POST"), Method::kPost);
  EXPECT_EQ(ParseMethod("post"), Method::kOther);  // methods are case-sensitive
  EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
  EXPECT_EQ(StatusReason(431), "Request Header Fields Too Large");
}

TEST(CookieValue, FindsTheNamedCookieAmongOthersAndHeaders) {
  Headers headers;
  headers.Add("Cookie", "a=1; tw_session=abc");
  headers.Add("Cookie", "tw_session=later");
  EXPECT_EQ(CookieValue(headers, "tw_session"), "abc");
  EXPECT_EQ(CookieValue(headers, "a"), "1");
  EXPECT_EQ(CookieValue(headers, "session"), std::nullopt);  // never a suffix of another name
  EXPECT_EQ(CookieValue(Headers{}, "a"), std::nullopt);
}

}  // namespace
}  // namespace taskwire::http
