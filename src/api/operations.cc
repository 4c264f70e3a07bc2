#include "api/operations.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "api/operation_parts.h"
#include "auth/scopes.h"
#include "base/json_writer.h"

namespace taskwire::api {

using namespace parts;  // NOLINT(google-build-using-namespace): api/'s own shared parts

namespace {

using mcp::Schema;
using Required = mcp::Schema::Required;

constexpr size_t kListDescriptionPreview = 300;
constexpr size_t kMaxEventsPerPoll = 100;

std::vector<std::string> Strings(const json::value& value) {
  std::vector<std::string> out;
  for (const json::value& item : value.as_array()) out.emplace_back(item.as_string());
  return out;
}

// A Markdown string, or any other JSON value kept as a JSON document.
tasks::Description DescriptionArg(const json::value& value) {
  if (value.is_string()) {
    return {std::string(value.as_string()), tasks::DescriptionFormat::kMarkdown};
  }
  return {json::serialize(value), tasks::DescriptionFormat::kJson};
}

json::value Nullable(const std::optional<int64_t>& value) {
  return value ? json::value(*value) : json::value(nullptr);
}

// A JSON description (kept as a document) as it is; anything else, or a stored document that is
// not JSON after all, as a string.
void WriteDescription(base::JsonWriter& out, const tasks::Description& description) {
  if (description.format == tasks::DescriptionFormat::kJson) {
    boost::system::error_code ec;
    (void)json::parse(description.text, ec);
    if (!ec) {
      out.Raw("description", description.text);
      return;
    }
  }
  out.String("description", description.text);
}

void WriteSummary(base::JsonWriter& out, const tasks::TaskSummary& summary) {
  out.Int("id", summary.id)
      .String("title", summary.title)
      .String("status", tasks::StatusName(summary.status))
      .OptionalString("assignee", summary.assignee);
}

// Schemas -------------------------------------------------------------------------------------

Schema TitleSchema() {
  return Schema::String()
      .MinLength(1)
      .MaxLength(static_cast<int64_t>(tasks::kMaxTitle))
      .Description("One line, at most 500 characters.");
}

Schema DescriptionSchema() {
  return Schema::Raw(json::object{
      {"description",
       "Markdown text, or a JSON object/array kept as a structured document; at most 100 KB."},
      {"anyOf",
       json::array{json::object{{"type", "string"},
                                {"maxLength", static_cast<int64_t>(tasks::kMaxDescription)}},
                   json::object{{"type", "object"}}, json::object{{"type", "array"}}}}});
}

Schema LabelsSchema() {
  return Schema::Array(
             Schema::String().MinLength(1).MaxLength(static_cast<int64_t>(tasks::kMaxLabel)))
      .MaxItems(static_cast<int64_t>(tasks::kMaxLabels))
      .Description("Up to 20 labels of at most 50 characters; replaces the task's labels.");
}

Schema MessageSchema() {
  return Open()
      .Property("id", Schema::Integer(), Required::kYes)
      .Property("taskId", Schema::Integer(), Required::kYes)
      .Property("author", Schema::String(), Required::kYes)
      .Property("text", Schema::String(), Required::kYes)
      .Property("createdAt", Schema::String(), Required::kYes);
}

base::Result<int64_t> ParseCursor(std::string_view cursor) {
  int64_t position = 0;
  const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), position);
  // Digits beyond int64 (ec) leave position 0, which would be the whole history: refused.
  if (cursor.empty() || ec != std::errc() || end != cursor.data() + cursor.size() || position < 0) {
    return base::Error::InvalidArgument(
        "cursor must be the cursor an earlier poll_events returned");
  }
  return position;
}

}  // namespace

namespace parts {

Schema StatusSchema() {
  return Schema::String().Enum({"TODO", "IN_PROGRESS", "DONE", "CANCELLED"});
}

Schema TaskSchema() {
  return Open()
      .Property("id", Schema::Integer(), Required::kYes)
      .Property("organizationId", Schema::Integer(), Required::kYes)
      .Property("organization", Schema::String())
      .Property("parentId", Schema::Integer().Nullable())
      .Property("title", Schema::String(), Required::kYes)
      .Property("description", Schema::Any())
      .Property("descriptionFormat", Schema::String().Enum({"markdown", "json"}))
      .Property("status", StatusSchema(), Required::kYes)
      .Property("assignee", Schema::String().Nullable())
      .Property("owners", Schema::Array(Schema::String()))
      .Property("labels", Schema::Array(Schema::String()))
      .Property("version", Schema::Integer(), Required::kYes)
      .Property("createdAt", Schema::String())
      .Property("updatedAt", Schema::String())
      .Property("completedAt", Schema::String().Nullable())
      .Property("forkedFrom", Schema::Integer())
      .Property("deletedAt", Schema::String())
      .Property("deletedBy", Schema::String())
      .Property("purgeAt", Schema::String());
}

Schema QuestionSchema() {
  return Open()
      .Property("id", Schema::Integer(), Required::kYes)
      .Property("taskId", Schema::Integer(), Required::kYes)
      .Property("question", Schema::String(), Required::kYes)
      .Property("choices", Schema::Array(Schema::String()))
      .Property("status", Schema::String().Enum({"open", "answered"}), Required::kYes)
      .Property("forPerson", Schema::Boolean())
      .Property("answer", Schema::String().Nullable())
      .Property("answeredVia", Open().Nullable());
}

}  // namespace parts

