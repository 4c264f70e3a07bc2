// mcp::Server: running the catalog's handlers for a Call on the worker pool, and shaping their
// outcomes, including the questions a handler asks the client.
#include "mcp/call.h"

namespace taskwire::mcp {

namespace {

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

// The client capability a server-to-client request needs ("" for none).
std::string_view RequiredCapabilityOf(std::string_view method) {
  if (method == "elicitation/create") return "elicitation";
  if (method == "sampling/createMessage") return "sampling";
  if (method == "roots/list") return "roots";
  return {};
}

}  // namespace

void Server::Impl::Run(std::shared_ptr<Call> call, std::function<void(Call&)> invoke) {
  const bool queued = pool.Post([call, invoke = std::move(invoke)] {
    if (call->cancelled()) return;
    try {
      if (invoke) {
        invoke(*call);
      } else {
        call->invoke(*call);
      }
    } catch (const std::exception& e) {
      call->Fail(RpcError::Internal(std::string("the handler failed: ") + e.what()));
    }
  });
  if (!queued) call->Fail({kInternalError, "the server is overloaded; retry", nullptr, 503});
}

void Server::Impl::AskClient(std::shared_ptr<Call> call, InputRequired input,
                             std::function<void(Call&)> invoke) {
  const Call::Setup& setup = call->setup();
  if (input.input_requests.empty() && !input.request_state) {
    call->Fail(RpcError::Internal("the handler asked for input without saying what"));
    return;
  }
  if (setup.modern) {
    json::object result{{"resultType", "input_required"}};
    if (!input.input_requests.empty()) result["inputRequests"] = std::move(input.input_requests);
    if (input.request_state) {
      result["requestState"] =
          sealer.Seal(*input.request_state, setup.principal.subject, setup.method, setup.target);
    }
    result["_meta"] = json::object{{kMetaServerInfo, ServerInfo()}};
    call->Finish(result);
    return;
  }
  // Legacy: ask the client ourselves, on this request's event stream, and run the handler again
  // with the answers (MCP 2025-11-25 client/sampling, client/elicitation, client/roots).
  if (!setup.session || !setup.accepts_sse) {
    call->Fail(RpcError::InvalidParams(
        "this request needs answers from the client: open a session with initialize and accept "
        "text/event-stream"));
    return;
  }
  if (input.input_requests.empty()) {
    // Only state: run the next round at once.
    call->SetRound({}, input.request_state);
    Run(call, std::move(invoke));
    return;
  }
  for (const auto& [key, request] : input.input_requests) {
    const json::object* object = request.if_object();
    const json::value* method = object ? object->if_contains("method") : nullptr;
    if (method == nullptr || !method->is_string()) {
      call->Fail(RpcError::Internal("an input request has no method"));
      return;
    }
    const std::string_view needed = RequiredCapabilityOf(method->as_string());
    if (!needed.empty() && !setup.client_capabilities.contains(needed)) {
      call->Fail({kInvalidParams,
                  "the client did not declare the \"" + std::string(needed) + "\" capability",
                  nullptr, 200});
      return;
    }
  }
  call->legacy_state = input.request_state;
  call->invoke = std::move(invoke);
  const size_t expected = input.input_requests.size();
  for (const auto& [key, request] : input.input_requests) {
    const json::object& object = request.as_object();
    const json::value server_id(json::string("tw-" + std::to_string(next_request_id.fetch_add(1))));
    json::object request_params;
    if (const json::value* p = object.if_contains("params"); p && p->is_object()) {
      request_params = p->as_object();
    }
    call->ExpectInput(
        IdKey(server_id), std::string(key),
        EncodeRequest(server_id, object.at("method").as_string(), std::move(request_params)),
        expected);
  }
}

template <typename Outcome>
bool Server::Impl::Settle(Call& call, Outcome& outcome) {
  if (auto* error = std::get_if<RpcError>(&outcome)) {
    call.Fail(*error);
    return true;
  }
  if (auto* input = std::get_if<InputRequired>(&outcome)) {
    // The call runs on the pool, which holds it: shared_from_this is safe here.
    AskClient(call.shared_from_this(), std::move(*input), call.invoke);
    return true;
  }
  return false;
}

void Server::Impl::CallTool(std::shared_ptr<Call> call, json::object params) {
  const Tool* tool = catalog.FindTool(call->setup().target);
  if (call->setup().target.empty() || tool == nullptr) {
    call->Fail(RpcError::InvalidParams("unknown tool: " + call->setup().target));
    return;
  }
  json::object arguments;
  if (json::value* given = params.if_contains("arguments"); given && !given->is_null()) {
    if (!given->is_object()) {
      call->Fail(RpcError::InvalidParams("params.arguments must be an object"));
      return;
    }
    arguments = std::move(given->as_object());
  }
  // Argument errors are the model's to fix: a tool error naming the field, not a protocol error.
  if (auto problem = tool->input.Validate(arguments, "arguments")) {
    const bool modern = call->setup().modern;
    ToolResult result = ToolResult::Error("Invalid arguments: " + *problem);
    json::object out{{"content", std::move(result.content)}, {"isError", true}};
    if (modern) Decorate(out, false, {});
    call->Finish(out);
    return;
  }
  const Tool* found = tool;
  std::function<void(Call&)> invoke = [this, found, arguments = std::move(arguments)](Call& self) {
    ToolOutcome outcome = found->handler(arguments, self);
    if (Settle(self, outcome)) return;
    if (auto* later = std::get_if<Deferred>(&outcome)) {
      // The call runs on the pool, which holds it: shared_from_this is safe here.
      later->start([this, call = self.shared_from_this()](ToolResult result) {
        FinishTool(*call, std::move(result));
      });
      return;
    }
    FinishTool(self, std::move(std::get<ToolResult>(outcome)));
  };
  call->invoke = std::move(invoke);
  Run(std::move(call));
}

void Server::Impl::FinishTool(Call& call, ToolResult result) {
  // The hot path of every tool call: the whole message is written as text around the structured
  // content's JSON (serialized once, by ToolResult::Structured), with no tree and no copy of it.
  const bool structured = result.structured && call.setup().version != "2025-03-26";
  const size_t structured_size = result.structured ? result.structured->size() : 0;
  // Room for the text block (escaped, so larger) and structuredContent.
  std::string out = ResultPrefix(call.setup().id, 2 * structured_size + complete_meta.size() + 128);
  out.append(R"({"content":[)");
  if (result.structured) {
    out.append(R"({"type":"text","text":")");
    base::AppendJsonEscaped(out, *result.structured);
    out.append("\"}");
  }
  for (size_t i = 0; i < result.content.size(); ++i) {
    if (i > 0 || result.structured) out.push_back(',');
    out.append(json::serialize(result.content[i]));
  }
  out.push_back(']');
  if (structured) out.append(R"(,"structuredContent":)").append(*result.structured);
  if (result.is_error) out.append(R"(,"isError":true)");
  if (call.setup().modern) out.append(",").append(complete_meta);
  out.append("}}");
  call.FinishEncoded(std::move(out));
}

void Server::Impl::ReadResource(std::shared_ptr<Call> call, const json::object& params) {
  const std::string& uri = call->setup().target;
  if (!params.contains("uri") || !params.at("uri").is_string()) {
    call->Fail(RpcError::InvalidParams("params.uri must be a string"));
    return;
  }
  auto readable = catalog.FindReadable(uri);
  auto not_found = [uri](Call& self) {
    // SEP-2164: -32602 with data.uri; 2025-11-25 and earlier used -32002.
    self.Fail(RpcError{self.setup().modern ? kInvalidParams : kLegacyResourceNotFound,
                       "resource not found: " + uri, json::object{{"uri", uri}}, 200});
  };
  if (!readable) {
    not_found(*call);
    return;
  }
  std::function<void(Call&)> invoke = [this, handler = readable->handler, uri,
                                       variables = std::move(readable->variables),
                                       not_found](Call& self) {
    ReadOutcome outcome = (*handler)(uri, variables, self);
    if (Settle(self, outcome)) return;
    if (std::holds_alternative<NotFound>(outcome)) return not_found(self);
    json::object out = ContentsJson(std::get<std::vector<ResourceContents>>(outcome));
    if (self.setup().modern) Decorate(out, true, options.read_ttl);
    self.Finish(out);
  };
  call->invoke = std::move(invoke);
  Run(std::move(call));
}

void Server::Impl::GetPrompt(std::shared_ptr<Call> call, const json::object& params) {
  const Prompt* prompt = catalog.FindPrompt(call->setup().target);
  if (call->setup().target.empty() || prompt == nullptr) {
    call->Fail(RpcError::InvalidParams("unknown prompt: " + call->setup().target));
    return;
  }
  json::object arguments;
  if (const json::value* given = params.if_contains("arguments"); given && !given->is_null()) {
    if (!given->is_object()) {
      call->Fail(RpcError::InvalidParams("params.arguments must be an object of strings"));
      return;
    }
    for (const auto& [key, value] : given->as_object()) {
      if (!value.is_string()) {
        call->Fail(RpcError::InvalidParams("prompt argument \"" + std::string(key) +
                                           "\" must be a string"));
        return;
      }
    }
    arguments = given->as_object();
  }
  for (const PromptArgument& argument : prompt->arguments) {
    if (argument.required && !arguments.contains(argument.name)) {
      call->Fail(RpcError::InvalidParams("missing required prompt argument: " + argument.name));
      return;
    }
  }
  const Prompt* found = prompt;
  std::function<void(Call&)> invoke = [this, found, arguments = std::move(arguments)](Call& self) {
    PromptOutcome outcome = found->handler(arguments, self);
    if (Settle(self, outcome)) return;
    json::object out = std::move(std::get<json::object>(outcome));
    if (self.setup().modern) Decorate(out, false, {});
    self.Finish(out);
  };
  call->invoke = std::move(invoke);
  Run(std::move(call));
}

void Server::Impl::Complete(std::shared_ptr<Call> call, const json::object& params) {
  const json::value* ref = params.if_contains("ref");
  const json::value* argument = params.if_contains("argument");
  if (ref == nullptr || !ref->is_object() || argument == nullptr || !argument->is_object()) {
    call->Fail(RpcError::InvalidParams("params.ref and params.argument must be objects"));
    return;
  }
  const json::value* name = argument->as_object().if_contains("name");
  const json::value* value = argument->as_object().if_contains("value");
  if (name == nullptr || !name->is_string() || value == nullptr || !value->is_string()) {
    call->Fail(RpcError::InvalidParams("params.argument needs string \"name\" and \"value\""));
    return;
  }
  json::object context_arguments;
  if (const json::value* context = params.if_contains("context"); context && context->is_object()) {
    if (const json::value* args = context->as_object().if_contains("arguments");
        args && args->is_object()) {
      context_arguments = args->as_object();
    }
  }
  Run(call, [this, ref = ref->as_object(), name = std::string(name->as_string()),
             value = std::string(value->as_string()), context_arguments](Call& self) {
    std::vector<std::string> values =
        catalog.completion()(ref, name, value, context_arguments, self.principal());
    const size_t total = values.size();
    if (values.size() > 100) values.resize(100);
    json::array list;
    for (auto& each : values) list.emplace_back(std::move(each));
    json::object out{
        {"completion",
         json::object{{"values", std::move(list)}, {"total", total}, {"hasMore", total > 100}}}};
    if (self.setup().modern) Decorate(out, false, {});
    self.Finish(out);
  });
}

}  // namespace taskwire::mcp
