// The audit trail, readable (docs/tasks.md, "Audit record"), as both surfaces run list_audit and
// get_task: who did what through which credential, client and surface, per field before and
// after, secrets redacted, filters and pages, and another organization's record absent.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "api/record_test.h"
#include "auth/scopes.h"
#include "testing/result_matchers.h"

namespace taskwire::api {
namespace {

using testing::Code;

class AuditOperationsTest : public RecordTest {
 protected:
  json::array Entries(std::string_view arguments, const Caller& caller) {
    auto page = Run("list_audit", arguments, caller);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    return page ? page->at("entries").as_array() : json::array{};
  }
};

TEST_F(AuditOperationsTest, EachChangeSaysWhoThroughWhatAndEachFieldBeforeAndAfter) {
  const int64_t task = NewTask(*agent_);
  const std::string id = std::to_string(task);
  ASSERT_TRUE(Run("update_task", R"({"taskId":)" + id + R"(,"status":"IN_PROGRESS"})", *person_));
  const json::array entries = Entries(R"({"taskId":)" + id + "}", *agent_);
  ASSERT_EQ(entries.size(), 2u);
  const json::object& update = entries[0].as_object();  // newest first
  EXPECT_EQ(update.at("action"), "update");
  EXPECT_EQ(update.at("user"), "ada");
  EXPECT_EQ(update.at("credential"), "key:4");
  EXPECT_EQ(update.at("client"), "curl");
  EXPECT_EQ(update.at("surface"), "rest");
  EXPECT_EQ(update.at("taskId"), task);
  EXPECT_EQ(update.at("organizationId"), 1);
  EXPECT_EQ(update.at("fields"),
            json::parse(R"([{"field":"status","before":"TODO","after":"IN_PROGRESS"}])"));
  const json::object& create = entries[1].as_object();
  EXPECT_EQ(create.at("action"), "create");
  EXPECT_EQ(create.at("surface"), "mcp");
  EXPECT_EQ(create.at("client"), "claude-code");
  bool title = false;
  for (const json::value& field : create.at("fields").as_array()) {
    if (field.at("field") != "title") continue;
    title = true;
    EXPECT_TRUE(field.at("before").is_null());
    EXPECT_EQ(field.at("after"), "Ship it");
  }
  EXPECT_TRUE(title);
}

TEST_F(AuditOperationsTest, GetTaskShowsTheLatestHistoryWithMessagesAndQuestions) {
  const int64_t task = NewTask(*agent_);
  const std::string id = std::to_string(task);
  ASSERT_TRUE(Run("send_message", R"({"taskId":)" + id + R"(,"text":"on it"})", *agent_));
  ASSERT_TRUE(Run("ask_question", R"({"taskId":)" + id + R"(,"question":"ok?"})", *agent_));
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(Run("update_task",
                    R"({"taskId":)" + id + R"(,"title":"Ship it )" + std::to_string(i) + "\"}",
                    *person_));
  }
  auto got = Run("get_task", R"({"taskId":)" + id + "}", *agent_);
  ASSERT_TRUE(got.has_value());
  const json::array& history = got->at("task").at("history").as_array();
  ASSERT_EQ(history.size(), tasks::kTaskHistory);
  EXPECT_EQ(history[0].at("fields").at(0).at("after"), "Ship it 11");
  // The message and the question are the task's history too.
  const json::array all = Entries(R"({"taskId":)" + id + "}", *agent_);
  ASSERT_EQ(all.size(), 15u);
  EXPECT_EQ(all[12].at("entity"), "question");
  EXPECT_EQ(all[12].at("taskId"), task);
  EXPECT_EQ(all[13].at("entity"), "message");
}

TEST_F(AuditOperationsTest, AnotherOrganizationsRecordIsAbsent) {
  const int64_t adas = NewTask(*agent_);
  const int64_t bobs = NewTask(*bob_, "2");
  EXPECT_EQ(Code(Run("list_audit", R"({"taskId":)" + std::to_string(adas) + "}", *bob_)),
            "NOT_FOUND");
  for (const json::value& entry : Entries("{}", *bob_)) {
    EXPECT_NE(entry.at("organizationId"), 1) << json::serialize(entry);
  }
  const json::array adas_view = Entries("{}", *agent_);
  for (const json::value& entry : adas_view) {
    EXPECT_NE(entry.at("taskId"), bobs) << json::serialize(entry);
    EXPECT_NE(entry.at("user"), "bob") << json::serialize(entry);
  }
  EXPECT_FALSE(adas_view.empty());
  // The history resource's source likewise.
  EXPECT_EQ(Code(tasks_->ListAudit(bob_->actor, {.task_id = adas})), "NOT_FOUND");
}