// Renderings ----------------------------------------------------------------------------------

void WriteTask(base::JsonWriter& out, const tasks::Task& task, bool full_description) {
  out.Int("id", task.id)
      .Int("organizationId", task.organization_id)
      .String("organization", task.organization_name)
      .OptionalInt("parentId", task.parent_id)
      .String("title", task.title);
  const bool markdown = task.description.format == tasks::DescriptionFormat::kMarkdown;
  if (full_description || task.description.text.size() <= kListDescriptionPreview) {
    WriteDescription(out, task.description);
  } else if (markdown) {
    // Cut on a character boundary; get_task has the whole text.
    size_t cut = kListDescriptionPreview;
    while (cut > 0 && (static_cast<unsigned char>(task.description.text[cut]) & 0xC0) == 0x80)
      --cut;
    out.String("description", task.description.text.substr(0, cut) + "…");
    out.Bool("descriptionTruncated", true);
  } else {
    out.Bool("descriptionTruncated", true);
  }
  out.String("descriptionFormat", markdown ? "markdown" : "json")
      .String("status", tasks::StatusName(task.status))
      .OptionalString("assignee", task.assignee)
      .Strings("owners", task.owners)
      .Strings("labels", task.labels)
      .OptionalString("createdBy", task.created_by)
      .Int("version", task.version)
      .String("createdAt", task.created_at)
      .String("updatedAt", task.updated_at)
      .OptionalString("completedAt", task.completed_at);
  if (task.forked_from) out.Int("forkedFrom", *task.forked_from);
  if (task.deleted_at) {
    out.String("deletedAt", *task.deleted_at)
        .OptionalString("deletedBy", task.deleted_by)
        .OptionalString("purgeAt", task.purge_at);
  }
}

void WriteTaskDetail(base::JsonWriter& out, const tasks::TaskDetail& detail) {
  WriteTask(out, detail.task, true);
  if (detail.parent) {
    WriteSummary(out.BeginObject("parent"), *detail.parent);
    out.EndObject();
  } else {
    out.Null("parent");
  }
  out.BeginArray("subtasks");
  for (const auto& subtask : detail.subtasks)
    WriteSummary(out.BeginObject(), subtask), out.EndObject();
  out.EndArray().BeginArray("latestMessages");
  for (const auto& message : detail.latest_messages)
    WriteMessage(out.BeginObject(), message), out.EndObject();
  out.EndArray().Int("messageCount", detail.message_count).BeginArray("openQuestions");
  for (const auto& question : detail.open_questions)
    WriteQuestion(out.BeginObject(), question), out.EndObject();
  out.EndArray().BeginArray("answeredQuestions");
  for (const auto& question : detail.answered_questions)
    WriteQuestion(out.BeginObject(), question), out.EndObject();
  out.EndArray().BeginArray("history");
  for (const auto& entry : detail.history)
    WriteAuditEntry(out.BeginObject(), entry), out.EndObject();
  out.EndArray();
}

json::object TaskJson(const tasks::Task& task, bool full_description) {
  return Parsed([&](base::JsonWriter& out) { WriteTask(out, task, full_description); });
}

json::object TaskDetailJson(const tasks::TaskDetail& detail) {
  return Parsed([&](base::JsonWriter& out) { WriteTaskDetail(out, detail); });
}

json::object OrganizationJson(const tasks::Organization& organization) {
  return json::object{{"id", organization.id},
                      {"name", organization.name},
                      {"role", tasks::RoleName(organization.role)},
                      {"openTasks", organization.open_tasks},
                      {"createdAt", organization.created_at}};
}

void WriteMessage(base::JsonWriter& out, const tasks::Message& message) {
  out.Int("id", message.id)
      .Int("taskId", message.task_id)
      .String("author", message.author)
      .String("text", message.text)
      .String("createdAt", message.created_at);
  if (!message.client.empty()) out.String("client", message.client);
}

