#include "base/scheduler.h"

#include "base/check.h"

namespace taskwire::base {

Scheduler::Scheduler() : thread_([this] { Run(); }) {}

Scheduler::~Scheduler() { Stop(); }

bool Scheduler::Post(Work work) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    ready_.push_back(std::move(work));
  }
  wake_.notify_one();
  return true;
}

Scheduler::Id Scheduler::At(std::chrono::steady_clock::time_point deadline, Work work) {
  Id id = 0;
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return 0;
    id = next_id_++;
    earliest = timers_.empty() || deadline < timers_.begin()->first;
    by_id_.emplace(id, timers_.emplace(deadline, std::make_pair(id, std::move(work))));
  }
  if (earliest) wake_.notify_one();
  return id;
}

bool Scheduler::Cancel(Id id) {
  Work dropped;  // destroyed outside the lock: it may own anything
  {
    std::lock_guard lock(mutex_);
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    dropped = std::move(it->second->second.second);
    timers_.erase(it->second);
    by_id_.erase(it);
  }
  return true;
}

void Scheduler::Stop() {
  CHECK(!OnThread());
  std::deque<Work> ready;
  decltype(timers_) timers;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ready.swap(ready_);
    timers.swap(timers_);
    by_id_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t Scheduler::waiting() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

void Scheduler::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    Work work;
    if (!ready_.empty()) {
      work = std::move(ready_.front());
      ready_.pop_front();
    } else if (!timers_.empty() && timers_.begin()->first <= std::chrono::steady_clock::now()) {
      const auto due = timers_.begin();
      by_id_.erase(due->second.first);
      work = std::move(due->second.second);
      timers_.erase(due);
    } else if (!timers_.empty()) {
      wake_.wait_until(lock, timers_.begin()->first);
      continue;
    } else {
      wake_.wait(lock);
      continue;
    }
    lock.unlock();
    work();
    work = nullptr;  // what it owns goes before the lock is taken again
    lock.lock();
  }
}

}  // namespace taskwire::base
