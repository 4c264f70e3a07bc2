#include "tasks/task_store.h"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "base/base64url.h"
#include "base/check.h"
#include "base/json_writer.h"
#include "tasks/rules.h"
#include "tasks/task_rows.h"
#include "tasks/task_rows_sqlite.h"
#include "tasks/task_store_parts.h"

namespace taskwire::tasks {

namespace {

using base::JsonWriter;  // audit changes and event data are written as text
using parts::CommitAndPublish;
using parts::LoadTask;
using parts::WriteEvent;
using rules::CanWrite;
using rules::CheckLine;
using rules::CheckText;
using rules::ViewerCannotWrite;
using store::Transaction;

// The rows of the database's dialect (SQLite is the only backend yet; PostgreSQL's rows join
// here).
std::unique_ptr<TaskRows> RowsFor(const store::Database& database) {
  CHECK(database.dialect() == "sqlite");
  return std::make_unique<SqliteTaskRows>();
}

// A page of the trash resumes by deletion time, a page of tasks by update time.
std::string EncodeListCursor(const Task& task, bool trash) {
  return base::Base64UrlEncode((trash ? task.deleted_at.value_or("") : task.updated_at) + "|" +
                               std::to_string(task.id));
}

base::Result<ListPosition> DecodeListCursor(std::string_view cursor) {
  const auto invalid = [] {
    return base::Error::InvalidArgument("cursor is not one this server issued; start without it");
  };
  auto text = base::Base64UrlDecode(cursor);
  if (!text) return invalid();
  const size_t bar = text->find('|');
  if (bar == std::string::npos) return invalid();
  int64_t id = 0;
  const char* begin = text->data() + bar + 1;
  const char* end = text->data() + text->size();
  const auto [parsed_end, error] = std::from_chars(begin, end, id);
  if (error != std::errc() || parsed_end != end || !base::ParseIso8601(text->substr(0, bar))) {
    return invalid();
  }
  return ListPosition{text->substr(0, bar), id};
}

// A cursor that is a number behind a tag ("o:" an offset, "q:" a question id, "a:" an audit
// entry id), base64url; "" is 0, the start.
base::Result<int64_t> DecodeTaggedCursor(std::string_view cursor, std::string_view tag) {
  if (cursor.empty()) return int64_t{0};
  int64_t number = 0;
  auto text = base::Base64UrlDecode(cursor);
  const auto parsed =
      text && text->rfind(tag, 0) == 0
          ? std::from_chars(text->data() + tag.size(), text->data() + text->size(), number)
          : std::from_chars_result{nullptr, std::errc::invalid_argument};
  if (parsed.ec != std::errc() || parsed.ptr != text->data() + text->size() || number < 0) {
    return base::Error::InvalidArgument("cursor is not one this server issued; start without it");
  }
  return number;
}

std::string EncodeTaggedCursor(std::string_view tag, int64_t number) {
  return base::Base64UrlEncode(std::string(tag) + std::to_string(number));
}

base::Result<size_t> DecodeOffsetCursor(std::string_view cursor) {
  auto offset = DecodeTaggedCursor(cursor, "o:");
  if (!offset) return std::move(offset).error();
  return static_cast<size_t>(*offset);
}

// Loads a task the actor may write to, for adding messages and questions.
base::Result<LoadedTask> WritableTask(TaskRows& rows, Transaction& tx, const Actor& actor,
                                      int64_t task_id) {
  auto loaded = LoadTask(rows, tx, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  if (!CanWrite(loaded->role)) return ViewerCannotWrite(loaded->task.organization_name);
  return loaded;
}

// The id of the member of `organization_id` named `name`; InvalidArgument (never revealing
// whether such a user exists elsewhere) otherwise.
base::Result<int64_t> MemberId(TaskRows& rows, Transaction& tx, int64_t organization_id,
                               const std::string& organization_name, std::string_view name) {
  auto id = rows.MemberId(tx, organization_id, name);
  if (!id) return std::move(id).error();
  if (!*id) {
    return base::Error::InvalidArgument("no member of organization '" + organization_name +
                                        "' is named '" + std::string(name) + "'");
  }
  return **id;
}

}  // namespace

std::string_view SurfaceName(Surface surface) {
  switch (surface) {
    case Surface::kCli:
      return "cli";
    case Surface::kMcp:
      return "mcp";
    case Surface::kRest:
      return "rest";
    case Surface::kWeb:
      return "web";
  }
  return "cli";
}

std::optional<Surface> ParseSurface(std::string_view name) {
  for (Surface surface : {Surface::kCli, Surface::kMcp, Surface::kRest, Surface::kWeb}) {
    if (SurfaceName(surface) == name) return surface;
  }
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kMember:
      return "member";
    case Role::kAdmin:
      return "admin";
    case Role::kOwner:
      return "owner";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kViewer, Role::kMember, Role::kAdmin, Role::kOwner}) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kTodo:
      return "TODO";
    case Status::kInProgress:
      return "IN_PROGRESS";
    case Status::kDone:
      return "DONE";
    case Status::kCancelled:
      return "CANCELLED";
  }
  return "TODO";
}

