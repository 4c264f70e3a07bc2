#include "web/pages.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "web/authorize.h"

namespace taskwire::web {
namespace {

TEST(HomePage, ShowsTheStatusAndEscapesValues) {
  const std::string page = RenderHome({.version = "0.1.0",
                                       .address = "http://127.0.0.1:8080/",
                                       .storage = "/data/<taskwire>.db",
                                       .schema_version = 3,
                                       .ready = true,
                                       .reason = ""});
  EXPECT_NE(page.find("<h1>Taskwire <small>0.1.0</small></h1>"), std::string::npos);
  EXPECT_NE(page.find("class=\"ok\">ready"), std::string::npos);
  EXPECT_NE(page.find("/data/&lt;taskwire&gt;.db"), std::string::npos);
  EXPECT_EQ(page.find("<taskwire>"), std::string::npos);
  EXPECT_NE(page.find("version 3"), std::string::npos);
}

TEST(HomePage, SaysWhyItIsNotReady) {
  const std::string page = RenderHome({.ready = false, .reason = "database is busy"});
  EXPECT_NE(page.find("not ready: database is busy"), std::string::npos);
}

// A client names itself (dynamic registration, metadata documents): its name is a stranger's text.
TEST(ConsentPage, EscapesWhatTheClientChose) {
  ConsentView view;
  view.client_name = "<script>alert(1)</script>";
  view.redirect_host = "evil.example\"><img src=x>";
  view.action = "/oauth/authorize?state=\"><b>x</b>";
  view.csrf = "token123";
  view.scopes = {{"tasks:read", "Read your tasks", true},
                 {"tasks:write", "Change your tasks", false}};
  const std::string page = RenderConsent(view);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>x</b>"), std::string::npos);
  EXPECT_NE(page.find(R"(name="csrf" value="token123")"), std::string::npos);
  EXPECT_NE(page.find(R"(name="scope:tasks:read" value="1" checked>)"), std::string::npos);
  EXPECT_NE(page.find(R"(name="scope:tasks:write" value="1">)"), std::string::npos);
  // Review mode is offered, unticked.
  EXPECT_NE(page.find(R"(<input type="checkbox" name="review" value="1"> Ask me before this app )"
                      R"(changes anything)"),
            std::string::npos);
}

TEST(ConsentPage, TicksReviewModeOnlyForAGrantInReviewMode) {
  ConsentView view;
  view.client_name = "Claude";
  EXPECT_NE(RenderConsent(view).find(R"(name="review" value="1">)"), std::string::npos);
  view.review = true;
  EXPECT_NE(RenderConsent(view).find(R"(name="review" value="1" checked>)"), std::string::npos);
}

TEST(ContinuePage, EscapesWhatTheClientChoseAndCarriesTheCsrfToken) {
  ContinueView view;
  view.client_name = "<script>alert(1)</script>";
  view.user_name = "ada";
  view.redirect_host = "127.0.0.1:5999\"><img src=x>";
  view.action = "/oauth/authorize?state=\"><b>x</b>";
  view.csrf = "token123";
  view.scopes = "tasks:read";
  const std::string page = RenderContinue(view);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>x</b>"), std::string::npos);
  EXPECT_NE(page.find(R"(name="csrf" value="token123")"), std::string::npos);
  EXPECT_NE(page.find(R"(value="continue">Continue as ada<)"), std::string::npos);
  EXPECT_NE(page.find(R"(value="deny")"), std::string::npos);
}

TEST(ConsentPage, DescribesEveryScopeInPlainWords) {
  for (std::string_view scope : {"mcp:read", "organizations:read", "tasks:read", "tasks:write",
                                 "tasks:admin", "jobs:read", "jobs:run", "offline_access"}) {
    EXPECT_NE(ScopeDescription(scope), "An unknown permission") << scope;
  }
  EXPECT_EQ(ScopeDescription("nonsense"), "An unknown permission");
}

TEST(Assets, IncludeTheStylesheetAndIcon) {
  std::vector<std::string_view> paths;
  for (const auto& file : AssetFiles()) {
    paths.push_back(file.path);
    EXPECT_FALSE(file.data.empty());
  }
  EXPECT_NE(std::find(paths.begin(), paths.end(), "style.css"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "favicon.svg"), paths.end());
}

// A full worker pool answers a person with a page, not a JSON error.
TEST(OverloadedPage, IsA503HtmlPageNeverCached) {
  const http::Response page = Overloaded();
  EXPECT_EQ(page.status, 503);
  EXPECT_TRUE(page.headers.Get("Content-Type")->starts_with("text/html"))
      << *page.headers.Get("Content-Type");
  EXPECT_EQ(*page.headers.Get("Cache-Control"), "no-store");
  EXPECT_NE(page.body.find("Try again shortly"), std::string::npos);
  EXPECT_EQ(page.body.find("\"error\""), std::string::npos);
}

}  // namespace
}  // namespace taskwire::web
