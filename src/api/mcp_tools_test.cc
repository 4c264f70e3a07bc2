#include "api/mcp_tools.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/errors.h"
#include "auth/scopes.h"
#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/migrated_database.h"
#include "testing/response_recorder.h"
#include "testing/temp_dir.h"

namespace taskwire::api {
namespace {

using namespace std::chrono_literals;

// The MCP tools, prompts and resources over a real database, through the library's HTTP transport
// (mcp::Serve) (2025-03-26 sessionless requests), as the endpoint hands them over after the gate.
class McpToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::MigratedDatabase(dir_.File("t.db"), clock_);
    ASSERT_TRUE(database.has_value()) << database.error().ToString();
    database_ = std::move(*database);
    ASSERT_NE(testing::AddUser(*database_, "ada"), 0);
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(
        (*tx)
            ->ExecuteScript("INSERT INTO organizations (name, created_at) VALUES ('acme', "
                            "'2026-01-01T00:00:00.000Z');"
                            "INSERT INTO memberships (organization_id, user_id, role, created_at) "
                            "VALUES (1, 1, 'owner', '2026-01-01T00:00:00.000Z');")
            .has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    tasks_ = std::make_unique<tasks::TaskStore>(*faulty_, clock_, hub_);
    operations_ = std::make_unique<Operations>(*tasks_, hub_, pool_, usage_);
    server_ = std::make_unique<mcp::Server>(mcp::ServerOptions{}, pool_, clock_, logger_);
    RegisterMcp(*server_, *operations_, usage_, hub_);
  }
  void TearDown() override {
    server_.reset();
    pool_.Shutdown();
  }

  static mcp::Principal Holding(std::set<std::string> scopes) {
    return PrincipalOf(
        std::make_shared<const Caller>(auth::Identity{.user_id = 1,
                                                      .user_name = "ada",
                                                      .credential = "key:1",
                                                      .client = "test",
                                                      .scopes = std::move(scopes),
                                                      .review = auth::ReviewMode::kOff,
                                                      .expires = {}}));
  }

  http::Response Ask(const mcp::Principal& principal, std::string_view method,
                     json::object params) {
    http::Request request;
    request.method = http::Method::kPost;
    request.headers.Add("Content-Type", "application/json");
    request.headers.Add("Accept", "application/json");
    request.body = json::serialize(json::object{
        {"jsonrpc", "2.0"}, {"id", 7}, {"method", method}, {"params", std::move(params)}});
    auto answer = std::make_shared<testing::ResponseRecorder>();
    mcp::Serve(*server_, request, principal, http::Responder(answer));
    EXPECT_TRUE(answer->WaitDone(10s)) << "no answer";
    return answer->response().value_or(http::Response{});
  }