std::optional<Status> ParseStatus(std::string_view name) {
  for (Status status : {Status::kTodo, Status::kInProgress, Status::kDone, Status::kCancelled}) {
    if (StatusName(status) == name) return status;
  }
  return std::nullopt;
}

TaskStore::TaskStore(store::Database& database, const base::Clock& clock, EventHub& hub,
                     std::chrono::seconds recovery_window)
    : database_(database),
      clock_(clock),
      hub_(hub),
      recovery_window_(recovery_window),
      rows_(RowsFor(database)) {}

TaskStore::~TaskStore() = default;

// Organizations ---------------------------------------------------------------------------------

base::Result<Organization> TaskStore::CreateOrganization(const Actor& actor, std::string_view name,
                                                         int64_t owner_user_id) {
  if (auto ok = CheckLine("organization name", name, kMaxOrganizationName); !ok) {
    return std::move(ok).error();
  }
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto id = rows_->InsertOrganization(**tx, name, now);
  if (!id) {
    if (id.error().code() == base::ErrorCode::kAlreadyExists) {
      return base::Error::AlreadyExists("an organization named '" + std::string(name) +
                                        "' exists already");
    }
    return std::move(id).error();
  }
  if (auto member = rows_->InsertMembership(**tx, *id, owner_user_id, Role::kOwner, now); !member) {
    return std::move(member).error();
  }
  const std::string changes =
      JsonWriter().String("name", name).Int("ownerUserId", owner_user_id).Finish();
  if (auto audited =
          rows_->InsertAudit(**tx, actor, now, {*id, "organization", *id, "create", changes});
      !audited) {
    return std::move(audited).error();
  }
  if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
  return Organization{*id, std::string(name), Role::kOwner, 0, now};
}

base::Result<std::vector<Organization>> TaskStore::ListOrganizations(int64_t user_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->OrganizationsOf(**tx, user_id);
}

base::Result<std::vector<Organization>> TaskStore::ListAllOrganizations() {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->AllOrganizations(**tx);
}

base::Result<Organization> TaskStore::GetOrganization(int64_t user_id, int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto organization = rows_->OrganizationOf(**tx, user_id, organization_id);
  if (!organization) return std::move(organization).error();
  if (!*organization) return base::Error::NotFound("organization", std::to_string(organization_id));
  return std::move(**organization);
}

base::Result<Organization> TaskStore::FindOrganization(std::string_view name) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto organization = rows_->OrganizationNamed(**tx, name);
  if (!organization) return std::move(organization).error();
  if (!*organization) return base::Error::NotFound("organization", name);
  return std::move(**organization);
}

base::Result<std::vector<Member>> TaskStore::ListMembers(int64_t user_id, int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto role = rows_->RoleOf(**tx, user_id, organization_id);
  if (!role) return std::move(role).error();
  if (!*role) return base::Error::NotFound("organization", std::to_string(organization_id));
  return rows_->Members(**tx, organization_id);
}

base::Result<std::vector<int64_t>> TaskStore::MemberUserIds(int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->MemberUserIds(**tx, organization_id);
}

