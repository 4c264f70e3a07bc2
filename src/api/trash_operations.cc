// The trash and forks (docs/tasks.md, "The trash" and "Forks"): delete_task, restore_task,
// purge_task and fork_task over tasks::TaskStore. list_tasks {deleted: true} lists the trash.
#include "api/operation_parts.h"
#include "api/operations.h"
#include "auth/scopes.h"

namespace taskwire::api {

using namespace parts;  // NOLINT(google-build-using-namespace): api/'s own shared parts

namespace {

using Required = mcp::Schema::Required;

json::array IdArray(const std::vector<int64_t>& ids) {
  json::array out;
  for (int64_t id : ids) out.emplace_back(id);
  return out;
}

// "30 days" for the descriptions: the window as a person says it.
std::string WindowText(std::chrono::seconds window) {
  const auto days = window.count() / 86'400;
  if (window.count() % 86'400 == 0) return std::to_string(days) + (days == 1 ? " day" : " days");
  const auto hours = window.count() / 3600;
  if (window.count() % 3600 == 0) return std::to_string(hours) + (hours == 1 ? " hour" : " hours");
  return std::to_string(window.count()) + " seconds";
}

}  // namespace

void Operations::AddTrashOperations() {
  const std::string window = WindowText(tasks_.recovery_window());

  operations_.push_back(Operation{
      .name = "delete_task",
      .title = "Delete a task and its subtasks (recoverable)",
      .description =
          "Moves a task and all its subtasks to the trash. They disappear from lists, search, "
          "get_task and the event feed, but nothing is lost yet: restore_task brings them back "
          "as they were for " +
          window +
          " (purgeAt says until when), then they are purged for good. list_tasks with deleted: "
          "true shows the trash. Allowed to the organization's owners and admins and to the "
          "task's owners. Returns the ids moved to the trash.",
      .scope = std::string(auth::kScopeTasksAdmin),
      .input = Schema::Object().Property("taskId", IdSchema("task"), Required::kYes),
      .output = Open()
                    .Property("deletedTaskIds", Schema::Array(Schema::Integer()), Required::kYes)
                    .Property("purgeAt", Schema::String(), Required::kYes),
      // Destructive (the task leaves every view), but recoverable until purgeAt; deleting again
      // finds nothing.
      .annotations = Annotations(false, true, true),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        auto trashed = tasks_.DeleteTask(caller.actor, IntArg(arguments, "taskId"));
        if (!trashed) return std::move(trashed).error();
        return json::object{{"deletedTaskIds", IdArray(trashed->ids)},
                            {"purgeAt", trashed->purge_at}};
      })});

  operations_.push_back(Operation{
      .name = "restore_task",
      .title = "Restore a task from the trash",
      .description =
          "Brings a task deleted with delete_task back from the trash, with the subtasks that "
          "delete took along, exactly as they were. A subtask deleted on its own earlier stays "
          "in the trash (restore it by its own id). A task whose parent is in the trash cannot "
          "come back before its parent: the error names the task to restore first. Returns the "
          "ids restored.",
      .scope = std::string(auth::kScopeTasksAdmin),
      .input = Schema::Object().Property("taskId", IdSchema("task"), Required::kYes),
      .output =
          Open().Property("restoredTaskIds", Schema::Array(Schema::Integer()), Required::kYes),
      .annotations = Annotations(false, false, false),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        auto ids = tasks_.RestoreTask(caller.actor, IntArg(arguments, "taskId"));
        if (!ids) return std::move(ids).error();
        return json::object{{"restoredTaskIds", IdArray(*ids)}};
      })});

  operations_.push_back(Operation{
      .name = "purge_task",
      .title = "Purge a task from the trash (cannot be undone)",
      .description =
          "Deletes a task that is in the trash at once and for good, with its subtasks, "
          "messages and questions; it cannot be restored afterwards. Only a task in the trash "
          "can be purged (delete_task moves it there). Returns the ids purged.",
      .scope = std::string(auth::kScopeTasksAdmin),
      .input = Schema::Object().Property("taskId", IdSchema("task"), Required::kYes),
      .output = Open().Property("purgedTaskIds", Schema::Array(Schema::Integer()), Required::kYes),
      .annotations = Annotations(false, true, false),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        auto ids = tasks_.PurgeTask(caller.actor, IntArg(arguments, "taskId"));
        if (!ids) return std::move(ids).error();
        return json::object{{"purgedTaskIds", IdArray(*ids)}};
      })});

  operations_.push_back(Operation{
      .name = "fork_task",
      .title = "Fork a task",
      .description =
          "Copies a task into a new task beside it (same organization and parent) whose "
          "forkedFrom names the original: its title (or the title given), description, status, "
          "assignee and labels; you own the copy. With includeSubtasks: true its subtasks are "
          "copied too, each under its parent's copy (at most 500 tasks). Messages, questions, "
          "runs and history are not copied. Returns the new task and the ids of every copy.",
      .scope = std::string(auth::kScopeTasksWrite),
      .input = Schema::Object()
                   .Property("taskId", IdSchema("task"), Required::kYes)
                   .Property("title", Schema::String()
                                          .MinLength(1)
                                          .MaxLength(static_cast<int64_t>(tasks::kMaxTitle))
                                          .Description("The copy's title; the original's if "
                                                       "left out."))
                   .Property("includeSubtasks",
                             Schema::Boolean().Description("Copy the subtasks too (default "
                                                           "false).")),
      .output = Open()
                    .Property("task", TaskSchema(), Required::kYes)
                    .Property("forkedTaskIds", Schema::Array(Schema::Integer()), Required::kYes),
      .annotations = Annotations(false, false, false),
      .run = Serialized([this](const json::object& arguments,
                               const Caller& caller) -> base::Result<json::object> {
        const json::value* subtasks = arguments.if_contains("includeSubtasks");
        auto fork = tasks_.ForkTask(
            caller.actor, IntArg(arguments, "taskId"), OptionalString(arguments, "title"),
            subtasks != nullptr && subtasks->is_bool() && subtasks->as_bool());
        if (!fork) return std::move(fork).error();
        return json::object{{"task", TaskJson(fork->task, true)},
                            {"forkedTaskIds", IdArray(fork->ids)}};
      })});
}

}  // namespace taskwire::api
