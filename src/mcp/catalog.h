#pragma once

// Internal to the mcp module: what the application registered on mcp::Server (see
// server_impl.h), listed a page at a time and found by name.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mcp/types.h"

namespace taskwire::mcp {

// An argument a tool mirrors into an Mcp-Param-<name> header (MCP 2026-07-28 transports,
// "Custom headers"): where it sits in the arguments, and the header's name.
struct ParamHeader {
  std::string name;
  std::vector<std::string> path;  // property names from the arguments object down
};

// Every "x-mcp-header" reachable from `schema` through a chain of "properties" only.
std::vector<ParamHeader> ParamHeadersOf(const json::object& schema);

// Matches an RFC 6570 level-1 template ("test://template/{id}/data") against a URI; fills
// `variables`.
bool MatchTemplate(std::string_view pattern, std::string_view uri, json::object& variables);

// The tools, resources, resource templates and prompts, and the completion handler. Filled
// before serving, read-only after: then safe from any thread.
class Catalog {
 public:
  explicit Catalog(size_t page_size) : page_size_(page_size) {}

  void AddTool(Tool tool);
  void AddResource(Resource resource) { resources_.push_back(std::move(resource)); }
  void AddResourceTemplate(ResourceTemplate resource_template) {
    templates_.push_back(std::move(resource_template));
  }
  void AddPrompt(Prompt prompt) { prompts_.push_back(std::move(prompt)); }
  void SetCompletionHandler(CompletionHandler handler) { completion_ = std::move(handler); }

  bool has_tools() const { return !tools_.empty(); }
  bool has_prompts() const { return !prompts_.empty(); }
  bool has_resources() const { return !resources_.empty(); }
  // Resources or templates: what resources/list and resources/templates/list need.
  bool has_readables() const { return !resources_.empty() || !templates_.empty(); }
  const CompletionHandler& completion() const { return completion_; }
  // A tool with task support: what the tasks extension's methods need.
  bool has_tasks() const { return has_tasks_; }

  // nullptr when there is no such tool or prompt.
  const Tool* FindTool(std::string_view name) const;
  const Prompt* FindPrompt(std::string_view name) const;
  // The Mcp-Param-* headers a tool of this catalog's mirrors.
  const std::vector<ParamHeader>& ParamHeaders(const Tool& tool) const;

  // What reads `uri`: the resource of that URI, else the first template that matches it.
  struct Readable {
    const ReadHandler* handler;
    const std::string* scope;
    json::object variables;  // a template's {names} and their values
  };
  std::optional<Readable> FindReadable(std::string_view uri) const;

  // The scope a request for a tool, prompt or resource needs that `principal` lacks, if any.
  std::optional<std::string> MissingScope(const Message& message, const Principal& principal) const;

  // The server's capabilities (MCP basic/lifecycle), as this catalog makes them.
  json::object Capabilities() const;

  // A page of each list, from params.cursor; -32602 for a cursor this server did not give.
  // Tools the principal may not call are left out; `version` 2025-03-26 lists no titles or
  // output schemas.
  std::variant<json::object, RpcError> ListTools(const json::object& params,
                                                 std::string_view version,
                                                 const Principal& principal) const;
  std::variant<json::object, RpcError> ListPrompts(const json::object& params) const;
  std::variant<json::object, RpcError> ListResources(const json::object& params) const;
  std::variant<json::object, RpcError> ListTemplates(const json::object& params) const;

 private:
  const size_t page_size_;
  std::vector<Tool> tools_;
  std::vector<std::vector<ParamHeader>> tool_headers_;  // per tool, same order
  std::vector<Resource> resources_;
  std::vector<ResourceTemplate> templates_;
  std::vector<Prompt> prompts_;
  CompletionHandler completion_;
  bool has_tasks_ = false;
};

}  // namespace taskwire::mcp