base::Result<void> TaskStore::SetMember(const Actor& actor, int64_t organization_id,
                                        int64_t user_id, Role role) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  // Demoting the only owner would leave nobody to manage the organization.
  if (role != Role::kOwner) {
    auto current = rows_->RoleOf(**tx, user_id, organization_id);
    if (!current) return std::move(current).error();
    if (*current == Role::kOwner) {
      auto owners = rows_->OwnerCount(**tx, organization_id);
      if (!owners) return std::move(owners).error();
      if (*owners <= 1) return LastOwner(**tx, organization_id);
    }
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  if (auto changed = rows_->UpsertMembership(**tx, organization_id, user_id, role, now); !changed)
    return changed;
  const std::string changes =
      JsonWriter().Int("userId", user_id).String("role", RoleName(role)).Finish();
  if (auto audited = rows_->InsertAudit(**tx, actor, now,
                                        {organization_id, "membership", user_id, "set", changes});
      !audited) {
    return audited;
  }
  return (*tx)->Commit();
}

// Tasks -----------------------------------------------------------------------------------------

base::Result<TaskPage> TaskStore::ListTasks(const Actor& actor, const TaskFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxPage);
  std::optional<ListPosition> position;
  if (!filter.cursor.empty()) {
    auto decoded = DecodeListCursor(filter.cursor);
    if (!decoded) return std::move(decoded).error();
    position = std::move(*decoded);
  }
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto tasks = rows_->ListTasks(**tx, actor.user_id, filter, position, limit);
  if (!tasks) return std::move(tasks).error();
  TaskPage page;
  page.tasks = std::move(tasks->items);
  for (Task& task : page.tasks) {
    if (task.deleted_at) task.purge_at = rules::PurgeAt(*task.deleted_at, recovery_window_);
  }
  if (tasks->more) page.next_cursor = EncodeListCursor(page.tasks.back(), filter.deleted);
  return page;
}

