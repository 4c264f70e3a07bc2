// TaskStore's trash and forks (docs/tasks.md, "The trash" and "Forks"): delete_task moves a task
// and its subtree to the trash, restore_task brings back what that delete trashed, purge_task and
// the sweep remove it; fork_task copies a task, optionally with its subtree.

#include <algorithm>
#include <map>

#include "base/json_writer.h"
#include "tasks/rules.h"
#include "tasks/task_rows.h"
#include "tasks/task_store.h"
#include "tasks/task_store_parts.h"

namespace taskwire::tasks {

namespace {

using base::JsonWriter;
using parts::CommitAndPublish;
using parts::LoadTask;
using parts::WriteEvent;
using store::Transaction;

constexpr size_t kSweepBatch = 100;  // roots purged per transaction by the sweep

// The root first, then the others by id: RETURNING gives no order.
std::vector<int64_t> RootFirst(std::vector<int64_t> ids, int64_t root) {
  std::sort(ids.begin(), ids.end(), [root](int64_t a, int64_t b) {
    if ((a == root) != (b == root)) return a == root;
    return a < b;
  });
  return ids;
}

// The task in the trash the actor may restore or purge (`verb`). A task not in the trash is
// FailedPrecondition when it is live, or was purged (saying when and by whom); NotFound when the
// actor never saw it.
base::Result<LoadedTask> TrashedTask(TaskRows& rows, Transaction& tx, const Actor& actor,
                                     int64_t task_id, std::string_view verb) {
  auto trashed = rows.LoadTrashedTask(tx, actor.user_id, task_id);
  if (!trashed) return std::move(trashed).error();
  if (!*trashed) {
    auto live = rows.LoadTask(tx, actor.user_id, task_id);
    if (!live) return std::move(live).error();
    if (*live) return rules::NotInTrash(task_id, verb);
    auto purge = rows.PurgeOf(tx, actor.user_id, task_id);
    if (!purge) return std::move(purge).error();
    if (*purge) {
      return base::Error::FailedPrecondition("task " + std::to_string(task_id) + " was purged at " +
                                             (*purge)->at + " by " + (*purge)->user +
                                             ": it is gone for good and cannot be " +
                                             (verb == "purge" ? "purged again" : "restored"));
    }
    return base::Error::NotFound("task", std::to_string(task_id));
  }
  if (auto may = rules::MayDelete((*trashed)->task, (*trashed)->role, actor, verb); !may) {
    return std::move(may).error();
  }
  return std::move(**trashed);
}

// Removes `task_id` and its subtree, their events with them, and records it: the audit entry and
// the task.purged event, which is returned.
base::Result<Event> Purge(TaskRows& rows, Transaction& tx, const Actor& actor, std::string_view now,
                          int64_t task_id, int64_t organization_id, std::string_view title,
                          bool expired) {
  auto ids = rows.Subtree(tx, task_id);
  if (!ids) return std::move(ids).error();
  if (auto deleted = rows.DeleteTask(tx, task_id); !deleted) return std::move(deleted).error();
  if (auto gone = rows.DeleteEvents(tx, *ids); !gone) return std::move(gone).error();
  const std::string changes =
      JsonWriter().String("title", title).Ints("purgedIds", *ids).Bool("expired", expired).Finish();
  if (auto ok =
          rows.InsertAudit(tx, actor, now, {organization_id, "task", task_id, "purge", changes});
      !ok) {
    return std::move(ok).error();
  }
  return WriteEvent(rows, tx, actor, now, organization_id, task_id, "task.purged", changes);
}

}  // namespace

base::Result<Trashed> TaskStore::DeleteTask(const Actor& actor, int64_t task_id) {
  auto tx = parts::BeginWrite(database_, actor);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto loaded = LoadTask(*rows_, t, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  const Task& task = loaded->task;
  if (auto may = rules::MayDelete(task, loaded->role, actor, "delete"); !may) {
    return std::move(may).error();
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  auto trashed = rows_->TrashSubtree(t, task_id, actor.user_name, now);
  if (!trashed) return std::move(trashed).error();
  const std::vector<int64_t> ids = RootFirst(std::move(*trashed), task_id);
  const std::string purge_at = rules::PurgeAt(now, recovery_window_);
  const std::string changes = JsonWriter()
                                  .String("title", task.title)
                                  .Ints("deletedIds", ids)
                                  .String("purgeAt", purge_at)
                                  .Finish();
  if (auto ok = rows_->InsertAudit(t, actor, now,
                                   {task.organization_id, "task", task_id, "delete", changes});
      !ok) {
    return std::move(ok).error();
  }
  auto event =
      WriteEvent(*rows_, t, actor, now, task.organization_id, task_id, "task.deleted", changes);
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}, &actor); !ok) return std::move(ok).error();
  return Trashed{ids, purge_at};
}

