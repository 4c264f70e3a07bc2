// Fuzzes the whole MCP POST path: era classification, header validation (Mcp-Method, Mcp-Name
// with its base64 form, versions), _meta checks and dispatch. The input is header lines, a blank
// line, then the body. Nothing is registered, so every answer is given at once.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/worker_pool.h"
#include "mcp/http_endpoint.h"
#include "mcp/server.h"

using namespace taskwire;

namespace {

class Discard final : public http::ResponseSink {
 public:
  class Stream final : public http::EventStream {
   public:
    bool Send(const http::SseEvent&) override { return true; }
    bool SendComment(std::string_view) override { return true; }
    void Close() override {}
    void CloseAfter(std::chrono::milliseconds) override {}
    bool closed() const override { return false; }
    void OnClose(std::function<void()>) override {}
  };
  void Send(http::Response) override {}
  std::shared_ptr<http::EventStream> StartEventStream(http::Response) override {
    return std::make_shared<Stream>();
  }
  bool cancelled() const override { return false; }
  void OnCancel(std::function<void()>) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static base::SystemClock clock;
  static base::Logger logger(base::LogLevel::kError, base::LogFormat::kText, stderr, clock);
  static base::WorkerPool pool(1, 16);
  static mcp::Server server(mcp::ServerOptions{.max_sessions = 64}, pool, clock, logger);

  std::string_view input(reinterpret_cast<const char*>(data), size);
  http::Request request;
  request.method = http::Method::kPost;
  const size_t blank = input.find("\n\n");
  std::string_view head = input.substr(0, blank);
  request.body =
      blank == std::string_view::npos ? std::string() : std::string(input.substr(blank + 2));
  while (!head.empty()) {
    const size_t end = head.find('\n');
    const std::string_view line = head.substr(0, end);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      request.headers.Add(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
    if (end == std::string_view::npos) break;
    head.remove_prefix(end + 1);
  }
  mcp::Serve(server, request, mcp::Principal{}, http::Responder(std::make_shared<Discard>()));
  return 0;
}
