// mcp::Server: subscriptions/listen and the notifications broadcast to listeners and sessions.
#include "mcp/subscriptions.h"

#include "mcp/envelope.h"

namespace taskwire::mcp {

void Subscriptions::Listen(const Message& message, const Principal& principal,
                           std::unique_ptr<Channel> channel) {
  auto listener = std::make_shared<Listener>();
  listener->id = message.id;
  listener->principal = principal;
  json::object honoured;
  if (const json::value* wanted = message.params.if_contains("notifications");
      wanted && wanted->is_object()) {
    const json::object& notifications = wanted->as_object();
    auto flag = [&](std::string_view key) {
      const json::value* v = notifications.if_contains(key);
      return v != nullptr && v->is_bool() && v->as_bool();
    };
    if (flag("toolsListChanged") && catalog_.has_tools()) {
      listener->tools = true;
      honoured["toolsListChanged"] = true;
    }
    if (flag("promptsListChanged") && catalog_.has_prompts()) {
      listener->prompts = true;
      honoured["promptsListChanged"] = true;
    }
    if (flag("resourcesListChanged") && catalog_.has_resources()) {
      listener->resources = true;
      honoured["resourcesListChanged"] = true;
    }
    if (const json::value* uris = notifications.if_contains("resourceSubscriptions");
        uris && uris->is_array()) {
      json::array accepted;
      for (const json::value& uri : uris->as_array()) {
        if (uri.is_string()) {
          listener->uris.insert(std::string(uri.as_string()));
          accepted.push_back(uri);
        }
      }
      if (!accepted.empty()) honoured["resourceSubscriptions"] = std::move(accepted);
    }
  }
  listener->stream = channel->OpenStream();
  EndAtExpiry(*listener->stream, principal, clock_);
  // The acknowledgment comes first (MCP 2026-07-28 subscriptions).
  listener->stream->Send(
      StreamEvent{.id = {},
                  .message = EncodeNotification(
                      "notifications/subscriptions/acknowledged",
                      json::object{{"_meta", json::object{{kMetaSubscriptionId, listener->id}}},
                                   {"notifications", std::move(honoured)}}),
                  .retry = {}});
  {
    std::lock_guard lock(mutex_);
    listeners_.push_back(listener);
  }
  listener->stream->OnClose([this, gone = listener.get()] {
    std::lock_guard lock(mutex_);
    std::erase_if(listeners_,
                  [gone](const std::shared_ptr<Listener>& l) { return l.get() == gone; });
  });
}

void Subscriptions::Broadcast(std::string_view method, bool Listener::*wants, std::string_view uri,
                              const std::set<std::string>* audience) {
  const auto heard_by = [audience](const std::string& subject) {
    return audience == nullptr || audience->contains(subject);
  };
  std::vector<std::shared_ptr<Listener>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& listener : listeners_) {
      const bool matches =
          wants != nullptr ? listener.get()->*wants : listener->uris.contains(std::string(uri));
      if (matches && heard_by(listener->principal.subject)) targets.push_back(listener);
    }
  }
  const base::WallTime now = clock_.Now();
  for (const auto& listener : targets) {
    // A stream outlives the request that authenticated it: its credential is asked again before
    // anything more is delivered, and a revoked or expired one ends the stream (its OnClose
    // removes the listener), so the client's next request meets the 401.
    if (!listener->principal.StillValid(now)) {
      listener->stream->Close();
      continue;
    }
    json::object params{{"_meta", json::object{{kMetaSubscriptionId, listener->id}}}};
    if (!uri.empty()) params["uri"] = uri;
    listener->stream->Send(StreamEvent{
        .id = {}, .message = EncodeNotification(method, std::move(params)), .retry = {}});
  }
  // Legacy sessions hear list changes on their GET stream; resource updates only if subscribed.
  for (const auto& session : sessions_.All()) {
    std::shared_ptr<Stream> stream;
    Principal reader;
    {
      std::lock_guard lock(session->mutex);
      if (wants == nullptr && !session->subscriptions.contains(std::string(uri))) continue;
      stream = session->get_stream;
      reader = session->get_principal;
    }
    if (!heard_by(session->subject)) continue;
    if (stream != nullptr && !stream->closed() && !reader.StillValid(now)) {
      // As for listeners. The session itself lives on for the subject's other credentials, and
      // keeps the event for a GET that resumes with one of them.
      std::lock_guard lock(session->mutex);
      if (session->get_stream == stream) {
        stream->Close();
        session->get_stream.reset();
        session->get_principal = Principal{};
      }
    }
    json::object params;
    if (!uri.empty()) params["uri"] = uri;
    SendToSession(*session, EncodeNotification(method, std::move(params)));
  }
}

void Subscriptions::SendToSession(Session& session, const std::string& message) {
  std::lock_guard lock(session.mutex);
  const uint64_t event_id = session.next_event++;
  session.replay.emplace_back(event_id, message);
  while (session.replay.size() > replay_events_) session.replay.pop_front();
  if (session.get_stream && !session.get_stream->closed()) {
    session.get_stream->Send(
        StreamEvent{.id = "0-" + std::to_string(event_id), .message = message, .retry = {}});
  }
}

void EndAtExpiry(Stream& stream, const Principal& principal, const base::Clock& clock) {
  if (const auto expires = principal.Expires()) {
    stream.CloseAfter(std::chrono::ceil<std::chrono::milliseconds>(*expires - clock.Now()));
  }
}

}  // namespace taskwire::mcp
