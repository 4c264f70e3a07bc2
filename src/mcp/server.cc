#include "mcp/server.h"

#include "mcp/call.h"

namespace taskwire::mcp {

std::string IdKey(const json::value& id) { return json::serialize(id); }

http::Response JsonResponse(int status, std::string body) {
  return http::Response::Json(status, std::move(body));
}

http::Response ErrorResponse(const json::value& id, const RpcError& error) {
  return JsonResponse(error.http_status, EncodeError(id, error));
}

std::string Cursor(size_t index) { return base::Base64UrlEncode(std::to_string(index)); }

std::optional<size_t> ParseCursor(const json::object& params) {
  const json::value* cursor = params.if_contains("cursor");
  if (cursor == nullptr || cursor->is_null()) return 0;
  if (!cursor->is_string()) return std::nullopt;
  if (cursor->as_string().empty()) return 0;
  auto decoded = base::Base64UrlDecode(cursor->as_string());
  if (!decoded || decoded->empty() || decoded->size() > 9 ||
      !std::all_of(decoded->begin(), decoded->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::stoul(*decoded));
}

// Matches "test://template/{id}/data" against a URI; fills `variables`.
bool MatchTemplate(std::string_view pattern, std::string_view uri, json::object& variables) {
  while (!pattern.empty()) {
    const size_t open = pattern.find('{');
    const std::string_view literal = pattern.substr(0, open);
    if (!uri.starts_with(literal)) return false;
    uri.remove_prefix(literal.size());
    if (open == std::string_view::npos) return uri.empty();
    const size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) return false;
    const std::string_view name = pattern.substr(open + 1, close - open - 1);
    pattern.remove_prefix(close + 1);
    // The variable runs to the next literal character of the pattern, and never over a '/'.
    const char stop = pattern.empty() ? '\0' : pattern.front();
    size_t end = 0;
    while (end < uri.size() && uri[end] != '/' && (stop == '\0' || uri[end] != stop)) ++end;
    if (end == 0) return false;
    variables[name] = uri.substr(0, end);
    uri.remove_prefix(end);
  }
  return uri.empty();
}

json::object ContentsJson(const std::vector<ResourceContents>& contents) {
  json::array list;
  for (const ResourceContents& content : contents) {
    json::object item{{"uri", content.uri}};
    if (!content.mime_type.empty()) item["mimeType"] = content.mime_type;
    if (content.text) item["text"] = *content.text;
    if (content.blob) item["blob"] = *content.blob;
    list.emplace_back(std::move(item));
  }
  return json::object{{"contents", std::move(list)}};
}


void CollectParamHeaders(const json::object& schema, std::vector<std::string>& path,
                         std::vector<ParamHeader>& out) {
  const json::value* properties = schema.if_contains("properties");
  if (properties == nullptr || !properties->is_object()) return;
  for (const auto& [key, child] : properties->as_object()) {
    if (!child.is_object()) continue;
    path.emplace_back(key);
    if (const json::value* header = child.as_object().if_contains("x-mcp-header");
        header != nullptr && header->is_string() && !header->as_string().empty()) {
      out.push_back(ParamHeader{std::string(header->as_string()), path});
    }
    CollectParamHeaders(child.as_object(), path, out);
    path.pop_back();
  }
}

// Whether header text `header` (decoded) carries the JSON value `value`: strings as they are,
// numbers compared as numbers, booleans as "true"/"false".
bool HeaderMatches(std::string_view header, const json::value& value) {
  if (value.is_string()) return header == value.as_string();
  if (value.is_bool()) return header == (value.as_bool() ? "true" : "false");
  if (value.is_number()) {
    const std::string text(header);
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return false;
    const double expected = value.is_int64()    ? static_cast<double>(value.as_int64())
                            : value.is_uint64() ? static_cast<double>(value.as_uint64())
                                                : value.as_double();
    return number == expected;
  }
  return false;
}

// A subscriptions/listen stream (2026-07-28) and what it asked for.

// What both eras know of a request that will run a handler: who asks, what for, how to answer.
Call::Setup CallSetup(const Envelope& envelope, const Message& message, const Principal& principal) {
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
  const json::value* target = message.params.if_contains(message.method == "resources/read" ? "uri" : "name");
  if (target != nullptr && target->is_string()) setup.target = std::string(target->as_string());
  return setup;
}

std::string_view RequiredCapabilityOf(std::string_view method) {
  if (method == "elicitation/create") return "elicitation";
  if (method == "sampling/createMessage") return "sampling";
  if (method == "roots/list") return "roots";
  return {};
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
  return ToolResult{json::array{json::object{{"type", "text"}, {"text", text}}}, std::nullopt, false};
}

ToolResult ToolResult::Error(std::string_view text) {
  ToolResult result = Text(text);
  result.is_error = true;
  return result;
}

ToolResult ToolResult::Structured(json::value value) { return StructuredText(json::serialize(value)); }

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

void Server::AddTool(Tool tool) {
  std::vector<ParamHeader> headers;
  std::vector<std::string> path;
  CollectParamHeaders(tool.input.json(), path, headers);
  impl_->tool_headers.push_back(std::move(headers));
  impl_->tools.push_back(std::move(tool));
}
void Server::AddResource(Resource resource) { impl_->resources.push_back(std::move(resource)); }
void Server::AddResourceTemplate(ResourceTemplate resource_template) {
  impl_->templates.push_back(std::move(resource_template));
}
void Server::AddPrompt(Prompt prompt) { impl_->prompts.push_back(std::move(prompt)); }
void Server::SetCompletionHandler(CompletionHandler handler) {
  impl_->completion = std::move(handler);
}

size_t Server::session_count() const { return impl_->sessions->size(); }

void Server::HandlePost(http::Request& request, const Principal& principal,
                        http::Responder responder) {
  auto parsed = ParseMessage(request.body);
  if (auto* failure = std::get_if<ParseFailure>(&parsed)) {
    responder.Send(ErrorResponse(failure->id, failure->error));
    return;
  }
  Message& message = std::get<Message>(parsed);
  // Authorization comes before anything the request would start (RFC 6750 §3.1; MCP
  // authorization, "Scope challenge handling"): the client can ask for the scope and retry.
  if (message.kind == Message::Kind::kRequest) {
    if (auto scope = impl_->MissingScope(message, principal)) {
      if (impl_->options.insufficient_scope) {
        responder.Send(impl_->options.insufficient_scope(request, *scope));
      } else {
        http::Response refusal = ErrorResponse(message.id, {kInvalidRequest, "insufficient scope: needs " + *scope, nullptr, 403});
        refusal.headers.Set("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + *scope + "\"");
        responder.Send(std::move(refusal));
      }
      return;
    }
  }
  Envelope envelope = ReadEnvelope(request.headers);
  envelope.era = EraOf(envelope, message);
  if (envelope.era == Era::kModern) {
    if (message.kind != Message::Kind::kRequest) {
      // No client notifications are defined for HTTP in 2026-07-28; accept and ignore.
      responder.Send(http::Response{.status = 202, .headers = {}, .body = {}});
      return;
    }
    impl_->HandleModern(envelope, message, principal, std::move(responder));
  } else {
    impl_->HandleLegacy(envelope, message, principal, std::move(responder));
  }
}


json::object Server::Impl::Capabilities() const {
  json::object capabilities;
  if (!tools.empty()) capabilities["tools"] = json::object{{"listChanged", true}};
  if (!prompts.empty()) capabilities["prompts"] = json::object{{"listChanged", true}};
  if (!resources.empty() || !templates.empty()) {
    capabilities["resources"] = json::object{{"subscribe", true}, {"listChanged", true}};
  }
  if (completion) capabilities["completions"] = json::object{};
  capabilities["logging"] = json::object{};
  return capabilities;
}

json::object Server::Impl::ServerInfo() const {
  json::object info{{"name", options.name}, {"version", options.version}};
  if (!options.title.empty()) info["title"] = options.title;
  return info;
}

void Server::Impl::Decorate(json::object& result, bool cacheable, std::chrono::milliseconds ttl) const {
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
  impl_->Broadcast("notifications/tools/list_changed", &Listener::tools);
}
void Server::NotifyPromptsListChanged() {
  impl_->Broadcast("notifications/prompts/list_changed", &Listener::prompts);
}
void Server::NotifyResourcesListChanged() {
  impl_->Broadcast("notifications/resources/list_changed", &Listener::resources);
}
void Server::NotifyResourceUpdated(std::string_view uri, const std::set<std::string>* audience) {
  impl_->Broadcast("notifications/resources/updated", nullptr, uri, audience);
}


}  // namespace taskwire::mcp
