#include "tasks/event_hub.h"

namespace taskwire::tasks {

EventHub::EventHub() = default;

EventHub::~EventHub() {
  Close();
  timer_.Stop();
}

void EventHub::Close() {
  std::map<uint64_t, Waiter> pending;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    pending.swap(waiters_);
    for (auto& [key, waiter] : pending) timer_.Cancel(waiter.deadline);
  }
  for (auto& [key, waiter] : pending) waiter.wake(true);
}

void EventHub::Wait(int64_t after, std::chrono::steady_clock::time_point deadline, Wake wake) {
  bool closed = false;
  {
    std::lock_guard lock(mutex_);
    closed = stopping_;
    if (!closed && latest_ <= after) {
      const uint64_t key = next_key_++;
      // Under the lock, so Published cannot wake it before its deadline is known; the timer's
      // work takes this lock only when it runs, never while At holds the scheduler's.
      const base::Scheduler::Id timer = timer_.At(deadline, [this, key] { Expire(key); });
      waiters_.emplace(key, Waiter{after, std::move(wake), timer});
      return;
    }
  }
  wake(/*timed_out=*/closed);
}

void EventHub::Expire(uint64_t key) {
  Wake wake;
  {
    std::lock_guard lock(mutex_);
    const auto it = waiters_.find(key);
    if (it == waiters_.end()) return;  // woken by an event meanwhile
    wake = std::move(it->second.wake);
    waiters_.erase(it);
  }
  wake(true);
}

void EventHub::Published(const std::vector<Event>& events) {
  if (events.empty()) return;
  std::vector<Wake> woken;
  std::vector<Observer> observers;
  {
    std::lock_guard lock(mutex_);
    for (const Event& event : events) latest_ = std::max(latest_, event.id);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.after < latest_) {
        timer_.Cancel(it->second.deadline);
        woken.push_back(std::move(it->second.wake));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    observers = observers_;
  }
  for (const Event& event : events) {
    for (const Observer& observer : observers) observer(event);
  }
  for (Wake& wake : woken) wake(false);
}

void EventHub::Observe(Observer observer) {
  std::lock_guard lock(mutex_);
  observers_.push_back(std::move(observer));
}

int64_t EventHub::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

size_t EventHub::waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

}  // namespace taskwire::tasks
