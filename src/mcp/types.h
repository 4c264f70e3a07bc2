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
  static ToolResult Structured(const json::value& value);
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
// called exactly once, from any thread, with the result. `resume` must not block. The handler's
// CallContext stays valid while `resume` (or a copy of it) exists, so that the handler may report
// Progress and Log through it from any thread until it resumes; after that they do nothing.
struct Deferred {
  std::function<void(std::function<void(ToolResult)> resume)> start;
};

using ToolOutcome = std::variant<ToolResult, InputRequired, RpcError, Deferred>;
using ToolHandler = std::function<ToolOutcome(const json::object& arguments, CallContext& context)>;

// ---- The tasks extension (io.modelcontextprotocol/tasks, SEP-2663; 2026-07-28 only) ----------
//
// A client opts in per request, in params._meta["io.modelcontextprotocol/clientCapabilities"]
// .extensions["io.modelcontextprotocol/tasks"]; the server then answers a tools/call of a tool
// with task support with a task (CreateTaskResult), which the client polls with tasks/get, feeds
// with tasks/update and stops with tasks/cancel. docs/mcp.md, "Tasks extension", has the rules.

// Whether a tool's calls become tasks: never (the default); when the request opts in, running as
// an ordinary call otherwise (kOptional); or only as tasks, so that a 2026-07-28 request that
// does not opt in is refused with -32021 naming the extension (kRequired).
enum class TaskSupport { kNone, kOptional, kRequired };

// A task's states (SEP-2663, "Task Status"). Completed, cancelled and failed are terminal.
enum class TaskStatus { kWorking, kInputRequired, kCompleted, kCancelled, kFailed };
std::string_view TaskStatusName(TaskStatus status);
bool IsTerminal(TaskStatus status);

// A task as tasks/get tells of it (SEP-2663 DetailedTask), whoever keeps it.
struct TaskInfo {
  // The Principal::subject of the caller that created the task. The library answers only that
  // caller: to anyone else the task does not exist (-32602, as for an unknown id).
  std::string subject;
  TaskStatus status = TaskStatus::kWorking;
  std::string status_message;  // "" for none
  base::WallTime created_at;
  base::WallTime last_updated_at;
  // How long after created_at the task is kept (ttlMs); nullopt: until its keeper deletes it.
  std::optional<std::chrono::milliseconds> ttl;
  // The polling interval to suggest (pollIntervalMs); nullopt: ServerOptions::task_poll_interval.
  std::optional<std::chrono::milliseconds> poll_interval;
  json::object input_requests;       // kInputRequired: what the client must answer, by key
  std::optional<ToolResult> result;  // kCompleted: the tool's result (is_error for a tool error)
  std::optional<RpcError> error;     // kFailed: the JSON-RPC error the call ended in
};

// The hooks of a tool whose tasks the application keeps in its own durable records (a job run in
// its database: the task's status is the run's, cancelling it stops the run), rather than in the
// library's table. The library mints each task id ("<tool>:" and 128 random bits) and hands it to
// `start`; the application stores it with the record and the caller's subject. Every hook runs on
// the worker pool and may block. Before tasks/update or tasks/cancel reaches its hook, the library
// has found the task with `get` and checked that its subject is the caller's.
struct TaskHooks {
  // Starts the work of a task-augmented tools/call (arguments already validated) as task
  // `task_id`, durably: a tasks/get right after it returns must find the task. Returns the task's
  // first state (its subject `context.principal().subject`), a ToolResult to answer the call at
  // once without a task, or an RpcError (no task).
  std::function<std::variant<TaskInfo, ToolResult, RpcError>(
      const json::object& arguments, CallContext& context, std::string_view task_id)>
      start;
  // The task now; NotFound when there is no such task of `principal` (or it has expired), an
  // RpcError when the application cannot tell (its database is busy), never NotFound for that.
  std::function<std::variant<TaskInfo, NotFound, RpcError>(const Principal& principal,
                                                           std::string_view task_id)>
      get;
  // Asks the work to stop; the task should settle as cancelled (or in whatever state the work
  // reached first). Cancelling a finished task changes nothing and is no error. nullopt on
  // success.
  std::function<std::optional<RpcError>(const Principal& principal, std::string_view task_id)>
      cancel;
  // The client's answers to the task's input_requests, by key (keys not outstanding are to be
  // ignored). Null when the application's tasks never ask for input: the library acknowledges.
  // (start, get and cancel are required: Server::AddTool aborts without them.)
  std::function<std::optional<RpcError>(const Principal& principal, std::string_view task_id,
                                        const json::object& input_responses)>
      update;
};

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  Schema input = Schema::Object();
  std::optional<Schema> output;
  json::object annotations;  // readOnlyHint, destructiveHint, idempotentHint, openWorldHint
  // The scope a caller's Principal::scopes must hold: tools/list hides the tool from others, and
  // calling it is challenged (Channel::Challenge; HTTP 403). "" for any caller.
  std::string scope;
  // Client capabilities a 2026-07-28 request must declare to call this tool (else -32021), e.g.
  // {"sampling": {}}.
  json::object required_client_capabilities;
  ToolHandler handler;
  // Tasks extension (2026-07-28): whether calls of this tool become tasks. Without task_hooks the
  // library runs `handler` in the background as the task and keeps it in its table: an
  // InputRequired becomes the task's input_required status, answered with tasks/update (the
  // handler then runs again with the answers), and tasks/cancel turns the context's cancelled()
  // true. With task_hooks the application keeps the task.
  TaskSupport task_support = TaskSupport::kNone;
  std::optional<TaskHooks> task_hooks;
  // Optional: what the tool must learn from the client before any task exists, in ordinary
  // rounds of the call (SEP-2663: "resolve all MRTR exchanges synchronously before responding
  // with a CreateTaskResult"). It runs first on every call of the tool; nullopt lets `handler` (or
  // task_hooks->start) run next with the same input_responses() and request_state(), and an
  // outcome answers the round instead (an InputRequired asks the client, as from a handler).
  std::function<std::optional<ToolOutcome>(const json::object& arguments, CallContext& context)>
      before_task;
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
