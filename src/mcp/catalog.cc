// mcp::Server's catalog: what the application registered, listed a page at a time and found by
// name.
#include "mcp/catalog.h"

#include <algorithm>

#include "base/base64url.h"

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
  const json::value* name =
      message.params.if_contains(message.method == "resources/read" ? "uri" : "name");
  if (name == nullptr || !name->is_string()) return std::nullopt;  // the handler says what is wrong
  const std::string_view target = name->as_string();
  if (message.method == "tools/call") {
    if (const Tool* tool = FindTool(target)) return lacks(tool->scope);
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

}  // namespace taskwire::mcp
