// mcp::Server, 2025-x: a session's requests, answers and notifications, its GET streams and
// DELETE. The session table is sessions.cc.
#include "mcp/server_impl.h"

namespace taskwire::mcp {

void Server::Impl::HandleLegacy(const Envelope& envelope, Message& message,
                                const Principal& principal, std::unique_ptr<Channel>& channel) {
  std::shared_ptr<Session> session;
  if (envelope.session_id) {
    session = sessions->Find(*envelope.session_id, principal.subject);
    if (!session) {
      // MCP 2025-11-25 transports, "Session Management": the client must start over.
      return channel->Fail(
          message.id, {kSessionNotFound, "session not found; send initialize again", nullptr, 404});
    }
  }

  if (message.kind == Message::Kind::kResponse) {
    HandleLegacyResponse(message, session);
    return channel->Accept();
  }
  if (message.kind == Message::Kind::kNotification) {
    HandleLegacyNotification(message, session);
    return channel->Accept();
  }

  Incoming incoming{.envelope = envelope,
                    .message = message,
                    .principal = principal,
                    .channel = channel,
                    .session = std::move(session),
                    .client_capabilities = nullptr,
                    .log_level = std::nullopt};
  Dispatch(incoming);
}

void Server::Impl::HandleLegacyResponse(const Message& message,
                                        const std::shared_ptr<Session>& session) {
  if (!session) return;  // an answer to nothing we asked
  std::shared_ptr<Call> call;
  std::string key;
  {
    std::lock_guard lock(session->mutex);
    auto it = session->pending_inputs.find(IdKey(message.id));
    if (it == session->pending_inputs.end()) return;
    call = it->second.first;
    key = it->second.second;
    session->pending_inputs.erase(it);
  }
  if (!call) return;
  if (!message.error.is_null()) {
    std::string text = "the client could not answer";
    if (message.error.is_object()) {
      if (const json::value* m = message.error.as_object().if_contains("message");
          m && m->is_string()) {
        text += ": " + std::string(m->as_string());
      }
    }
    call->Fail(RpcError::Internal(text));
    return;
  }
  if (call->ReceiveInput(key, message.result)) {
    call->SetRound(call->TakeGathered(), call->legacy_state);
    Run(call);
  }
}

void Server::Impl::HandleLegacyNotification(const Message& message,
                                            const std::shared_ptr<Session>& session) {
  if (message.method == "notifications/cancelled" && session) {
    const json::value* request_id = message.params.if_contains("requestId");
    if (request_id == nullptr) return;
    std::shared_ptr<Call> call;
    {
      std::lock_guard lock(session->mutex);
      auto it = session->active_calls.find(IdKey(*request_id));
      if (it != session->active_calls.end()) call = it->second.lock();
    }
    if (call) call->MarkCancelled();
  }
  // notifications/initialized, notifications/roots/list_changed and the rest need no action.
}

std::shared_ptr<Session> Server::Impl::SessionOf(std::string_view what, const Envelope& envelope,
                                                 const Principal& principal, Channel& channel) {
  if (!envelope.session_id) {
    // GET and DELETE exist only for legacy sessions; 2026-07-28 has neither (405).
    channel.Fail(nullptr, RpcError{kInvalidRequest,
                                   std::string(what) +
                                       " needs the Mcp-Session-Id of a session from initialize",
                                   nullptr, 405});
    return nullptr;
  }
  auto session = sessions->Find(*envelope.session_id, principal.subject);
  if (!session)
    channel.Fail(nullptr, RpcError{kSessionNotFound, "session not found", nullptr, 404});
  return session;
}

void Server::OpenSessionStream(const Envelope& envelope, const Principal& principal,
                               std::unique_ptr<Channel> channel) {
  auto session = impl_->SessionOf("GET", envelope, principal, *channel);
  if (!session) return;
  if (!envelope.accepts_event_stream) {
    channel->Fail(nullptr,
                  RpcError{kInvalidRequest, "GET needs Accept: text/event-stream", nullptr, 406});
    return;
  }
  // Last-Event-ID "<stream>-<seq>" (MCP 2025-11-25 transports, "Resumability"): stream 0 is the
  // session's GET stream; others are POST response streams being resumed.
  uint64_t stream_number = 0;
  uint64_t last_seen = 0;
  bool resuming = false;
  if (const auto& last = envelope.last_event_id) {
    const size_t dash = last->find('-');
    if (dash != std::string_view::npos) {
      stream_number = std::strtoull(std::string(last->substr(0, dash)).c_str(), nullptr, 10);
      last_seen = std::strtoull(std::string(last->substr(dash + 1)).c_str(), nullptr, 10);
      resuming = true;
    }
  }
  if (resuming && stream_number != 0) {
    std::shared_ptr<Call> call;
    std::vector<std::pair<uint64_t, std::string>> logged;
    bool known = false;
    {
      std::lock_guard lock(session->mutex);
      const auto log = session->post_streams.find(stream_number);
      if (log != session->post_streams.end()) {
        known = true;
        call = log->second.call.lock();
        if (!call) logged.assign(log->second.events.begin(), log->second.events.end());
      }
    }
    if (!known) {
      channel->Fail(
          nullptr, RpcError{kInvalidRequest, "that stream can no longer be resumed", nullptr, 404});
      return;
    }
    auto stream = channel->OpenStream();
    if (call) {
      call->Resume(std::move(stream), last_seen);
      return;
    }
    // The call is over: what it sent after the client's last event, ending with its answer.
    for (const auto& [seq, message] : logged) {
      if (seq > last_seen) {
        stream->Send(StreamEvent{.id = std::to_string(stream_number) + "-" + std::to_string(seq),
                                 .message = message,
                                 .retry = {}});
      }
    }
    stream->Close();
    return;
  }
  std::lock_guard lock(session->mutex);
  if (session->get_stream && !session->get_stream->closed()) {
    channel->Fail(nullptr,
                  RpcError{kInvalidRequest, "this session already has a GET stream", nullptr, 409});
    return;
  }
  session->get_stream = channel->OpenStream();
  session->get_principal = principal;
  EndAtExpiry(*session->get_stream, principal, impl_->clock);
  for (const auto& [event_id, message] : session->replay) {
    if (resuming && event_id > last_seen) {
      session->get_stream->Send(
          StreamEvent{.id = "0-" + std::to_string(event_id), .message = message, .retry = {}});
    }
  }
}

void Server::EndSession(const Envelope& envelope, const Principal& principal,
                        std::unique_ptr<Channel> channel) {
  auto session = impl_->SessionOf("DELETE", envelope, principal, *channel);
  if (!session) return;
  impl_->sessions->Drop(session);
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(session->mutex);
    for (auto& [id, weak] : session->active_calls) {
      if (auto call = weak.lock()) calls.push_back(call);
    }
  }
  for (auto& call : calls) call->MarkCancelled();
  channel->Answer(Reply{.status = 204, .message = {}, .session_id = {}});
}

}  // namespace taskwire::mcp