base::Result<TaskDetail> TaskStore::GetTask(const Actor& actor, int64_t task_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto loaded = LoadTask(*rows_, t, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  TaskDetail detail;
  detail.task = std::move(loaded->task);
  if (detail.task.parent_id) {
    auto parent = rows_->Summary(t, *detail.task.parent_id);
    if (!parent) return std::move(parent).error();
    detail.parent = std::move(*parent);
  }
  auto children = rows_->Subtasks(t, task_id);
  if (!children) return std::move(children).error();
  detail.subtasks = std::move(*children);
  auto messages = rows_->NewestMessages(t, task_id, 5);
  if (!messages) return std::move(messages).error();
  detail.latest_messages = std::move(*messages);
  auto count = rows_->MessageCount(t, task_id);
  if (!count) return std::move(count).error();
  detail.message_count = *count;
  auto questions = rows_->Questions(t, task_id, /*open_only=*/true);
  if (!questions) return std::move(questions).error();
  detail.open_questions = std::move(*questions);
  auto answered = rows_->LatestAnswered(t, task_id, 5);
  if (!answered) return std::move(answered).error();
  detail.answered_questions = std::move(*answered);
  auto history = rows_->TaskAudit(t, detail.task, kTaskHistory);
  if (!history) return std::move(history).error();
  detail.history = std::move(*history);
  return detail;
}

base::Result<Task> TaskStore::CreateTask(const Actor& actor, const NewTask& spec) {
  auto labels = rules::CheckNewTask(spec);
  if (!labels) return std::move(labels).error();

  auto tx = parts::BeginWrite(database_, actor);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;

  // Which organization: the one named, the parent's, or the user's only one.
  std::optional<int64_t> organization_id = spec.organization_id;
  if (spec.parent_id) {
    auto parent = LoadTask(*rows_, t, actor, *spec.parent_id, "parent task");
    if (!parent) return std::move(parent).error();
    if (organization_id && *organization_id != parent->task.organization_id) {
      return base::Error::InvalidArgument(
          "parent task " + std::to_string(parent->task.id) + " is in organization '" +
          parent->task.organization_name + "' (id " + std::to_string(parent->task.organization_id) +
          "), not organization " + std::to_string(*organization_id) +
          ": a subtask belongs to its parent's organization");
    }
    organization_id = parent->task.organization_id;
  }
  if (!organization_id) {
    auto ids = rows_->OrganizationIdsOf(t, actor.user_id, 2);
    if (!ids) return std::move(ids).error();
    if (ids->empty()) {
      return base::Error::FailedPrecondition(
          "you belong to no organization yet; an administrator can add you with "
          "'taskwire org member add ORG " +
          actor.user_name + "'");
    }
    if (ids->size() > 1) {
      return base::Error::InvalidArgument(
          "you belong to several organizations: give organizationId (list_organizations shows "
          "them)");
    }
    organization_id = ids->front();
  }
  auto role = rows_->RoleOf(t, actor.user_id, *organization_id);
  if (!role) return std::move(role).error();
  if (!*role) return base::Error::NotFound("organization", std::to_string(*organization_id));
  auto organization_name = rows_->OrganizationName(t, *organization_id);
  if (!organization_name) return std::move(organization_name).error();
  if (!CanWrite(**role)) return ViewerCannotWrite(*organization_name);

  std::optional<int64_t> assignee_id;
  if (spec.assignee) {
    auto id = MemberId(*rows_, t, *organization_id, *organization_name, *spec.assignee);
    if (!id) return std::move(id).error();
    assignee_id = *id;
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::optional<std::string> completed_at = rules::NewTaskCompletedAt(spec.status, now);
  auto id =
      rows_->InsertTask(t, *organization_id, spec, assignee_id, actor.user_id, now, completed_at);
  if (!id) return std::move(id).error();
  if (auto owner = rows_->InsertOwners(t, *id, {actor.user_id}); !owner)
    return std::move(owner).error();
  if (auto added = rows_->InsertLabels(t, *id, *labels); !added) return std::move(added).error();
  auto created = LoadTask(*rows_, t, actor, *id);
  if (!created) return std::move(created).error();
  const Task& task = created->task;
  JsonWriter changes;
  changes.String("title", task.title).String("status", StatusName(task.status));
  changes.OptionalInt("parentId", task.parent_id).OptionalString("assignee", task.assignee);
  changes.Strings("labels", task.labels);
  const std::string changed = changes.Finish();
  if (auto ok =
          rows_->InsertAudit(t, actor, now, {task.organization_id, "task", *id, "create", changed});
      !ok) {
    return std::move(ok).error();
  }
  auto event = WriteEvent(*rows_, t, actor, now, task.organization_id, *id, "task.created",
                          JsonWriter()
                              .String("title", task.title)
                              .String("status", StatusName(task.status))
                              .OptionalInt("parentId", task.parent_id)
                              .Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}, &actor); !ok) return std::move(ok).error();
  return created->task;
}

