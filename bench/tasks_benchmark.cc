// get_task and list_tasks through the whole MCP path (mcp::Serve on the 2026-07-28 wire,
// argument validation, the worker pool, the SQLite store, JSON results) against a database of
// 100,000 tasks (TW_BENCH_TASKS overrides the count). No sockets: the HTTP layer is measured by
// the load benchmarks.
//
//   build/release/bench/tasks_benchmark

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <cstdio>
#include <filesystem>
#include <random>

#include "api/caller.h"
#include "api/mcp_tools.h"
#include "api/operations.h"
#include "auth/scopes.h"
#include "base/check.h"
#include "base/log.h"
#include "base/worker_pool.h"
#include "bench/response_waiter.h"
#include "mcp/http_endpoint.h"
#include "mcp/server.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_database.h"
#include "tasks/event_hub.h"
#include "tasks/task_store.h"

using namespace taskwire;
namespace json = boost::json;

namespace {

int64_t TaskCount() {
  const char* given = std::getenv("TW_BENCH_TASKS");
  return given != nullptr ? std::max<int64_t>(100, std::atoll(given)) : 100'000;
}

// One database of TaskCount() tasks in one organization, built once for every benchmark.
class World {
 public:
  World()
      : logger_(base::LogLevel::kError, base::LogFormat::kText, stderr, clock_),
        pool_(4, 10'000),
        usage_(clock_) {
    char pattern[] = "/tmp/taskwire-bench-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    store::sqlite::SqliteOptions options;
    options.path = dir_ + "/bench.db";
    options.read_connections = 4;
    database_ = std::move(*store::sqlite::SqliteDatabase::Open(options));
    CHECK(store::Migrate(*database_, store::EmbeddedMigrations("sqlite"), clock_).has_value());
    Fill();
    tasks_ = std::make_unique<tasks::TaskStore>(*database_, clock_, hub_);
    operations_ = std::make_unique<api::Operations>(*tasks_, hub_, pool_, usage_);
    server_ = std::make_unique<mcp::Server>(mcp::ServerOptions{}, pool_, clock_, logger_);
    api::RegisterMcp(*server_, *operations_, usage_, hub_);
    auth::Identity identity{.user_id = 1,
                            .user_name = "ada",
                            .credential = "key:1",
                            .client = "bench",
                            .scopes = {},
                            .review = auth::ReviewMode::kOff,
                            .expires = {}};
    for (std::string_view scope : auth::kAllScopes) identity.scopes.emplace(scope);
    principal_ = api::PrincipalOf(std::make_shared<const api::Caller>(std::move(identity)));
  }
  ~World() {
    server_.reset();
    pool_.Shutdown();
    database_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // One tools/call through mcp::Serve; returns the response body.
  std::string Call(std::string_view tool, const json::object& arguments) {
    http::Request request;
    request.method = http::Method::kPost;
    request.headers.Add("Content-Type", "application/json");
    request.headers.Add("Accept", "application/json, text/event-stream");
    request.headers.Add("MCP-Protocol-Version", "2026-07-28");
    request.headers.Add("Mcp-Method", "tools/call");
    request.headers.Add("Mcp-Name", std::string(tool));
    request.body = json::serialize(json::object{
        {"jsonrpc", "2.0"},
        {"id", 1},
        {"method", "tools/call"},
        {"params",
         json::object{
             {"name", tool},
             {"arguments", arguments},
             {"_meta",
              json::object{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                           {"io.modelcontextprotocol/clientCapabilities", json::object{}}}}}}});
    auto waiter = std::make_shared<bench::ResponseWaiter>();
    mcp::Serve(*server_, request, principal_, http::Responder(waiter));
    return waiter->Wait();
  }

  int64_t count() const { return count_; }

 private:
  void Fill() {
    count_ = TaskCount();
    auto tx = std::move(*database_->Begin(store::Access::kWrite));
    CHECK(tx->ExecuteScript(
                "INSERT INTO users (name, password_hash, created_at, updated_at) VALUES "
                "('ada', 'x', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');"
                "INSERT INTO organizations (name, created_at) VALUES ('acme', "
                "'2026-01-01T00:00:00.000Z');"
                "INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES "
                "(1, 1, 'owner', '2026-01-01T00:00:00.000Z');")
              .has_value());
    const std::string n = std::to_string(count_);
    // Every tenth task a subtask of the one before; statuses cycle; a label on every seventh.
    CHECK(
        tx->ExecuteScript(
              "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " + n +
              ") "
              "INSERT INTO tasks (organization_id, parent_id, title, description, status, "
              "assignee_id, "
              "created_by, created_at, updated_at) SELECT 1, CASE WHEN x % 10 = 0 THEN x - 1 END, "
              "'Task number ' || x || ' about ' || (CASE x % 4 WHEN 0 THEN 'billing' WHEN 1 THEN "
              "'search' WHEN 2 THEN 'onboarding' ELSE 'reports' END), "
              "'Some **markdown** describing what task ' || x || ' needs, with a few sentences of "
              "context so rows have a realistic size for a task tracker.', "
              "CASE x % 4 WHEN 0 THEN 'TODO' WHEN 1 THEN 'IN_PROGRESS' WHEN 2 THEN 'DONE' ELSE "
              "'CANCELLED' END, CASE WHEN x % 3 = 0 THEN 1 END, 1, "
              "strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || x || ' seconds'), "
              "strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || x || ' seconds') FROM c;"
              "INSERT INTO task_owners (task_id, user_id) SELECT id, 1 FROM tasks;"
              "INSERT INTO task_labels (task_id, label) SELECT id, 'backend' FROM tasks WHERE id % "
              "7 = 0;")
            .has_value());
    CHECK(tx->Commit().has_value());
  }

  base::SystemClock clock_;
  base::Logger logger_;
  base::WorkerPool pool_;
  api::Usage usage_;
  tasks::EventHub hub_;
  std::string dir_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  std::unique_ptr<api::Operations> operations_;
  std::unique_ptr<mcp::Server> server_;
  mcp::Principal principal_;
  int64_t count_ = 0;
};

World& TheWorld() {
  static World* world = new World();  // built once, on first use; the process exits after
  return *world;
}

void Check(const std::string& body) {
  if (body.find("\"isError\":true") != std::string::npos ||
      body.find("\"error\"") != std::string::npos) {
    std::fprintf(stderr, "unexpected answer: %.300s\n", body.c_str());
    std::abort();
  }
}

void BM_GetTask(benchmark::State& state) {
  World& world = TheWorld();
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> id(1, world.count());
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = world.Call("get_task", json::object{{"taskId", id(random)}});
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  Check(world.Call("get_task", json::object{{"taskId", 10}}));
  state.counters["tasks"] =
      benchmark::Counter(static_cast<double>(world.count()), benchmark::Counter::kAvgThreads);
  state.counters["response_bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgThreads);
}
BENCHMARK(BM_GetTask)->UseRealTime()->Threads(1)->Threads(4);

void BM_ListTasks(benchmark::State& state) {
  World& world = TheWorld();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = world.Call("list_tasks", json::object{});
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  Check(world.Call("list_tasks", json::object{}));
  state.counters["tasks"] =
      benchmark::Counter(static_cast<double>(world.count()), benchmark::Counter::kAvgThreads);
  state.counters["response_bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgThreads);
}
BENCHMARK(BM_ListTasks)->UseRealTime()->Threads(1)->Threads(4);

void BM_ListTasksFiltered(benchmark::State& state) {
  World& world = TheWorld();
  for (auto _ : state) {
    std::string body = world.Call(
        "list_tasks", json::object{{"status", "TODO"}, {"label", "backend"}, {"limit", 20}});
    benchmark::DoNotOptimize(body);
  }
  Check(world.Call("list_tasks", json::object{{"status", "TODO"}, {"label", "backend"}}));
}
BENCHMARK(BM_ListTasksFiltered)->UseRealTime();

// The tenth page: keyset pagination keeps deep pages as cheap as the first.
void BM_ListTasksDeepPage(benchmark::State& state) {
  World& world = TheWorld();
  std::string cursor;
  for (int page = 0; page < 9; ++page) {
    json::value body = json::parse(world.Call("list_tasks", json::object{{"cursor", cursor}}));
    cursor =
        json::value_to<std::string>(body.at("result").at("structuredContent").at("nextCursor"));
  }
  for (auto _ : state) {
    std::string body = world.Call("list_tasks", json::object{{"cursor", cursor}});
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_ListTasksDeepPage)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
