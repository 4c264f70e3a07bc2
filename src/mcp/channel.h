#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/responder.h"
#include "mcp/jsonrpc.h"

namespace taskwire::mcp {

// How the answer to one request leaves over Streamable HTTP (MCP basic/transports): one JSON-RPC
// message as application/json with the HTTP status it travels with, an empty 202 for what needs
// no answer, or an event stream once something must precede the answer. Exactly one of Send,
// Fail, Accept or OpenStream is used. Move-only; any thread.
class Channel {
 public:
  explicit Channel(http::Responder responder) : responder_(std::move(responder)) {}

  // One JSON-RPC message, already encoded, with `status`. A non-empty `session_id` goes with it as
  // Mcp-Session-Id (the answer to initialize).
  void Send(int status, std::string message, std::string_view session_id = {});
  // The error answer to `id`, with the HTTP status the error travels with.
  void Fail(const json::value& id, const RpcError& error);
  // 202 Accepted without a body: what a notification or a client's response gets.
  void Accept();
  // Starts the event stream (200, text/event-stream) that carries the answer and what precedes it.
  std::shared_ptr<http::EventStream> OpenStream();
  // Runs `callback` once if the client goes away before the answer is complete.
  void OnCancel(std::function<void()> callback) { responder_.OnCancel(std::move(callback)); }

 private:
  http::Responder responder_;
};

}  // namespace taskwire::mcp
