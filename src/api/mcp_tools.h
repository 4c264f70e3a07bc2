#pragma once

#include <functional>
#include <memory>

#include "api/caller.h"
#include "api/gate.h"
#include "api/operations.h"
#include "http/message.h"
#include "mcp/http_endpoint.h"
#include "mcp/server.h"
#include "mcp/types.h"

namespace taskwire::api {

// The task API's MCP binding: the one bridge between the gate's Caller and the MCP library's
// Principal, the gate as the MCP endpoint asks it, and the tools, resources and prompts.

// The principal the MCP library carries for `caller`: subject "user:<id>", the caller's expanded
// scopes (the same set, shared, not copied), and the caller itself, which streams ask whether it
// still holds (Caller::StillValid) and when it expires.
mcp::Principal PrincipalOf(std::shared_ptr<const Caller> caller);

// The caller behind a principal made by PrincipalOf; null for an anonymous principal (no data).
// Every principal the task server's MCP endpoint hands to handlers was made by McpGate, through
// PrincipalOf, so a principal with data holds a Caller: no type check is needed.
const std::shared_ptr<const Caller>& CallerOf(const mcp::Principal& principal);

// The gate as the MCP endpoint asks it (mcp::Authenticator). The endpoint has run the Host guard
// on the request, so the gate starts at the source policy; its caller becomes a Principal here,
// once, and its refusal an mcp::Refusal, which the endpoint answers as a JSON-RPC error.
class McpGate final : public mcp::Authenticator {
 public:
  explicit McpGate(Gate& gate) : gate_(gate) {}
  void Authenticate(const http::Request& request, std::function<void(Outcome)> done) override;

 private:
  Gate& gate_;
};

// Registers the task tools (one per operation), the taskwire:// resource templates, the triage,
// plan_task and standup prompts and argument completion on `server`, and tells subscribed
// clients when a task they may see changes.
void RegisterMcp(mcp::Server& server, Operations& operations, Usage& usage, tasks::EventHub& hub);

}  // namespace taskwire::api
