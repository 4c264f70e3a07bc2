#include "mcp/http_endpoint.h"

#include <boost/json/parse.hpp>

namespace taskwire::mcp {

namespace {

// What browsers may send and read cross-origin (MCP Inspector and other web clients).
constexpr std::string_view kAllowHeaders =
    "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Method, Mcp-Name, "
    "Mcp-Session-Id, Last-Event-ID";
constexpr std::string_view kExposeHeaders = "Mcp-Session-Id, WWW-Authenticate";

http::Response GuardRefusal(const http::Response& refusal) {
  // A JSON-RPC error without id, which MCP clients can read, in place of our REST error body.
  http::Response response = refusal;
  response.body = EncodeError(
      nullptr, RpcError{kInvalidRequest, "the request was refused: check its Host and Origin",
                        nullptr, refusal.status});
  response.headers.Set("Content-Type", "application/json");
  return response;
}

// The authenticator's refusal (401, 403, 429, 503, with WWW-Authenticate or Retry-After) as the
// endpoint answers everything: a JSON-RPC error, with the request's id when its body has one.
http::Response AuthenticationRefusal(const http::Request& request, Refusal refusal) {
  json::value id = nullptr;
  if (request.method == http::Method::kPost) {
    boost::system::error_code ec;
    const json::value sent = json::parse(request.body, ec);
    const json::value* given =
        !ec && sent.is_object() ? sent.as_object().if_contains("id") : nullptr;
    if (given != nullptr && (given->is_string() || given->is_int64() || given->is_uint64()))
      id = *given;
  }
  http::Response response{
      .status = refusal.status, .headers = std::move(refusal.headers), .body = {}};
  response.body = EncodeError(
      id, RpcError{kInvalidRequest, std::move(refusal.message), nullptr, refusal.status});
  response.headers.Set("Content-Type", "application/json");
  return response;
}

void AddCors(const http::Request& request, http::Response& response) {
  if (auto origin = request.headers.Get("Origin")) {
    response.headers.Set("Access-Control-Allow-Origin", std::string(*origin));
    response.headers.Set("Access-Control-Expose-Headers", std::string(kExposeHeaders));
    response.headers.Set("Vary", "Origin");
  }
}

using Method = void (Server::*)(http::Request&, const Principal&, http::Responder);

http::Handler Guarded(Server& server, const http::HostGuard& guard, Authenticator* authenticator,
                      Method method) {
  return [&server, &guard, authenticator, method](http::Request& request,
                                                  http::Responder responder) {
    if (auto refused = guard.Check(request)) {
      responder.Send(GuardRefusal(*refused));
      return;
    }
    // MCP basic/transports: a POST carries one JSON-RPC message as application/json. Anything
    // else is refused, a missing type and text/plain above all: a browser sends those cross-site
    // without a preflight.
    if (request.method == http::Method::kPost &&
        !http::HasMediaType(request.headers, "application/json")) {
      http::Response refused = http::Response::Json(
          415,
          EncodeError(nullptr, RpcError{kInvalidRequest, "Content-Type must be application/json",
                                        nullptr, 415}));
      AddCors(request, refused);
      responder.Send(std::move(refused));
      return;
    }
    if (authenticator == nullptr) {
      (server.*method)(request, Principal{}, std::move(responder));
      return;
    }
    // The authenticator may answer later from another thread, after the network thread has
    // moved on: the request and the responder go with the callback.
    auto held = std::make_shared<std::pair<http::Request, http::Responder>>(std::move(request),
                                                                            std::move(responder));
    authenticator->Authenticate(
        held->first, [&server, method, held](Authenticator::Outcome outcome) {
          auto& [held_request, held_responder] = *held;
          if (auto* refused = std::get_if<Refusal>(&outcome)) {
            http::Response refusal = AuthenticationRefusal(held_request, std::move(*refused));
            AddCors(held_request, refusal);
            held_responder.Send(std::move(refusal));
            return;
          }
          (server.*method)(held_request, std::get<Principal>(outcome), std::move(held_responder));
        });
  };
}

}  // namespace

void RegisterEndpoint(http::Router& router, const std::string& path, Server& server,
                      const http::HostGuard& guard, Authenticator* authenticator) {
  router.Add(http::Method::kPost, path, Guarded(server, guard, authenticator, &Server::HandlePost));
  router.Add(http::Method::kGet, path, Guarded(server, guard, authenticator, &Server::HandleGet));
  router.Add(http::Method::kDelete, path,
             Guarded(server, guard, authenticator, &Server::HandleDelete));
  router.Add(http::Method::kOptions, path,
             [&guard](http::Request& request, http::Responder responder) {
               if (auto refused = guard.Check(request)) {
                 responder.Send(std::move(*refused));
                 return;
               }
               http::Response response{.status = 204, .headers = {}, .body = {}};
               response.headers.Add("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
               response.headers.Add("Access-Control-Allow-Headers", std::string(kAllowHeaders));
               response.headers.Add("Access-Control-Max-Age", "600");
               AddCors(request, response);
               responder.Send(std::move(response));
             });
}

}  // namespace taskwire::mcp
