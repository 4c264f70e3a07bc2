#include "web/app_pages.h"

#include <algorithm>

#include "http/offload.h"
#include "web/authorize.h"
#include "web/pages.h"

namespace taskwire::web {

void AppPages::Register(http::Router& router) const {
  const auto add = [this, &router](std::string_view path, const std::string& page,
                                   const std::string& title) {
    router.Add(http::Method::kGet, path,
               [this, page, title](http::Request& request, http::Responder responder) {
                 if (guard_ != nullptr) {
                   if (auto refused = guard_->Check(request))
                     return responder.Send(std::move(*refused));
                 }
                 http::Offload(deps_.pool, std::move(responder), Overloaded,
                               [this, page, title, request = std::move(request)] {
                                 return Shell(request, page, title);
                               });
               });
  };
  add("/board", "board", "Board");
  add("/tasks/{id}", "task", "Task");
  add("/settings/keys", "keys", "API keys");
}

http::Response AppPages::Shell(const http::Request& request, std::string_view page,
                               std::string_view title) const {
  const std::string_view id = request.Param("id");
  if (page == "task" &&
      (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), ::isdigit))) {
    return PrivatePage(404, RenderMessage("Not found", "There is no such task."));
  }
  std::optional<auth::Session> session;
  if (auto cookie = http::CookieValue(request.headers, deps_.session_cookie);
      cookie && !cookie->empty() && cookie->size() <= 100) {
    if (auto found = deps_.sessions.Find(*cookie)) session = std::move(*found);
  }
  if (!session) {
    http::Response response = http::Response::Text(303, "");
    response.headers.Set("Location", "/signin?return_to=" + http::PercentEncode(request.target));
    response.headers.Set("Cache-Control", "no-store");
    return response;
  }
  AppView view;
  view.page = std::string(page);
  view.title = std::string(title);
  view.user_name = session->user_name;
  view.csrf = session->csrf;
  view.task_id = std::string(id);
  view.mcp_url = deps_.mcp_url ? deps_.mcp_url(request) : "";
  return PrivatePage(200, RenderApp(view));
}

}  // namespace taskwire::web
