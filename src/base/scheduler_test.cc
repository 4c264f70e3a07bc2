#include "base/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <vector>

namespace taskwire::base {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

TEST(Scheduler, RunsPostedWorkInOrderOnItsOwnThread) {
  Scheduler scheduler;
  std::vector<int> order;  // only the scheduler's thread writes it, one item at a time
  std::promise<bool> on_thread;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(scheduler.Post([&order, i] { order.push_back(i); }));
  }
  ASSERT_TRUE(scheduler.Post([&] { on_thread.set_value(scheduler.OnThread()); }));
  auto future = on_thread.get_future();
  ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
  EXPECT_TRUE(future.get());
  EXPECT_FALSE(scheduler.OnThread());
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(Scheduler, RunsTimersInDeadlineOrderOnceDue) {
  Scheduler scheduler;
  std::vector<int> order;
  // Hold the thread while the timers are set, so their order is the deadlines' alone.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  scheduler.Post([released] { released.wait(); });
  std::promise<void> done;
  const auto now = SteadyClock::now();
  scheduler.At(now - 1s, [&] {
    order.push_back(3);
    done.set_value();
  });
  scheduler.At(now - 2s, [&] { order.push_back(2); });
  scheduler.At(now - 3s, [&] { order.push_back(1); });
  const Scheduler::Id later = scheduler.At(now + 1h, [&] { order.push_back(4); });
  release.set_value();
  ASSERT_EQ(done.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(scheduler.waiting(), 1u);  // not due yet
  EXPECT_TRUE(scheduler.Cancel(later));
}

TEST(Scheduler, ACancelledTimerNeverRuns) {
  Scheduler scheduler;
  std::atomic<int> runs{0};
  const Scheduler::Id id = scheduler.At(SteadyClock::now() + 1h, [&] { runs.fetch_add(1); });
  ASSERT_NE(id, 0u);
  EXPECT_EQ(scheduler.waiting(), 1u);
  EXPECT_TRUE(scheduler.Cancel(id));
  EXPECT_FALSE(scheduler.Cancel(id));  // once
  EXPECT_EQ(scheduler.waiting(), 0u);
  // One that ran cannot be cancelled.
  std::promise<void> ran;
  const Scheduler::Id soon = scheduler.At(SteadyClock::now(), [&] { ran.set_value(); });
  ASSERT_EQ(ran.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_FALSE(scheduler.Cancel(soon));
  EXPECT_EQ(runs, 0);
}

TEST(Scheduler, StopDropsWhatWaitsAndRefusesMore) {
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  Scheduler scheduler;
  std::atomic<int> runs{0};
  scheduler.At(SteadyClock::now() + 1h, [&runs, owned] { runs.fetch_add(*owned); });
  owned.reset();
  scheduler.Stop();
  EXPECT_TRUE(watch.expired());  // dropped, with what it held
  EXPECT_FALSE(scheduler.Post([&] { runs.fetch_add(1); }));
  EXPECT_EQ(scheduler.At(SteadyClock::now(), [&] { runs.fetch_add(1); }), 0u);
  scheduler.Stop();  // idempotent
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace taskwire::base
