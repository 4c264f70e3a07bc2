// The method table (server.cc): which methods each era has (MCP 2026-07-28 changelog: initialize,
// ping, logging/setLevel and resources/(un)subscribe are gone; server/discover and
// subscriptions/listen are new).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "mcp/server_impl.h"

namespace taskwire::mcp {
namespace {

const std::map<std::string_view, std::set<Era>>& Expected() {
  static const std::map<std::string_view, std::set<Era>> kExpected{
      {"initialize", {Era::kLegacy}},
      {"ping", {Era::kLegacy}},
      {"logging/setLevel", {Era::kLegacy}},
      {"resources/subscribe", {Era::kLegacy}},
      {"resources/unsubscribe", {Era::kLegacy}},
      {"server/discover", {Era::kModern}},
      {"subscriptions/listen", {Era::kModern}},
      {"tools/list", {Era::kModern, Era::kLegacy}},
      {"tools/call", {Era::kModern, Era::kLegacy}},
      {"prompts/list", {Era::kModern, Era::kLegacy}},
      {"prompts/get", {Era::kModern, Era::kLegacy}},
      {"resources/list", {Era::kModern, Era::kLegacy}},
      {"resources/templates/list", {Era::kModern, Era::kLegacy}},
      {"resources/read", {Era::kModern, Era::kLegacy}},
      {"completion/complete", {Era::kModern, Era::kLegacy}},
      // The tasks extension (SEP-2663) serves 2026-07-28 only, and has no tasks/result or
      // tasks/list.
      {"tasks/get", {Era::kModern}},
      {"tasks/update", {Era::kModern}},
      {"tasks/cancel", {Era::kModern}},
  };
  return kExpected;
}

TEST(MethodTable, EveryMethodIsThereOnceWithItsEras) {
  std::set<std::string_view> seen;
  for (const MethodEntry& entry : Methods()) {
    EXPECT_TRUE(seen.insert(entry.name).second) << entry.name << " is in the table twice";
    const auto expected = Expected().find(entry.name);
    ASSERT_NE(expected, Expected().end()) << entry.name << " is not a method we expect";
    EXPECT_EQ(entry.eras.Has(Era::kModern), expected->second.contains(Era::kModern)) << entry.name;
    EXPECT_EQ(entry.eras.Has(Era::kLegacy), expected->second.contains(Era::kLegacy)) << entry.name;
    EXPECT_NE(entry.handle, nullptr) << entry.name;
  }
  EXPECT_EQ(seen.size(), Expected().size());
}

TEST(MethodTable, FindMethodAnswersOnlyInTheMethodsEras) {
  for (const auto& [name, eras] : Expected()) {
    for (Era era : {Era::kModern, Era::kLegacy}) {
      const MethodEntry* entry = FindMethod(name, era);
      if (eras.contains(era)) {
        ASSERT_NE(entry, nullptr) << name;
        EXPECT_EQ(entry->name, name);
      } else {
        EXPECT_EQ(entry, nullptr) << name;
      }
    }
  }
  EXPECT_EQ(FindMethod("unknown/method", Era::kModern), nullptr);
  EXPECT_EQ(FindMethod("TOOLS/LIST", Era::kLegacy), nullptr);
  EXPECT_EQ(FindMethod("", Era::kLegacy), nullptr);
  EXPECT_EQ(FindMethod("tasks/result", Era::kModern), nullptr);
  EXPECT_EQ(FindMethod("tasks/list", Era::kModern), nullptr);
}

TEST(MethodTable, ListsOfWhatAServerLacksAreOfferedOnlyWithIt) {
  for (std::string_view name :
       {"prompts/list", "resources/list", "resources/templates/list", "completion/complete",
        "tasks/get", "tasks/update", "tasks/cancel"}) {
    EXPECT_NE(FindMethod(name, Era::kModern)->offered, nullptr) << name;
  }
  for (std::string_view name : {"tools/list", "tools/call", "resources/read", "prompts/get"}) {
    EXPECT_EQ(FindMethod(name, Era::kModern)->offered, nullptr) << name;
  }
}

}  // namespace
}  // namespace taskwire::mcp