TEST_F(AuditOperationsTest, FiltersAndPages) {
  const int64_t task = NewTask(*agent_);
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(Run("update_task", R"({"taskId":)" + std::to_string(task) + R"(,"status":"DONE"})",
                  *person_));
  ASSERT_EQ(testing::AddUser(*database_, "carol"), 3);
  ASSERT_TRUE(tasks_->SetMember(agent_->actor, 1, 3, tasks::Role::kMember).has_value());
  const auto carol = Make(3, "carol", "key:6", "vscode", tasks::Surface::kMcp);
  ASSERT_TRUE(Run("create_task", R"({"title":"Other","organizationId":1})", *carol));
  // user: carol created one task; bob did nothing in acme; ada everything else.
  const json::array carols = Entries(R"({"user":"carol"})", *agent_);
  ASSERT_EQ(carols.size(), 1u);
  EXPECT_EQ(carols[0].at("client"), "vscode");
  EXPECT_EQ(Entries(R"({"user":"bob"})", *agent_).size(), 0u);
  const size_t everything = Entries("{}", *agent_).size();
  EXPECT_GE(everything, 4u);
  EXPECT_EQ(Entries(R"({"user":"ada"})", *agent_).size(), everything - 1);
  // since: an ISO time (the update, the membership and carol's task), or a duration before now.
  const std::string since = base::FormatIso8601(clock_.Now() - std::chrono::minutes(1));
  EXPECT_EQ(Entries(R"({"since":")" + since + "\"}", *agent_).size(), 3u);
  // A duration counts back from the real time now; the fake clock stands in early 2026.
  EXPECT_EQ(Entries(R"({"since":"1h"})", *agent_).size(), 0u);
  EXPECT_EQ(Entries(R"({"since":"99999h"})", *agent_).size(), everything);
  EXPECT_EQ(Code(Run("list_audit", R"({"since":"yesterday"})", *agent_)), "INVALID_ARGUMENT");
  // Pages of one, newest first, all of them once.
  std::vector<int64_t> ids;
  std::string cursor;
  do {
    auto page = Run("list_audit",
                    cursor.empty() ? R"({"limit":1})" : R"({"limit":1,"cursor":")" + cursor + "\"}",
                    *agent_);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    for (const json::value& entry : page->at("entries").as_array())
      ids.push_back(entry.at("id").as_int64());
    cursor = page->contains("nextCursor") ? std::string(page->at("nextCursor").as_string()) : "";
  } while (!cursor.empty());
  ASSERT_EQ(ids.size(), everything);
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));
  EXPECT_EQ(Code(Run("list_audit", R"({"cursor":"bm9wZQ"})", *agent_)), "INVALID_ARGUMENT");
}

TEST_F(AuditOperationsTest, SecretsAreRedactedWhereverAChangeHoldsThem) {
  const int64_t task = NewTask(*agent_);
  {
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(tasks_->AppendAudit(
        **tx, agent_->actor, base::FormatIso8601(clock_.Now()),
        {1, "run", 9, "start",
         R"({"job":"deploy","taskId":)" + std::to_string(task) +
             R"(,"params":{"env":"prod","api_token":"s3cret-1","token":"[redacted]",)"
             R"("nested":[{"password":"s3cret-2"}]},"clientSecret":"s3cret-3"})"}));
    ASSERT_TRUE((*tx)->Commit());
  }
  const json::array entries = Entries(R"({"taskId":)" + std::to_string(task) + "}", *agent_);
  ASSERT_FALSE(entries.empty());
  const std::string text = json::serialize(entries[0]);
  EXPECT_EQ(entries[0].at("entity"), "run");
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(entries[0].at("changes").at("params").at("env"), "prod");
  EXPECT_EQ(entries[0].at("changes").at("params").at("api_token"), "[redacted]");
}

TEST_F(AuditOperationsTest, ListAuditIsAReadOfTasksRead) {
  const Operation* list = operations_->Find("list_audit");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->scope, auth::kScopeTasksRead);
  EXPECT_FALSE(list->Writes());
}

}  // namespace
}  // namespace taskwire::api
