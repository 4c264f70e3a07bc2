#include "tasks/trash_sweep.h"

namespace taskwire::tasks {

TrashSweep::TrashSweep(TaskStore& store, base::Logger& logger, std::chrono::milliseconds every)
    : store_(store), logger_(logger), every_(every) {}

TrashSweep::~TrashSweep() { loop_.Stop(); }

Actor TrashSweep::SweepActor() {
  return Actor{.user_id = 0, .user_name = "taskwire", .credential = "sweep", .client = ""};
}

void TrashSweep::Start() {
  loop_.Post([this] {
    Sweep();
    Later();
  });
}

void TrashSweep::Later() {
  loop_.At(std::chrono::steady_clock::now() + every_, [this] {
    Sweep();
    Later();
  });
}

int64_t TrashSweep::Sweep() {
  auto purged = store_.PurgeExpired(SweepActor());
  if (!purged) {
    logger_.Warn("tasks.sweep_failed", {{"error", purged.error().message()}});
    return 0;
  }
  if (*purged > 0) {
    logger_.Info("tasks.purged",
                 {{"tasks", *purged}, {"window_seconds", store_.recovery_window().count()}});
  }
  return *purged;
}

}  // namespace taskwire::tasks
