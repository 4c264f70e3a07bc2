#pragma once

// What an application registers on the MCP library, and what its handlers receive and return.
// Nothing here knows about tasks, storage or OAuth.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "mcp/jsonrpc.h"
#include "mcp/schema.h"

namespace taskwire::mcp {

// Whatever the application wants handlers to know about the caller (its user, its grant), and
// whether the credential behind it still holds. Shared between threads: thread-safe.
class PrincipalData {
 public:
  virtual ~PrincipalData() = default;
  // False once the credential no longer holds at `now` (revoked, expired). Streams that outlive
  // their request (subscriptions/listen, a legacy session's GET stream) ask before each batch they
  // deliver, and end when it says no. May block briefly (a lookup after a revocation anywhere).
  virtual bool StillValid(base::WallTime now) const {
    (void)now;
    return true;
  }
  // When the credential stops holding by itself; those streams end then. nullopt: never.
  virtual std::optional<base::WallTime> Expires() const { return std::nullopt; }
};

// Who a request is made by, as the injected authenticator decided.
struct Principal {
  using Scopes = std::set<std::string, std::less<>>;
  std::string subject;  // stable id of the caller; "" when anonymous
  // What the credential allows: shared and never changed, so that copying a principal (every
  // request does) copies no set. Null allows nothing.
  std::shared_ptr<const Scopes> scopes;
  std::shared_ptr<const PrincipalData> data;

  bool Allows(std::string_view scope) const { return scopes != nullptr && scopes->contains(scope); }
  // PrincipalData's answers; a principal without data always holds.
  bool StillValid(base::WallTime now) const { return data == nullptr || data->StillValid(now); }
  std::optional<base::WallTime> Expires() const {
    return data == nullptr ? std::nullopt : data->Expires();
  }
};

// The levels of notifications/message (RFC 5424 severities, MCP basic/utilities/logging).
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
std::optional<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);

// A tool's answer: content blocks, optional structured content, and whether it is an error the
// model should see and correct (input validation, business rules), as opposed to a protocol
// error.
struct ToolResult {
  json::array content;
  // structuredContent, already serialized (a JSON object's text): the answer is written around
  // it, not re-encoded. When set, it is also the first text block, ahead of `content`, written
  // from here rather than from a copy.
  std::optional<std::string> structured;
  bool is_error = false;

  static ToolResult Text(std::string_view text);
  static ToolResult Error(std::string_view text);
  // A text block holding the JSON, and the same value as structuredContent.
  static ToolResult Structured(json::value value);
  // The same from a JSON object already serialized (the caller vouches that it is one).
  static ToolResult StructuredText(std::string json);
};

// "I need more from the client before I can finish" (MCP 2026-07-28 Multi Round-Trip Requests).
// `input_requests` maps keys the handler chooses to {"method": ..., "params": ...} requests
// (elicitation/create, sampling/createMessage, roots/list). `request_state` is handed back
// verbatim on the retry; the library integrity-protects it on the wire, so handlers may trust it.
// On legacy sessions the library sends the requests to the client itself and calls the handler
// again with the answers.
struct InputRequired {
  json::object input_requests;
  std::optional<std::string> request_state;
};

// Returned by a read handler when the resource does not exist; the library answers in the
// era's terms (-32602 with data.uri, or -32002 on legacy sessions).
struct NotFound {};

// Everything a handler learns about its request, and how it talks back while it runs. Handlers
// run on the library's worker pool and may block. Thread-safe.
class CallContext {
 public:
  virtual ~CallContext() = default;
  virtual const Principal& principal() const = 0;
  virtual std::string_view protocol_version() const = 0;
  // The client's capabilities: of this request (2026-07-28) or of the session (legacy).
  virtual const json::object& client_capabilities() const = 0;
  bool ClientSupports(std::string_view capability) const {
    return client_capabilities().contains(capability);
  }
  // The answers to an earlier InputRequired (empty when there are none), keyed as asked; values
  // that are not objects are dropped.
  virtual const json::object& input_responses() const = 0;
  // The request_state of the earlier InputRequired, verified; nullopt on the first round.
  virtual const std::optional<std::string>& request_state() const = 0;
  // Reports progress when the client asked for it (a progressToken); otherwise does nothing.
  virtual void Progress(double progress, std::optional<double> total, std::string_view message) = 0;
  // Sends notifications/message when the client asked for this level; otherwise does nothing.
  virtual void Log(LogLevel level, json::value data) = 0;
  // True once the client has gone away or cancelled: stop working, the answer is discarded.
  virtual bool cancelled() const = 0;
  // On a 2025-11-25 session, ends the HTTP response now and lets the client come back for the
  // rest with GET and Last-Event-ID after `retry` (MCP 2025-11-25 transports, SSE polling), so
  // long work holds no connection. Elsewhere it does nothing.
  virtual void ReleaseConnection(std::chrono::milliseconds retry) = 0;
};

// "I will answer later, without holding a thread" (a long poll waiting for events): the library
// calls `start` once, on the worker pool, with `resume`; the handler arranges for `resume` to be
// called exactly once, from any thread, with the result. `resume` must not block.
struct Deferred {
  std::function<void(std::function<void(ToolResult)> resume)> start;
};

using ToolOutcome = std::variant<ToolResult, InputRequired, RpcError, Deferred>;
using ToolHandler = std::function<ToolOutcome(const json::object& arguments, CallContext& context)>;

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  Schema input = Schema::Object();
  std::optional<Schema> output;
  json::object annotations;  // readOnlyHint, destructiveHint, idempotentHint, openWorldHint
  // The scope a caller's Principal::scopes must hold: tools/list hides the tool from others, and
  // calling it answers ServerOptions::insufficient_scope (HTTP 403). "" for any caller.
  std::string scope;
  // Client capabilities a 2026-07-28 request must declare to call this tool (else -32021), e.g.
  // {"sampling": {}}.
  json::object required_client_capabilities;
  ToolHandler handler;
};

struct ResourceContents {
  std::string uri;
  std::string mime_type;
  std::optional<std::string> text;
  std::optional<std::string> blob;  // base64
};

using ReadOutcome = std::variant<std::vector<ResourceContents>, NotFound, InputRequired, RpcError>;
// `uri` as requested; `variables` are a template's {names} and their values.
using ReadHandler = std::function<ReadOutcome(std::string_view uri, const json::object& variables,
                                              CallContext& context)>;

struct Resource {
  std::string uri;
  std::string scope;  // as Tool::scope
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ReadHandler handler;
};

// A family of resources under an RFC 6570 level-1 template such as "test://template/{id}/data";
// each {name} matches one or more characters other than '/'.
struct ResourceTemplate {
  std::string uri_template;
  std::string scope;  // as Tool::scope
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ReadHandler handler;
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

// A prompt's answer: {"description"?, "messages": [...]}.
using PromptOutcome = std::variant<json::object, InputRequired, RpcError>;
using PromptHandler =
    std::function<PromptOutcome(const json::object& arguments, CallContext& context)>;

struct Prompt {
  std::string name;
  std::string scope;  // as Tool::scope
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  PromptHandler handler;
};

// completion/complete: `ref` is {"type":"ref/prompt","name"} or {"type":"ref/resource","uri"};
// returns at most 100 suggestions for `argument` starting from `value`.
using CompletionHandler = std::function<std::vector<std::string>(
    const json::object& ref, std::string_view argument, std::string_view value,
    const json::object& context_arguments, const Principal& principal)>;

}  // namespace taskwire::mcp
