#pragma once

// Internal to the mcp module: what the parts of mcp::Server share. server.cc holds the entry
// points and the method table; envelope.h is what a request's headers say, and envelope.cc checks
// a 2026-07-28 request's envelope against its body, as legacy.cc checks a 2025-x session's, before
// the method table dispatches it; catalog.h holds what the application registered and catalog.cc
// runs its handlers; sessions.h is the session table, subscriptions.h the listeners and
// broadcasts; call.h is one request in flight, answering through its Channel (server.h);
// tasks.h is the tasks extension's table and shapes, and task_methods.cc its methods.

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <span>

#include "base/base64url.h"
#include "base/ids.h"
#include "base/json_writer.h"
#include "base/random.h"
#include "mcp/call.h"
#include "mcp/catalog.h"
#include "mcp/envelope.h"
#include "mcp/request_state.h"
#include "mcp/server.h"
#include "mcp/sessions.h"
#include "mcp/subscriptions.h"
#include "mcp/tasks.h"

namespace taskwire::mcp {

// Implementation-defined range (-32000..-32019), as the TypeScript SDK answers it.
inline constexpr int kSessionNotFound = -32001;

// One request on its way to its method, past its era's checks: what the envelope and the body
// said, who asks, and how the answer leaves.
struct Incoming {
  const Envelope& envelope;
  Message& message;
  const Principal& principal;
  std::unique_ptr<Channel>& channel;                  // null once a call or a listener has taken it
  std::shared_ptr<Session> session;                   // legacy: the session it named, if any
  const json::object* client_capabilities = nullptr;  // modern: from params._meta
  std::optional<LogLevel> log_level;                  // modern: from params._meta

  bool modern() const { return envelope.era == Era::kModern; }
  // The revision the answer is shaped for (a legacy request without a session: 2025-03-26).
  std::string_view version() const;
};

// Why the requests of `input` cannot be put to a client that declared `client_capabilities`
// (each must have a method, and a capability it needs must be declared); nullopt when they can
// (catalog.cc).
std::optional<RpcError> CheckInputRequests(const InputRequired& input,
                                           const json::object& client_capabilities);

// The eras a method serves.
struct Eras {
  bool modern = false;
  bool legacy = false;
  bool Has(Era era) const { return era == Era::kModern ? modern : legacy; }
};
inline constexpr Eras kModernOnly{.modern = true, .legacy = false};
inline constexpr Eras kLegacyOnly{.modern = false, .legacy = true};
inline constexpr Eras kBothEras{.modern = true, .legacy = true};

// One row of the method table (server.cc): a method the server answers, in which eras, and how.
struct MethodEntry {
  std::string_view name;
  Eras eras;
  // False when this server has nothing for the method (prompts/list without prompts): it is then
  // unknown, as if absent. Null: always offered.
  bool (*offered)(const Server::Impl& impl) = nullptr;
  void (*handle)(Server::Impl& impl, Incoming& incoming) = nullptr;
};
std::span<const MethodEntry> Methods();
// The entry for `method` in `era`, or nullptr.
const MethodEntry* FindMethod(std::string_view method, Era era);

struct Server::Impl {
  Impl(ServerOptions o, base::WorkerPool& p, const base::Clock& c, base::Logger& l)
      : options(std::move(o)),
        pool(p),
        clock(c),
        logger(l),
        sealer(options.state_key.empty() ? base::RandomToken(32) : options.state_key,
               options.state_lifetime, clock),
        catalog(options.page_size),
        sessions(std::make_unique<MemorySessionTable>(
            SessionLimits{.idle_timeout = options.session_idle_timeout,
                          .unused_timeout = options.session_unused_timeout,
                          .max_per_subject = options.max_sessions_per_subject,
                          .max_sessions = options.max_sessions},
            clock)),
        subscriptions(catalog, *sessions, options.stream_replay_events, clock),
        task_ttl(std::clamp<std::chrono::milliseconds>(options.task_ttl, std::chrono::seconds(1),
                                                       kMaxTaskTtl)),
        task_poll_interval(std::max<std::chrono::milliseconds>(options.task_poll_interval,
                                                               std::chrono::milliseconds(1))),
        tasks(std::make_unique<MemoryTaskTable>(
            TaskLimits{.max_per_subject = options.max_tasks_per_subject,
                       .max_tasks = options.max_tasks},
            clock)) {
    // What Decorate adds to an uncacheable result, as members of its JSON object.
    json::object decorated;
    Decorate(decorated, false, {});
    complete_meta = json::serialize(decorated);
    complete_meta = complete_meta.substr(1, complete_meta.size() - 2);
  }

