// Micro benchmarks of one MCP tools/call on the 2026-07-28 wire: decoding the JSON-RPC body,
// checking the arguments against the tool's schema, encoding the result, and the whole
// mcp::Serve path (headers, _meta, dispatch to the worker pool, answer) without sockets.
//
//   build/release/bench/mcp_benchmark

#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/json/serialize.hpp>

#include "base/log.h"
#include "base/worker_pool.h"
#include "bench/response_waiter.h"
#include "mcp/http_endpoint.h"
#include "mcp/server.h"

using namespace taskwire;
namespace json = boost::json;

namespace {

constexpr std::string_view kBody =
    R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"get_task",)"
    R"("arguments":{"taskId":1234},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
    R"("io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":)"
    R"({"name":"bench","version":"1.0"}}}})";

mcp::Schema GetTaskSchema() {
  return mcp::Schema::Object().Property("taskId", mcp::Schema::Integer().Minimum(1),
                                        mcp::Schema::Required::kYes);
}

json::object SmallTask() {
  return json::object{{"id", 1234},
                      {"title", "Write the quarterly report"},
                      {"status", "IN_PROGRESS"},
                      {"assignee", "ada"},
                      {"labels", json::array{"reports", "q4"}},
                      {"createdAt", "2026-11-01T09:00:00.000Z"},
                      {"updatedAt", "2026-11-20T16:30:00.000Z"},
                      {"version", 7}};
}

void BM_DecodeToolsCall(benchmark::State& state) {
  for (auto _ : state) {
    auto parsed = mcp::ParseMessage(kBody);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBody.size()));
}
BENCHMARK(BM_DecodeToolsCall);

void BM_ValidateArguments(benchmark::State& state) {
  const mcp::Schema schema = GetTaskSchema();
  const json::value arguments = json::object{{"taskId", 1234}};
  for (auto _ : state) benchmark::DoNotOptimize(schema.Validate(arguments, "arguments"));
}
BENCHMARK(BM_ValidateArguments);

void BM_EncodeResult(benchmark::State& state) {
  const json::object task = SmallTask();
  for (auto _ : state) {
    mcp::ToolResult result = mcp::ToolResult::Structured(task);
    json::object out{{"content", std::move(result.content)},
                     {"structuredContent", std::move(*result.structured)},
                     {"resultType", "complete"}};
    benchmark::DoNotOptimize(mcp::EncodeResult(json::value(42), out));
  }
}
BENCHMARK(BM_EncodeResult);

void BM_HandlePostToolsCall(benchmark::State& state) {
  base::SystemClock clock;
  base::Logger logger(base::LogLevel::kError, base::LogFormat::kText, stderr, clock);
  base::WorkerPool pool(1, 1024);
  mcp::Server server(mcp::ServerOptions{}, pool, clock, logger);
  const json::object task = SmallTask();
  server.AddTool(
      mcp::Tool{.name = "get_task",
                .description = "Returns a task.",
                .input = GetTaskSchema(),
                .handler = [&task](const json::object&, mcp::CallContext&) -> mcp::ToolOutcome {
                  return mcp::ToolResult::Structured(task);
                }});
  http::Request request;
  request.method = http::Method::kPost;
  request.headers.Add("Content-Type", "application/json");
  request.headers.Add("Accept", "application/json, text/event-stream");
  request.headers.Add("MCP-Protocol-Version", "2026-07-28");
  request.headers.Add("Mcp-Method", "tools/call");
  request.headers.Add("Mcp-Name", "get_task");
  size_t bytes = 0;
  for (auto _ : state) {
    request.body = kBody;
    auto waiter = std::make_shared<bench::ResponseWaiter>();
    mcp::Serve(server, request, mcp::Principal{}, http::Responder(waiter));
    bytes = waiter->Wait().size();
  }
  state.counters["response_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_HandlePostToolsCall)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
