#include "tasks/event_hub.h"

namespace taskwire::tasks {

EventHub::EventHub() : timer_([this] { RunTimer(); }) {}

EventHub::~EventHub() {
  Close();
  timer_.join();
}

void EventHub::Close() {
  std::multimap<std::chrono::steady_clock::time_point, Waiter> pending;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    pending.swap(waiters_);
  }
  timer_wake_.notify_all();
  for (auto& [deadline, waiter] : pending) waiter.wake(true);
}

void EventHub::Wait(int64_t after, std::chrono::steady_clock::time_point deadline, Wake wake) {
  bool closed = false;
  {
    std::lock_guard lock(mutex_);
    closed = stopping_;
    if (!closed && latest_ <= after) {
      const bool earliest = waiters_.empty() || deadline < waiters_.begin()->first;
      waiters_.emplace(deadline, Waiter{after, std::move(wake)});
      if (earliest) timer_wake_.notify_one();
      return;
    }
  }
  wake(/*timed_out=*/closed);
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

void EventHub::RunTimer() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (waiters_.empty()) {
      timer_wake_.wait(lock);
      continue;
    }
    const auto next = waiters_.begin()->first;
    if (std::chrono::steady_clock::now() < next) {
      timer_wake_.wait_until(lock, next);
      continue;
    }
    std::vector<Wake> due;
    const auto now = std::chrono::steady_clock::now();
    while (!waiters_.empty() && waiters_.begin()->first <= now) {
      due.push_back(std::move(waiters_.begin()->second.wake));
      waiters_.erase(waiters_.begin());
    }
    lock.unlock();
    for (Wake& wake : due) wake(true);
    lock.lock();
  }
}

}  // namespace taskwire::tasks