base::Result<Task> TaskStore::UpdateTask(const Actor& actor, int64_t task_id,
                                         const TaskChanges& changes) {
  auto checked = rules::CheckChanges(changes);
  if (!checked) return std::move(checked).error();

  auto tx = parts::BeginWrite(database_, actor);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto loaded = LoadTask(*rows_, t, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  const Task before = loaded->task;
  if (!CanWrite(loaded->role)) return ViewerCannotWrite(before.organization_name);
  if (auto ok = rules::CheckVersion(before, checked->expected_version); !ok)
    return std::move(ok).error();
  auto plan = rules::PlanUpdate(before, *checked, base::FormatIso8601(clock_.Now()));
  if (!plan) return std::move(plan).error();

  // The plan's columns, then what needs the database: members, the parent, the owner rows.
  TaskColumns columns{.title = plan->title,
                      .description = plan->description,
                      .status = plan->status,
                      .completed_at = plan->completed_at};
  if (plan->assignee) {
    columns.assignee_id.emplace();
    if (*plan->assignee) {
      auto id =
          MemberId(*rows_, t, before.organization_id, before.organization_name, **plan->assignee);
      if (!id) return std::move(id).error();
      *columns.assignee_id = *id;
    }
  }
  if (plan->parent_id) {
    if (const auto& parent_id = *plan->parent_id) {
      auto parent = LoadTask(*rows_, t, actor, *parent_id, "parent task");
      if (!parent) return std::move(parent).error();
      if (parent->task.organization_id != before.organization_id) {
        return base::Error::InvalidArgument(
            "parent task " + std::to_string(*parent_id) + " is in organization '" +
            parent->task.organization_name + "', this task in '" + before.organization_name +
            "': a subtask belongs to its parent's organization");
      }
      // No cycles: the new parent must not be below this task.
      auto below = rows_->Subtree(t, task_id);
      if (!below) return std::move(below).error();
      if (std::find(below->begin(), below->end(), *parent_id) != below->end()) {
        return base::Error::InvalidArgument("task " + std::to_string(*parent_id) +
                                            " is a subtask of task " + std::to_string(task_id) +
                                            "; making it the parent would create a cycle");
      }
    }
    columns.parent_id = *plan->parent_id;
  }
  if (plan->labels) {
    if (auto cleared = rows_->DeleteLabels(t, task_id); !cleared) return std::move(cleared).error();
    if (auto added = rows_->InsertLabels(t, task_id, *plan->labels); !added)
      return std::move(added).error();
  }
  if (plan->owners) {
    std::vector<int64_t> ids;
    for (const std::string& name : *plan->owners) {
      auto id = MemberId(*rows_, t, before.organization_id, before.organization_name, name);
      if (!id) return std::move(id).error();
      if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
    }
    if (auto cleared = rows_->DeleteOwners(t, task_id); !cleared) return std::move(cleared).error();
    if (auto added = rows_->InsertOwners(t, task_id, ids); !added) return std::move(added).error();
    auto names = rows_->OwnerNames(t, task_id);
    if (!names) return std::move(names).error();
    rules::AddOwners(*plan, before, *names);
  }
  // Nothing differs: leave the version alone (the transaction rolls back).
  if (plan->Empty()) return before;
  const std::string now = base::FormatIso8601(clock_.Now());

  if (auto updated = rows_->UpdateTask(t, task_id, columns, now); !updated)
    return std::move(updated).error();
  auto after = LoadTask(*rows_, t, actor, task_id);
  if (!after) return std::move(after).error();
  const std::string changed = std::move(plan->diff).Finish();
  if (auto ok = rows_->InsertAudit(t, actor, now,
                                   {before.organization_id, "task", task_id, "update", changed});
      !ok) {
    return std::move(ok).error();
  }
  auto event = WriteEvent(*rows_, t, actor, now, before.organization_id, task_id, "task.updated",
                          JsonWriter()
                              .String("title", after->task.title)
                              .String("status", StatusName(after->task.status))
                              .Int("version", after->task.version)
                              .Raw("changes", changed)
                              .Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}, &actor); !ok) return std::move(ok).error();
  return after->task;
}

base::Result<std::vector<int64_t>> TaskStore::TaskIdsWithPrefix(const Actor& actor,
                                                                std::string_view prefix,
                                                                size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->TaskIdsWithPrefix(**tx, actor.user_id, prefix, limit);
}

// Messages and questions ------------------------------------------------------------------------

base::Result<Message> TaskStore::SendMessage(const Actor& actor, int64_t task_id,
                                             std::string_view text) {
  if (auto ok = CheckText("text", text, kMaxMessage); !ok) return std::move(ok).error();
  auto tx = parts::BeginWrite(database_, actor);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto task = WritableTask(*rows_, t, actor, task_id);
  if (!task) return std::move(task).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto message = rows_->InsertMessage(t, task_id, actor, text, now);
  if (!message) return std::move(message).error();
  if (auto ok = rows_->Touch(t, task_id, now); !ok) return std::move(ok).error();
  const std::string changes =
      JsonWriter().Int("taskId", task_id).Int("length", static_cast<int64_t>(text.size())).Finish();
  if (auto ok = rows_->InsertAudit(
          t, actor, now, {task->task.organization_id, "message", message->id, "create", changes});
      !ok) {
    return std::move(ok).error();
  }
  auto event = WriteEvent(
      *rows_, t, actor, now, task->task.organization_id, task_id, "message.created",
      JsonWriter().Int("messageId", message->id).String("text", text.substr(0, 200)).Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}, &actor); !ok) return std::move(ok).error();
  return message;
}

