// mcp::Server: the entry points, the method table (one row per method naming the eras it serves)
// and the methods small enough to answer here. Each era's checks (envelope.cc for 2026-07-28,
// legacy.cc for a 2025-x session) come first; Dispatch then finds the row.
#include "mcp/server.h"

#include "mcp/server_impl.h"

namespace taskwire::mcp {

std::string IdKey(const json::value& id) { return json::serialize(id); }

// ---- LogLevel and ToolResult -------------------------------------------------------------

namespace {
constexpr std::string_view kLogLevelNames[] = {"debug", "info",     "notice", "warning",
                                               "error", "critical", "alert",  "emergency"};
}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (size_t i = 0; i < std::size(kLogLevelNames); ++i) {
    if (kLogLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) { return kLogLevelNames[static_cast<size_t>(level)]; }

ToolResult ToolResult::Text(std::string_view text) {
  return ToolResult{json::array{json::object{{"type", "text"}, {"text", text}}}, std::nullopt,
                    false};
}

ToolResult ToolResult::Error(std::string_view text) {
  ToolResult result = Text(text);
  result.is_error = true;
  return result;
}

ToolResult ToolResult::Structured(const json::value& value) {
  return StructuredText(json::serialize(value));
}

ToolResult ToolResult::StructuredText(std::string json) {
  ToolResult result;
  result.structured = std::move(json);
  return result;
}

// ---- Server --------------------------------------------------------------------------------

Server::Server(ServerOptions options, base::WorkerPool& pool, const base::Clock& clock,
               base::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), pool, clock, logger)) {}

Server::~Server() = default;

void Server::AddTool(Tool tool) { impl_->catalog.AddTool(std::move(tool)); }
void Server::AddResource(Resource resource) { impl_->catalog.AddResource(std::move(resource)); }
void Server::AddResourceTemplate(ResourceTemplate resource_template) {
  impl_->catalog.AddResourceTemplate(std::move(resource_template));
}
void Server::AddPrompt(Prompt prompt) { impl_->catalog.AddPrompt(std::move(prompt)); }
void Server::SetCompletionHandler(CompletionHandler handler) {
  impl_->catalog.SetCompletionHandler(std::move(handler));
}

size_t Server::session_count() const { return impl_->sessions->size(); }

void Server::StopTasks() { impl_->tasks->StopAll(); }

void Server::Receive(const Envelope& envelope, std::string_view message_text,
                     const Principal& principal, std::unique_ptr<Channel> channel) {
  auto parsed = ParseMessage(message_text);
  if (auto* failure = std::get_if<ParseFailure>(&parsed)) {
    channel->Fail(failure->id, failure->error);
    return;
  }
  Message& message = std::get<Message>(parsed);
  // Authorization comes before anything the request would start (RFC 6750 §3.1; MCP
  // authorization, "Scope challenge handling"): the client can ask for the scope and retry.
  if (message.kind == Message::Kind::kRequest) {
    if (auto scope = impl_->catalog.MissingScope(message, principal)) {
      channel->Challenge(message.id, *scope);
      return;
    }
  }
  Envelope read = envelope;
  read.era = EraOf(read, message);
  impl_->Handle(read, message, principal, std::move(channel));
}

void Server::Impl::Handle(const Envelope& envelope, Message& message, const Principal& principal,
                          std::unique_ptr<Channel> channel) {
  if (envelope.era == Era::kLegacy) return HandleLegacy(envelope, message, principal, channel);
  // No client notifications are defined for HTTP in 2026-07-28; accept and ignore.
  if (message.kind != Message::Kind::kRequest) return channel->Accept();
  HandleModern(envelope, message, principal, channel);
}

json::object Server::Impl::ServerInfo() const {
  json::object info{{"name", options.name}, {"version", options.version}};
  if (!options.title.empty()) info["title"] = options.title;
  return info;
}

void Server::Impl::Decorate(json::object& result, bool cacheable,
                            std::chrono::milliseconds ttl) const {
  result["resultType"] = "complete";
  json::value& meta = result["_meta"];
  if (!meta.is_object()) meta = json::object{};
  meta.as_object()[kMetaServerInfo] = ServerInfo();
  if (cacheable) {
    // SEP-2549: how long the answer stays fresh, and who may reuse it.
    result["ttlMs"] = static_cast<int64_t>(ttl.count());
    result["cacheScope"] = options.per_caller_results ? "private" : "public";
  }
}

