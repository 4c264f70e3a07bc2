#pragma once

// Internal to the mcp module: legacy (2025-x) sessions and the table that holds them (see
// server_impl.h).

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "mcp/server.h"

namespace taskwire::mcp {

class Call;

// What a resumable POST response stream sent, so a client that lost the connection can come
// back with GET and Last-Event-ID.
struct StreamLog {
  std::deque<std::pair<uint64_t, std::string>> events;  // (seq, message)
  std::weak_ptr<Call> call;                             // the call still writing to it, if any
  bool ended = false;                                   // the final response is in `events`
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
  std::shared_ptr<Stream> get_stream;
  Principal get_principal;                              // whose credential opened get_stream
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

// Where the legacy sessions live. The in-memory table below is the first implementation; one kept
// in a database, so that sessions outlive a restart, can take its place. Thread-safe.
class SessionTable {
 public:
  virtual ~SessionTable() = default;
  // The session `id` of `subject`, marked used now; nullptr for an unknown, expired or someone
  // else's one (a session belongs to whoever opened it; to anyone else it does not exist).
  virtual std::shared_ptr<Session> Find(std::string_view id, std::string_view subject) = 0;
  // Adds a new session, first making room for it: its subject's expired sessions go, then its
  // least recently used ones beyond the per-subject cap, then (when the whole table is full)
  // everyone's expired ones. False, and nothing added, when the table is still full.
  virtual bool Add(std::shared_ptr<Session> session) = 0;
  // Takes `session` out of the table: its GET stream ends, and calls waiting for the client's
  // input let go of it. Dropping a session twice is harmless.
  virtual void Drop(const std::shared_ptr<Session>& session) = 0;
  // Every session now in the table (for broadcasts).
  virtual std::vector<std::shared_ptr<Session>> All() const = 0;
  virtual size_t size() const = 0;
};

struct SessionLimits {
  // Idle sessions end after `idle_timeout`; those that saw no request after initialize end after
  // `unused_timeout`.
  std::chrono::milliseconds idle_timeout{60 * 60'000};
  std::chrono::milliseconds unused_timeout{5 * 60'000};
  size_t max_per_subject = 100;
  size_t max_sessions = 10'000;
};

class MemorySessionTable final : public SessionTable {
 public:
  MemorySessionTable(SessionLimits limits, const base::Clock& clock)
      : limits_(limits), clock_(clock) {}

  std::shared_ptr<Session> Find(std::string_view id, std::string_view subject) override;
  bool Add(std::shared_ptr<Session> session) override;
  void Drop(const std::shared_ptr<Session>& session) override;
  std::vector<std::shared_ptr<Session>> All() const override;
  size_t size() const override;

 private:
  // With `session`'s mutex held.
  bool Expired(const Session& session, base::SteadyTime now) const;
  // With mutex_ held.
  bool MakeRoom(const std::string& subject);
  void DropLocked(const std::shared_ptr<Session>& session);

  const SessionLimits limits_;
  const base::Clock& clock_;
  mutable std::mutex mutex_;  // guards sessions_ and by_subject_
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Session>>> by_subject_;
};

}  // namespace taskwire::mcp