base::Result<std::optional<Message>> TaskStore::GetLastMessage(const Actor& actor,
                                                               int64_t task_id) {
  auto messages = ListMessages(actor, task_id, -1, 1);
  if (!messages) return std::move(messages).error();
  if (messages->empty()) return std::optional<Message>();
  return std::optional<Message>(std::move(messages->back()));
}

base::Result<std::vector<Message>> TaskStore::ListMessages(const Actor& actor, int64_t task_id,
                                                           int64_t after, size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto task = LoadTask(*rows_, **tx, actor, task_id);
  if (!task) return std::move(task).error();
  // after < 0: the newest `limit` messages.
  return after < 0 ? rows_->NewestMessages(**tx, task_id, limit)
                   : rows_->MessagesAfter(**tx, task_id, after, limit);
}

base::Result<Question> TaskStore::AskQuestion(const Actor& actor, int64_t task_id,
                                              std::string_view question,
                                              const std::vector<std::string>& choices,
                                              bool for_person) {
  if (auto ok = CheckText("question", question, kMaxQuestion); !ok) return std::move(ok).error();
  if (auto ok = rules::CheckChoices(choices); !ok) return std::move(ok).error();
  auto tx = parts::BeginWrite(database_, actor);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto task = WritableTask(*rows_, t, actor, task_id);
  if (!task) return std::move(task).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto asked = rows_->InsertQuestion(t, task_id, actor, question, choices, for_person, now);
  if (!asked) return std::move(asked).error();
  if (auto ok = rows_->Touch(t, task_id, now); !ok) return std::move(ok).error();
  const std::string changes = JsonWriter()
                                  .Int("taskId", task_id)
                                  .String("question", question)
                                  .Strings("choices", choices)
                                  .Bool("forPerson", for_person)
                                  .Finish();
  if (auto ok = rows_->InsertAudit(
          t, actor, now, {task->task.organization_id, "question", asked->id, "ask", changes});
      !ok) {
    return std::move(ok).error();
  }
  auto event =
      WriteEvent(*rows_, t, actor, now, task->task.organization_id, task_id, "question.asked",
                 JsonWriter()
                     .Int("questionId", asked->id)
                     .String("question", question)
                     .Strings("choices", choices)
                     .Bool("forPerson", for_person)
                     .String("client", actor.client)
                     .String("surface", SurfaceName(actor.surface))
                     .Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}, &actor); !ok) return std::move(ok).error();
  return asked;
}

base::Result<Question> TaskStore::AnswerQuestion(const Actor& actor, int64_t question_id,
                                                 std::string_view answer) {
  if (auto ok = CheckText("answer", answer, kMaxAnswer); !ok) return std::move(ok).error();
  auto tx = parts::BeginWrite(database_, actor);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto found = rows_->QuestionOf(t, actor.user_id, question_id);
  if (!found) return std::move(found).error();
  if (!*found) return base::Error::NotFound("question", std::to_string(question_id));
  const Question& question = **found;
  auto task = WritableTask(*rows_, t, actor, question.task_id);
  if (!task) return std::move(task).error();
  if (auto may = rules::MayAnswer(question, actor); !may) return std::move(may).error();
  if (question.answer) {
    return base::Error::FailedPrecondition(
        "question " + std::to_string(question_id) + " was answered already by " +
        question.answered_by.value_or("someone") + " at " + question.answered_at.value_or("") +
        ": \"" + *question.answer + "\"");
  }
  if (!question.choices.empty() && std::find(question.choices.begin(), question.choices.end(),
                                             answer) == question.choices.end()) {
    std::string listed;
    for (const std::string& choice : question.choices) {
      listed += (listed.empty() ? "\"" : ", \"") + choice + "\"";
    }
    return base::Error::InvalidArgument("answer must be one of the question's choices: " + listed);
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  auto answered = rows_->AnswerQuestion(t, question_id, answer, actor, now);
  if (!answered) return std::move(answered).error();
  if (auto ok = rows_->Touch(t, question.task_id, now); !ok) return std::move(ok).error();
  const std::string changes =
      JsonWriter().Int("taskId", question.task_id).String("answer", answer).Finish();
  if (auto ok = rows_->InsertAudit(
          t, actor, now, {task->task.organization_id, "question", question_id, "answer", changes});
      !ok) {
    return std::move(ok).error();
  }
  auto event = WriteEvent(*rows_, t, actor, now, task->task.organization_id, question.task_id,
                          "question.answered",
                          JsonWriter()
                              .Int("questionId", question_id)
                              .String("question", question.question)
                              .String("answer", answer)
                              .String("client", actor.client)
                              .String("surface", SurfaceName(actor.surface))
                              .Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}, &actor); !ok) return std::move(ok).error();
  return answered;
}