  int64_t NewTask() {
    auto task = operations_->Find("create_task")
                    ->run(json::object{{"organizationId", 1}, {"title", "Write docs"}},
                          Caller(auth::Identity{.user_id = 1,
                                                .user_name = "ada",
                                                .credential = "key:1",
                                                .client = "test",
                                                .scopes = {"tasks:write"},
                                                .review = auth::ReviewMode::kOff,
                                                .expires = {}}));
    EXPECT_TRUE(task.has_value()) << task.error().ToString();
    return task ? json::parse(*task).at("task").at("id").as_int64() : 0;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  base::Logger logger_{base::LogLevel::kError, base::LogFormat::kText, stderr, clock_};
  base::WorkerPool pool_{2, 100};
  Usage usage_{clock_};
  tasks::EventHub hub_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<testing::FaultyDatabase> faulty_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  std::unique_ptr<Operations> operations_;
  std::unique_ptr<mcp::Server> server_;
};

// The scope is checked once, by the library, from the declaration (Tool::scope, Prompt::scope):
// a caller without it meets 403 insufficient_scope before any handler runs, so no statement is
// read; with it the handler runs without checking again.
TEST_F(McpToolsTest, TheLibraryChecksTheDeclaredScopeBeforeTheHandlerRuns) {
  const int64_t id = NewTask();
  faulty_->Disarm();  // counts statements from here
  const mcp::Principal writer_only = Holding({"organizations:read"});
  for (const auto& [method, params] :
       {std::pair<std::string_view, json::object>{
            "tools/call", {{"name", "get_task"}, {"arguments", {{"taskId", id}}}}},
        {"prompts/get", {{"name", "plan_task"}, {"arguments", {{"taskId", std::to_string(id)}}}}},
        {"resources/read", {{"uri", "taskwire://tasks/" + std::to_string(id)}}}}) {
    const http::Response refused = Ask(writer_only, method, params);
    EXPECT_EQ(refused.status, 403) << method << ": " << refused.body;
    EXPECT_NE(refused.headers.Get("WWW-Authenticate").value_or("").find("insufficient_scope"),
              std::string_view::npos)
        << method;
  }
  EXPECT_EQ(faulty_->statements(), 0) << "no handler ran";
  const http::Response got = Ask(Holding({"tasks:read"}), "tools/call",
                                 {{"name", "get_task"}, {"arguments", {{"taskId", id}}}});
  EXPECT_EQ(got.status, 200);
  EXPECT_FALSE(json::parse(got.body).at("result").as_object().contains("isError")) << got.body;
}

// The error table (api/errors.h) on MCP: a tool's failure is an isError result with the real
// reason, and a failure of the server adds a hint to retry; a prompt, which has no isError, says
// -32603 with that hint for a busy database, never "not found".
TEST_F(McpToolsTest, ABusyDatabaseIsARetryHintNeverANotFound) {
  const int64_t id = NewTask();
  const mcp::Principal reader = Holding({"tasks:read"});
  faulty_->Arm(1);
  const http::Response tool =
      Ask(reader, "tools/call", {{"name", "get_task"}, {"arguments", {{"taskId", id}}}});
  ASSERT_EQ(tool.status, 200) << tool.body;
  const json::object result = json::parse(tool.body).at("result").as_object();
  EXPECT_EQ(result.at("isError"), true) << tool.body;
  const std::string text(result.at("content").at(0).at("text").as_string());
  EXPECT_NE(text.find(kRetryHint), std::string::npos) << text;
  EXPECT_EQ(text.find("not found"), std::string::npos) << text;

  faulty_->Arm(1);
  const http::Response prompt =
      Ask(reader, "prompts/get",
          {{"name", "plan_task"}, {"arguments", {{"taskId", std::to_string(id)}}}});
  const json::object error = json::parse(prompt.body).at("error").as_object();
  EXPECT_EQ(error.at("code").as_int64(), mcp::kInternalError) << prompt.body;
  const std::string message(error.at("message").as_string());
  EXPECT_NE(message.find(kRetryHint), std::string::npos) << message;
  EXPECT_EQ(message.find("not found"), std::string::npos) << message;

  faulty_->Arm(1);
  const http::Response read =
      Ask(reader, "resources/read", {{"uri", "taskwire://tasks/" + std::to_string(id)}});
  EXPECT_EQ(json::parse(read.body).at("error").at("code").as_int64(), mcp::kInternalError)
      << read.body;
}

// What the model can act on keeps its reason, without a hint: an id that is not the caller's.
TEST_F(McpToolsTest, AnUnknownIdIsTheRealReason) {
  const mcp::Principal reader = Holding({"tasks:read"});
  const http::Response tool =
      Ask(reader, "tools/call", {{"name", "get_task"}, {"arguments", {{"taskId", 424242}}}});
  const json::object result = json::parse(tool.body).at("result").as_object();
  EXPECT_EQ(result.at("isError"), true) << tool.body;
  const std::string text(result.at("content").at(0).at("text").as_string());
  EXPECT_NE(text.find("424242"), std::string::npos) << text;
  EXPECT_EQ(text.find(kRetryHint), std::string::npos) << text;
  const http::Response prompt =
      Ask(reader, "prompts/get", {{"name", "plan_task"}, {"arguments", {{"taskId", "424242"}}}});
  EXPECT_EQ(json::parse(prompt.body).at("error").at("code").as_int64(), mcp::kInvalidParams)
      << prompt.body;
}

}  // namespace
}  // namespace taskwire::api
