#include "mcp/stdio_bridge.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "http/server.h"

namespace taskwire::mcp {
namespace {

namespace json = boost::json;

// The bridge keeps one instance per process (its threads outlive RunStdioBridge), so this file
// holds one test: every case goes through one run.
TEST(StdioBridge, ABadProtocolVersionNeverReachesAHeader) {
  // An MCP endpoint that records the headers of every request that reaches it.
  base::SystemClock clock;
  base::Logger logger{base::LogLevel::kError, base::LogFormat::kText, stderr, clock};
  std::mutex mutex;
  std::vector<http::Headers> seen;  // guarded by mutex
  http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  http::Server server(
      options,
      [&](http::Request& request, http::Responder responder) {
        {
          std::lock_guard lock(mutex);
          seen.push_back(request.headers);
        }
        responder.Send(
            http::Response::Json(200, R"({"jsonrpc":"2.0","id":3,"result":{"tools":[]}})"));
      },
      logger);
  ASSERT_TRUE(server.Listen().has_value());
  server.Start();

  // A client's version with CR LF and a header of its own after it (as JSON escapes), one that is
  // not a date, and a good one.
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28\r\nX-Injected: yes"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"latest"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})"
      "\n");
  char* written = nullptr;
  size_t written_size = 0;
  std::FILE* out = ::open_memstream(&written, &written_size);
  ASSERT_NE(out, nullptr);
  std::FILE* log = std::tmpfile();
  const BridgeOptions bridge{"http://127.0.0.1:" + std::to_string(server.port()) + "/mcp",
                             "tw_test"};
  EXPECT_TRUE(RunStdioBridge(bridge, in, out, log).has_value());
  std::fclose(out);
  std::fclose(log);
  const std::string output(written, written_size);
  std::free(written);
  server.Shutdown();
  server.Wait();

  // The two bad ones are answered here, with the JSON-RPC error for bad params, and never sent.
  std::map<int64_t, json::value> answers;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const json::value message = json::parse(line);
    answers[message.at("id").as_int64()] = message;
  }
  ASSERT_EQ(answers.size(), 3u) << output;
  for (int64_t id : {1, 2}) {
    EXPECT_EQ(answers[id].at("error").at("code"), -32602) << output;
  }
  EXPECT_TRUE(answers[3].as_object().contains("result")) << output;
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Get("MCP-Protocol-Version"), "2026-07-28");
  EXPECT_FALSE(seen[0].Has("X-Injected"));
}

}  // namespace
}  // namespace taskwire::mcp
