#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "base/clock.h"
#include "base/log.h"
#include "base/worker_pool.h"
#include "mcp/jsonrpc.h"
#include "mcp/types.h"

namespace taskwire::mcp {

// The stateless revision, and the stateful ones served through initialize, newest first.
inline constexpr std::string_view kModernVersion = "2026-07-28";
inline constexpr std::string_view kLegacyVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};

// The longest a task of the library is kept (ServerOptions::task_ttl).
inline constexpr std::chrono::hours kMaxTaskTtl{24};

struct ServerOptions {
  std::string name = "taskwire";
  std::string title;
  std::string version = "0.0.0";
  std::string instructions;  // guidance for the model, shown by clients that support it
  size_t page_size = 100;    // items per page of tools/list, prompts/list, resources/list, ...
  // Caching hints of 2026-07-28 results (SEP-2549).
  std::chrono::milliseconds list_ttl{60'000};
  std::chrono::milliseconds read_ttl{0};
  // True when lists and reads depend on who asks (scopes, ownership): cacheScope "private".
  bool per_caller_results = false;
  // Legacy sessions: idle ones end after `session_idle_timeout`, and those that saw no request
  // after initialize end after `session_unused_timeout`. One subject holds at most
  // `max_sessions_per_subject`: past that, its own least recently used session makes room, so
  // one caller cannot crowd the others out. Beyond `max_sessions` in all, initialize is refused
  // (503).
  std::chrono::milliseconds session_idle_timeout{60 * 60'000};
  std::chrono::milliseconds session_unused_timeout{5 * 60'000};
  size_t max_sessions_per_subject = 100;
  size_t max_sessions = 10'000;
  // Events kept per legacy GET stream for resumption with Last-Event-ID.
  size_t stream_replay_events = 256;
  // Key of the HMAC that protects requestState; random when empty (then a retry must reach the
  // same process).
  std::string state_key;
  std::chrono::seconds state_lifetime{15 * 60};
  // The tasks extension (2026-07-28), for the tasks the library runs itself (a tool with task
  // support and no TaskHooks): each is kept `task_ttl` from its creation (its ttlMs; clamped to
  // 1 s .. kMaxTaskTtl) and then forgotten, working or not. One subject holds at most
  // `max_tasks_per_subject` unexpired tasks and everyone together `max_tasks`: past either, a new
  // task is refused (-32603, with HTTP 429 or 503), never an older one dropped before its time.
  // `task_poll_interval` is the pollIntervalMs suggested for every task.
  std::chrono::milliseconds task_ttl{60 * 60'000};
  std::chrono::milliseconds task_poll_interval{1'000};
  size_t max_tasks_per_subject = 100;
  size_t max_tasks = 10'000;
};

// ---- The channel: how the server's answers reach the transport that carries them, without
// knowing which one it is. Streamable HTTP (mcp/http_endpoint.cc) is the one in production; tests
// record what arrives (channel_test.cc). See ARCHITECTURE.md, "The MCP library".

// One event of a stream of messages to the client.
struct StreamEvent {
  // What a client that lost the stream resumes after (MCP 2025-11-25 transports,
  // "Resumability"); empty when the event cannot be resumed after.
  std::string id;
  // One JSON-RPC message, already encoded; empty for a priming event (an id alone).
  std::string message;
  // How long the client waits before it comes back, when the server ends the stream first.
  std::optional<std::chrono::milliseconds> retry;
};

// An open stream of messages to the client. Any thread may call any method.
class Stream {
 public:
  virtual ~Stream() = default;
  // Queues `event`. False once the stream is closed (by Close, the client, or shutdown) or when
  // the client reads too slowly (the stream is then closed).
  virtual bool Send(StreamEvent event) = 0;
  // Ends the stream. Idempotent.
  virtual void Close() = 0;
  // Closes the stream by itself after `delay` (at once when it is not positive) unless it closed
  // before: for a stream whose credential expires. A later call replaces an earlier one.
  virtual void CloseAfter(std::chrono::milliseconds delay) = 0;
  virtual bool closed() const = 0;
  // Runs `callback` once when the stream closes for any reason (at once if it already has). It
  // must not block, nor take a lock that whoever closes the stream may hold.
  virtual void OnClose(std::function<void()> callback) = 0;
};

// The whole answer to one exchange.
struct Reply {
  // The status MCP's Streamable HTTP transport ties to the answer (200; 202 for what needs no
  // answer; the status an RpcError travels with). Decided where the answer is made, since the
  // same error may travel with different statuses in the two eras; a transport without statuses
  // ignores it.
  int status = 200;
  std::string message;     // one JSON-RPC message, already encoded; empty: none
  std::string session_id;  // the answer to a legacy initialize: the new session's id
};

// The one answer to one message, GET or DELETE: exactly one of Answer, Challenge or OpenStream is
// used. Any thread.
class Channel {
 public:
  virtual ~Channel() = default;

  virtual void Answer(Reply reply) = 0;
  // The caller lacks `scope` for the request `id`, checked before anything starts (RFC 6750
  // §3.1; MCP authorization, "Scope challenge handling"), so that the client can ask for it and
  // retry. Only from within Server::Receive, before it returns.
  virtual void Challenge(const json::value& id, std::string_view scope) = 0;
  // Starts the stream that carries the answer and what precedes it.
  virtual std::shared_ptr<Stream> OpenStream() = 0;
  // Runs `callback` once if the client goes away before the answer is complete.
  virtual void OnCancel(std::function<void()> callback) = 0;

  // One JSON-RPC message with `status`; a non-empty `session_id` goes with it.
  void Send(int status, std::string message, std::string_view session_id = {}) {
    Answer(Reply{
        .status = status, .message = std::move(message), .session_id = std::string(session_id)});
  }
  // The error answer to `id`, with the status the error travels with.
  void Fail(const json::value& id, const RpcError& error) {
    Send(error.http_status, EncodeError(id, error));
  }
  // Nothing to answer (a notification, a client's response): 202 Accepted.
  void Accept() { Answer(Reply{.status = 202, .message = {}, .session_id = {}}); }
};

struct Envelope;  // mcp/envelope.h

// An MCP server: both eras on one endpoint, decided per request (2026-07-28 stateless requests;
// 2025-11-25, 2025-06-18 and 2025-03-26 through initialize and Mcp-Session-Id sessions). Register
// tools, resources and prompts before serving; the entry points and Notify* methods are then safe
// from any thread. Handlers run on `pool`.
class Server {
 public:
  Server(ServerOptions options, base::WorkerPool& pool, const base::Clock& clock,
         base::Logger& logger);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void AddTool(Tool tool);
  void AddResource(Resource resource);
  void AddResourceTemplate(ResourceTemplate resource_template);
  void AddPrompt(Prompt prompt);
  void SetCompletionHandler(CompletionHandler handler);

  // What a transport hands over once it has checked and authenticated a request, with the
  // envelope it read (Streamable HTTP: mcp/http_endpoint.cc). Each answers through `channel`.
  // One JSON-RPC message (a POST's body). A request for a tool, prompt or resource whose scope
  // the caller lacks is challenged (Channel::Challenge) before anything starts.
  void Receive(const Envelope& envelope, std::string_view message, const Principal& principal,
               std::unique_ptr<Channel> channel);
  // A legacy session's stream (a GET): its own, or a POST response stream resumed after the
  // envelope's Last-Event-ID.
  void OpenSessionStream(const Envelope& envelope, const Principal& principal,
                         std::unique_ptr<Channel> channel);
  // Ends the legacy session the envelope names (a DELETE).
  void EndSession(const Envelope& envelope, const Principal& principal,
                  std::unique_ptr<Channel> channel);

  // Tell the clients that listen (2026-07-28 subscriptions/listen) or hold a legacy session.
  void NotifyToolsListChanged();
  void NotifyPromptsListChanged();
  void NotifyResourcesListChanged();
  // With an `audience`, only clients whose principal's subject is in it hear of it (the others
  // may not see the resource).
  void NotifyResourceUpdated(std::string_view uri, const std::set<std::string>* audience = nullptr);

  size_t session_count() const;

  // For a shutdown, before the worker pool's: tells the handlers of the tasks the library runs to
  // stop (their CallContext::cancelled() turns true), so that none holds a pool thread for long.
  void StopTasks();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace taskwire::mcp
