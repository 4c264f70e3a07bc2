#pragma once

#include <chrono>
#include <cstdint>

#include "base/log.h"
#include "base/scheduler.h"
#include "tasks/task_store.h"

namespace taskwire::tasks {

// Empties the trash of what has been there longer than tasks.recovery_window
// (TaskStore::PurgeExpired), once at Start and then every `every`, on its own base::Scheduler
// thread, as the job runs' retention is pruned. The purges are audited as the actor "taskwire"
// through the credential "sweep". Thread-safe; `store` and `logger` must outlive it.
class TrashSweep {
 public:
  static constexpr std::chrono::hours kEvery{1};

  TrashSweep(TaskStore& store, base::Logger& logger, std::chrono::milliseconds every = kEvery);
  ~TrashSweep();  // stops the thread
  TrashSweep(const TrashSweep&) = delete;
  TrashSweep& operator=(const TrashSweep&) = delete;

  // Sweeps soon on the sweep's thread, then every `every`. Once.
  void Start();
  // Sweeps now on the caller's thread; returns how many tasks it purged (failures are logged
  // and answer 0: the next sweep tries again).
  int64_t Sweep();
  // Who purges: the audit record's actor.
  static Actor SweepActor();

 private:
  void Later();

  TaskStore& store_;
  base::Logger& logger_;
  const std::chrono::milliseconds every_;
  base::Scheduler loop_;  // last: stopped first, before what its work uses
};

}  // namespace taskwire::tasks
