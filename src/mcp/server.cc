#include "mcp/server.h"

#include "mcp/call.h"

namespace taskwire::mcp {

std::string IdKey(const json::value& id) { return json::serialize(id); }

http::Response ErrorResponse(const json::value& id, const RpcError& error) {
  return http::Response::Json(error.http_status, EncodeError(id, error));
}

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

ToolResult ToolResult::Structured(json::value value) {
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

void Server::HandlePost(http::Request& request, const Principal& principal,
                        http::Responder responder) {
  auto parsed = ParseMessage(request.body);
  if (auto* failure = std::get_if<ParseFailure>(&parsed)) {
    Channel(std::move(responder)).Fail(failure->id, failure->error);
    return;
  }
  Message& message = std::get<Message>(parsed);
  // Authorization comes before anything the request would start (RFC 6750 §3.1; MCP
  // authorization, "Scope challenge handling"): the client can ask for the scope and retry.
  if (message.kind == Message::Kind::kRequest) {
    if (auto scope = impl_->catalog.MissingScope(message, principal)) {
      if (impl_->options.insufficient_scope) {
        responder.Send(impl_->options.insufficient_scope(request, *scope));
      } else {
        http::Response refusal = ErrorResponse(
            message.id, {kInvalidRequest, "insufficient scope: needs " + *scope, nullptr, 403});
        refusal.headers.Set("WWW-Authenticate",
                            "Bearer error=\"insufficient_scope\", scope=\"" + *scope + "\"");
        responder.Send(std::move(refusal));
      }
      return;
    }
  }
  Envelope envelope = ReadEnvelope(request.headers);
  envelope.era = EraOf(envelope, message);
  impl_->Handle(envelope, message, principal, Channel(std::move(responder)));
}

void Server::Impl::Handle(const Envelope& envelope, Message& message, const Principal& principal,
                          Channel channel) {
  if (envelope.era == Era::kLegacy) return HandleLegacy(envelope, message, principal, channel);
  // No client notifications are defined for HTTP in 2026-07-28; accept and ignore.
  if (message.kind != Message::Kind::kRequest) return channel.Accept();
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

}  // namespace taskwire::mcp