// Which credential, client and surface asked or answered; "" where it was not recorded.
void WriteVia(base::JsonWriter& out, const tasks::Via& via) {
  out.String("credential", via.credential)
      .String("client", via.client)
      .String("surface", via.surface);
}

void WriteQuestion(base::JsonWriter& out, const tasks::Question& question) {
  out.Int("id", question.id)
      .Int("taskId", question.task_id)
      .String("question", question.question)
      .Strings("choices", question.choices)
      .String("askedBy", question.asked_by)
      .String("askedAt", question.created_at)
      .String("status", question.answer ? "answered" : "open")
      .Bool("forPerson", question.for_person)
      .OptionalString("answer", question.answer)
      .OptionalString("answeredBy", question.answered_by)
      .OptionalString("answeredAt", question.answered_at);
  WriteVia(out.BeginObject("askedVia"), question.asked_via);
  out.EndObject();
  if (question.answered_via) {
    WriteVia(out.BeginObject("answeredVia"), *question.answered_via);
    out.EndObject();
  } else {
    out.Null("answeredVia");
  }
}

json::object MessageJson(const tasks::Message& message) {
  return Parsed([&](base::JsonWriter& out) { WriteMessage(out, message); });
}

json::object QuestionJson(const tasks::Question& question) {
  return Parsed([&](base::JsonWriter& out) { WriteQuestion(out, question); });
}

json::object EventJson(const tasks::Event& event) {
  boost::system::error_code ec;
  json::value data = json::parse(event.data, ec);
  if (ec) data = json::object{};
  return json::object{
      {"id", std::to_string(event.id)},
      {"type", event.type},
      // 0: of no organization (a job run tied to no task, docs/jobs.md).
      {"organizationId",
       event.organization_id == 0 ? json::value(nullptr) : json::value(event.organization_id)},
      {"taskId", Nullable(event.task_id)},
      {"actor", event.actor},
      {"at", event.at},
      {"data", std::move(data)}};
}

// Operations ----------------------------------------------------------------------------------

bool Operation::Writes() const {
  const json::value* read_only = annotations.if_contains("readOnlyHint");
  return !(read_only != nullptr && read_only->is_bool() && read_only->as_bool());
}

Operations::Operations(tasks::TaskStore& tasks, tasks::EventHub& hub, base::WorkerPool& pool,
                       Usage& usage, jobs::Runs* runs, ReviewSettings review)
    : tasks_(tasks), hub_(hub), pool_(pool), usage_(usage), runs_(runs), review_(review) {
  AddOperations();
  AddTrashOperations();
  AddQuestionOperations();
  AddAuditOperations();
  AddJobOperations();
  AddProposalOperations();
  RouteReviewWrites();
}

const Operation* Operations::Find(std::string_view name) const {
  for (const Operation& operation : operations_) {
    if (operation.name == name) return &operation;
  }
  return nullptr;
}

