#pragma once

// What the files of TaskStore (task_store.cc, task_store_trash.cc) share: loading a task the
// actor sees, appending an event, and committing before the hub hears of it. Internal to tasks/.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "tasks/event_hub.h"
#include "tasks/model.h"
#include "tasks/task_rows.h"

namespace taskwire::tasks::parts {

// The task if the actor sees it (and it is not in the trash); NotFound naming `what` otherwise.
inline base::Result<LoadedTask> LoadTask(TaskRows& rows, store::Transaction& tx, const Actor& actor,
                                         int64_t task_id, std::string_view what = "task") {
  auto loaded = rows.LoadTask(tx, actor.user_id, task_id);
  if (!loaded) return std::move(loaded).error();
  if (!*loaded) return base::Error::NotFound(what, std::to_string(task_id));
  return std::move(**loaded);
}

inline base::Result<Event> WriteEvent(TaskRows& rows, store::Transaction& tx, const Actor& actor,
                                      std::string_view now, int64_t organization_id,
                                      std::optional<int64_t> task_id, std::string_view type,
                                      std::string data) {
  auto id = rows.InsertEvent(tx, actor, now, organization_id, task_id, std::nullopt, type, data);
  if (!id) return std::move(id).error();
  return Event{*id,
               organization_id,
               task_id,
               std::string(type),
               actor.user_name,
               std::string(now),
               std::move(data)};
}

// Makes the writes durable, then tells the hub.
inline base::Result<void> CommitAndPublish(store::Transaction& tx, EventHub& hub,
                                           const std::vector<Event>& events) {
  if (auto committed = tx.Commit(); !committed) return committed;
  hub.Published(events);
  return base::Ok();
}

}  // namespace taskwire::tasks::parts
