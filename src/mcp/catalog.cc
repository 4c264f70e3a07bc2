// mcp::Server's catalog: what the application registered, listed a page at a time and found by
// name; and its handlers run for a Call on the worker pool, their outcomes shaped, including the
// questions a handler asks the client.
#include "mcp/catalog.h"

#include <algorithm>

#include "base/base64url.h"
#include "base/check.h"
#include "mcp/server_impl.h"

namespace taskwire::mcp {

namespace {

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

template <typename Item, typename ToJson>
std::variant<json::object, RpcError> Page(const std::vector<Item>& items,
                                          const json::object& params, std::string_view key,
                                          size_t page_size, ToJson to_json) {
  const auto start = ParseCursor(params);
  if (!start || *start > items.size())
    return RpcError::InvalidParams("params.cursor is not a cursor this server gave");
  json::array page;
  const size_t end = std::min(items.size(), *start + page_size);
  for (size_t i = *start; i < end; ++i) page.emplace_back(to_json(items[i]));
  json::object result{{key, std::move(page)}};
  if (end < items.size()) result["nextCursor"] = Cursor(end);
  return result;
}

}  // namespace

std::vector<ParamHeader> ParamHeadersOf(const json::object& schema) {
  std::vector<ParamHeader> headers;
  std::vector<std::string> path;
  CollectParamHeaders(schema, path, headers);
  return headers;
}

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

void Catalog::AddTool(Tool tool) {
  // An application's tasks need a way to start, read and stop them; without task support the
  // hooks would never run.
  if (tool.task_hooks) {
    CHECK(tool.task_support != TaskSupport::kNone);
    CHECK(tool.task_hooks->start && tool.task_hooks->get && tool.task_hooks->cancel);
  }
  if (tool.task_support != TaskSupport::kNone) has_tasks_ = true;
  tool_headers_.push_back(ParamHeadersOf(tool.input.json()));
  tools_.push_back(std::move(tool));
}

const Tool* Catalog::FindTool(std::string_view name) const {
  const auto tool =
      std::find_if(tools_.begin(), tools_.end(), [&](const Tool& t) { return t.name == name; });
  return tool == tools_.end() ? nullptr : &*tool;
}

const Prompt* Catalog::FindPrompt(std::string_view name) const {
  const auto prompt = std::find_if(prompts_.begin(), prompts_.end(),
                                   [&](const Prompt& p) { return p.name == name; });
  return prompt == prompts_.end() ? nullptr : &*prompt;
}

const std::vector<ParamHeader>& Catalog::ParamHeaders(const Tool& tool) const {
  return tool_headers_[static_cast<size_t>(&tool - tools_.data())];
}

std::optional<Catalog::Readable> Catalog::FindReadable(std::string_view uri) const {
  for (const Resource& resource : resources_) {
    if (resource.uri == uri) return Readable{&resource.handler, &resource.scope, {}};
  }
  for (const ResourceTemplate& resource_template : templates_) {
    json::object variables;
    if (MatchTemplate(resource_template.uri_template, uri, variables)) {
      return Readable{&resource_template.handler, &resource_template.scope, std::move(variables)};
    }
  }
  return std::nullopt;
}

std::optional<std::string> Catalog::MissingScope(const Message& message,
                                                 const Principal& principal) const {
  const auto lacks = [&](const std::string& scope) -> std::optional<std::string> {
    if (scope.empty() || principal.Allows(scope)) return std::nullopt;
    return scope;
  };
  const bool task_method = message.method.starts_with("tasks/");
  const json::value* name = message.params.if_contains(
      message.method == "resources/read" ? "uri" : (task_method ? "taskId" : "name"));
  if (name == nullptr || !name->is_string()) return std::nullopt;  // the handler says what is wrong
  const std::string_view target = name->as_string();
  if (message.method == "tools/call") {
    if (const Tool* tool = FindTool(target)) return lacks(tool->scope);
  } else if (task_method) {
    // A task is re-authorized on every request for it: its tool's scope, as for the call.
    if (const Tool* tool = FindTool(TaskTool(target))) return lacks(tool->scope);
  } else if (message.method == "prompts/get") {
    if (const Prompt* prompt = FindPrompt(target)) return lacks(prompt->scope);
  } else if (message.method == "resources/read") {
    if (auto readable = FindReadable(target)) return lacks(*readable->scope);
  }
  return std::nullopt;
}

json::object Catalog::Capabilities() const {
  json::object capabilities;
  if (!tools_.empty()) capabilities["tools"] = json::object{{"listChanged", true}};
  if (!prompts_.empty()) capabilities["prompts"] = json::object{{"listChanged", true}};
  if (has_readables()) {
    capabilities["resources"] = json::object{{"subscribe", true}, {"listChanged", true}};
  }
  if (completion_) capabilities["completions"] = json::object{};
  capabilities["logging"] = json::object{};
  return capabilities;
}

std::variant<json::object, RpcError> Catalog::ListTools(const json::object& params,
                                                        std::string_view version,
                                                        const Principal& principal) const {
  // 2025-03-26 knew no titles or output schemas.
  const bool rich = version != "2025-03-26";
  std::vector<const Tool*> visible;
  for (const Tool& tool : tools_) {
    if (tool.scope.empty() || principal.Allows(tool.scope)) visible.push_back(&tool);
  }
  return Page(visible, params, "tools", page_size_, [&](const Tool* listed) {
    const Tool& tool = *listed;
    json::object item{
        {"name", tool.name}, {"description", tool.description}, {"inputSchema", tool.input.json()}};
    if (rich && !tool.title.empty()) item["title"] = tool.title;
    if (rich && tool.output) item["outputSchema"] = tool.output->json();
    if (!tool.annotations.empty()) item["annotations"] = tool.annotations;
    return item;
  });
}

std::variant<json::object, RpcError> Catalog::ListPrompts(const json::object& params) const {
  return Page(prompts_, params, "prompts", page_size_, [](const Prompt& prompt) {
    json::object item{{"name", prompt.name}, {"description", prompt.description}};
    if (!prompt.title.empty()) item["title"] = prompt.title;
    json::array arguments;
    for (const PromptArgument& argument : prompt.arguments) {
      json::object each{{"name", argument.name}, {"required", argument.required}};
      if (!argument.description.empty()) each["description"] = argument.description;
      arguments.emplace_back(std::move(each));
    }
    if (!arguments.empty()) item["arguments"] = std::move(arguments);
    return item;
  });
}

std::variant<json::object, RpcError> Catalog::ListResources(const json::object& params) const {
  return Page(resources_, params, "resources", page_size_, [](const Resource& resource) {
    json::object item{{"uri", resource.uri}, {"name", resource.name}};
    if (!resource.title.empty()) item["title"] = resource.title;
    if (!resource.description.empty()) item["description"] = resource.description;
    if (!resource.mime_type.empty()) item["mimeType"] = resource.mime_type;
    return item;
  });
}

std::variant<json::object, RpcError> Catalog::ListTemplates(const json::object& params) const {
  return Page(templates_, params, "resourceTemplates", page_size_,
              [](const ResourceTemplate& resource_template) {
                json::object item{{"uriTemplate", resource_template.uri_template},
                                  {"name", resource_template.name}};
                if (!resource_template.title.empty()) item["title"] = resource_template.title;
                if (!resource_template.description.empty()) {
                  item["description"] = resource_template.description;
                }
                if (!resource_template.mime_type.empty())
                  item["mimeType"] = resource_template.mime_type;
                return item;
              });
}

// ---- Running the handlers for a call -------------------------------------------------------

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

std::optional<RpcError> CheckInputRequests(const InputRequired& input,
                                           const json::object& client_capabilities) {
  if (input.input_requests.empty() && !input.request_state) {
    return RpcError::Internal("the handler asked for input without saying what");
  }
  for (const auto& [key, request] : input.input_requests) {
    const json::object* object = request.if_object();
    const json::value* method = object ? object->if_contains("method") : nullptr;
    if (method == nullptr || !method->is_string()) {
      return RpcError::Internal("an input request has no method");
    }
    const std::string_view needed = RequiredCapabilityOf(method->as_string());
    if (!needed.empty() && !client_capabilities.contains(needed)) {
      return RpcError::InvalidParams("the client did not declare the \"" + std::string(needed) +
                                     "\" capability");
    }
  }
  return std::nullopt;
}

void Server::Impl::Run(const std::shared_ptr<Call>& call, std::function<void(Call&)> invoke) {
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

void Server::Impl::AskClient(const std::shared_ptr<Call>& call, InputRequired input,
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
  if (auto problem = CheckInputRequests(input, setup.client_capabilities)) {
    call->Fail(*problem);
    return;
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

void Server::Impl::CallTool(const std::shared_ptr<Call>& call, json::object params) {
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
  // The tasks extension: the server makes a task of a call that opted in (SEP-2663), on
  // 2026-07-28 only; a tool that needs one was refused in StartCall when it did not opt in.
  const bool as_task = call->setup().modern && tool->task_support != TaskSupport::kNone &&
                       DeclaresTasks(call->setup().client_capabilities);
  std::function<void(Call&)> invoke = [this, found, as_task,
                                       arguments = std::move(arguments)](Call& self) {
    if (found->before_task) {
      if (std::optional<ToolOutcome> answer = found->before_task(arguments, self)) {
        return SettleTool(self, *answer);
      }
    }
    if (as_task) return StartTask(self, *found, arguments);
    ToolOutcome outcome = found->handler(arguments, self);
    SettleTool(self, outcome);
  };
  call->invoke = std::move(invoke);
  Run(call);
}

void Server::Impl::SettleTool(Call& call, ToolOutcome& outcome) {
  if (Settle(call, outcome)) return;
  if (auto* later = std::get_if<Deferred>(&outcome)) {
    // The call runs on the pool, which holds it: shared_from_this is safe here.
    later->start([this, held = call.shared_from_this()](ToolResult result) {
      FinishTool(*held, std::move(result));
    });
    return;
  }
  FinishTool(call, std::move(std::get<ToolResult>(outcome)));
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

void Server::Impl::ReadResource(const std::shared_ptr<Call>& call, const json::object& params) {
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
  Run(call);
}

void Server::Impl::GetPrompt(const std::shared_ptr<Call>& call, const json::object& params) {
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
  Run(call);
}

void Server::Impl::Complete(const std::shared_ptr<Call>& call, const json::object& params) {
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
