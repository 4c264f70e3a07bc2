#pragma once

#include <cstdio>
#include <istream>
#include <string>

#include "base/result.h"

namespace taskwire::mcp {

// `taskwire mcp stdio`: an MCP server on standard input and output (one JSON-RPC message per
// line) that forwards every message to a Taskwire HTTP endpoint with an API key, for clients
// whose configuration launches only local programs (Claude Desktop). It speaks either era, as the
// client does: each request carries the headers the endpoint wants (MCP-Protocol-Version from
// the initialize answer or the request's _meta, Mcp-Method, Mcp-Name, Mcp-Session-Id), answers
// come back as lines whether the endpoint replied with JSON or an event stream, and a legacy
// session's GET stream is relayed so server notifications arrive. Requests run concurrently, so
// a server request sent on a call's stream (sampling, elicitation) can be answered meanwhile.
struct BridgeOptions {
  std::string url;  // the MCP endpoint: http://127.0.0.1:8080/mcp
  std::string key;  // the API key
};

// Runs until `in` ends, then ends the session. Unavailable when the endpoint could not be
// reached at all; HTTP errors become JSON-RPC errors on `out`.
base::Result<void> RunStdioBridge(const BridgeOptions& options, std::istream& in, std::FILE* out,
                                  std::FILE* log);

}  // namespace taskwire::mcp
