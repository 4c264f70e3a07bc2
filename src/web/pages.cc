#include "web/pages.h"

#include <kainjow/mustache.hpp>

#include "base/check.h"

namespace taskwire::web {

std::span<const base::EmbeddedFile> TemplateFiles();  // generated

namespace {

std::string_view Template(std::string_view name) {
  for (const auto& file : TemplateFiles()) {
    if (file.path == name) return file.data;
  }
  CHECK(false && "template not embedded");
  return {};
}

// The navigation every signed-in page shows; `current` is the page it marks.
void SetNav(kainjow::mustache::data& data, std::string_view current) {
  data.set("nav", kainjow::mustache::partial([] { return std::string(Template("nav.html")); }));
  data.set("nav_board", current == "board" || current == "task");
  data.set("nav_keys", current == "keys");
  data.set("nav_apps", current == "apps");
}

}  // namespace

std::string RenderApp(const AppView& view) {
  kainjow::mustache::mustache page{std::string(Template("app.html"))};
  kainjow::mustache::data data;
  SetNav(data, view.page);
  data.set("page", view.page);
  data.set("title", view.title);
  data.set("user_name", view.user_name);
  data.set("csrf", view.csrf);
  data.set("task_id", view.task_id);
  data.set("mcp_url", view.mcp_url);
  return page.render(data);
}

std::string RenderHome(const HomeView& view) {
  kainjow::mustache::mustache page{std::string(Template("home.html"))};
  kainjow::mustache::data data;
  data.set("version", view.version);
  data.set("address", view.address);
  data.set("storage", view.storage);
  data.set("schema_version", std::to_string(view.schema_version));
  data.set("ready", view.ready);
  data.set("reason", view.reason);
  return page.render(data);
}

std::string RenderSignIn(const SignInView& view) {
  kainjow::mustache::mustache page{std::string(Template("signin.html"))};
  kainjow::mustache::data data;
  data.set("csrf", view.csrf);
  data.set("return_to", view.return_to);
  data.set("name", view.name);
  data.set("purpose", view.purpose);
  data.set("error", view.error);
  return page.render(data);
}

std::string RenderConsent(const ConsentView& view) {
  kainjow::mustache::mustache page{std::string(Template("consent.html"))};
  kainjow::mustache::data data;
  data.set("client_name", view.client_name);
  data.set("user_name", view.user_name);
  data.set("redirect_host", view.redirect_host);
  data.set("verified", view.verified);
  data.set("client_host", view.client_host);
  data.set("identity", view.identity);
  data.set("warning", view.warning);
  data.set("action", view.action);
  data.set("csrf", view.csrf);
  data.set("review", view.review);
  kainjow::mustache::data scopes{kainjow::mustache::data::type::list};
  for (const auto& scope : view.scopes) {
    kainjow::mustache::data item;
    item.set("name", scope.name);
    item.set("description", scope.description);
    item.set("checked", scope.checked);
    scopes.push_back(item);
  }
  data.set("scopes", scopes);
  return page.render(data);
}

std::string RenderContinue(const ContinueView& view) {
  kainjow::mustache::mustache page{std::string(Template("continue.html"))};
  kainjow::mustache::data data;
  data.set("client_name", view.client_name);
  data.set("user_name", view.user_name);
  data.set("redirect_host", view.redirect_host);
  data.set("identity", view.identity);
  data.set("scopes", view.scopes);
  data.set("action", view.action);
  data.set("csrf", view.csrf);
  return page.render(data);
}

std::string RenderMessage(std::string_view title, std::string_view message) {
  kainjow::mustache::mustache page{std::string(Template("message.html"))};
  kainjow::mustache::data data;
  data.set("title", std::string(title));
  data.set("message", std::string(message));
  return page.render(data);
}

std::string RenderApps(const AppsView& view) {
  kainjow::mustache::mustache page{std::string(Template("apps.html"))};
  kainjow::mustache::data data;
  SetNav(data, "apps");
  data.set("user_name", view.user_name);
  data.set("csrf", view.csrf);
  data.set("has_apps", !view.apps.empty());
  kainjow::mustache::data apps{kainjow::mustache::data::type::list};
  for (const auto& app : view.apps) {
    kainjow::mustache::data item;
    item.set("id", std::to_string(app.id));
    item.set("name", app.name);
    item.set("scopes", app.scopes);
    item.set("created_at", app.created_at);
    item.set("last_used_at", app.last_used_at);
    item.set("csrf", view.csrf);
    apps.push_back(item);
  }
  data.set("apps", apps);
  return page.render(data);
}

std::string_view ScopeDescription(std::string_view scope) {
  // Each says what the tools that need the scope do (docs/tasks.md lists them), nothing more.
  if (scope == "mcp:read") return "See your own use of this server: calls, errors and timings";
  if (scope == "organizations:read") return "See your organizations and their members";
  if (scope == "tasks:read") return "Read your tasks, comments and history";
  if (scope == "tasks:write") return "Create, change and comment on tasks as you";
  if (scope == "tasks:admin") {
    return "Delete, restore and purge tasks, and manage the organizations you own, as you";
  }
  if (scope == "jobs:read") return "See jobs and their runs";
  if (scope == "jobs:run") return "Start and cancel jobs as you";
  if (scope == "offline_access") return "Stay connected when you are away (a refresh token)";
  return "An unknown permission";
}

}  // namespace taskwire::web
