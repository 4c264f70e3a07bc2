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
#include "tasks/write_hook.h"

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

// Begins a write of `actor`'s, and its hook's part of it (Actor::hook).
inline base::Result<std::unique_ptr<store::Transaction>> BeginWrite(store::Database& database,
                                                                    const Actor& actor) {
  auto tx = database.Begin(store::Access::kWrite);
  if (!tx || actor.hook == nullptr) return tx;
  if (auto ok = actor.hook->Begin(**tx); !ok) return std::move(ok).error();
  return tx;
}

// Makes the writes durable, then tells the hub. With `actor`'s hook, the hook finishes first: it
// may add events, or roll everything back (a rehearsal), which answers as if committed.
inline base::Result<void> CommitAndPublish(store::Transaction& tx, EventHub& hub,
                                           std::vector<Event> events,
                                           const Actor* actor = nullptr) {
  if (actor != nullptr && actor->hook != nullptr) {
    auto go = actor->hook->Finish(tx, events);
    if (!go) return std::move(go).error();
    if (!*go) return base::Ok();
  }
  if (auto committed = tx.Commit(); !committed) return committed;
  hub.Published(events);
  return base::Ok();
}

}  // namespace taskwire::tasks::parts
