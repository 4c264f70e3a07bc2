#include "mcp/channel.h"

#include "mcp/envelope.h"

namespace taskwire::mcp {

void Channel::Send(int status, std::string message, std::string_view session_id) {
  http::Response response = http::Response::Json(status, std::move(message));
  if (!session_id.empty())
    response.headers.Add(std::string(kSessionHeader), std::string(session_id));
  responder_.Send(std::move(response));
}

void Channel::Fail(const json::value& id, const RpcError& error) {
  Send(error.http_status, EncodeError(id, error));
}

void Channel::Accept() {
  responder_.Send(http::Response{.status = 202, .headers = {}, .body = {}});
}

std::shared_ptr<http::EventStream> Channel::OpenStream() {
  return responder_.StartEventStream(http::Response{});
}

}  // namespace taskwire::mcp
