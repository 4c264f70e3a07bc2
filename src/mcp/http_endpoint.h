#pragma once

#include <string>

#include "http/host_guard.h"
#include "http/router.h"
#include "mcp/server.h"

namespace taskwire::mcp {

// Serves `server` at `path` on `router` (MCP Streamable HTTP): POST for messages, GET for a
// legacy session's stream, DELETE to end a session, OPTIONS for browser preflight. Every request
// first passes `guard` (DNS-rebinding protection: 403) and then `authenticator` (401/403); with
// no authenticator every request is anonymous. All referenced objects must outlive the router.
void RegisterEndpoint(http::Router& router, const std::string& path, Server& server,
                      const http::HostGuard& guard, Authenticator* authenticator);

}  // namespace taskwire::mcp
