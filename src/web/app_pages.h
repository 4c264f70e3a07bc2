#pragma once

#include <functional>
#include <string>

#include "auth/sessions.h"
#include "base/worker_pool.h"
#include "http/host_guard.h"
#include "http/router.h"

namespace taskwire::web {

// The signed-in person's pages (docs/web.md), each a shell with the navigation whose script
// draws it from the REST API with the person's session cookie and CSRF token (api::Gate):
//   GET /board            the board and list of tasks, filters in the query string
//   GET /tasks/{id}       one task: fields, description, subtasks, thread, questions
//   GET /settings/keys    API keys and the commands that connect MCP clients with them
// Without a session each redirects to /signin, and back afterwards. Thread-safe.
class AppPages {
 public:
  struct Dependencies {
    auth::SessionStore& sessions;
    base::WorkerPool& pool;
    // The MCP endpoint's address as the request names the server, for connect commands.
    std::function<std::string(const http::Request&)> mcp_url;
    std::string session_cookie = "tw_session";
  };

  explicit AppPages(Dependencies deps) : deps_(std::move(deps)) {}

  void Register(http::Router& router) const;
  // The Host/Origin check, known once the server listens. Set before serving.
  void SetHostGuard(const http::HostGuard* guard) { guard_ = guard; }

 private:
  // The shell of `page` for the request's session, or a redirect to sign in. Blocking.
  http::Response Shell(const http::Request& request, std::string_view page,
                       std::string_view title) const;

  Dependencies deps_;
  const http::HostGuard* guard_ = nullptr;
};

}  // namespace taskwire::web
