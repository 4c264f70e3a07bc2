#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "base/clock.h"
#include "base/log.h"
#include "base/worker_pool.h"
#include "http/responder.h"
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
  // The answer to a request for a tool, prompt or resource whose scope the caller lacks (RFC 6750
  // §3.1: 403 with WWW-Authenticate: Bearer error="insufficient_scope", scope="..."). The default
  // names only the scope; applications add resource_metadata.
  std::function<http::Response(const http::Request& request, std::string_view scope)>
      insufficient_scope;
};

// Why an authenticator turned a request away. The endpoint answers with `status` and `headers`
// (WWW-Authenticate, Retry-After) and a JSON-RPC error (-32600) whose message is `message`,
// answering the request's id when its body had one.
struct Refusal {
  int status = 401;
  std::string message;
  http::Headers headers;
};

// Decides who a request is made by, for every POST, GET and DELETE of the endpoint, after the
// endpoint's Host/Origin check.
class Authenticator {
 public:
  using Outcome = std::variant<Principal, Refusal>;
  virtual ~Authenticator() = default;
  // Calls `done` exactly once with the principal, or with the refusal (401/403 with
  // WWW-Authenticate, 429, 503). Called on a network thread: answer at once from a cache, or
  // call `done` later from another thread after blocking work; never block here.
  virtual void Authenticate(const http::Request& request, std::function<void(Outcome)> done) = 0;
};

// An MCP server: both eras on one endpoint, decided per request (2026-07-28 stateless requests;
// 2025-11-25, 2025-06-18 and 2025-03-26 through initialize and Mcp-Session-Id sessions). Register
// tools, resources and prompts before serving; the Handle* and Notify* methods are then safe
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

  // The three HTTP methods of the endpoint, after the Host/Origin guard and authentication.
  void HandlePost(http::Request& request, const Principal& principal, http::Responder responder);
  void HandleGet(http::Request& request, const Principal& principal, http::Responder responder);
  void HandleDelete(http::Request& request, const Principal& principal, http::Responder responder);

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