void Server::NotifyToolsListChanged() {
  impl_->subscriptions.Broadcast("notifications/tools/list_changed", &Listener::tools);
}
void Server::NotifyPromptsListChanged() {
  impl_->subscriptions.Broadcast("notifications/prompts/list_changed", &Listener::prompts);
}
void Server::NotifyResourcesListChanged() {
  impl_->subscriptions.Broadcast("notifications/resources/list_changed", &Listener::resources);
}
void Server::NotifyResourceUpdated(std::string_view uri, const std::set<std::string>* audience) {
  impl_->subscriptions.Broadcast("notifications/resources/updated", nullptr, uri, audience);
}

// ---- The method table --------------------------------------------------------------------

namespace {

using Impl = Server::Impl;

// What both eras know of a request that will run a handler: who asks, what for, how to answer.
Call::Setup CallSetup(const Envelope& envelope, const Message& message,
                      const Principal& principal) {
  Call::Setup setup;
  setup.id = message.id;
  setup.method = message.method;
  setup.principal = principal;
  setup.accepts_sse = envelope.accepts_event_stream;
  if (const json::object* meta = MetaOf(message.params)) {
    if (const json::value* token = meta->if_contains("progressToken");
        token && (token->is_string() || token->is_int64() || token->is_uint64())) {
      setup.progress_token = *token;
    }
  }
  const json::value* target =
      message.params.if_contains(message.method == "resources/read"     ? "uri"
                                 : message.method.starts_with("tasks/") ? "taskId"
                                                                        : "name");
  if (target != nullptr && target->is_string()) setup.target = std::string(target->as_string());
  return setup;
}

bool HasPrompts(const Impl& impl) { return impl.catalog.has_prompts(); }
bool HasReadables(const Impl& impl) { return impl.catalog.has_readables(); }
bool HasCompletion(const Impl& impl) { return static_cast<bool>(impl.catalog.completion()); }
bool HasTasks(const Impl& impl) { return impl.catalog.has_tasks(); }

void Discover(Impl& impl, Incoming& in) {
  json::object capabilities = impl.catalog.Capabilities();
  // SEP-2663: the tasks extension is announced here, on 2026-07-28 only.
  if (impl.catalog.has_tasks()) capabilities["extensions"] = TasksCapability()["extensions"];
  json::object result{{"supportedVersions", json::array{kModernVersion}},
                      {"capabilities", std::move(capabilities)}};
  if (!impl.options.instructions.empty()) result["instructions"] = impl.options.instructions;
  impl.Answer(in, std::move(result), true);
}

void SetLevel(Impl& impl, Incoming& in) {
  const json::value* level = in.message.params.if_contains("level");
  const auto parsed =
      level && level->is_string() ? ParseLogLevel(level->as_string()) : std::nullopt;
  if (!parsed) {
    return impl.Fail(in,
                     RpcError::InvalidParams("params.level must be a log level such as \"info\""));
  }
  if (in.session) {
    std::lock_guard lock(in.session->mutex);
    in.session->log_level = parsed;
  }
  impl.Answer(in, json::object{}, false);
}

void Subscribe(Impl& impl, Incoming& in) {
  const json::value* uri = in.message.params.if_contains("uri");
  if (uri == nullptr || !uri->is_string()) {
    return impl.Fail(in, RpcError::InvalidParams("params.uri must be a string"));
  }
  if (!in.session) {
    return impl.Fail(
        in, RpcError::InvalidParams("subscriptions need a session: send initialize first"));
  }
  {
    std::lock_guard lock(in.session->mutex);
    if (in.message.method == "resources/subscribe") {
      in.session->subscriptions.insert(std::string(uri->as_string()));
    } else {
      in.session->subscriptions.erase(std::string(uri->as_string()));
    }
  }
  impl.Answer(in, json::object{}, false);
}

// MCP 2026-07-28 removed initialize, ping, logging/setLevel and resources/(un)subscribe; it added
// server/discover and subscriptions/listen.
const MethodEntry kMethods[] = {
    {"initialize", kLegacyOnly, nullptr, [](Impl& impl, Incoming& in) { impl.Initialize(in); }},
    {"ping", kLegacyOnly, nullptr,
     [](Impl& impl, Incoming& in) { impl.Answer(in, json::object{}, false); }},
    {"logging/setLevel", kLegacyOnly, nullptr, SetLevel},
    {"resources/subscribe", kLegacyOnly, nullptr, Subscribe},
    {"resources/unsubscribe", kLegacyOnly, nullptr, Subscribe},
    {"server/discover", kModernOnly, nullptr, Discover},
    {"subscriptions/listen", kModernOnly, nullptr,
     [](Impl& impl, Incoming& in) {
       impl.subscriptions.Listen(in.message, in.principal, std::move(in.channel));
     }},
    {"tools/list", kBothEras, nullptr,
     [](Impl& impl, Incoming& in) {
       impl.Answer(in, impl.catalog.ListTools(in.message.params, in.version(), in.principal), true);
     }},
    {"prompts/list", kBothEras, HasPrompts,
     [](Impl& impl, Incoming& in) {
       impl.Answer(in, impl.catalog.ListPrompts(in.message.params), true);
     }},
    {"resources/list", kBothEras, HasReadables,
     [](Impl& impl, Incoming& in) {
       impl.Answer(in, impl.catalog.ListResources(in.message.params), true);
     }},
    {"resources/templates/list", kBothEras, HasReadables,
     [](Impl& impl, Incoming& in) {
       impl.Answer(in, impl.catalog.ListTemplates(in.message.params), true);
     }},
    {"tools/call", kBothEras, nullptr,
     [](Impl& impl, Incoming& in) {
       if (auto call = impl.StartCall(in)) impl.CallTool(call, std::move(in.message.params));
     }},
    {"resources/read", kBothEras, nullptr,
     [](Impl& impl, Incoming& in) {
       if (auto call = impl.StartCall(in)) impl.ReadResource(call, in.message.params);
     }},
    {"prompts/get", kBothEras, nullptr,
     [](Impl& impl, Incoming& in) {
       if (auto call = impl.StartCall(in)) impl.GetPrompt(call, in.message.params);
     }},
    {"completion/complete", kBothEras, HasCompletion,
     [](Impl& impl, Incoming& in) {
       if (auto call = impl.StartCall(in)) impl.Complete(call, in.message.params);
     }},
    // The tasks extension (SEP-2663), which removed tasks/result and tasks/list.
    {"tasks/get", kModernOnly, HasTasks,
     [](Impl& impl, Incoming& in) { impl.HandleTaskMethod(in); }},
    {"tasks/update", kModernOnly, HasTasks,
     [](Impl& impl, Incoming& in) { impl.HandleTaskMethod(in); }},
    {"tasks/cancel", kModernOnly, HasTasks,
     [](Impl& impl, Incoming& in) { impl.HandleTaskMethod(in); }},
};

}  // namespace

