#pragma once

// Internal to the mcp module: what the parts of mcp::Server share. server.cc holds the entry
// points and the protocol's helpers, modern.cc the 2026-07-28 envelope and dispatch, legacy.cc
// the 2025-x sessions, catalog.cc tools, resources, prompts and completions, subscriptions.cc the
// listeners and broadcasts; call.h is one request in flight.

#include "mcp/server.h"

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <unordered_map>

#include "base/base64url.h"
#include "base/ids.h"
#include "base/json_writer.h"
#include "base/random.h"
#include "mcp/envelope.h"
#include "mcp/request_state.h"

namespace taskwire::mcp {

// Implementation-defined range (-32000..-32019), as the TypeScript SDK answers it.
inline constexpr int kSessionNotFound = -32001;

// Helpers of the envelope and the catalog (server.cc).
std::string IdKey(const json::value& id);
http::Response JsonResponse(int status, std::string body);
http::Response ErrorResponse(const json::value& id, const RpcError& error);
std::string Cursor(size_t index);
std::optional<size_t> ParseCursor(const json::object& params);
bool MatchTemplate(std::string_view pattern, std::string_view uri, json::object& variables);
json::object ContentsJson(const std::vector<ResourceContents>& contents);
bool HeaderMatches(std::string_view header, const json::value& value);

struct Session;
class Call;

// An argument a tool mirrors into an Mcp-Param-<name> header (MCP 2026-07-28 transports,
// "Custom headers"): where it sits in the arguments, and the header's name.
struct ParamHeader {
  std::string name;
  std::vector<std::string> path;  // property names from the arguments object down
};

// Every "x-mcp-header" reachable from `schema` through a chain of "properties" only.
void CollectParamHeaders(const json::object& schema, std::vector<std::string>& path, std::vector<ParamHeader>& out);

struct Listener {
  json::value id;
  Principal principal;  // who listens: asked before each notification whether it still holds
  std::shared_ptr<http::EventStream> stream;
  bool tools = false;
  bool prompts = false;
  bool resources = false;
  std::set<std::string> uris;
};

// What a resumable POST response stream sent, so a client that lost the connection can come
// back with GET and Last-Event-ID.
struct StreamLog {
  std::deque<std::pair<uint64_t, std::string>> events;  // (seq, message)
  std::weak_ptr<Call> call;  // the call still writing to it, if any
  bool ended = false;        // the final response is in `events`
};

// A legacy (2025-x) session, created by initialize.
struct Session {
  std::string id;
  std::string version;
  std::string subject;  // the principal that created it; others cannot use it
  json::object client_capabilities;

  std::mutex mutex;  // guards everything below
  std::optional<LogLevel> log_level;
  std::set<std::string> subscriptions;
  base::SteadyTime last_used;
  bool used = false;  // a request came after initialize
  std::shared_ptr<http::EventStream> get_stream;
  Principal get_principal;  // whose credential opened get_stream
  std::deque<std::pair<uint64_t, std::string>> replay;  // GET stream events, for Last-Event-ID
  uint64_t next_event = 1;
  // POST response streams that can be resumed (2025-11-25): their events, by stream number.
  // Event ids are "<stream>-<seq>", stream 0 being the GET stream.
  std::map<uint64_t, StreamLog> post_streams;
  uint64_t next_stream = 1;
  // Server-to-client requests awaiting the client's answer: request id -> (call, input key).
  // The session keeps a waiting call alive; the call removes its entries when it ends.
  std::unordered_map<std::string, std::pair<std::shared_ptr<Call>, std::string>> pending_inputs;
  // Requests in flight, by serialized id, for notifications/cancelled.
  std::unordered_map<std::string, std::weak_ptr<Call>> active_calls;
};

// One request on its way to its method, past its era's checks: what the envelope and the body
// said, who asks, and how the answer leaves.
struct Incoming {
  const Envelope& envelope;
  Message& message;
  const Principal& principal;
  http::Responder& responder;
  std::shared_ptr<Session> session;                   // legacy: the session it named, if any
  const json::object* client_capabilities = nullptr;  // modern: from params._meta
  std::optional<LogLevel> log_level;                  // modern: from params._meta