  // One message, in the era its envelope names: each era's checks, then the method table.
  void Handle(const Envelope& envelope, Message& message, const Principal& principal,
              std::unique_ptr<Channel> channel);
  void HandleModern(const Envelope& envelope, Message& message, const Principal& principal,
                    std::unique_ptr<Channel>& channel);
  void HandleLegacy(const Envelope& envelope, Message& message, const Principal& principal,
                    std::unique_ptr<Channel>& channel);
  void Dispatch(Incoming& incoming);
  // Answers a result shaped for the request's era (a modern one decorated, cacheable or not), or
  // the error.
  void Answer(Incoming& incoming, std::variant<json::object, RpcError> outcome, bool cacheable);
  void Fail(Incoming& incoming, const RpcError& error);
  // The Call that runs a handler for `incoming`, after the era's checks; nullptr once it has
  // answered an error.
  std::shared_ptr<Call> StartCall(Incoming& incoming);
  void Initialize(Incoming& incoming);
  void HandleLegacyResponse(const Message& message, const std::shared_ptr<Session>& session);
  void HandleLegacyNotification(const Message& message, const std::shared_ptr<Session>& session);
  std::optional<RpcError> CheckModernHeaders(const Envelope& envelope, const Message& message);

  // The handlers of the catalog, run for a call (catalog.cc).
  void CallTool(const std::shared_ptr<Call>& call, json::object params);
  void FinishTool(Call& call, ToolResult result);
  void ReadResource(const std::shared_ptr<Call>& call, const json::object& params);
  void GetPrompt(const std::shared_ptr<Call>& call, const json::object& params);
  void Complete(const std::shared_ptr<Call>& call, const json::object& params);
  // A tool's outcome answered for `call`: a result, an error, a question, or later.
  void SettleTool(Call& call, ToolOutcome& outcome);

  // The tasks extension (task_methods.cc). A tools/call that opted in, for a tool with task
  // support, on the pool: the task is made (the application's, or one in `tasks`), answered with
  // a CreateTaskResult, and a library task then runs on the same thread.
  void StartTask(Call& call, const Tool& tool, const json::object& arguments);
  // Runs a library task's handler until it settles (done, failed, waiting for input, or later).
  void RunTask(const std::shared_ptr<LocalTask>& task);
  // Records a round's outcome; true when the next round must run at once (only state came back).
  // A Deferred outcome keeps `context`, the round's, until it resumes.
  bool SettleTask(const std::shared_ptr<LocalTask>& task, ToolOutcome outcome,
                  std::shared_ptr<CallContext> context = nullptr);
  // The task `task_id` of `principal`: the library's, or the application's as it is now; -32602
  // for an unknown, expired or someone else's id.
  std::variant<std::shared_ptr<LocalTask>, TaskInfo, RpcError> FindTask(std::string_view task_id,
                                                                        const Principal& principal);
  // tasks/get, tasks/update and tasks/cancel.
  void HandleTaskMethod(Incoming& incoming);

  // Runs `invoke` on the pool (without one, the call's own Call::invoke, not copied); it answers
  // through `call`.
  void Run(const std::shared_ptr<Call>& call, std::function<void(Call&)> invoke = nullptr);
  // An InputRequired from a handler: returned to a modern client, or asked of a legacy one.
  void AskClient(const std::shared_ptr<Call>& call, InputRequired input,
                 std::function<void(Call&)> invoke);
  // Answers the outcomes every handler kind shares: a protocol error, or a need for input.
  // False when the outcome is a result the caller must shape.
  template <typename Outcome>
  bool Settle(Call& call, Outcome& outcome);

  void Decorate(json::object& result, bool cacheable, std::chrono::milliseconds ttl) const;
  json::object ServerInfo() const;
  // The legacy session a GET or DELETE (`what`) names; nullptr after answering 405 (no
  // Mcp-Session-Id) or 404 (unknown, ended, or someone else's).
  std::shared_ptr<Session> SessionOf(std::string_view what, const Envelope& envelope,
                                     const Principal& principal, Channel& channel);

  const ServerOptions options;
  base::WorkerPool& pool;
  const base::Clock& clock;
  base::Logger& logger;
  const RequestStateSealer sealer;
  std::string complete_meta;  // set once by the constructor; see FinishTool

  Catalog catalog;  // filled before serving
  const std::unique_ptr<SessionTable> sessions;
  Subscriptions subscriptions;
  const std::chrono::milliseconds task_ttl;            // options.task_ttl, clamped
  const std::chrono::milliseconds task_poll_interval;  // options.task_poll_interval, at least 1 ms
  const std::unique_ptr<TaskTable> tasks;
  std::atomic<uint64_t> next_request_id{1};
};

}  // namespace taskwire::mcp
