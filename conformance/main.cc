// taskwire-conformance: the MCP conformance suite's fixture server, built only on src/mcp (and
// the http/ and base/ it stands on), so the suite scores the protocol library itself.
//
//   taskwire-conformance [--listen 127.0.0.1:3000]
//
// Prints "listening on http://HOST:PORT/mcp" once it serves; stops on SIGINT/SIGTERM.

#include <cstdio>
#include <cstring>
#include <string>

#include "base/log.h"
#include "base/worker_pool.h"
#include "conformance/fixture.h"
#include "http/host_guard.h"
#include "http/router.h"
#include "http/server.h"
#include "mcp/http_endpoint.h"

int main(int argc, char** argv) {
  using namespace taskwire;
  std::string listen = "127.0.0.1:3000";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
      listen = argv[++i];
    } else {
      std::fprintf(stderr, "usage: taskwire-conformance [--listen HOST:PORT]\n");
      return 2;
    }
  }
  base::SystemClock clock;
  base::Logger logger(base::LogLevel::kWarn, base::LogFormat::kText, stderr, clock);
  base::WorkerPool pool(8, 10'000);
  mcp::Server server(mcp::ServerOptions{.name = "taskwire-conformance",
                                        .title = "Taskwire conformance fixture",
                                        .version = "0.1.0"},
                     pool, clock, logger);
  conformance::RegisterFixture(server);

  http::ServerOptions options;
  options.listen = listen;
  options.threads = 2;
  http::Router router;
  const http::HostGuard guard({.hosts = {"localhost", "127.0.0.1", "[::1]"}, .origins = {}});
  mcp::RegisterEndpoint(router, "/mcp", server, guard, nullptr);
  http::Server http_server(
      options,
      [&router](http::Request& request, http::Responder responder) {
        router.Handle(request, std::move(responder));
      },
      logger);
  if (auto listening = http_server.Listen(); !listening) {
    std::fprintf(stderr, "taskwire-conformance: %s\n", listening.error().message().c_str());
    return 1;
  }
  http_server.ShutdownOnSignals();
  std::printf("listening on http://%s/mcp\n", http_server.local_address().c_str());
  std::fflush(stdout);
  http_server.Start();
  http_server.Wait();
  server.StopTasks();
  pool.Shutdown();
  return 0;
}
