#include "api/mcp_tools.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <string>
#include <utility>
#include <variant>

#include "api/errors.h"
#include "auth/scopes.h"
#include "base/duration.h"

namespace taskwire::api {

// ---- The bridge and the gate ---------------------------------------------------------------

namespace {

// What a principal made here carries: the caller, whose answers streams need.
class CallerData final : public mcp::PrincipalData {
 public:
  explicit CallerData(std::shared_ptr<const Caller> caller) : caller_(std::move(caller)) {}
  bool StillValid(base::WallTime now) const override { return caller_->StillValid(now); }
  std::optional<base::WallTime> Expires() const override { return caller_->Expires(); }
  const std::shared_ptr<const Caller>& caller() const { return caller_; }

 private:
  const std::shared_ptr<const Caller> caller_;
};

}  // namespace

mcp::Principal PrincipalOf(std::shared_ptr<const Caller> caller) {
  mcp::Principal principal;
  principal.subject = "user:" + std::to_string(caller->identity.user_id);
  principal.scopes = caller->scopes;
  principal.data = std::make_shared<const CallerData>(std::move(caller));
  return principal;
}

const std::shared_ptr<const Caller>& CallerOf(const mcp::Principal& principal) {
  static const std::shared_ptr<const Caller> kAnonymous;
  if (principal.data == nullptr) return kAnonymous;
  return static_cast<const CallerData&>(*principal.data).caller();
}

void McpGate::Authenticate(const http::Request& request, std::function<void(Outcome)> done) {
  gate_.AuthenticateGuarded(request, [done = std::move(done)](Gate::Outcome outcome) {
    if (auto* refusal = std::get_if<Gate::Refusal>(&outcome)) {
      done(mcp::Refusal{.status = refusal->status,
                        .message = std::move(refusal->message),
                        .headers = std::move(refusal->headers)});
      return;
    }
    done(PrincipalOf(std::get<std::shared_ptr<const Caller>>(std::move(outcome))));
  });
}

// ---- Tools, resources and prompts ------------------------------------------------------------

namespace {

using mcp::CallContext;
using mcp::ToolResult;

constexpr std::string_view kJson = "application/json";
constexpr size_t kPromptTasks = 30;

// An operation's answer, already JSON text (Operation::run). A tool's errors are all isError
// results the model reads (api/errors.h): the real reason, and for a failure of the server a hint
// to retry.
ToolResult ToToolResult(base::Result<std::string> result) {
  if (!result) return ToolResult::Error(McpMessage(result.error()));
  // A review-mode write kept as a proposal: its "next" also as a text block of its own, so a
  // model that reads only text learns that nothing changed yet and what happens now.
  std::optional<std::string> next = ProposalNext(*result);
  ToolResult tool = ToolResult::StructuredText(std::move(*result));
  if (next) tool.content.push_back(json::object{{"type", "text"}, {"text", std::move(*next)}});
  return tool;
}

std::string NotAnId(std::string_view argument) {
  return std::string(argument) + " must be an id: " + std::string(kIdRange);
}

// An error met by a prompt or a resource read, whose answers have no isError (api/errors.h): what
// the caller can act on (what it named does not exist, is not theirs, is not valid) is -32602
// with the reason; a failure of the server (a busy database) is -32603 with a hint to retry,
// never a not-found.
mcp::RpcError RpcErrorOf(const base::Error& error) {
  if (AnswerOf(error.code()).actionable) return mcp::RpcError::InvalidParams(error.message());
  return mcp::RpcError::Internal(McpMessage(error));
}

std::optional<int64_t> ParseId(std::string_view text) {
  int64_t id = 0;
  if (text.empty() ||
      std::from_chars(text.data(), text.data() + text.size(), id).ptr !=
          text.data() + text.size() ||
      id <= 0) {
    return std::nullopt;
  }
  return id;
}

std::string VariableOf(const json::object& variables, std::string_view name) {
  const json::value* value = variables.if_contains(name);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::string PromptArgument(const json::object& arguments, std::string_view name) {
  const json::value* value = arguments.if_contains(name);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

json::object TextMessage(std::string text) {
  return json::object{{"role", "user"},
                      {"content", json::object{{"type", "text"}, {"text", std::move(text)}}}};
}

json::object ResourceMessage(std::string uri, const json::object& body) {
  return json::object{
      {"role", "user"},
      {"content", json::object{{"type", "resource"},
                               {"resource", json::object{{"uri", std::move(uri)},
                                                         {"mimeType", kJson},
                                                         {"text", json::serialize(body)}}}}}};
}

std::string TaskUri(int64_t id) { return "taskwire://tasks/" + std::to_string(id); }

// A principal without a caller: the MCP endpoint's only authenticator (McpGate) makes none, so
// this fails closed should one ever arrive.
constexpr std::string_view kNoIdentity = "this request carries no identity";

// The read handler of a template with one numeric {id}: takes anything but a positive integer as
// not found, and serves what `read` returns as JSON. NotFound from `read` (unknown, or another
// organization's) is the protocol's not-found. The template's scope was checked by the library.
mcp::ReadHandler JsonById(std::function<base::Result<json::object>(const Caller&, int64_t)> read) {
  return [read = std::move(read)](std::string_view uri, const json::object& variables,
                                  CallContext& context) -> mcp::ReadOutcome {
    const Caller* caller = CallerOf(context.principal()).get();
    if (caller == nullptr) return mcp::RpcError::InvalidParams(std::string(kNoIdentity));
    const auto id = ParseId(VariableOf(variables, "id"));
    if (!id) return mcp::NotFound{};
    auto body = read(*caller, *id);
    if (!body) {
      if (body.error().code() == base::ErrorCode::kNotFound) return mcp::NotFound{};
      return RpcErrorOf(body.error());
    }
    return std::vector<mcp::ResourceContents>{
        {std::string(uri), std::string(kJson), json::serialize(*body), std::nullopt}};
  };
}

// ---- run_job as an MCP task (the tasks extension, docs/jobs.md "The tasks extension") ---------

base::WallTime TimeOf(const std::string& iso, base::WallTime fallback) {
  auto time = base::ParseIso8601(iso);
  return time ? *time : fallback;
}

// The task a run is, for its starter: its status from the run's, and, once the run has ended,
// run_job's answer for it as the result.
std::variant<mcp::TaskInfo, mcp::RpcError> TaskOf(Operations& operations, const Caller& caller,
                                                  const jobs::Run& run, std::string subject) {
  const base::WallTime now = std::chrono::system_clock::now();
  mcp::TaskInfo info;
  info.subject = std::move(subject);
  info.created_at = TimeOf(run.created_at, now);
  info.last_updated_at =
      TimeOf(run.finished_at.value_or(run.started_at.value_or(run.created_at)), info.created_at);
  // Kept for jobs.retention after it ends: from its creation that is at least as long as it has
  // lasted so far and the retention, exactly that once it has ended.
  const base::WallTime until =
      run.finished_at ? info.last_updated_at : std::max(now, info.created_at);
  info.ttl = std::chrono::duration_cast<std::chrono::milliseconds>(until - info.created_at) +
             operations.runs()->retention();
  const std::string id = std::to_string(run.id);
  switch (run.status) {
    case jobs::RunStatus::kQueued:
      info.status = mcp::TaskStatus::kWorking;
      info.status_message = "run " + id + " is queued, waiting for a free slot";
      break;
    case jobs::RunStatus::kRunning:
      info.status = mcp::TaskStatus::kWorking;
      info.status_message =
          run.progress
              ? std::to_string(run.progress->done) + "/" + std::to_string(run.progress->total) +
                    (run.progress->message.empty() ? "" : " " + run.progress->message)
              : "run " + id + " is running";
      break;
    case jobs::RunStatus::kCancelled:
      info.status = mcp::TaskStatus::kCancelled;
      info.status_message = "run " + id + " was stopped" +
                            (run.stopped_by ? " by " + *run.stopped_by : std::string());
      break;
    case jobs::RunStatus::kInterrupted:
      info.status = mcp::TaskStatus::kFailed;
      info.status_message = "the server stopped during run " + id + ", which ended interrupted";
      info.error = mcp::RpcError{mcp::kInternalError,
                                 info.status_message + "; start the job again with run_job",
                                 json::object{{"runId", run.id}}, 200};
      break;
    case jobs::RunStatus::kSucceeded:
    case jobs::RunStatus::kFailed:
    case jobs::RunStatus::kTimedOut: {
      // The same answer run_job gives, with the run's status in it: a failed run is no tool error.
      auto answer = operations.RunJobAnswer(caller, run.id);
      if (!answer) return RpcErrorOf(answer.error());
      info.status = mcp::TaskStatus::kCompleted;
      info.status_message = "run " + id + " " + std::string(jobs::RunStatusName(run.status));
      info.result = ToolResult::StructuredText(std::move(*answer));
      break;
    }
  }
  return info;
}

// The hooks that keep run_job's tasks in the runs' own records: the MCP task id is stored on the
// run (migration 0011) when it starts, bound to its starter, and the task is the run.
mcp::TaskHooks RunJobTasks(Operations& operations) {
  mcp::TaskHooks hooks;
  hooks.start =
      [&operations](
          const json::object& arguments, CallContext& context,
          std::string_view task_id) -> std::variant<mcp::TaskInfo, ToolResult, mcp::RpcError> {
    const std::shared_ptr<const Caller>& caller = CallerOf(context.principal());
    if (!caller) return ToolResult::Error(kNoIdentity);
    // Refused before any task exists: the answer is run_job's isError, as without a task.
    auto run = operations.StartRun(arguments, *caller, task_id);
    if (!run) return ToolResult::Error(McpMessage(run.error()));
    auto info = TaskOf(operations, *caller, *run, context.principal().subject);
    if (auto* error = std::get_if<mcp::RpcError>(&info)) return std::move(*error);
    return std::get<mcp::TaskInfo>(std::move(info));
  };
  hooks.get = [&operations](const mcp::Principal& principal, std::string_view task_id)
      -> std::variant<mcp::TaskInfo, mcp::NotFound, mcp::RpcError> {
    const std::shared_ptr<const Caller>& caller = CallerOf(principal);
    if (!caller) return mcp::NotFound{};
    auto run = operations.runs()->FindMcpTask(caller->actor, task_id);
    if (!run) {
      if (run.error().code() == base::ErrorCode::kNotFound) return mcp::NotFound{};
      return RpcErrorOf(run.error());
    }
    auto info = TaskOf(operations, *caller, *run, principal.subject);
    if (auto* error = std::get_if<mcp::RpcError>(&info)) return std::move(*error);
    return std::get<mcp::TaskInfo>(std::move(info));
  };
  hooks.cancel = [&operations](const mcp::Principal& principal,
                               std::string_view task_id) -> std::optional<mcp::RpcError> {
    const std::shared_ptr<const Caller>& caller = CallerOf(principal);
    if (!caller) return mcp::RpcError::InvalidParams(std::string(kNoIdentity));
    // Stopping a run is a write, refused to a review-mode credential like stop_run.
    if (!caller->MayWrite()) return mcp::RpcError::InvalidParams(std::string(kReviewModeRefusal));
    auto run = operations.runs()->FindMcpTask(caller->actor, task_id);
    if (!run) return RpcErrorOf(run.error());
    if (auto stopped = operations.runs()->Stop(caller->actor, run->id); !stopped) {
      return RpcErrorOf(stopped.error());
    }
    return std::nullopt;
  };
  return hooks;
}

}  // namespace

void RegisterMcp(mcp::Server& server, Operations& operations, Usage& usage, tasks::EventHub& hub) {
  tasks::TaskStore& store = operations.tasks();

  // Tools: one per operation.
  for (const Operation& operation : operations.all()) {
    const Operation* op = &operation;
    mcp::Tool tool;
    tool.name = op->name;
    tool.title = op->title;
    tool.description = op->description;
    tool.input = op->input;
    tool.output = op->output;
    tool.annotations = op->annotations;
    tool.scope = op->scope;
    tool.handler = [op, &usage](const json::object& arguments,
                                CallContext& context) -> mcp::ToolOutcome {
      // The library has checked the tool's scope (Tool::scope) before this runs.
      const std::shared_ptr<const Caller>& caller = CallerOf(context.principal());
      if (!caller) return ToolResult::Error(kNoIdentity);
      const auto started = std::chrono::steady_clock::now();
      const auto record = [&usage, caller, op, started](bool error) {
        usage.Record(caller->actor.user_id, caller->identity.client, op->name,
                     std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - started),
                     error);
      };
      if (!op->run) {
        // An operation that waits (poll_events, run_job, get_run): answered when it is done,
        // holding no thread meanwhile. A run's progress reaches a caller that sent a
        // progressToken as notifications/progress; the copy of `resume` keeps the context
        // usable until then (mcp::Deferred).
        return mcp::Deferred{[op, arguments, caller, record,
                              &context](std::function<void(ToolResult)> resume) {
          Waiting waiting;
          waiting.progress = [resume, &context](const jobs::Progress& progress) {
            context.Progress(static_cast<double>(progress.done),
                             progress.total > 0
                                 ? std::optional<double>(static_cast<double>(progress.total))
                                 : std::nullopt,
                             progress.message);
          };
          waiting.done = [resume = std::move(resume), record](base::Result<std::string> result) {
            record(!result);
            resume(ToToolResult(std::move(result)));
          };
          op->wait(arguments, caller, std::move(waiting));
        }};
      }
      auto result = op->run(arguments, *caller);
      record(!result);
      return ToToolResult(std::move(result));
    };
    if (op->name == "run_job" && operations.runs() != nullptr) {
      // A 2026-07-28 client that opts into the tasks extension gets the run as a task.
      tool.task_support = mcp::TaskSupport::kOptional;
      tool.task_hooks = RunJobTasks(operations);
    }
    server.AddTool(std::move(tool));
  }

  // Resources.
  server.AddResourceTemplate(mcp::ResourceTemplate{
      .uri_template = "taskwire://tasks/{id}",
      .scope = std::string(auth::kScopeTasksRead),
      .name = "task",
      .title = "Task",
      .description = "One task in full, with parent, subtasks, latest messages and open questions.",
      .mime_type = std::string(kJson),
      .handler = JsonById([&store](const Caller& caller, int64_t id) -> base::Result<json::object> {
        auto detail = store.GetTask(caller.actor, id);
        if (!detail) return std::move(detail).error();
        return TaskDetailJson(*detail);
      })});
  server.AddResourceTemplate(mcp::ResourceTemplate{
      .uri_template = "taskwire://tasks/{id}/history",
      .scope = std::string(auth::kScopeTasksRead),
      .name = "task-history",
      .title = "Task history",
      .description = "The task's audit record, newest first (the latest 50 entries): who changed "
                     "what, when, through which credential, client and surface, per field before "
                     "and after.",
      .mime_type = std::string(kJson),
      .handler = JsonById([&store](const Caller& caller, int64_t id) -> base::Result<json::object> {
        tasks::AuditFilter filter;
        filter.task_id = id;
        auto page = store.ListAudit(caller.actor, filter);
        if (!page) return std::move(page).error();
        json::array entries;
        for (const tasks::AuditEntry& entry : page->entries)
          entries.push_back(AuditEntryJson(entry));
        json::object out{{"taskId", id}, {"entries", std::move(entries)}};
        if (!page->next_cursor.empty()) out["nextCursor"] = page->next_cursor;
        return out;
      })});
  server.AddResourceTemplate(mcp::ResourceTemplate{
      .uri_template = "taskwire://organizations/{id}",
      .scope = std::string(auth::kScopeOrganizationsRead),
      .name = "organization",
      .title = "Organization",
      .description = "An organization you belong to: your role, its members and open task count.",
      .mime_type = std::string(kJson),
      .handler = JsonById([&store](const Caller& caller, int64_t id) -> base::Result<json::object> {
        auto organization = store.GetOrganization(caller.actor.user_id, id);
        if (!organization) return std::move(organization).error();
        auto members = store.ListMembers(caller.actor.user_id, id);
        if (!members) return std::move(members).error();
        json::object body = OrganizationJson(*organization);
        json::array list;
        for (const auto& member : *members) {
          list.push_back(
              json::object{{"name", member.user_name}, {"role", tasks::RoleName(member.role)}});
        }
        body["members"] = std::move(list);
        return body;
      })});
  server.AddResourceTemplate(mcp::ResourceTemplate{
      .uri_template = "taskwire://organizations/{id}/tasks",
      .scope = std::string(auth::kScopeTasksRead),
      .name = "organization-tasks",
      .title = "Open tasks of an organization",
      .description =
          "The 50 most recently updated open (TODO or IN_PROGRESS) tasks of an organization.",
      .mime_type = std::string(kJson),
      .handler = JsonById([&store](const Caller& caller, int64_t id) -> base::Result<json::object> {
        auto organization = store.GetOrganization(caller.actor.user_id, id);
        if (!organization) return std::move(organization).error();
        tasks::TaskFilter filter;
        filter.organization_id = id;
        filter.statuses = {tasks::Status::kTodo, tasks::Status::kInProgress};
        auto page = store.ListTasks(caller.actor, filter);
        if (!page) return std::move(page).error();
        json::array list;
        for (const auto& task : page->tasks) list.push_back(TaskJson(task, false));
        return json::object{{"organizationId", id}, {"tasks", std::move(list)}};
      })});

  if (jobs::Runs* runs = operations.runs()) {
    server.AddResourceTemplate(mcp::ResourceTemplate{
        .uri_template = "taskwire://runs/{id}",
        .scope = std::string(auth::kScopeJobsRead),
        .name = "run",
        .title = "Job run",
        .description = "One run of a job, as get_run shows it (without its output).",
        .mime_type = std::string(kJson),
        .handler = JsonById([runs](const Caller& caller, int64_t id) -> base::Result<json::object> {
          auto run = runs->Get(caller.actor, id);
          if (!run) return std::move(run).error();
          return RunJson(*run);
        })});
    server.AddResourceTemplate(mcp::ResourceTemplate{
        .uri_template = "taskwire://jobs/{name}",
        .scope = std::string(auth::kScopeJobsRead),
        .name = "job",
        .title = "Job",
        .description =
            "A job you may run, as list_jobs shows it: its parameters' schema and limits.",
        .mime_type = std::string(kJson),
        .handler = [runs](std::string_view uri, const json::object& variables,
                          CallContext& context) -> mcp::ReadOutcome {
          const Caller* caller = CallerOf(context.principal()).get();
          if (caller == nullptr) return mcp::RpcError::InvalidParams(std::string(kNoIdentity));
          auto job = runs->GetJob(caller->actor, VariableOf(variables, "name"));
          if (!job) {
            if (job.error().code() == base::ErrorCode::kNotFound) return mcp::NotFound{};
            return RpcErrorOf(job.error());
          }
          return std::vector<mcp::ResourceContents>{{std::string(uri), std::string(kJson),
                                                     json::serialize(JobJson(**job)),
                                                     std::nullopt}};
        }});
  }

  // Prompts.
  server.AddPrompt(mcp::Prompt{
      .name = "triage",
      .scope = std::string(auth::kScopeTasksRead),
      .title = "Triage open tasks",
      .description = "Review an organization's open tasks (embedded) and propose priorities, "
                     "owners and next steps.",
      .arguments = {{"organizationId", "The organization (optional when you belong to one).",
                     false}},
      .handler = [&store](const json::object& arguments,
                          CallContext& context) -> mcp::PromptOutcome {
        const Caller* caller = CallerOf(context.principal()).get();
        if (caller == nullptr) return mcp::RpcError::InvalidParams(std::string(kNoIdentity));
        std::optional<int64_t> organization_id;
        const std::string given = PromptArgument(arguments, "organizationId");
        if (!given.empty()) {
          organization_id = ParseId(given);
          if (!organization_id) return mcp::RpcError::InvalidParams(NotAnId("organizationId"));
        } else {
          auto organizations = store.ListOrganizations(caller->actor.user_id);
          if (!organizations) return RpcErrorOf(organizations.error());
          if (organizations->size() != 1) {
            return mcp::RpcError::InvalidParams("give organizationId: you belong to " +
                                                std::to_string(organizations->size()) +
                                                " organizations");
          }
          organization_id = organizations->front().id;
        }
        auto organization = store.GetOrganization(caller->actor.user_id, *organization_id);
        if (!organization) return RpcErrorOf(organization.error());
        tasks::TaskFilter filter;
        filter.organization_id = organization_id;
        filter.statuses = {tasks::Status::kTodo, tasks::Status::kInProgress};
        filter.limit = kPromptTasks;
        auto page = store.ListTasks(caller->actor, filter);
        if (!page) return RpcErrorOf(page.error());
        json::array messages;
        messages.push_back(TextMessage(
            "Triage the open tasks of the organization \"" + organization->name + "\" (" +
            std::to_string(page->tasks.size()) +
            " shown below, most recently updated first). For each, say whether it is still "
            "relevant, what its priority should be, who should own it, and the next concrete "
            "step. Point out duplicates and tasks that should be split. Then propose the changes "
            "as update_task calls, but make none until I agree."));
        for (const auto& task : page->tasks) {
          messages.push_back(ResourceMessage(TaskUri(task.id), TaskJson(task, false)));
        }
        return json::object{{"description", "Triage of " + organization->name},
                            {"messages", std::move(messages)}};
      }});
  server.AddPrompt(mcp::Prompt{
      .name = "plan_task",
      .scope = std::string(auth::kScopeTasksRead),
      .title = "Plan a task",
      .description = "Break a task (embedded with its subtasks) into a plan of concrete subtasks.",
      .arguments = {{"taskId", "The task to plan.", true}},
      .handler = [&store](const json::object& arguments,
                          CallContext& context) -> mcp::PromptOutcome {
        const Caller* caller = CallerOf(context.principal()).get();
        if (caller == nullptr) return mcp::RpcError::InvalidParams(std::string(kNoIdentity));
        const auto id = ParseId(PromptArgument(arguments, "taskId"));
        if (!id) return mcp::RpcError::InvalidParams(NotAnId("taskId"));
        auto detail = store.GetTask(caller->actor, *id);
        if (!detail) return RpcErrorOf(detail.error());
        json::array messages;
        messages.push_back(TextMessage(
            "Make a plan for the task \"" + detail->task.title + "\" (id " + std::to_string(*id) +
            ", embedded below with its existing subtasks). Break it into concrete subtasks of "
            "at most a day each, in order, noting dependencies and open questions. Propose them "
            "as create_task calls with parentId " +
            std::to_string(*id) +
            "; ask a question with ask_question where a person must decide."));
        messages.push_back(ResourceMessage(TaskUri(*id), TaskDetailJson(*detail)));
        for (const auto& subtask : detail->subtasks) {
          auto child = store.GetTask(caller->actor, subtask.id);
          if (child)
            messages.push_back(ResourceMessage(TaskUri(subtask.id), TaskJson(child->task, false)));
        }
        return json::object{{"description", "Plan for task " + std::to_string(*id)},
                            {"messages", std::move(messages)}};
      }});
  server.AddPrompt(mcp::Prompt{
      .name = "standup",
      .scope = std::string(auth::kScopeTasksRead),
      .title = "Stand-up summary",
      .description = "Summarize what changed in your organizations since a time.",
      .arguments =
          {{"since",
            "An ISO 8601 time, or a duration back from now such as 24h or 7d (default 24h).",
            false},
           {"organizationId", "Only this organization.", false}},
      .handler = [&store](const json::object& arguments,
                          CallContext& context) -> mcp::PromptOutcome {
        const Caller* caller = CallerOf(context.principal()).get();
        if (caller == nullptr) return mcp::RpcError::InvalidParams(std::string(kNoIdentity));
        std::string since = PromptArgument(arguments, "since");
        if (since.empty()) since = "24h";
        auto since_at = base::ParseSince("since", since, std::chrono::system_clock::now());
        if (!since_at) return mcp::RpcError::InvalidParams(since_at.error().message());
        const std::string since_time = base::FormatIso8601(*since_at);
        tasks::TaskFilter filter;
        const std::string organization = PromptArgument(arguments, "organizationId");
        if (!organization.empty()) {
          filter.organization_id = ParseId(organization);
          if (!filter.organization_id)
            return mcp::RpcError::InvalidParams(NotAnId("organizationId"));
        }
        filter.updated_since = since_time;
        filter.limit = kPromptTasks;
        auto page = store.ListTasks(caller->actor, filter);
        if (!page) return RpcErrorOf(page.error());
        json::array messages;
        messages.push_back(TextMessage(
            "Write a short stand-up summary of what changed since " + since_time +
            ": what was "
            "finished, what is in progress, what is blocked or waiting on a question, and who "
            "is on what. The " +
            std::to_string(page->tasks.size()) + " tasks updated since then are embedded below."));
        for (const auto& task : page->tasks) {
          messages.push_back(ResourceMessage(TaskUri(task.id), TaskJson(task, false)));
        }
        return json::object{{"description", "Stand-up since " + since_time},
                            {"messages", std::move(messages)}};
      }});

  // Completions of prompt and template arguments.
  server.SetCompletionHandler([&store, runs = operations.runs()](
                                  const json::object& ref, std::string_view argument,
                                  std::string_view value, const json::object&,
                                  const mcp::Principal& principal) {
    std::vector<std::string> out;
    const Caller* caller = CallerOf(principal).get();
    if (caller == nullptr) return out;
    const json::value* uri = ref.if_contains("uri");
    const auto of_template = [uri](std::string_view prefix) {
      return uri && uri->is_string() && uri->as_string().starts_with(prefix);
    };
    const bool organization_template = of_template("taskwire://organizations/");
    if (runs != nullptr && (of_template("taskwire://runs/") || of_template("taskwire://jobs/"))) {
      // The runs and jobs the caller sees: the newest 50 runs, every job.
      if (!caller->Allows(auth::kScopeJobsRead)) return out;
      if (argument == "id") {
        auto page = runs->List(caller->actor, jobs::RunFilter{});
        if (!page) return out;
        for (const jobs::Run& run : page->runs) {
          const std::string id = std::to_string(run.id);
          if (id.starts_with(value)) out.push_back(id);
        }
      } else if (argument == "name") {
        auto visible = runs->ListJobs(caller->actor);
        if (!visible) return out;
        for (const auto& job : *visible) {
          if (job->name().starts_with(value)) out.push_back(job->name());
        }
      }
      return out;
    }
    if (argument == "status") {
      for (auto status : {tasks::Status::kTodo, tasks::Status::kInProgress, tasks::Status::kDone,
                          tasks::Status::kCancelled}) {
        if (tasks::StatusName(status).starts_with(value))
          out.emplace_back(tasks::StatusName(status));
      }
    } else if (argument == "organizationId" || (argument == "id" && organization_template)) {
      if (!caller->Allows(auth::kScopeOrganizationsRead) && !caller->Allows(auth::kScopeTasksRead))
        return out;
      auto organizations = store.ListOrganizations(caller->actor.user_id);
      if (!organizations) return out;
      for (const auto& organization : *organizations) {
        const std::string id = std::to_string(organization.id);
        if (id.starts_with(value)) out.push_back(id);
      }
    } else if (argument == "taskId" || argument == "id") {
      if (!caller->Allows(auth::kScopeTasksRead)) return out;
      auto ids = store.TaskIdsWithPrefix(caller->actor, value, 100);
      if (!ids) return out;
      for (int64_t id : *ids) out.push_back(std::to_string(id));
    }
    return out;
  });

  // Clients subscribed to a task or a run hear of its changes; only those who see it do: the
  // members of its organization, or the one user a run tied to no task belongs to.
  hub.Observe([&server, &store](const tasks::Event& event) {
    if (event.type.starts_with("run.")) {
      boost::system::error_code ec;
      const json::value data = json::parse(event.data, ec);
      const json::value* run_id =
          ec || !data.is_object() ? nullptr : data.as_object().if_contains("runId");
      if (run_id == nullptr || !run_id->is_int64()) return;
      std::set<std::string> audience;
      if (event.user_id) {
        audience.insert("user:" + std::to_string(*event.user_id));
      } else {
        auto members = store.MemberUserIds(event.organization_id);
        if (!members) return;
        for (int64_t id : *members) audience.insert("user:" + std::to_string(id));
      }
      server.NotifyResourceUpdated("taskwire://runs/" + std::to_string(run_id->as_int64()),
                                   &audience);
      return;
    }
    if (!event.task_id) return;
    auto members = store.MemberUserIds(event.organization_id);
    if (!members) return;
    std::set<std::string> audience;
    for (int64_t id : *members) audience.insert("user:" + std::to_string(id));
    server.NotifyResourceUpdated(TaskUri(*event.task_id), &audience);
    // A delete, restore or purge changes every task of the subtree it names, not just its root.
    if (event.type == "task.deleted" || event.type == "task.restored" ||
        event.type == "task.purged") {
      boost::system::error_code ec;
      const json::value data = json::parse(event.data, ec);
      for (const char* key : {"deletedIds", "restoredIds", "purgedIds"}) {
        const json::value* ids =
            ec || !data.is_object() ? nullptr : data.as_object().if_contains(key);
        if (ids == nullptr || !ids->is_array()) continue;
        for (const json::value& id : ids->as_array()) {
          if (id.is_int64() && id.as_int64() != *event.task_id)
            server.NotifyResourceUpdated(TaskUri(id.as_int64()), &audience);
        }
      }
    }
    server.NotifyResourceUpdated(
        "taskwire://organizations/" + std::to_string(event.organization_id) + "/tasks", &audience);
  });
}

}  // namespace taskwire::api
