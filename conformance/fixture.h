#pragma once

#include "mcp/server.h"

namespace taskwire::conformance {

// Registers the tools, resources, prompts and completions that the official MCP conformance
// suite (@modelcontextprotocol/conformance) calls, on `server`.
void RegisterFixture(mcp::Server& server);

}  // namespace taskwire::conformance
