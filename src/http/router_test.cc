#include "http/router.h"

#include <gtest/gtest.h>

#include "testing/response_recorder.h"

namespace taskwire::http {
namespace {

Response Route(const Router& router, Method method, std::string path) {
  Request request;
  request.method = method;
  request.path = std::move(path);
  auto recorder = std::make_shared<testing::ResponseRecorder>();
  router.Handle(request, Responder(recorder));
  EXPECT_TRUE(recorder->response().has_value());
  return recorder->response().value_or(Response{});
}

Handler Say(const std::string& what) {
  return [what](Request& request, Responder r) {
    std::string body = what;
    for (const auto& [key, value] : request.params)
      body.append(" ").append(key).append("=").append(value);
    r.Send(Response::Text(200, body));
  };
}

TEST(Router, MatchesLiteralsAndPlaceholders) {
  Router router;
  router.Add(Method::kGet, "/api/v1/tasks/{id}", Say("task"));
  router.Add(Method::kGet, "/api/v1/tasks/new", Say("new"));
  router.Add(Method::kGet, "/api/v1/tasks", Say("list"));
  EXPECT_EQ(Route(router, Method::kGet, "/api/v1/tasks").body, "list");
  EXPECT_EQ(Route(router, Method::kGet, "/api/v1/tasks/new").body, "new");
  EXPECT_EQ(Route(router, Method::kGet, "/api/v1/tasks/42").body, "task id=42");
  EXPECT_EQ(Route(router, Method::kGet, "/api/v1/tasks/a%20b").body, "task id=a b");
}

TEST(Router, WildcardTakesTheRest) {
  Router router;
  router.Add(Method::kGet, "/static/*", Say("asset"));
  EXPECT_EQ(Route(router, Method::kGet, "/static/css/site.css").body, "asset *=css/site.css");
}

TEST(Router, HeadIsServedByGet) {
  Router router;
  router.Add(Method::kGet, "/x", Say("x"));
  EXPECT_EQ(Route(router, Method::kHead, "/x").status, 200);
}

TEST(Router, WrongMethodIs405ListingAllowedOnes) {
  Router router;
  router.Add(Method::kGet, "/x", Say("get"));
  router.Add(Method::kPost, "/x", Say("post"));
  const Response response = Route(router, Method::kDelete, "/x");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(*response.headers.Get("Allow"), "GET, HEAD, POST");
}

TEST(Router, UnknownPathAndBadEscapesAre404) {
  Router router;
  router.Add(Method::kGet, "/tasks/{id}", Say("task"));
  EXPECT_EQ(Route(router, Method::kGet, "/nope").status, 404);
  EXPECT_EQ(Route(router, Method::kGet, "/tasks/%zz").status, 404);
  EXPECT_EQ(Route(router, Method::kGet, "/tasks/").status, 404);
  EXPECT_EQ(Route(router, Method::kGet, "/tasks/1/extra").status, 404);
}

}  // namespace
}  // namespace taskwire::http
