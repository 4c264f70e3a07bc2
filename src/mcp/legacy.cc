// mcp::Server, 2025-x: sessions, their table and their requests, GET streams and DELETE.
#include "mcp/call.h"

namespace taskwire::mcp {

void Server::Impl::HandleLegacy(const Envelope& envelope, Message& message,
                                const Principal& principal, http::Responder responder) {
  const json::value& id = message.id;
  auto fail = [&](RpcError error) { responder.Send(ErrorResponse(id, error)); };

  std::shared_ptr<Session> session;
  if (envelope.session_id) {
    session = FindSession(*envelope.session_id, principal);
    if (!session) {
      // MCP 2025-11-25 transports, "Session Management": the client must start over.
      return fail({kSessionNotFound, "session not found; send initialize again", nullptr, 404});
    }
  }

  if (message.kind == Message::Kind::kResponse) {
    HandleLegacyResponse(message, session);
    responder.Send(http::Response{.status = 202, .headers = {}, .body = {}});
    return;
  }
  if (message.kind == Message::Kind::kNotification) {
    HandleLegacyNotification(message, session);
    responder.Send(http::Response{.status = 202, .headers = {}, .body = {}});
    return;
  }

  const std::string& method = message.method;
  const json::object& params = message.params;
  auto reply = [&](const json::value& result, http::Headers headers = {}) {
    http::Response response = JsonResponse(200, EncodeResult(id, result));
    for (const auto& [name, value] : headers) response.headers.Add(name, value);
    responder.Send(std::move(response));
  };
  auto complete = [&](std::variant<json::object, RpcError> outcome) {
    if (auto* error = std::get_if<RpcError>(&outcome)) return fail(*error);
    reply(std::get<json::object>(outcome));
  };

  if (method == "initialize") {
    const json::value* requested = params.if_contains("protocolVersion");
    if (requested == nullptr || !requested->is_string()) {
      return fail(RpcError::InvalidParams("params.protocolVersion must be a string"));
    }
    // MCP 2025-11-25 lifecycle: echo a version we support, else offer ours. Revisions older
    // than 2025-03-26 get 2025-03-26, the closest one this transport serves.
    std::string version(kLegacyVersions[0]);
    const std::string_view asked = requested->as_string();
    if (std::find(std::begin(kLegacyVersions), std::end(kLegacyVersions), asked) !=
        std::end(kLegacyVersions)) {
      version = std::string(asked);
    } else if (asked < "2025-03-26") {
      version = "2025-03-26";
    }
    auto created = std::make_shared<Session>();
    created->id = base::NewId("");
    created->version = version;
    created->subject = principal.subject;
    if (const json::value* caps = params.if_contains("capabilities"); caps && caps->is_object()) {
      created->client_capabilities = caps->as_object();
    }
    created->last_used = clock.Steady();
    {
      std::lock_guard lock(sessions_mutex);
      if (!MakeRoom(created->subject)) {
        return fail({kInternalError, "too many open sessions; try again later", nullptr, 503});
      }
      sessions.emplace(created->id, created);
      by_subject[created->subject].push_back(created);
    }
    json::object server_info{{"name", options.name}, {"version", options.version}};
    if (!options.title.empty()) server_info["title"] = options.title;
    json::object result{{"protocolVersion", version},
                        {"capabilities", Capabilities()},
                        {"serverInfo", std::move(server_info)}};
    if (!options.instructions.empty()) result["instructions"] = options.instructions;
    http::Headers headers;
    headers.Add(std::string(kSessionHeader), created->id);
    return reply(result, std::move(headers));
  }

  const std::string version = session ? session->version : "2025-03-26";

  if (method == "ping") return reply(json::object{});
  if (method == "logging/setLevel") {
    const json::value* level = params.if_contains("level");
    const auto parsed = level && level->is_string() ? ParseLogLevel(level->as_string()) : std::nullopt;
    if (!parsed) return fail(RpcError::InvalidParams("params.level must be a log level such as \"info\""));
    if (session) {
      std::lock_guard lock(session->mutex);
      session->log_level = parsed;
    }
    return reply(json::object{});
  }
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    const json::value* uri = params.if_contains("uri");
    if (uri == nullptr || !uri->is_string()) return fail(RpcError::InvalidParams("params.uri must be a string"));
    if (!session) return fail(RpcError::InvalidParams("subscriptions need a session: send initialize first"));
    std::lock_guard lock(session->mutex);
    if (method == "resources/subscribe") {
      session->subscriptions.insert(std::string(uri->as_string()));
    } else {
      session->subscriptions.erase(std::string(uri->as_string()));
    }
    return reply(json::object{});
  }
  if (method == "tools/list") return complete(ListTools(params, version, principal));
  if (method == "prompts/list" && !prompts.empty()) return complete(ListPrompts(params));
  if (method == "resources/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListResources(params));
  }
  if (method == "resources/templates/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListTemplates(params));
  }
  const bool handled = method == "tools/call" || method == "resources/read" ||
                       method == "prompts/get" || (method == "completion/complete" && completion);
  if (!handled) return fail(RpcError::MethodNotFound(method, 200));