base::Result<std::vector<Question>> TaskStore::ListQuestions(const Actor& actor, int64_t task_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto task = LoadTask(*rows_, **tx, actor, task_id);
  if (!task) return std::move(task).error();
  return rows_->Questions(**tx, task_id, /*open_only=*/false);
}

base::Result<QuestionPage> TaskStore::ListQuestions(const Actor& actor,
                                                    const QuestionFilter& filter) {
  auto before = DecodeTaggedCursor(filter.cursor, "q:");
  if (!before) return std::move(before).error();
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  if (filter.task_id) {
    auto task = LoadTask(*rows_, **tx, actor, *filter.task_id);
    if (!task) return std::move(task).error();
  }
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxPage);
  auto rows = rows_->QuestionPage(**tx, actor.user_id, filter, *before, limit);
  if (!rows) return std::move(rows).error();
  QuestionPage page;
  page.questions = std::move(rows->items);
  if (rows->more) {
    page.next_cursor = EncodeTaggedCursor("q:", page.questions.back().id);
  }
  return page;
}

base::Result<Question> TaskStore::GetQuestion(const Actor& actor, int64_t question_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto question = rows_->QuestionOf(**tx, actor.user_id, question_id);
  if (!question) return std::move(question).error();
  if (!*question) return base::Error::NotFound("question", std::to_string(question_id));
  return std::move(**question);
}

// Search, events, audit -------------------------------------------------------------------------

base::Result<SearchPage> TaskStore::Search(const Actor& actor, std::string_view query,
                                           std::optional<int64_t> organization_id, size_t limit,
                                           std::string_view cursor) {
  if (query.size() > kMaxSearchQuery) {
    return base::Error::InvalidArgument("query is longer than " + std::to_string(kMaxSearchQuery) +
                                        " characters");
  }
  auto backend_query = rows_->SearchQuery(query);
  if (!backend_query) return std::move(backend_query).error();
  auto offset = DecodeOffsetCursor(cursor);
  if (!offset) return std::move(offset).error();
  limit = std::clamp<size_t>(limit, 1, kMaxPage);
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto hits = rows_->Search(**tx, actor.user_id, *backend_query, organization_id, limit, *offset);
  if (!hits) return std::move(hits).error();
  SearchPage page;
  page.hits = std::move(hits->items);
  if (hits->more)
    page.next_cursor = EncodeTaggedCursor("o:", static_cast<int64_t>(*offset + limit));
  return page;
}

base::Result<std::vector<Event>> TaskStore::EventsAfter(const Actor& actor, int64_t after,
                                                        std::optional<int64_t> task_id,
                                                        size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->EventsAfter(**tx, actor.user_id, after, task_id, limit);
}

base::Result<int64_t> TaskStore::LatestEventId() {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->LatestEventId(**tx);
}

base::Result<std::optional<int64_t>> TaskStore::ConsumerPosition(std::string_view consumer) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->ConsumerPosition(**tx, consumer);
}

base::Result<void> TaskStore::SetConsumerPosition(std::string_view consumer, int64_t position) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  if (auto changed = rows_->SetConsumerPosition(**tx, consumer, position); !changed) return changed;
  return (*tx)->Commit();
}

base::Result<std::vector<AuditEntry>> TaskStore::TaskAudit(const Actor& actor, int64_t task_id,
                                                           size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto task = LoadTask(*rows_, **tx, actor, task_id);
  if (!task) return std::move(task).error();
  return rows_->TaskAudit(**tx, task->task, limit);
}

