#pragma once

// Internal to the mcp module: who hears of changes (see server_impl.h).

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "mcp/call.h"
#include "mcp/catalog.h"
#include "mcp/sessions.h"

namespace taskwire::mcp {

// A subscriptions/listen stream (2026-07-28) and what it asked for.
struct Listener {
  json::value id;
  Principal principal;  // who listens: asked before each notification whether it still holds
  std::shared_ptr<Stream> stream;
  bool tools = false;
  bool prompts = false;
  bool resources = false;
  std::set<std::string> uris;
};

// The 2026-07-28 listeners, and the notifications they and the legacy sessions' GET streams
// hear. Thread-safe.
class Subscriptions {
 public:
  // `replay_events`: what each session keeps for a GET that resumes with Last-Event-ID.
  Subscriptions(const Catalog& catalog, SessionTable& sessions, size_t replay_events,
                const base::Clock& clock)
      : catalog_(catalog), sessions_(sessions), replay_events_(replay_events), clock_(clock) {}

  // subscriptions/listen: the acknowledgment of what is honoured opens the stream, which then
  // lives until it closes.
  void Listen(const Message& message, const Principal& principal, std::unique_ptr<Channel> channel);

  // To the listeners and sessions that want `method` (a list change they flagged by `wants`, or
  // with `wants` null an update of `uri` they subscribed to); with an `audience`, only to those
  // whose principal's subject is in it.
  void Broadcast(std::string_view method, bool Listener::*wants, std::string_view uri = {},
                 const std::set<std::string>* audience = nullptr);

 private:
  void SendToSession(Session& session, const std::string& message);

  const Catalog& catalog_;
  SessionTable& sessions_;
  const size_t replay_events_;
  const base::Clock& clock_;
  std::mutex mutex_;  // guards listeners_
  std::vector<std::shared_ptr<Listener>> listeners_;
};

// A stream that outlives its request ends when the credential that opened it expires.
void EndAtExpiry(Stream& stream, const Principal& principal, const base::Clock& clock);

}  // namespace taskwire::mcp