  Call::Setup setup = CallSetup(envelope, message, principal);
  setup.method = method;
  setup.principal = principal;
  setup.version = version;
  setup.session = session;
  if (session) setup.client_capabilities = session->client_capabilities;
  auto call = std::make_shared<Call>(std::move(setup), std::move(responder));
  call->Attach();
  if (session) {
    std::lock_guard lock(session->mutex);
    session->active_calls[IdKey(id)] = call;
  }
  if (method == "tools/call") return CallTool(call, std::move(message.params));
  if (method == "resources/read") return ReadResource(call, params);
  if (method == "prompts/get") return GetPrompt(call, params);
  return Complete(call, params);
}

void Server::Impl::HandleLegacyResponse(const Message& message, std::shared_ptr<Session> session) {
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
      if (const json::value* m = message.error.as_object().if_contains("message"); m && m->is_string()) {
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
                                            std::shared_ptr<Session> session) {
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


std::shared_ptr<Session> Server::Impl::FindSession(std::string_view id, const Principal& principal) {
  std::lock_guard lock(sessions_mutex);
  auto it = sessions.find(std::string(id));
  if (it == sessions.end()) return nullptr;
  std::shared_ptr<Session> session = it->second;
  std::lock_guard session_lock(session->mutex);
  // A session belongs to whoever opened it; to anyone else it does not exist.
  const base::SteadyTime now = clock.Steady();
  if (session->subject != principal.subject || Expired(*session, now)) return nullptr;
  session->last_used = now;
  session->used = true;
  return session;
}

bool Server::Impl::Expired(const Session& session, base::SteadyTime now) const {
  return now - session.last_used >
         (session.used ? options.session_idle_timeout : options.session_unused_timeout);
}

bool Server::Impl::MakeRoom(const std::string& subject) {
  const base::SteadyTime now = clock.Steady();
  if (auto owned = by_subject.find(subject); owned != by_subject.end()) {
    std::vector<std::pair<base::SteadyTime, std::shared_ptr<Session>>> live;
    std::vector<std::shared_ptr<Session>> gone;
    for (const auto& session : owned->second) {
      std::lock_guard lock(session->mutex);
      if (Expired(*session, now)) {
        gone.push_back(session);
      } else {
        live.emplace_back(session->last_used, session);
      }
    }
    // At the cap, the subject's least recently used sessions go; its client meets a 404 and
    // initializes again (MCP 2025-11-25 transports, "Session Management").
    std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const size_t keep = std::max<size_t>(options.max_sessions_per_subject, 1) - 1;  // and the new one
    for (size_t i = 0; i + keep < live.size(); ++i) gone.push_back(live[i].second);
    for (const auto& session : gone) DropSession(session);
  }
  if (sessions.size() < options.max_sessions) return true;
  std::vector<std::shared_ptr<Session>> expired;
  for (const auto& [id, session] : sessions) {
    std::lock_guard lock(session->mutex);
    if (Expired(*session, now)) expired.push_back(session);
  }
  for (const auto& session : expired) DropSession(session);
  return sessions.size() < options.max_sessions;
}

void Server::Impl::DropSession(const std::shared_ptr<Session>& session) {
  sessions.erase(session->id);
  if (auto owned = by_subject.find(session->subject); owned != by_subject.end()) {
    std::erase(owned->second, session);
    if (owned->second.empty()) by_subject.erase(owned);
  }
  std::lock_guard lock(session->mutex);
  if (session->get_stream) session->get_stream->Close();
  session->pending_inputs.clear();  // a waiting call holds the session: let both go
}


std::shared_ptr<Session> Server::Impl::SessionOf(const http::Request& request,
                                                const Envelope& envelope,
                                                const Principal& principal,
                                                http::Responder& responder) {
  if (!envelope.session_id) {
    // GET and DELETE exist only for legacy sessions; 2026-07-28 has neither (405).
    http::Response response = http::Response::JsonError(
        405, "method_not_allowed",
        std::string(http::MethodName(request.method)) + " needs the Mcp-Session-Id of a session from initialize");
    response.headers.Add("Allow", "POST");
    responder.Send(std::move(response));
    return nullptr;
  }
  auto session = FindSession(*envelope.session_id, principal);
  if (!session) {
    responder.Send(ErrorResponse(nullptr, RpcError{kSessionNotFound, "session not found", nullptr, 404}));
  }
  return session;
}

void Server::HandleGet(http::Request& request, const Principal& principal, http::Responder responder) {
  const Envelope envelope = ReadEnvelope(request.headers);
  auto session = impl_->SessionOf(request, envelope, principal, responder);
  if (!session) return;
  if (!envelope.accepts_event_stream) {
    responder.Send(http::Response::JsonError(406, "not_acceptable", "GET needs Accept: text/event-stream"));
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
      responder.Send(http::Response::JsonError(404, "not_found", "that stream can no longer be resumed"));
      return;
    }
    auto stream = responder.StartEventStream(http::Response{});
    if (call) {
      call->Resume(std::move(stream), last_seen);
      return;
    }
    // The call is over: what it sent after the client's last event, ending with its answer.
    for (const auto& [seq, message] : logged) {
      if (seq > last_seen) {
        stream->Send(http::SseEvent{.id = std::to_string(stream_number) + "-" + std::to_string(seq),
                                    .data = message});
      }
    }
    stream->Close();
    return;
  }
  std::lock_guard lock(session->mutex);
  if (session->get_stream && !session->get_stream->closed()) {
    responder.Send(http::Response::JsonError(409, "conflict", "this session already has a GET stream"));
    return;
  }
  session->get_stream = responder.StartEventStream(http::Response{});
  session->get_principal = principal;
  impl_->EndAtExpiry(*session->get_stream, principal);
  for (const auto& [event_id, message] : session->replay) {
    if (resuming && event_id > last_seen) {
      session->get_stream->Send(http::SseEvent{.id = "0-" + std::to_string(event_id), .data = message});
    }
  }
}

void Server::HandleDelete(http::Request& request, const Principal& principal, http::Responder responder) {
  auto session = impl_->SessionOf(request, ReadEnvelope(request.headers), principal, responder);
  if (!session) return;
  {
    std::lock_guard lock(impl_->sessions_mutex);
    impl_->DropSession(session);
  }
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(session->mutex);
    for (auto& [id, weak] : session->active_calls) {
      if (auto call = weak.lock()) calls.push_back(call);
    }
  }
  for (auto& call : calls) call->MarkCancelled();
  responder.Send(http::Response{.status = 204, .headers = {}, .body = {}});
}


}  // namespace taskwire::mcp