void Operations::AddOperations() {
  operations_.push_back(Operation{
      .name = "whoami",
      .title = "Who am I",
      .description =
          "Returns the user this connection acts for, the client and credential it uses, the "
          "scopes granted to it, and its review mode: off (writes apply), person (writes become "
          "proposals a person commits) or confirm (writes become proposals you may commit with "
          "commit_proposal in a separate call); reviewModeNote says what that means for you. "
          "Call it first if unsure what you may do.",
      .scope = "",
      .input = Schema::Object(),
      .output =
          Open()
              .Property("user",
                        Open().Property("id", Schema::Integer()).Property("name", Schema::String()),
                        Required::kYes)
              .Property("scopes", Schema::Array(Schema::String()), Required::kYes)
              .Property("reviewMode", Schema::String().Enum({"off", "person", "confirm"}),
                        Required::kYes)
              .Property("reviewModeNote", Schema::String()),
      .annotations = Annotations(true, false, true),
      .run =
          Serialized([](const json::object&, const Caller& caller) -> base::Result<json::object> {
            const auth::Identity& id = caller.identity;
            json::array scopes;
            for (const std::string& scope : id.scopes) scopes.emplace_back(scope);
            json::object me{
                {"user", json::object{{"id", id.user_id}, {"name", id.user_name}}},
                {"client", id.client},
                {"credential", id.credential},
                {"scopes", std::move(scopes)},
                {"reviewMode", auth::ReviewModeName(id.review)},
                {"credentialExpiresAt", id.expires ? json::value(base::FormatIso8601(*id.expires))
                                                   : json::value(nullptr)}};
            if (const std::string_view note = ReviewModeNote(id.review); !note.empty()) {
              me["reviewModeNote"] = note;
            }
            return me;
          })});

  operations_.push_back(Operation{
      .name = "list_organizations",
      .title = "List organizations",
      .description =
          "Lists the organizations you belong to, with your role in each (owner, admin, member, "
          "viewer; viewers cannot change tasks) and its number of open tasks. Use an "
          "organization's id as organizationId in create_task, list_tasks and search_tasks.",
      .scope = std::string(auth::kScopeOrganizationsRead),
      .input = Schema::Object(),
      .output = Open().Property("organizations", Schema::Array(Open()), Required::kYes),
      .annotations = Annotations(true, false, true),
      .run = Serialized(
          [this](const json::object&, const Caller& caller) -> base::Result<json::object> {
            auto organizations = tasks_.ListOrganizations(caller.actor.user_id);
            if (!organizations) return std::move(organizations).error();
            json::array out;
            for (const auto& organization : *organizations)
              out.push_back(OrganizationJson(organization));
            return json::object{{"organizations", std::move(out)}};
          })});

  operations_.push_back(Operation{
      .name = "list_tasks",
      .title = "List tasks",
      .description =
          "Lists up to 50 tasks, most recently updated first, from all your organizations unless "
          "filtered. Filters combine: status, organizationId, assignee (a user name, or \"me\"), "
          "parentId (a task's subtasks; 0 for top-level tasks only), label. Long descriptions are "
          "cut to 300 characters (descriptionTruncated); get_task returns the whole task. When "
          "nextCursor is present, pass it as cursor for the next page. deleted: true lists the "
          "trash instead, most recently deleted first, each task with deletedAt, deletedBy and "
          "purgeAt (restore_task brings one back).",
      .scope = std::string(auth::kScopeTasksRead),
      .input = Schema::Object()
                   .Property("status", StatusSchema().Description("Only tasks with this status."))
                   .Property("organizationId", IdSchema("organization"))
                   .Property("assignee", Schema::String().MinLength(1).MaxLength(64).Description(
                                             "A user name, or \"me\"."))
                   .Property("parentId", Schema::Integer().Minimum(0).Description(
                                             "Subtasks of this task; 0 for top-level tasks."))
                   .Property("label", Schema::String().MinLength(1).MaxLength(50))
                   .Property("deleted", Schema::Boolean().Description(
                                            "true: the trash instead of the live tasks."))
                   .Property("limit", LimitSchema())
                   .Property("cursor", CursorSchema()),
      .output = Open()
                    .Property("tasks", Schema::Array(TaskSchema()), Required::kYes)
                    .Property("nextCursor", Schema::String()),
      .annotations = Annotations(true, false, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        tasks::TaskFilter filter;
        if (auto status = OptionalString(arguments, "status")) {
          filter.statuses.push_back(*tasks::ParseStatus(*status));
        }
        filter.organization_id = OptionalInt(arguments, "organizationId");
        filter.assignee = OptionalString(arguments, "assignee");
        filter.parent_id = OptionalInt(arguments, "parentId");
        filter.label = OptionalString(arguments, "label");
        if (const json::value* deleted = arguments.if_contains("deleted"))
          filter.deleted = deleted->is_bool() && deleted->as_bool();
        filter.limit =
            static_cast<size_t>(OptionalInt(arguments, "limit").value_or(tasks::kMaxPage));
        filter.cursor = OptionalString(arguments, "cursor").value_or("");
        auto page = tasks_.ListTasks(caller.actor, filter);
        if (!page) return std::move(page).error();
        // Written straight as text: the hot read, with no tree in between.
        base::JsonWriter out;
        out.Reserve(256 + 512 * page->tasks.size());
        out.BeginArray("tasks");
        for (const auto& task : page->tasks)
          WriteTask(out.BeginObject(), task, false), out.EndObject();
        out.EndArray();
        if (!page->next_cursor.empty()) out.String("nextCursor", page->next_cursor);
        return std::move(out).Finish();
      }});

  operations_.push_back(Operation{
      .name = "get_task",
      .title = "Get a task",
      .description =
          "Returns one task in full: description, status, assignee, owners, labels, version, "
          "parent, subtasks, the latest 5 messages of its thread (messageCount has the total), "
          "its open questions, its 5 latest answered questions (who answered, through what), its "
          "history (the latest 10 audit entries: who changed what through which surface) and, for "
          "a credential with jobs:read, its latest 10 job runs "
          "(runs). Use version as expectedVersion in update_task.",
      .scope = std::string(auth::kScopeTasksRead),
      .input = Schema::Object().Property("taskId", IdSchema("task"), Required::kYes),
      .output = Open()
                    .Property("task", TaskSchema(), Required::kYes)
                    .Property("runs", Schema::Array(Open())),
      .annotations = Annotations(true, false, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        const int64_t id = IntArg(arguments, "taskId");
        auto detail = tasks_.GetTask(caller.actor, id);
        if (!detail) return std::move(detail).error();
        auto runs = TaskRuns(caller, id);
        if (!runs) return std::move(runs).error();
        base::JsonWriter out;
        out.Reserve(2048 + 512 * runs->size());
        WriteTaskDetail(out.BeginObject("task"), *detail);
        out.EndObject();
        if (runs_ != nullptr && caller.Allows(auth::kScopeJobsRead)) {
          out.BeginArray("runs");
          for (const jobs::Run& run : *runs) WriteRun(out.BeginObject(), run), out.EndObject();
          out.EndArray();
        }
        return std::move(out).Finish();
      }});

  operations_.push_back(Operation{
      .name = "search_tasks",
      .title = "Search tasks",
      .description =
          "Full-text search over task titles, descriptions and messages, best matches first, with "
          "a snippet showing the matched words between ** **. Every word must match; the last "
          "word also matches as a prefix. Words are taken literally (no operators).",
      .scope = std::string(auth::kScopeTasksRead),
      .input = Schema::Object()
                   .Property("query",
                             Schema::String()
                                 .MinLength(1)
                                 .MaxLength(static_cast<int64_t>(tasks::kMaxSearchQuery))
                                 .Description("Words to find, at most 500 characters."),
                             Required::kYes)
                   .Property("organizationId", IdSchema("organization"))
                   .Property("limit", LimitSchema())
                   .Property("cursor", CursorSchema()),
      .output =
          Open()
              .Property("results",
                        Schema::Array(Open()
                                          .Property("task", TaskSchema(), Required::kYes)
                                          .Property("snippet", Schema::String(), Required::kYes)
                                          .Property("score", Schema::Number())),
                        Required::kYes)
              .Property("nextCursor", Schema::String()),
      .annotations = Annotations(true, false, true),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        auto page = tasks_.Search(caller.actor, StringArg(arguments, "query"),
                                  OptionalInt(arguments, "organizationId"),
                                  static_cast<size_t>(OptionalInt(arguments, "limit").value_or(20)),
                                  OptionalString(arguments, "cursor").value_or(""));
        if (!page) return std::move(page).error();
        json::array results;
        for (const auto& hit : page->hits) {
          results.push_back(json::object{
              {"task", TaskJson(hit.task, false)}, {"snippet", hit.snippet}, {"score", hit.score}});
        }
        json::object result{{"results", std::move(results)}};
        if (!page->next_cursor.empty()) result["nextCursor"] = page->next_cursor;
        return result;
      })});

  operations_.push_back(Operation{
      .name = "create_task",
      .title = "Create a task",
      .description =
          "Creates a task and returns it. organizationId may be left out when you belong to "
          "exactly one organization, or when parentId is given (a subtask always belongs to its "
          "parent's organization); otherwise call list_organizations first. status defaults to "
          "TODO. assignee must be a member of the organization. You become the task's owner.",
      .scope = std::string(auth::kScopeTasksWrite),
      .input =
          Schema::Object()
              .Property("title", TitleSchema(), Required::kYes)
              .Property("organizationId", IdSchema("organization"))
              .Property("description", DescriptionSchema())
              .Property("status", StatusSchema())
              .Property("assignee", Schema::String().MinLength(1).MaxLength(64).Description(
                                        "User name of a member of the organization."))
              .Property(
                  "parentId",
                  IdSchema("parent task").Description("Makes the new task a subtask of this one."))
              .Property("labels", LabelsSchema()),
      .output = Open().Property("task", TaskSchema(), Required::kYes),
      .annotations = Annotations(false, false, false),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        tasks::NewTask spec;
        spec.title = StringArg(arguments, "title");
        spec.organization_id = OptionalInt(arguments, "organizationId");
        if (const json::value* description = arguments.if_contains("description")) {
          spec.description = DescriptionArg(*description);
        }
        if (auto status = OptionalString(arguments, "status"))
          spec.status = *tasks::ParseStatus(*status);
        spec.assignee = OptionalString(arguments, "assignee");
        spec.parent_id = OptionalInt(arguments, "parentId");
        if (const json::value* labels = arguments.if_contains("labels"))
          spec.labels = Strings(*labels);
        auto task = tasks_.CreateTask(caller.actor, spec);
        if (!task) return std::move(task).error();
        return json::object{{"task", TaskJson(*task, true)}};
      })});

  operations_.push_back(Operation{
      .name = "update_task",
      .title = "Update a task",
      .description =
          "Changes the fields you give and nothing else; returns the task with its new version. "
          "Setting status DONE fills completedAt (unless you give it); any other status clears "
          "it. assignee or parentId null clears them. labels replaces all labels. Give "
          "expectedVersion (the version you read) to fail instead of overwriting someone "
          "else's change.",
      .scope = std::string(auth::kScopeTasksWrite),
      .input =
          Schema::Object()
              .Property("taskId", IdSchema("task"), Required::kYes)
              .Property("title", TitleSchema())
              .Property("description", DescriptionSchema())
              .Property("status", StatusSchema())
              .Property("assignee",
                        Schema::String().MinLength(1).MaxLength(64).Nullable().Description(
                            "A member's user name, or null to unassign."))
              .Property("completedAt", Schema::String().MaxLength(40).Nullable().Description(
                                           "ISO 8601 UTC time; only for DONE tasks."))
              .Property("parentId",
                        Schema::Integer().Minimum(1).Nullable().Description(
                            "New parent task in the same organization, or null for top level."))
              .Property("labels", LabelsSchema())
              .Property("owners", Schema::Array(Schema::String().MinLength(1).MaxLength(64))
                                      .MaxItems(static_cast<int64_t>(tasks::kMaxOwners))
                                      .Description("User names of members; replaces the owners."))
              .Property("expectedVersion", Schema::Integer().Minimum(1).Description(
                                               "Fail if the task's version differs.")),
      .output = Open().Property("task", TaskSchema(), Required::kYes),
      .annotations = Annotations(false, false, true),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        tasks::TaskChanges changes;
        changes.title = OptionalString(arguments, "title");
        if (const json::value* description = arguments.if_contains("description")) {
          changes.description = DescriptionArg(*description);
        }
        if (auto status = OptionalString(arguments, "status"))
          changes.status = tasks::ParseStatus(*status);
        if (arguments.contains("assignee"))
          changes.assignee = OptionalString(arguments, "assignee");
        if (arguments.contains("completedAt"))
          changes.completed_at = OptionalString(arguments, "completedAt");
        if (arguments.contains("parentId")) changes.parent_id = OptionalInt(arguments, "parentId");
        if (const json::value* labels = arguments.if_contains("labels"))
          changes.labels = Strings(*labels);
        if (const json::value* owners = arguments.if_contains("owners"))
          changes.owners = Strings(*owners);
        changes.expected_version = OptionalInt(arguments, "expectedVersion");
        auto task = tasks_.UpdateTask(caller.actor, IntArg(arguments, "taskId"), changes);
        if (!task) return std::move(task).error();
        return json::object{{"task", TaskJson(*task, true)}};
      })});

  operations_.push_back(Operation{
      .name = "send_message",
      .title = "Send a message",
      .description =
          "Adds a message to a task's thread, signed with your user and client. Use it to report "
          "progress or results. Markdown, at most 20 KB.",
      .scope = std::string(auth::kScopeTasksWrite),
      .input = Schema::Object()
                   .Property("taskId", IdSchema("task"), Required::kYes)
                   .Property("text",
                             Schema::String().MinLength(1).MaxLength(
                                 static_cast<int64_t>(tasks::kMaxMessage)),
                             Required::kYes),
      .output = Open().Property("message", MessageSchema(), Required::kYes),
      .annotations = Annotations(false, false, false),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        auto message = tasks_.SendMessage(caller.actor, IntArg(arguments, "taskId"),
                                          StringArg(arguments, "text"));
        if (!message) return std::move(message).error();
        return json::object{{"message", MessageJson(*message)}};
      })});

  operations_.push_back(Operation{
      .name = "get_last_message",
      .title = "Get the last message",
      .description = "Returns the newest message of a task's thread with its author, or null when "
                     "the thread is empty.",
      .scope = std::string(auth::kScopeTasksRead),
      .input = Schema::Object().Property("taskId", IdSchema("task"), Required::kYes),
      .output = Open().Property("message", Schema::Any(), Required::kYes),
      .annotations = Annotations(true, false, true),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        auto message = tasks_.GetLastMessage(caller.actor, IntArg(arguments, "taskId"));
        if (!message) return std::move(message).error();
        return json::object{
            {"message", *message ? json::value(MessageJson(**message)) : json::value(nullptr)}};
      })});

  operations_.push_back(Operation{
      .name = "ask_question",
      .title = "Ask a person a question",
      .description =
          "Asks the people on a task a question and returns its id at once. Give choices (2 to "
          "20) for a multiple-choice answer, or none for free text. Only a person answers it "
          "(forPerson, true by default; false lets another agent's credential answer too), and "
          "never the credential that asked. The answer arrives as a question.answered event: "
          "wait for it with poll_events (taskId filter), or read it later with list_questions "
          "(taskId, status: answered) or get_task.",
      .scope = std::string(auth::kScopeTasksWrite),
      .input =
          Schema::Object()
              .Property("taskId", IdSchema("task"), Required::kYes)
              .Property("question",
                        Schema::String().MinLength(1).MaxLength(
                            static_cast<int64_t>(tasks::kMaxQuestion)),
                        Required::kYes)
              .Property("choices",
                        Schema::Array(Schema::String().MinLength(1).MaxLength(
                                          static_cast<int64_t>(tasks::kMaxChoice)))
                            .MaxItems(static_cast<int64_t>(tasks::kMaxChoices))
                            .Description("Possible answers; the answer must be one of them."))
              .Property("forPerson", Schema::Boolean().Description(
                                         "Only a person may answer (default true): not this or any "
                                         "other agent's credential.")),
      .output = Open().Property("question", QuestionSchema(), Required::kYes),
      .annotations = Annotations(false, false, false),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        std::vector<std::string> choices;
        if (const json::value* given = arguments.if_contains("choices")) choices = Strings(*given);
        const json::value* for_person = arguments.if_contains("forPerson");
        auto question = tasks_.AskQuestion(
            caller.actor, IntArg(arguments, "taskId"), StringArg(arguments, "question"), choices,
            for_person == nullptr || !for_person->is_bool() || for_person->as_bool());
        if (!question) return std::move(question).error();
        return json::object{{"question", QuestionJson(*question)}};
      })});

  operations_.push_back(Operation{
      .name = "answer_question",
      .title = "Answer a question",
      .description =
          "Answers an open question (once; with choices, the answer must be one of them). The "
          "credential that asked cannot answer its own question, and a question forPerson (the "
          "default) is answered only by a person: on the web, with the taskwire command, or "
          "through REST with their own API key, never over MCP. Returns the answered question "
          "with who answered through what (answeredVia).",
      .scope = std::string(auth::kScopeTasksWrite),
      .input = Schema::Object()
                   .Property("questionId", IdSchema("question"), Required::kYes)
                   .Property("answer",
                             Schema::String().MinLength(1).MaxLength(
                                 static_cast<int64_t>(tasks::kMaxAnswer)),
                             Required::kYes),
      .output = Open().Property("question", QuestionSchema(), Required::kYes),
      .annotations = Annotations(false, false, false),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        auto question = tasks_.AnswerQuestion(caller.actor, IntArg(arguments, "questionId"),
                                              StringArg(arguments, "answer"));
        if (!question) return std::move(question).error();
        return json::object{{"question", QuestionJson(*question)}};
      })});

  operations_.push_back(Operation{
      .name = "poll_events",
      .title = "Wait for events",
      .description =
          "Returns what happened in your organizations after a cursor: task.created, "
          "task.updated, task.deleted, task.restored, task.purged, message.created, "
          "question.asked, question.answered, proposal.created, proposal.committed and "
          "proposal.rejected (your own proposals, in review mode), "
          "and the state changes of job runs (run.queued, run.started, run.finished). If "
          "nothing has happened yet it waits up to timeoutMs (default 25000, at most 60000) for "
          "the first event. Pass the returned cursor to the next call; without one you continue "
          "where this credential's last poll ended (the first poll starts from now). taskId "
          "limits it to one task, e.g. to wait for the answer to ask_question.",
      .scope = std::string(auth::kScopeTasksRead),
      .input =
          Schema::Object()
              .Property("cursor",
                        Schema::String().MaxLength(20).Description(
                            "The cursor of the previous poll; \"0\" for the whole history."))
              .Property("taskId", IdSchema("task").Description("Only events of this task."))
              .Property("timeoutMs",
                        Schema::Integer()
                            .Minimum(0)
                            .Maximum(static_cast<double>(kMaxPollWait.count()))
                            .Description("How long to wait for a first event (0: do not wait).")),
      .output = Open()
                    .Property("events", Schema::Array(Open()), Required::kYes)
                    .Property("cursor", Schema::String(), Required::kYes)
                    .Property("hasMore", Schema::Boolean(), Required::kYes),
      .annotations = Annotations(true, false, false),
      .run = nullptr,
      .wait =
          [this](const json::object& arguments, std::shared_ptr<const Caller> caller,
                 Waiting waiting) {
            PollEvents(arguments, std::move(caller),
                       [done = std::move(waiting.done)](base::Result<json::object> events) {
                         if (!events) return done(std::move(events).error());
                         done(json::serialize(*events));
                       });
          },
  });

  operations_.push_back(Operation{
      .name = "get_usage",
      .title = "Get usage",
      .description = "Your calls since the server started, per client and tool: counts, errors "
                     "and latency percentiles (p50, p95, p99 in milliseconds, server side).",
      .scope = std::string(auth::kScopeMcpRead),
      .input = Schema::Object(),
      .output = Open()
                    .Property("since", Schema::String(), Required::kYes)
                    .Property("clients", Schema::Array(Open()), Required::kYes),
      .annotations = Annotations(true, false, true),
      .run = Serialized(
          [this](const json::object&, const Caller& caller) -> base::Result<json::object> {
            return usage_.Report(caller.actor.user_id);
          })});
}

