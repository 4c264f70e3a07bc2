#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "base/scheduler.h"
#include "tasks/model.h"

namespace taskwire::tasks {

// Tells whoever waits that the event feed grew. Long-polls register a callback instead of
// blocking a thread; the hub's base::Scheduler fires the callbacks whose deadline passes. Callbacks
// run on the publishing thread or the timer thread, must not block, and must not call back into the
// hub. Thread-safe.
class EventHub {
 public:
  using Wake = std::function<void(bool timed_out)>;
  using Observer = std::function<void(const Event& event)>;

  EventHub();
  ~EventHub();  // Close()

  // Fires every pending callback as timed out, and from now on every Wait at once (timed out).
  // Call it before whatever the callbacks use goes away (server shutdown).
  void Close();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Calls `wake` exactly once: at once when an event after `after` was published already, when
  // one is, or at `deadline` (timed out). Returns at once.
  void Wait(int64_t after, std::chrono::steady_clock::time_point deadline, Wake wake);

  // Called after the transaction that appended `events` committed.
  void Published(const std::vector<Event>& events);

  // `observer` sees every published event (resource update notifications). Register before
  // serving.
  void Observe(Observer observer);

  // The newest event id published through this hub (0 before any).
  int64_t latest() const;
  size_t waiting() const;

 private:
  // Fires waiter `key` as timed out, if it still waits.
  void Expire(uint64_t key);

  struct Waiter {
    int64_t after;
    Wake wake;
    base::Scheduler::Id deadline = 0;
  };

  mutable std::mutex mutex_;  // guards everything below
  std::map<uint64_t, Waiter> waiters_;
  uint64_t next_key_ = 1;
  std::vector<Observer> observers_;
  int64_t latest_ = 0;
  bool stopping_ = false;
  base::Scheduler timer_;  // last: stopped first, before what its work uses
};

}  // namespace taskwire::tasks
