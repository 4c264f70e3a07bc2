// GET /api/v1/board: what the web board draws, in one answer (docs/rest.md, docs/web.md).

#include <unordered_map>

#include "api/errors.h"
#include "api/rest.h"

namespace taskwire::api {

namespace {

// How many tasks one board holds; past it the answer says "truncated".
constexpr size_t kMaxBoardTasks = 2000;

struct Progress {
  int64_t total = 0;  // children that are not cancelled
  int64_t done = 0;
};

// Every live task `caller` reads (of one organization when given), most recently updated first,
// each with its subtasks' progress and its open questions: the board's filters (assignee, label,
// status, text) are applied by the page, so that a card's progress counts every child.
base::Result<json::object> Board(tasks::TaskStore& store, const Caller& caller,
                                 std::optional<int64_t> organization_id) {
  std::vector<tasks::Task> all;
  tasks::TaskFilter filter;
  filter.organization_id = organization_id;
  bool truncated = false;
  while (true) {
    auto page = store.ListTasks(caller.actor, filter);
    if (!page) return std::move(page).error();
    for (tasks::Task& task : page->tasks) all.push_back(std::move(task));
    if (page->next_cursor.empty()) break;
    if (all.size() >= kMaxBoardTasks) {
      truncated = true;
      break;
    }
    filter.cursor = std::move(page->next_cursor);
  }
  std::unordered_map<int64_t, Progress> children;
  for (const tasks::Task& task : all) {
    if (!task.parent_id || task.status == tasks::Status::kCancelled) continue;
    Progress& progress = children[*task.parent_id];
    ++progress.total;
    if (task.status == tasks::Status::kDone) ++progress.done;
  }
  json::array out;
  out.reserve(all.size());
  for (const tasks::Task& task : all) {
    json::object item = TaskJson(task, /*full_description=*/false);
    const Progress progress = children.contains(task.id) ? children[task.id] : Progress{};
    item["subtasks"] = json::object{{"total", progress.total}, {"done", progress.done}};
    auto questions = store.ListQuestions(caller.actor, task.id);
    if (!questions) return std::move(questions).error();
    int64_t open = 0;
    for (const tasks::Question& question : *questions) {
      if (!question.answer) ++open;
    }
    item["openQuestions"] = open;
    out.push_back(std::move(item));
  }
  return json::object{{"tasks", std::move(out)}, {"truncated", truncated}};
}

}  // namespace

void Rest::RegisterBoard(Routes& router) {
  router.Add(
      http::Method::kGet, "/api/v1/board", [this](http::Request& incoming, http::Responder reply) {
        Authenticated(
            incoming, std::move(reply),
            [this](const http::Request& request, http::Responder responder,
                   std::shared_ptr<const Caller> caller) {
              if (!caller->Allows(auth::kScopeTasksRead)) {
                responder.Send(discovery_.InsufficientScope(request, auth::kScopeTasksRead, false));
                return;
              }
              auto arguments = ArgumentsOf(request, Binding{{"organizationId"}, "", false});
              if (!arguments) {
                responder.Send(RestError(arguments.error()));
                return;
              }
              std::optional<int64_t> organization;
              if (auto it = arguments->find("organizationId"); it != arguments->end()) {
                if (!it->value().is_int64() || it->value().as_int64() <= 0) {
                  responder.Send(http::Response::JsonError(
                      400, "invalid_argument",
                      "organizationId must be an organization id, " + std::string(kIdRange)));
                  return;
                }
                organization = it->value().as_int64();
              }
              Offload(std::move(responder), 200, [this, caller = std::move(caller), organization] {
                return Board(operations_.tasks(), *caller, organization);
              });
            });
      });
}

}  // namespace taskwire::api