void Operations::PollEvents(const json::object& arguments, std::shared_ptr<const Caller> caller,
                            std::function<void(base::Result<json::object>)> done) {
  const auto timeout = std::chrono::milliseconds(
      OptionalInt(arguments, "timeoutMs").value_or(kDefaultPollWait.count()));
  const std::optional<int64_t> task_id = OptionalInt(arguments, "taskId");
  int64_t after = 0;
  if (auto cursor = OptionalString(arguments, "cursor")) {
    auto parsed = ParseCursor(*cursor);
    if (!parsed) return done(std::move(parsed).error());
    after = *parsed;
  } else {
    // Each credential has its own place in the feed; the first poll starts from now.
    auto position = tasks_.ConsumerPosition(caller->identity.credential);
    if (!position) return done(std::move(position).error());
    if (*position) {
      after = **position;
    } else {
      auto latest = tasks_.LatestEventId();
      if (!latest) return done(std::move(latest).error());
      after = *latest;
    }
  }
  if (task_id) {
    // Unknown or invisible tasks answer NotFound rather than waiting forever.
    if (auto task = tasks_.GetTask(caller->actor, *task_id); !task)
      return done(std::move(task).error());
  }
  const auto deadline = DeadlineFor(*caller, timeout);
  WaitForEvents(std::move(caller), after, task_id, deadline, std::move(done));
}

