#include "web/pages.h"

#include <gtest/gtest.h>

#include <algorithm>

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

TEST(Assets, IncludeTheStylesheetAndIcon) {
  std::vector<std::string_view> paths;
  for (const auto& file : AssetFiles()) {
    paths.push_back(file.path);
    EXPECT_FALSE(file.data.empty());
  }
  EXPECT_NE(std::find(paths.begin(), paths.end(), "style.css"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "favicon.svg"), paths.end());
}

}  // namespace
}  // namespace taskwire::web
