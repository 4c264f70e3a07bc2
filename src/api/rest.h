#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/discovery.h"
#include "api/gate.h"
#include "api/operations.h"
#include "auth/api_keys.h"
#include "auth/scopes.h"
#include "http/router.h"
#include "oauth/grants.h"

namespace taskwire::api {

// The JSON REST API under /api/v1/ (docs/rest.md): the operations of the MCP tools with the same
// arguments, authentication and errors (a JSON body {"error": {"code", "message"}} with a 4xx
// status), plus the event feed as Server-Sent Events, the caller's own API keys and connected apps
// (OAuth grants). Every answer carries Cache-Control: no-store; a POST or PATCH whose Content-Type
// is not application/json gets 415. Thread-safe once registered.
class Rest {
 public:
  Rest(Operations& operations, Gate& gate, const Discovery& discovery, base::WorkerPool& pool,
       tasks::EventHub& hub, auth::ApiKeyStore& keys, oauth::GrantStore& grants);

  void Register(http::Router& outer);

  // How a route turns a request into an operation's arguments.
  struct Binding {
    std::vector<std::string> query;  // query parameters copied into the arguments
    std::string path_id;             // the argument the path's {id} fills ("taskId"), if any
    bool body = false;               // the JSON body object holds the arguments
    std::string path_name;           // the argument the path's {name} fills ("job"), if any
  };

 private:
  struct Feed;
  struct OutputFeed;
  // The routes of the API, each behind its edge (rest.cc): no-store answers, and a body that is
  // not declared application/json is refused (415) before anything else.
  struct Routes {
    http::Router& router;
    void Add(http::Method method, std::string_view pattern, http::Handler handler);
  };
  using Then =
      std::function<void(const http::Request&, http::Responder, std::shared_ptr<const Caller>)>;
  using Reader = std::function<base::Result<json::object>(tasks::TaskStore&, const Caller&,
                                                          const http::Request&, int64_t id)>;
  // Blocking work for a key route: the body to answer with.
  using KeyWork = std::function<base::Result<json::object>(const Caller&, const http::Request&)>;

  void Authenticated(http::Request& request, http::Responder responder, Then then);
  http::Handler Route(std::string_view operation_name, Binding binding, int success_status);
  void Run(const Operation& operation, json::object arguments, std::shared_ptr<const Caller> caller,
           http::Responder responder, int success_status);
  void Read(http::Request& request, http::Responder responder, Reader reader,
            std::string_view scope = auth::kScopeTasksRead);
  void StreamEvents(http::Request& request, http::Responder responder);
  // The job routes (api/rest_jobs.cc): /api/v1/jobs and /api/v1/runs, when the operations have
  // job runs.
  void RegisterJobs(Routes& router);
  // GET /api/v1/runs/{id}/output: a page of the output as JSON, or, for Accept:
  // text/event-stream, the output as it comes until the run ends.
  void ReadRunOutput(http::Request& request, http::Responder responder);
  // The request's arguments as `binding` says (the path, the query, the body); InvalidArgument or
  // NotFound (an id that is not one) otherwise.
  static base::Result<json::object> ArgumentsOf(const http::Request& request,
                                                const Binding& binding);
  void RegisterKeys(Routes& router);
  // GET /api/v1/board (api/rest_board.cc): every task the caller reads, with subtask progress
  // and open questions, for the web board.
  void RegisterBoard(Routes& router);
  // The caller's connected apps: GET /api/v1/grants, DELETE /api/v1/grants/{id}.
  void RegisterGrants(Routes& router);
  // Managing an organization the caller owns (api/rest_organizations.cc): its members' roles,
  // removing a member, renaming and deleting it.
  void RegisterOrganizations(Routes& router);
  // Authenticates, refuses OAuth tokens (403) and credentials without keys:manage
  // (insufficient_scope), then runs `work` on the pool.
  void ManageKeys(http::Request& request, http::Responder responder, int success_status,
                  KeyWork work);
  // Runs blocking `work` on the pool and answers with its JSON and `success_status`, or its
  // error; 503 with Retry-After when the pool is full.
  void Offload(http::Responder responder, int success_status,
               std::function<base::Result<json::object>()> work);

  Operations& operations_;
  Gate& gate_;
  const Discovery& discovery_;
  base::WorkerPool& pool_;
  tasks::EventHub& hub_;
  auth::ApiKeyStore& keys_;
  oauth::GrantStore& grants_;
};

}  // namespace taskwire::api