base::Result<std::vector<int64_t>> TaskStore::RestoreTask(const Actor& actor, int64_t task_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto loaded = TrashedTask(*rows_, t, actor, task_id, "restore");
  if (!loaded) return std::move(loaded).error();
  const Task& task = loaded->task;
  std::optional<Task> parent;
  if (task.parent_id) {
    auto trashed_parent = rows_->LoadTrashedTask(t, actor.user_id, *task.parent_id);
    if (!trashed_parent) return std::move(trashed_parent).error();
    if (*trashed_parent) parent = std::move((*trashed_parent)->task);
  }
  if (auto ok = rules::CheckRestorable(task, parent); !ok) return std::move(ok).error();
  auto restored = rows_->RestoreDeletedWith(t, task_id);
  if (!restored) return std::move(restored).error();
  const std::vector<int64_t> ids = RootFirst(std::move(*restored), task_id);
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::string changes = JsonWriter()
                                  .String("title", task.title)
                                  .Ints("restoredIds", ids)
                                  .String("deletedAt", task.deleted_at.value_or(""))
                                  .String("deletedBy", task.deleted_by.value_or(""))
                                  .Finish();
  if (auto ok = rows_->InsertAudit(t, actor, now,
                                   {task.organization_id, "task", task_id, "restore", changes});
      !ok) {
    return std::move(ok).error();
  }
  auto event =
      WriteEvent(*rows_, t, actor, now, task.organization_id, task_id, "task.restored", changes);
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return ids;
}

base::Result<std::vector<int64_t>> TaskStore::PurgeTask(const Actor& actor, int64_t task_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto loaded = TrashedTask(*rows_, t, actor, task_id, "purge");
  if (!loaded) return std::move(loaded).error();
  auto ids = rows_->Subtree(t, task_id);
  if (!ids) return std::move(ids).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto event = Purge(*rows_, t, actor, now, task_id, loaded->task.organization_id,
                     loaded->task.title, /*expired=*/false);
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return RootFirst(std::move(*ids), task_id);
}

base::Result<int64_t> TaskStore::PurgeExpired(const Actor& actor) {
  const auto now_time = clock_.Now();
  const std::string now = base::FormatIso8601(now_time);
  const std::string cutoff = base::FormatIso8601(now_time - recovery_window_);
  int64_t total = 0;
  for (;;) {
    auto tx = database_.Begin(store::Access::kWrite);
    if (!tx) return std::move(tx).error();
    Transaction& t = **tx;
    auto expired = rows_->DeletedBefore(t, cutoff, kSweepBatch);
    if (!expired) return std::move(expired).error();
    std::vector<Event> events;
    for (const ExpiredTask& task : *expired) {
      // A task deleted on its own below another expired one may be gone with it already.
      auto still = rows_->Summary(t, task.id);
      if (!still) return std::move(still).error();
      if (!*still) continue;
      auto ids = rows_->Subtree(t, task.id);
      if (!ids) return std::move(ids).error();
      auto event = Purge(*rows_, t, actor, now, task.id, task.organization_id, task.title,
                         /*expired=*/true);
      if (!event) return std::move(event).error();
      events.push_back(std::move(*event));
      total += static_cast<int64_t>(ids->size());
    }
    if (auto ok = CommitAndPublish(t, hub_, events); !ok) return std::move(ok).error();
    if (expired->size() < kSweepBatch) break;
  }
  return total;
}

