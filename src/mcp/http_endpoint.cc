#include "mcp/http_endpoint.h"

#include <boost/json/parse.hpp>

#include "mcp/envelope.h"

namespace taskwire::mcp {

namespace {

// What browsers may send and read cross-origin (MCP Inspector and other web clients).
constexpr std::string_view kAllowHeaders =
    "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Method, Mcp-Name, "
    "Mcp-Session-Id, Last-Event-ID";
constexpr std::string_view kExposeHeaders = "Mcp-Session-Id, WWW-Authenticate";

// A stream of messages as Server-Sent Events: the event id is the resumption point, the data the
// message (WHATWG HTML §9.2; MCP basic/transports).
class SseStream final : public Stream {
 public:
  explicit SseStream(std::shared_ptr<http::EventStream> events) : events_(std::move(events)) {}

  bool Send(StreamEvent event) override {
    return events_->Send(
        http::SseEvent{.id = std::move(event.id),
                       .event = {},
                       .data = std::move(event.message),
                       .retry_ms = event.retry ? static_cast<int>(event.retry->count()) : -1});
  }
  void Close() override { events_->Close(); }
  void CloseAfter(std::chrono::milliseconds delay) override { events_->CloseAfter(delay); }
  bool closed() const override { return events_->closed(); }
  void OnClose(std::function<void()> callback) override { events_->OnClose(std::move(callback)); }

 private:
  const std::shared_ptr<http::EventStream> events_;
};

// The server's answer over HTTP: a JSON-RPC message as application/json with its status, an
// empty body, or an event stream. `request` and `options` are read only by Challenge, which
// comes before Server::Receive returns, while both still exist.
class HttpChannel final : public Channel {
 public:
  HttpChannel(http::Responder responder, const http::Request& request,
              const EndpointOptions& options)
      : responder_(std::move(responder)), request_(request), options_(options) {}

  void Answer(Reply reply) override {
    http::Response response =
        reply.message.empty() ? http::Response{.status = reply.status, .headers = {}, .body = {}}
                              : http::Response::Json(reply.status, std::move(reply.message));
    if (!reply.session_id.empty()) {
      response.headers.Add(std::string(kSessionHeader), std::move(reply.session_id));
    }
    // RFC 9110 §15.5.6: a 405 names what is allowed; POST is the one method every era serves.
    if (reply.status == 405) response.headers.Add("Allow", "POST");
    responder_.Send(std::move(response));
  }

  void Challenge(const json::value& id, std::string_view scope) override {
    if (options_.insufficient_scope) {
      responder_.Send(options_.insufficient_scope(request_, scope));
      return;
    }
    http::Response refusal = http::Response::Json(
        403,
        EncodeError(id, RpcError{kInvalidRequest, "insufficient scope: needs " + std::string(scope),
                                 nullptr, 403}));
    refusal.headers.Set("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" +
                                                std::string(scope) + "\"");
    responder_.Send(std::move(refusal));
  }

  std::shared_ptr<Stream> OpenStream() override {
    return std::make_shared<SseStream>(responder_.StartEventStream(http::Response{}));
  }

  void OnCancel(std::function<void()> callback) override {
    responder_.OnCancel(std::move(callback));
  }

 private:
  http::Responder responder_;
  const http::Request& request_;
  const EndpointOptions& options_;
};

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

http::Handler Guarded(Server& server, const http::HostGuard& guard, Authenticator* authenticator,
                      const std::shared_ptr<const EndpointOptions>& options) {
  return [&server, &guard, authenticator, options](http::Request& request,
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
      Serve(server, request, Principal{}, std::move(responder), *options);
      return;
    }
    // The authenticator may answer later from another thread, after the network thread has
    // moved on: the request and the responder go with the callback.
    auto held = std::make_shared<std::pair<http::Request, http::Responder>>(std::move(request),
                                                                            std::move(responder));
    authenticator->Authenticate(
        held->first, [&server, options, held](Authenticator::Outcome outcome) {
          auto& [held_request, held_responder] = *held;
          if (auto* refused = std::get_if<Refusal>(&outcome)) {
            http::Response refusal = AuthenticationRefusal(held_request, std::move(*refused));
            AddCors(held_request, refusal);
            held_responder.Send(std::move(refusal));
            return;
          }
          Serve(server, held_request, std::get<Principal>(outcome), std::move(held_responder),
                *options);
        });
  };
}

}  // namespace

void Serve(Server& server, http::Request& request, const Principal& principal,
           http::Responder responder, const EndpointOptions& options) {
  const Envelope envelope = ReadEnvelope(request.headers);
  auto channel = std::make_unique<HttpChannel>(std::move(responder), request, options);
  switch (request.method) {
    case http::Method::kPost:
      return server.Receive(envelope, request.body, principal, std::move(channel));
    case http::Method::kGet:
      return server.OpenSessionStream(envelope, principal, std::move(channel));
    case http::Method::kDelete:
      return server.EndSession(envelope, principal, std::move(channel));
    default:
      return channel->Fail(
          nullptr,
          RpcError{kInvalidRequest, "the MCP endpoint serves POST, GET and DELETE", nullptr, 405});
  }
}

void RegisterEndpoint(http::Router& router, const std::string& path, Server& server,
                      const http::HostGuard& guard, Authenticator* authenticator,
                      EndpointOptions options) {
  auto shared = std::make_shared<const EndpointOptions>(std::move(options));
  for (const http::Method method :
       {http::Method::kPost, http::Method::kGet, http::Method::kDelete}) {
    router.Add(method, path, Guarded(server, guard, authenticator, shared));
  }
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
