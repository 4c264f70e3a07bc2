#pragma once

// What the tests of mcp::Server share (server_test.cc, task_methods_test.cc): requests as
// conforming clients send them, and the answer read as JSON-RPC.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <string_view>

#include "mcp/http_endpoint.h"
#include "mcp/server.h"
#include "testing/response_recorder.h"

namespace taskwire::mcp {

// The kit's recorder, read in MCP terms: the status, and the JSON-RPC message that ended the
// exchange (the response's body, or the stream's last event).
class Recorder final : public testing::ResponseRecorder {
 public:
  bool streamed() const { return stream_head().has_value(); }
  int status() const {
    const auto sent = response();
    return sent ? sent->status : (streamed() ? 200 : 0);
  }
  json::value Message() const {
    if (const auto sent = response())
      return sent->body.empty() ? json::value() : boost::json::parse(sent->body);
    const auto received = events();
    return received.empty() ? json::value() : boost::json::parse(received.back());
  }
  int ErrorCode() const { return static_cast<int>(Message().at("error").at("code").as_int64()); }
};

// A POST of `body` that accepts JSON and event streams, without MCP headers.
inline http::Request RawRequest(const json::object& body) {
  http::Request request;
  request.method = http::Method::kPost;
  request.body = json::serialize(body);
  request.headers.Add("Accept", "application/json, text/event-stream");
  return request;
}

// A 2026-07-28 request with all the headers and _meta a conforming client sends, declaring
// `capabilities`: Mcp-Name carries params.name (params.uri for resources/read, params.taskId for
// tasks/*).
inline http::Request ModernRequest(std::string_view method, json::object params, json::value id,
                                   json::object capabilities) {
  params["_meta"] = json::object{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                                 {"io.modelcontextprotocol/clientCapabilities", capabilities}};
  http::Request request = RawRequest(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  request.headers.Add("MCP-Protocol-Version", "2026-07-28");
  request.headers.Add("Mcp-Method", std::string(method));
  const std::string_view name_field = method == "resources/read"     ? "uri"
                                      : method.starts_with("tasks/") ? "taskId"
                                                                     : "name";
  if (const json::value* name = params.if_contains(name_field); name && name->is_string()) {
    request.headers.Add("Mcp-Name", std::string(name->as_string()));
  }
  return request;
}

// Posts `request` to `server` as `principal`; the answer may come later (Recorder::WaitDone).
inline std::shared_ptr<Recorder> PostTo(Server& server, http::Request request,
                                        const Principal& principal = {}) {
  auto recorder = std::make_shared<Recorder>();
  Serve(server, request, principal, http::Responder(recorder));
  return recorder;
}

}  // namespace taskwire::mcp