std::span<const MethodEntry> Methods() { return kMethods; }

const MethodEntry* FindMethod(std::string_view method, Era era) {
  for (const MethodEntry& entry : kMethods) {
    if (entry.name == method) return entry.eras.Has(era) ? &entry : nullptr;
  }
  return nullptr;
}

std::string_view Incoming::version() const {
  if (modern()) return kModernVersion;
  return session ? std::string_view(session->version) : std::string_view("2025-03-26");
}

void Server::Impl::Dispatch(Incoming& in) {
  const MethodEntry* entry = FindMethod(in.message.method, in.envelope.era);
  if (entry == nullptr || (entry->offered != nullptr && !entry->offered(*this))) {
    // MCP 2026-07-28 transports: an unknown method is 404; a 2025-x session answers it in 200.
    return Fail(in, RpcError::MethodNotFound(in.message.method, in.modern() ? 404 : 200));
  }
  entry->handle(*this, in);
}

void Server::Impl::Fail(Incoming& in, const RpcError& error) {
  in.channel->Fail(in.message.id, error);
}

void Server::Impl::Answer(Incoming& in, std::variant<json::object, RpcError> outcome,
                          bool cacheable) {
  if (auto* error = std::get_if<RpcError>(&outcome)) return Fail(in, *error);
  json::object& result = std::get<json::object>(outcome);
  if (in.modern()) Decorate(result, cacheable, options.list_ttl);
  in.channel->Send(200, EncodeResult(in.message.id, result));
}

