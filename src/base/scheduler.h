#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace taskwire::base {

// One thread that runs work posted to it, in the order posted, and work due at a time: the
// deadlines of long waits (tasks::EventHub, waiting for a job run) and the timers of job runs,
// without a thread per wait. Work runs one item at a time on that thread, so what one owner posts
// never runs concurrently with itself. Thread-safe.
class Scheduler {
 public:
  using Id = uint64_t;
  using Work = std::function<void()>;

  Scheduler();
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `work` soon, after what was posted before. False, and it never runs, once stopped.
  bool Post(Work work);
  // Runs `work` at `deadline`, or soon when that has passed. Returns what Cancel takes; 0, and it
  // never runs, once stopped.
  Id At(std::chrono::steady_clock::time_point deadline, Work work);
  // True when `id` was still waiting for its time: it will not run. False when it ran, is
  // running, or was cancelled already.
  bool Cancel(Id id);
  // Runs nothing more: what is posted or waiting is dropped unrun, what runs now finishes, the
  // thread is joined. Idempotent; not from the scheduler's own thread.
  void Stop();

  // Whether the caller is the scheduler's thread.
  bool OnThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  size_t waiting() const;  // timers not yet due

 private:
  void Run();

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  std::deque<Work> ready_;
  std::multimap<std::chrono::steady_clock::time_point, std::pair<Id, Work>> timers_;
  std::unordered_map<Id, decltype(timers_)::iterator> by_id_;
  Id next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace taskwire::base