  bool modern() const { return envelope.era == Era::kModern; }
  // The revision the answer is shaped for (a legacy request without a session: 2025-03-26).
  std::string_view version() const;
};

// The eras a method serves.
struct Eras {
  bool modern = false;
  bool legacy = false;
  bool Has(Era era) const { return era == Era::kModern ? modern : legacy; }
};
inline constexpr Eras kModernOnly{.modern = true, .legacy = false};
inline constexpr Eras kLegacyOnly{.modern = false, .legacy = true};
inline constexpr Eras kBothEras{.modern = true, .legacy = true};

// One row of the method table (methods.cc): a method the server answers, in which eras, and how.
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
               options.state_lifetime, clock) {
    // What Decorate adds to an uncacheable result, as members of its JSON object.
    json::object decorated;
    Decorate(decorated, false, {});
    complete_meta = json::serialize(decorated);
    complete_meta = complete_meta.substr(1, complete_meta.size() - 2);
  }

  // Dispatch: each era's checks, then the method table.
  void HandleModern(const Envelope& envelope, Message& message, const Principal& principal,
                    http::Responder responder);
  void HandleLegacy(const Envelope& envelope, Message& message, const Principal& principal,
                    http::Responder responder);
  void Dispatch(Incoming& incoming);
  // Answers a result shaped for the request's era (a modern one decorated, cacheable or not), or
  // the error.
  void Answer(Incoming& incoming, std::variant<json::object, RpcError> outcome, bool cacheable);
  void Fail(Incoming& incoming, const RpcError& error);
  // The Call that runs a handler for `incoming`, after the era's checks; nullptr once it has
  // answered an error.
  std::shared_ptr<Call> StartCall(Incoming& incoming);
  void Initialize(Incoming& incoming);
  void HandleLegacyResponse(const Message& message, std::shared_ptr<Session> session);
  void HandleLegacyNotification(const Message& message, std::shared_ptr<Session> session);
  std::optional<RpcError> CheckModernHeaders(const Envelope& envelope, const Message& message);

  // Methods shared by both eras. `modern` shapes the result.
  json::object Capabilities() const;
  std::variant<json::object, RpcError> ListTools(const json::object& params, std::string_view version,
                                                 const Principal& principal);
  // The scope `message` needs that `principal` lacks, if any (tools/call, prompts/get,
  // resources/read of an item declared with a scope).
  std::optional<std::string> MissingScope(const Message& message, const Principal& principal) const;
  std::variant<json::object, RpcError> ListPrompts(const json::object& params);
  std::variant<json::object, RpcError> ListResources(const json::object& params);
  std::variant<json::object, RpcError> ListTemplates(const json::object& params);
  void CallTool(std::shared_ptr<Call> call, json::object params);
  void FinishTool(Call& call, ToolResult result);
  void ReadResource(std::shared_ptr<Call> call, const json::object& params);
  void GetPrompt(std::shared_ptr<Call> call, const json::object& params);
  void Complete(std::shared_ptr<Call> call, const json::object& params);
  void Listen(const Message& message, const Principal& principal, http::Responder responder);

  // Runs `invoke` on the pool (without one, the call's own Call::invoke, not copied); it answers
  // through `call`.
  void Run(std::shared_ptr<Call> call, std::function<void(Call&)> invoke = nullptr);
  // An InputRequired from a handler: returned to a modern client, or asked of a legacy one.
  void AskClient(std::shared_ptr<Call> call, InputRequired input, std::function<void(Call&)> invoke);
  // Answers the outcomes every handler kind shares: a protocol error, or a need for input.
  // False when the outcome is a result the caller must shape.
  template <typename Outcome>
  bool Settle(Call& call, Outcome& outcome);

  void Decorate(json::object& result, bool cacheable, std::chrono::milliseconds ttl) const;
  json::object ServerInfo() const;
  // The session `id` of `principal`, marked used now; nullptr for an unknown, expired or someone
  // else's one.
  std::shared_ptr<Session> FindSession(std::string_view id, const Principal& principal);
  // With `session`'s mutex held.
  bool Expired(const Session& session, base::SteadyTime now) const;
  // With sessions_mutex held: makes room for a new session of `subject`, first by dropping its
  // expired sessions, then its least recently used ones beyond the per-subject cap, then (when the
  // whole table is full) everyone's expired ones. False when the table is still full.
  bool MakeRoom(const std::string& subject);
  // With sessions_mutex held: takes `session` out of the table; its GET stream ends, and calls
  // waiting for the client's input let go of it.
  void DropSession(const std::shared_ptr<Session>& session);
  // The legacy session a GET or DELETE names; nullptr after answering 405 (no Mcp-Session-Id)
  // or 404 (unknown, ended, or someone else's).
  std::shared_ptr<Session> SessionOf(const http::Request& request, const Envelope& envelope,
                                     const Principal& principal, http::Responder& responder);
  void SendToSession(Session& session, const std::string& message);
  // A stream that outlives its request ends when the credential that opened it expires.
  void EndAtExpiry(http::EventStream& stream, const Principal& principal) const;
  // To the listeners and sessions that want `method`; with an `audience`, only to those whose
  // principal's subject is in it.
  void Broadcast(std::string_view method, bool Listener::*wants, std::string_view uri = {},
                 const std::set<std::string>* audience = nullptr);

  const ServerOptions options;
  base::WorkerPool& pool;
  const base::Clock& clock;
  base::Logger& logger;
  const RequestStateSealer sealer;
  std::string complete_meta;  // set once by the constructor; see FinishTool

  std::vector<Tool> tools;
  std::vector<std::vector<ParamHeader>> tool_headers;  // per tool, same order
  std::vector<Resource> resources;
  std::vector<ResourceTemplate> templates;
  std::vector<Prompt> prompts;
  CompletionHandler completion;

  mutable std::mutex sessions_mutex;  // guards sessions and by_subject
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Session>>> by_subject;
  std::mutex listeners_mutex;  // guards listeners
  std::vector<std::shared_ptr<Listener>> listeners;
  std::atomic<uint64_t> next_request_id{1};
};

}  // namespace taskwire::mcp