base::Result<Fork> TaskStore::ForkTask(const Actor& actor, int64_t task_id,
                                       const std::optional<std::string>& title, bool subtasks) {
  if (title) {
    if (auto ok = rules::CheckLine("title", *title, kMaxTitle); !ok) return std::move(ok).error();
  }
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto original = LoadTask(*rows_, t, actor, task_id);
  if (!original) return std::move(original).error();
  if (!rules::CanWrite(original->role)) {
    return rules::ViewerCannotWrite(original->task.organization_name);
  }
  // The originals, each after its parent (the subtree's order), the trash left out.
  std::vector<Task> originals{original->task};
  if (subtasks) {
    auto below = rows_->Subtree(t, task_id);
    if (!below) return std::move(below).error();
    if (below->size() > kMaxForkTasks) {
      return base::Error::InvalidArgument(
          "task " + std::to_string(task_id) + " has " + std::to_string(below->size() - 1) +
          " tasks below it; fork_task copies at most " + std::to_string(kMaxForkTasks) +
          " at once (fork a subtask, or leave includeSubtasks out)");
    }
    for (size_t i = 1; i < below->size(); ++i) {
      auto loaded = rows_->LoadTask(t, actor.user_id, (*below)[i]);
      if (!loaded) return std::move(loaded).error();
      if (*loaded) originals.push_back(std::move((*loaded)->task));
    }
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  std::map<int64_t, int64_t> copy_of;  // original id -> its copy's id
  std::vector<Event> events;
  Fork fork;
  for (const Task& from : originals) {
    const bool root = from.id == task_id;
    std::optional<int64_t> parent = from.parent_id;
    if (!root) {
      const auto found = copy_of.find(from.parent_id.value_or(0));
      if (found == copy_of.end()) continue;  // below a subtask in the trash
      parent = found->second;
    }
    NewTask spec{.title = root && title ? *title : from.title,
                 .organization_id = from.organization_id,
                 .description = from.description,
                 .status = from.status,
                 .assignee = from.assignee,
                 .parent_id = parent,
                 .labels = from.labels};
    // An assignee who left the organization is not carried over.
    std::optional<int64_t> assignee_id;
    if (spec.assignee) {
      auto id = rows_->MemberId(t, from.organization_id, *spec.assignee);
      if (!id) return std::move(id).error();
      assignee_id = *id;
      if (!assignee_id) spec.assignee.reset();
    }
    auto id = rows_->InsertTask(t, from.organization_id, spec, assignee_id, actor.user_id, now,
                                rules::NewTaskCompletedAt(spec.status, now));
    if (!id) return std::move(id).error();
    copy_of[from.id] = *id;
    if (auto ok = rows_->SetForkedFrom(t, *id, from.id); !ok) return std::move(ok).error();
    if (auto ok = rows_->InsertOwners(t, *id, {actor.user_id}); !ok) return std::move(ok).error();
    if (auto ok = rows_->InsertLabels(t, *id, from.labels); !ok) return std::move(ok).error();
    JsonWriter changes;
    changes.String("title", spec.title).String("status", StatusName(spec.status));
    changes.OptionalInt("parentId", spec.parent_id).OptionalString("assignee", spec.assignee);
    changes.Strings("labels", spec.labels).Int("forkedFrom", from.id);
    const std::string changed = changes.Finish();
    if (auto ok = rows_->InsertAudit(t, actor, now,
                                     {from.organization_id, "task", *id, "create", changed});
        !ok) {
      return std::move(ok).error();
    }
    auto event = WriteEvent(*rows_, t, actor, now, from.organization_id, *id, "task.created",
                            JsonWriter()
                                .String("title", spec.title)
                                .String("status", StatusName(spec.status))
                                .OptionalInt("parentId", spec.parent_id)
                                .Int("forkedFrom", from.id)
                                .Finish());
    if (!event) return std::move(event).error();
    events.push_back(std::move(*event));
    fork.ids.push_back(*id);
  }
  auto made = LoadTask(*rows_, t, actor, fork.ids.front());
  if (!made) return std::move(made).error();
  fork.task = std::move(made->task);
  if (auto ok = CommitAndPublish(t, hub_, events); !ok) return std::move(ok).error();
  return fork;
}

}  // namespace taskwire::tasks
