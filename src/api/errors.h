#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"

namespace taskwire::api {

// The one table of how the task API's edges tell a base::Error (ARCHITECTURE.md "Errors"):
// for each code, REST's status and error code (docs/rest.md "Errors"), and what MCP makes of it
// (docs/mcp.md "Errors"). Nothing here knows the MCP library's types; api/mcp_tools.cc puts the
// MCP column in its shapes.
struct ErrorAnswer {
  int rest_status;
  std::string_view rest_code;
  // True when the caller (a person, a model) can act on the reason: fix an argument, pick
  // another id, re-read and retry. False when the server failed it (Unavailable, Internal,
  // DeadlineExceeded): the request may simply be sent again, and MCP says so (RetryHint).
  bool actionable;
  // REST answers with Retry-After: 1 (Unavailable: the database is busy, the pool full).
  bool retry_after;
};

const ErrorAnswer& AnswerOf(base::ErrorCode code);

// REST: {"error": {"code", "message"}} with the table's status (and Retry-After).
http::Response RestError(const base::Error& error);
// REST's answer when the worker pool's queue is full: 503 "unavailable", Retry-After: 1.
http::Response RestOverloaded();
// REST's answer to a review-mode credential's write that cannot become a proposal: 403
// "review_mode" (kReviewModeRefusal).
http::Response ReviewModeRefusal();

// MCP: the text a model reads for `error`, in a tool's isError result or a JSON-RPC error's
// message: the real reason, and for what is not actionable a hint to retry.
std::string McpMessage(const base::Error& error);
inline constexpr std::string_view kRetryHint =
    " (a failure of the server, not of the request: retry shortly)";

}  // namespace taskwire::api