namespace {

// The part of `filter` every reader shares: the since time, the cursor and the page size.
base::Result<AuditQuery> AuditQueryOf(const AuditFilter& filter) {
  AuditQuery query;
  if (filter.since) {
    auto since = base::ParseIso8601(*filter.since);
    if (!since) {
      return base::Error::InvalidArgument(
          "since must be an ISO 8601 time such as "
          "2026-12-01T09:00:00Z, not '" +
          *filter.since + "'");
    }
    query.since = base::FormatIso8601(*since);
  }
  auto before = DecodeTaggedCursor(filter.cursor, "a:");
  if (!before) return std::move(before).error();
  query.before = *before;
  query.user = filter.user;
  query.limit = std::clamp<size_t>(filter.limit, 1, kMaxPage);
  return query;
}

AuditPage PageOf(RowPage<AuditEntry> rows) {
  AuditPage page;
  page.entries = std::move(rows.items);
  if (rows.more) page.next_cursor = EncodeTaggedCursor("a:", page.entries.back().id);
  return page;
}

}  // namespace

base::Result<AuditPage> TaskStore::ListAudit(const Actor& actor, const AuditFilter& filter) {
  auto query = AuditQueryOf(filter);
  if (!query) return std::move(query).error();
  query->viewer = actor.user_id;
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  if (filter.task_id) {
    auto task = LoadTask(*rows_, **tx, actor, *filter.task_id);
    if (!task) return std::move(task).error();
    auto born = rows_->TaskBorn(**tx, task->task);
    if (!born) return std::move(born).error();
    query->task_id = task->task.id;
    query->task_organization = task->task.organization_id;
    query->born = *born;
  }
  auto rows = rows_->AuditPage(**tx, *query);
  if (!rows) return std::move(rows).error();
  return PageOf(std::move(*rows));
}

base::Result<AuditPage> TaskStore::ListAllAudit(const AuditFilter& filter) {
  auto query = AuditQueryOf(filter);
  if (!query) return std::move(query).error();
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  if (filter.task_id) {
    auto created = rows_->LatestCreation(**tx, *filter.task_id);
    if (!created) return std::move(created).error();
    if (!*created) return base::Error::NotFound("task", std::to_string(*filter.task_id));
    query->task_id = *filter.task_id;
    query->born = (*created)->first;
    query->task_organization = (*created)->second;
  }
  auto rows = rows_->AuditPage(**tx, *query);
  if (!rows) return std::move(rows).error();
  return PageOf(std::move(*rows));
}

// Writes beside the domain's ----------------------------------------------------------------------

base::Result<Event> TaskStore::AppendEvent(store::Transaction& tx, const Actor& actor,
                                           std::string_view now, NewEvent event) {
  auto id = rows_->InsertEvent(tx, actor, now, event.organization_id, event.task_id, event.user_id,
                               event.type, event.data);
  if (!id) return std::move(id).error();
  return Event{*id,
               event.organization_id,
               event.task_id,
               std::move(event.type),
               actor.user_name,
               std::string(now),
               std::move(event.data),
               event.user_id};
}

base::Result<void> TaskStore::AppendAudit(store::Transaction& tx, const Actor& actor,
                                          std::string_view now, const NewAuditEntry& entry) {
  return rows_->InsertAudit(
      tx, actor, now,
      {entry.organization_id, entry.entity, entry.entity_id, entry.action, entry.changes});
}

base::Result<std::optional<int64_t>> TaskStore::ReadableTaskOrganization(store::Transaction& tx,
                                                                         int64_t user_id,
                                                                         int64_t task_id) {
  auto loaded = rows_->LoadTask(tx, user_id, task_id);
  if (!loaded) return std::move(loaded).error();
  if (!*loaded) return std::optional<int64_t>();
  return std::optional<int64_t>((*loaded)->task.organization_id);
}

base::Result<std::optional<Role>> TaskStore::RoleIn(store::Transaction& tx, int64_t user_id,
                                                    int64_t organization_id) {
  return rows_->RoleOf(tx, user_id, organization_id);
}

}  // namespace taskwire::tasks