void Server::Impl::Initialize(Incoming& in) {
  const json::value* requested = in.message.params.if_contains("protocolVersion");
  if (requested == nullptr || !requested->is_string()) {
    return Fail(in, RpcError::InvalidParams("params.protocolVersion must be a string"));
  }
  // MCP 2025-11-25 lifecycle: echo a version we support, else offer ours. Revisions older than
  // 2025-03-26 get 2025-03-26, the closest one this transport serves.
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
  created->subject = in.principal.subject;
  if (const json::value* caps = in.message.params.if_contains("capabilities");
      caps && caps->is_object()) {
    created->client_capabilities = caps->as_object();
  }
  created->last_used = clock.Steady();
  if (!sessions->Add(created)) {
    return Fail(in, {kInternalError, "too many open sessions; try again later", nullptr, 503});
  }
  json::object result{{"protocolVersion", version},
                      {"capabilities", catalog.Capabilities()},
                      {"serverInfo", ServerInfo()}};
  if (!options.instructions.empty()) result["instructions"] = options.instructions;
  in.channel->Send(200, EncodeResult(in.message.id, result), created->id);
}

std::shared_ptr<Call> Server::Impl::StartCall(Incoming& in) {
  Call::Setup setup = CallSetup(in.envelope, in.message, in.principal);
  setup.modern = in.modern();
  setup.version = std::string(in.version());
  json::object input_responses;
  std::optional<std::string> request_state;
  if (in.modern()) {
    setup.client_capabilities = *in.client_capabilities;
    setup.log_level = in.log_level;
    if (in.message.method == "tools/call") {
      if (const Tool* tool = catalog.FindTool(setup.target)) {
        json::object missing;
        for (const auto& [key, value] : tool->required_client_capabilities) {
          if (!setup.client_capabilities.contains(key)) missing[key] = value;
        }
        // SEP-2663: a tool that runs only as a task needs the request to opt in.
        if (tool->task_support == TaskSupport::kRequired &&
            !DeclaresTasks(setup.client_capabilities)) {
          missing["extensions"] = TasksCapability()["extensions"];
        }
        if (!missing.empty()) {
          Fail(in, {kMissingRequiredClientCapability,
                    "this tool needs client capabilities the request did not declare",
                    json::object{{"requiredCapabilities", std::move(missing)}}, 400});
          return nullptr;
        }
      }
    }
    // Multi Round-Trip Requests: a retry carries the answers and the state we sealed.
    const json::object& params = in.message.params;
    if (const json::value* responses = params.if_contains("inputResponses")) {
      if (responses->is_object()) {
        for (const auto& [key, value] : responses->as_object()) {
          if (value.is_object()) input_responses[key] = value;
        }
      } else if (!responses->is_null()) {
        Fail(in, RpcError::InvalidParams("params.inputResponses must be an object"));
        return nullptr;
      }
    }
    if (const json::value* state = params.if_contains("requestState")) {
      if (!state->is_string()) {
        Fail(in, RpcError::InvalidParams("params.requestState must be a string"));
        return nullptr;
      }
      request_state =
          sealer.Open(state->as_string(), in.principal.subject, in.message.method, setup.target);
      if (!request_state) {
        Fail(in,
             RpcError::InvalidParams("params.requestState is invalid or has expired; start over"));
        return nullptr;
      }
    }
  } else {
    if (in.message.method == "tools/call") {
      const Tool* tool = catalog.FindTool(setup.target);
      if (tool != nullptr && tool->task_support == TaskSupport::kRequired) {
        // 2025-x sessions know no tasks of the extension (SEP-2663 is 2026-07-28 only).
        Fail(in, RpcError::InvalidParams("this tool runs only as a task of the MCP 2026-07-28 "
                                         "tasks extension; this session cannot call it"));
        return nullptr;
      }
    }
    setup.session = in.session;
    if (in.session) setup.client_capabilities = in.session->client_capabilities;
  }
  auto call = std::make_shared<Call>(std::move(setup), std::move(in.channel));
  call->Attach();
  call->SetRound(std::move(input_responses), std::move(request_state));
  if (in.session) {
    std::lock_guard lock(in.session->mutex);
    in.session->active_calls[IdKey(in.message.id)] = call;
  }
  return call;
}

}  // namespace taskwire::mcp