void Operations::WaitForEvents(std::shared_ptr<const Caller> caller, int64_t after,
                               std::optional<int64_t> task_id,
                               std::chrono::steady_clock::time_point deadline,
                               std::function<void(base::Result<json::object>)> done) {
  // The wait outlives the request that authenticated it: each time it wakes, the credential is
  // asked again, and a revoked or expired one gets no events.
  if (!caller->StillValid(std::chrono::system_clock::now())) {
    return done(base::Error::Unauthenticated(
        "this credential was revoked or has expired while waiting; no events were delivered"));
  }
  // Read the hub's position before the query: an event committed after it wakes us at once.
  const int64_t seen = hub_.latest();
  auto events = tasks_.EventsAfter(caller->actor, after, task_id, kMaxEventsPerPoll + 1);
  if (!events) return done(std::move(events).error());
  if (!events->empty() || std::chrono::steady_clock::now() >= deadline) {
    const bool more = events->size() > kMaxEventsPerPoll;
    if (more) events->pop_back();
    json::array out;
    for (const auto& event : *events) out.push_back(EventJson(event));
    const int64_t cursor = events->empty() ? after : events->back().id;
    if (auto saved = tasks_.SetConsumerPosition(caller->identity.credential, cursor); !saved) {
      return done(std::move(saved).error());
    }
    return done(json::object{
        {"events", std::move(out)}, {"cursor", std::to_string(cursor)}, {"hasMore", more}});
  }
  // Nothing yet: no thread waits; the hub calls back on a new event or at the deadline, and the
  // query runs again on the pool.
  hub_.Wait(std::max(seen, after), deadline,
            [this, caller = std::move(caller), after, task_id, deadline,
             done = std::move(done)](bool timed_out) mutable {
              auto again = [this, caller, after, task_id, deadline, timed_out, done]() mutable {
                WaitForEvents(std::move(caller), after, task_id,
                              timed_out ? std::chrono::steady_clock::time_point::min() : deadline,
                              std::move(done));
              };
              if (!pool_.Post(again)) {
                done(base::Error::Unavailable("the server is overloaded; poll again"));
              }
            });
}

}  // namespace taskwire::api
