#pragma once

// MCP's Streamable HTTP transport (MCP 2026-07-28 and 2025-11-25 basic/transports) for
// mcp::Server: the HTTP statuses, the event streams and their ids, CORS, the Content-Type check,
// the Host/Origin guard and authentication. The server itself decides in MCP terms and answers
// through an mcp::Channel; this is the channel over HTTP.

#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "http/host_guard.h"
#include "http/router.h"
#include "mcp/server.h"

namespace taskwire::mcp {

// Why an authenticator turned a request away. The endpoint answers with `status` and `headers`
// (WWW-Authenticate, Retry-After) and a JSON-RPC error (-32600) whose message is `message`,
// answering the request's id when its body had one.
struct Refusal {
  int status = 401;
  std::string message;
  http::Headers headers;
};

// Decides who a request is made by, for every POST, GET and DELETE of the endpoint, after the
// endpoint's Host/Origin check.
class Authenticator {
 public:
  using Outcome = std::variant<Principal, Refusal>;
  virtual ~Authenticator() = default;
  // Calls `done` exactly once with the principal, or with the refusal (401/403 with
  // WWW-Authenticate, 429, 503). Called on a network thread: answer at once from a cache, or
  // call `done` later from another thread after blocking work; never block here.
  virtual void Authenticate(const http::Request& request, std::function<void(Outcome)> done) = 0;
};

struct EndpointOptions {
  // The answer to a request for a tool, prompt or resource whose scope the caller lacks (RFC 6750
  // §3.1: 403 with WWW-Authenticate: Bearer error="insufficient_scope", scope="..."). The default
  // names only the scope; applications add resource_metadata.
  std::function<http::Response(const http::Request& request, std::string_view scope)>
      insufficient_scope;
};

// Serves `server` at `path` on `router`: POST for messages, GET for a legacy session's stream,
// DELETE to end a session, OPTIONS for browser preflight. Every request first passes `guard`
// (DNS-rebinding protection: 403) and then `authenticator` (401/403); with no authenticator every
// request is anonymous. All referenced objects must outlive the router.
void RegisterEndpoint(http::Router& router, const std::string& path, Server& server,
                      const http::HostGuard& guard, Authenticator* authenticator,
                      EndpointOptions options = {});

// One POST, GET or DELETE past the guard, the Content-Type check and authentication: its
// envelope read from the headers, handed to `server`, and the answer sent through `responder`.
// What the endpoint's routes do next; tests and benchmarks call it directly.
void Serve(Server& server, http::Request& request, const Principal& principal,
           http::Responder responder, const EndpointOptions& options = {});

}  // namespace taskwire::mcp
