#include "http/static_assets.h"

#include <gtest/gtest.h>

namespace taskwire::http {
namespace {

const base::EmbeddedFile kFiles[] = {{"style.css", "body{}"}, {"logo.svg", "<svg/>"}};

TEST(StaticAssets, ServesWithTypeEtagAndCaching) {
  const StaticAssets assets(kFiles);
  const Response response = assets.Get("style.css", Request{});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "body{}");
  EXPECT_EQ(*response.headers.Get("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(response.headers.Get("ETag")->size(), 18u);
  EXPECT_TRUE(response.headers.Has("Cache-Control"));
}

TEST(StaticAssets, RevalidationWithTheEtagIs304) {
  const StaticAssets assets(kFiles);
  const std::string etag(*assets.Get("logo.svg", Request{}).headers.Get("ETag"));
  Request request;
  request.headers.Add("If-None-Match", etag);
  const Response response = assets.Get("logo.svg", request);
  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
  request.headers.Set("If-None-Match", "\"other\"");
  EXPECT_EQ(assets.Get("logo.svg", request).status, 200);
}

TEST(StaticAssets, UnknownOrEscapingPathsAre404) {
  const StaticAssets assets(kFiles);
  EXPECT_EQ(assets.Get("missing.css", Request{}).status, 404);
  EXPECT_EQ(assets.Get("../style.css", Request{}).status, 404);
  EXPECT_EQ(assets.Get("", Request{}).status, 404);
}

TEST(ContentType, FollowsTheExtension) {
  EXPECT_EQ(ContentTypeForPath("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeForPath("a.png"), "image/png");
  EXPECT_EQ(ContentTypeForPath("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace taskwire::http
