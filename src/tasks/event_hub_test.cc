#include "tasks/event_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

namespace taskwire::tasks {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Event At(int64_t id) { return Event{.id = id, .organization_id = 1, .type = "task.updated"}; }

// Records how often, and how, a Wait fired. Declared before the hub, which calls pending waits
// when it is destroyed.
struct Calls {
  std::atomic<int> count{0};
  std::atomic<int> timed_out{0};
  std::promise<bool> first;
  EventHub::Wake Wake() {
    return [this](bool timed) {
      if (timed) timed_out.fetch_add(1);
      if (count.fetch_add(1) == 0) first.set_value(timed);  // last: the test reads on after it
    };
  }
};

TEST(EventHub, WaitFiresAtOnceWhenALaterEventWasPublished) {
  Calls calls;
  EventHub hub;
  hub.Published({At(5)});
  hub.Wait(4, Clock::now() + 1h, calls.Wake());
  EXPECT_EQ(calls.count, 1);  // before Wait returned, on this thread
  EXPECT_EQ(calls.timed_out, 0);
  EXPECT_EQ(hub.waiting(), 0u);
}

TEST(EventHub, WaitAtTheLatestEventWaitsForTheNext) {
  Calls calls;
  EventHub hub;
  hub.Published({At(5)});
  hub.Wait(5, Clock::now() + 1h, calls.Wake());
  EXPECT_EQ(calls.count, 0);
  EXPECT_EQ(hub.waiting(), 1u);
  hub.Published({});  // nothing new
  EXPECT_EQ(calls.count, 0);
  hub.Published({At(6)});
  EXPECT_EQ(calls.count, 1);
  EXPECT_EQ(calls.timed_out, 0);
  EXPECT_EQ(hub.waiting(), 0u);
  // Exactly once: later events do not call it again.
  hub.Published({At(7)});
  EXPECT_EQ(calls.count, 1);
}

TEST(EventHub, PublishedWakesOnlyWaitersBehindTheNewEvents) {
  Calls behind, ahead;
  EventHub hub;
  hub.Wait(0, Clock::now() + 1h, behind.Wake());
  hub.Wait(10, Clock::now() + 1h, ahead.Wake());
  hub.Published({At(3), At(2)});
  EXPECT_EQ(hub.latest(), 3);
  EXPECT_EQ(behind.count, 1);
  EXPECT_EQ(ahead.count, 0);
  EXPECT_EQ(hub.waiting(), 1u);
}

TEST(EventHub, WaitTimesOutAtTheDeadline) {
  Calls calls;
  EventHub hub;
  const auto start = Clock::now();
  hub.Wait(0, start + 50ms, calls.Wake());
  auto fired = calls.first.get_future();
  ASSERT_EQ(fired.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(fired.get());
  EXPECT_GE(Clock::now() - start, 50ms);
  EXPECT_EQ(hub.waiting(), 0u);
  // A later event does not call it a second time.
  hub.Published({At(1)});
  EXPECT_EQ(calls.count, 1);
  EXPECT_EQ(calls.timed_out, 1);
}

TEST(EventHub, EarlierDeadlineAddedLaterStillFiresFirst) {
  Calls late, early;
  EventHub hub;
  hub.Wait(0, Clock::now() + 1h, late.Wake());
  hub.Wait(0, Clock::now() + 20ms, early.Wake());
  auto fired = early.first.get_future();
  ASSERT_EQ(fired.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(fired.get());
  EXPECT_EQ(late.count, 0);
  EXPECT_EQ(hub.waiting(), 1u);
}

TEST(EventHub, DestructorFiresPendingWaitsAsTimedOut) {
  auto hub = std::make_unique<EventHub>();
  Calls calls;
  hub->Wait(0, Clock::now() + 1h, calls.Wake());
  hub->Wait(0, Clock::now() + 2h, calls.Wake());
  EXPECT_EQ(calls.count, 0);
  hub.reset();
  EXPECT_EQ(calls.count, 2);
  EXPECT_EQ(calls.timed_out, 2);
}

TEST(EventHub, ObserversSeeEveryPublishedEventInOrder) {
  EventHub hub;
  std::vector<int64_t> first, second;
  hub.Observe([&](const Event& event) { first.push_back(event.id); });
  hub.Observe([&](const Event& event) { second.push_back(event.id); });
  hub.Published({At(1), At(2)});
  hub.Published({});
  hub.Published({At(3)});
  EXPECT_EQ(first, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(second, first);
  EXPECT_EQ(hub.latest(), 3);
}

TEST(EventHub, LatestStartsAtZeroAndNeverGoesBack) {
  EventHub hub;
  EXPECT_EQ(hub.latest(), 0);
  hub.Published({At(9)});
  hub.Published({At(4)});
  EXPECT_EQ(hub.latest(), 9);
}

TEST(EventHub, ManyThreadsWaitAndPublish) {
  std::atomic<int> woken{0};
  EventHub hub;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        hub.Wait(0, Clock::now() + 10s, [&](bool) { woken.fetch_add(1); });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  hub.Published({At(1)});
  EXPECT_EQ(woken, 400);
  EXPECT_EQ(hub.waiting(), 0u);
}

TEST(EventHub, CloseFiresPendingWaitsAndAnswersLaterOnesAtOnce) {
  Calls pending;
  Calls later;
  EventHub hub;
  hub.Wait(0, Clock::now() + 1h, pending.Wake());
  hub.Close();
  EXPECT_EQ(pending.count, 1);
  EXPECT_EQ(pending.timed_out, 1);
  hub.Wait(0, Clock::now() + 1h, later.Wake());  // after Close: never kept
  EXPECT_EQ(later.count, 1);
  EXPECT_EQ(later.timed_out, 1);
  EXPECT_EQ(hub.waiting(), 0u);
}

}  // namespace
}  // namespace taskwire::tasks
