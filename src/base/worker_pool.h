#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace taskwire::base {

// A fixed set of threads for work that may block (disk, database, subprocesses), so that the
// network threads never do. Work is run in the order posted. Thread-safe.
//
// On Linux the threads run under SCHED_BATCH: waking one does not preempt the network thread
// that posted the work, which goes on reading and posting, so work is handed over in batches
// rather than with a context switch per request. That matters most when the server shares a
// core with its pool (docs/benchmarks.md measures it); on idle cores nothing changes.
class WorkerPool {
 public:
  // `max_queued` bounds the work waiting for a thread; Post refuses more.
  WorkerPool(size_t threads, size_t max_queued);
  ~WorkerPool();  // runs what is queued, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `work`. False, and `work` is not run, when the queue is full or the pool is stopping.
  [[nodiscard]] bool Post(std::function<void()> work);

  // Stops taking work, runs what is queued, and joins the threads. Idempotent.
  void Shutdown();

  size_t queued() const;

 private:
  void Run();

  const size_t max_queued_;
  mutable std::mutex mutex_;  // guards queue_ and stopping_
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace taskwire::base
