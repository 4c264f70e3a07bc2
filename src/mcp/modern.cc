// mcp::Server, 2026-07-28: the envelope a stateless request carries, checked once, and its dispatch.
#include "mcp/call.h"

namespace taskwire::mcp {

std::optional<RpcError> Server::Impl::CheckModernHeaders(const Envelope& envelope,
                                                         const Message& message) {
  auto mismatch = [](std::string text) {
    return RpcError{kHeaderMismatch, std::move(text), nullptr, 400};
  };
  const auto& method = envelope.method;
  if (!method) return mismatch("the Mcp-Method header is required");
  if (*method != message.method) {
    return mismatch("the Mcp-Method header does not match the body's method");
  }
  std::string_view name_field;
  if (message.method == "tools/call" || message.method == "prompts/get") name_field = "name";
  if (message.method == "resources/read") name_field = "uri";
  if (name_field.empty()) return std::nullopt;
  const json::value* body_name = message.params.if_contains(name_field);
  const auto& header_name = envelope.name;
  if (!header_name) return mismatch("the Mcp-Name header is required for " + message.method);
  auto decoded = DecodeHeaderValue(*header_name);
  if (!decoded) return mismatch("the Mcp-Name header has invalid base64");
  if (body_name == nullptr || !body_name->is_string() || body_name->as_string() != *decoded) {
    return mismatch("the Mcp-Name header does not match params." + std::string(name_field));
  }
  if (message.method != "tools/call") return std::nullopt;

  // Mcp-Param-* headers must mirror the arguments their tool marks with x-mcp-header.
  const auto tool = std::find_if(tools.begin(), tools.end(),
                                 [&](const Tool& t) { return t.name == *decoded; });
  if (tool == tools.end()) return std::nullopt;  // unknown tool: -32602 later
  const json::value* arguments = message.params.if_contains("arguments");
  for (const ParamHeader& param : tool_headers[static_cast<size_t>(tool - tools.begin())]) {
    const json::value* value = arguments;
    std::string where = "arguments";
    for (const std::string& key : param.path) {
      value = value != nullptr && value->is_object() ? value->as_object().if_contains(key) : nullptr;
      where += "." + key;
    }
    const std::string param_header = "Mcp-Param-" + param.name;
    const std::string* header = envelope.Param(param.name);
    if (value == nullptr || value->is_null()) {
      if (header) return mismatch("the " + param_header + " header is set but " + where + " is not");
      continue;
    }
    if (!header) return mismatch("the " + param_header + " header must carry " + where);
    auto decoded_value = DecodeHeaderValue(*header);
    if (!decoded_value) return mismatch("the " + param_header + " header has invalid base64");
    if (!HeaderMatches(*decoded_value, *value)) {
      return mismatch("the " + param_header + " header does not match " + where);
    }
  }
  return std::nullopt;
}

void Server::Impl::HandleModern(const Envelope& envelope, Message& message,
                                const Principal& principal, http::Responder responder) {
  const json::value& id = message.id;
  auto fail = [&](RpcError error) { responder.Send(ErrorResponse(id, error)); };

  // MCP 2026-07-28 transports, validation order (the digest's §1.4): a, b, c, d, e, f, g.
  const auto& header_version = envelope.protocol_version;
  if (!header_version) {
    return fail({kHeaderMismatch, "the MCP-Protocol-Version header is required", nullptr, 400});
  }
  const json::object* meta = MetaOf(message.params);
  const json::value* version = meta ? meta->if_contains(kMetaProtocolVersion) : nullptr;
  const json::value* capabilities = meta ? meta->if_contains(kMetaClientCapabilities) : nullptr;
  if (meta == nullptr || version == nullptr || !version->is_string() || capabilities == nullptr ||
      !capabilities->is_object()) {
    return fail({kInvalidParams,
                 "params._meta must carry \"io.modelcontextprotocol/protocolVersion\" and "
                 "\"io.modelcontextprotocol/clientCapabilities\"",
                 nullptr, 400});
  }
  if (*header_version != version->as_string()) {
    return fail({kHeaderMismatch,
                 "the MCP-Protocol-Version header does not match params._meta's protocolVersion",
                 nullptr, 400});
  }
  if (*header_version != kModernVersion) {
    return fail({kUnsupportedProtocolVersion, "unsupported protocol version",
                 json::object{{"supported", json::array{kModernVersion}},
                              {"requested", version->as_string()}},
                 400});
  }
  if (auto mismatch = CheckModernHeaders(envelope, message)) return fail(*mismatch);

  std::optional<LogLevel> log_level;
  if (const json::value* level = meta->if_contains(kMetaLogLevel)) {
    log_level = level->is_string() ? ParseLogLevel(level->as_string()) : std::nullopt;
    if (!log_level) return fail(RpcError::InvalidParams("unknown log level in params._meta"));
  }

  const std::string& method = message.method;
  const json::object& params = message.params;
  auto complete = [&](std::variant<json::object, RpcError> outcome, bool cacheable) {
    if (auto* error = std::get_if<RpcError>(&outcome)) return fail(*error);
    json::object& result = std::get<json::object>(outcome);
    Decorate(result, cacheable, options.list_ttl);
    responder.Send(JsonResponse(200, EncodeResult(id, result)));
  };

  if (method == "server/discover") {
    json::object result{{"supportedVersions", json::array{kModernVersion}},
                        {"capabilities", Capabilities()}};
    if (!options.instructions.empty()) result["instructions"] = options.instructions;
    return complete(std::move(result), true);
  }
  if (method == "tools/list") return complete(ListTools(params, kModernVersion, principal), true);
  if (method == "prompts/list" && !prompts.empty()) return complete(ListPrompts(params), true);
  if (method == "resources/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListResources(params), true);
  }
  if (method == "resources/templates/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListTemplates(params), true);
  }
  if (method == "subscriptions/listen") return Listen(message, principal, std::move(responder));

  const bool handled = method == "tools/call" || method == "resources/read" ||
                       method == "prompts/get" || (method == "completion/complete" && completion);
  if (!handled) return fail(RpcError::MethodNotFound(method, 404));

  Call::Setup setup = CallSetup(envelope, message, principal);
  setup.modern = true;
  setup.version = std::string(kModernVersion);
  setup.client_capabilities = capabilities->as_object();
  setup.log_level = log_level;

  if (method == "tools/call") {
    const auto tool = std::find_if(tools.begin(), tools.end(),
                                   [&](const Tool& t) { return t.name == setup.target; });
    if (tool != tools.end()) {
      json::object missing;
      for (const auto& [key, value] : tool->required_client_capabilities) {
        if (!setup.client_capabilities.contains(key)) missing[key] = value;
      }
      if (!missing.empty()) {
        return fail({kMissingRequiredClientCapability,
                     "this tool needs client capabilities the request did not declare",
                     json::object{{"requiredCapabilities", std::move(missing)}}, 400});
      }
    }
  }

  // Multi Round-Trip Requests: a retry carries the answers and the state we sealed.
  json::object input_responses;
  if (const json::value* responses = params.if_contains("inputResponses")) {
    if (responses->is_object()) {
      for (const auto& [key, value] : responses->as_object()) {
        if (value.is_object()) input_responses[key] = value;
      }
    } else if (!responses->is_null()) {
      return fail(RpcError::InvalidParams("params.inputResponses must be an object"));
    }
  }
  std::optional<std::string> request_state;
  if (const json::value* state = params.if_contains("requestState")) {
    if (!state->is_string()) return fail(RpcError::InvalidParams("params.requestState must be a string"));
    request_state = sealer.Open(state->as_string(), principal.subject, method, setup.target);
    if (!request_state) {
      return fail(RpcError::InvalidParams("params.requestState is invalid or has expired; start over"));
    }
  }

  auto call = std::make_shared<Call>(std::move(setup), std::move(responder));
  call->Attach();
  call->SetRound(std::move(input_responses), std::move(request_state));
  if (method == "tools/call") return CallTool(call, std::move(message.params));
  if (method == "resources/read") return ReadResource(call, params);
  if (method == "prompts/get") return GetPrompt(call, params);
  return Complete(call, params);
}


}  // namespace taskwire::mcp
