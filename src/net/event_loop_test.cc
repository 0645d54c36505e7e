#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace baton::net {
namespace {

const Duration kDeadline = Duration::Seconds(5);

TEST(EventLoopTest, NowIsMonotonic) {
  EventLoop loop;
  const Instant a = loop.Now();
  const Instant b = loop.Now();
  EXPECT_LE(a, b);
}

TEST(EventLoopTest, PostedWorkRunsInOrderOnTheLoop) {
  EventLoop loop;
  std::vector<int> order;
  loop.Post([&] { order.push_back(1); });
  loop.Post([&] { order.push_back(2); });
  EXPECT_TRUE(order.empty()) << "Post must not run work inline";
  ASSERT_TRUE(loop.RunUntil([&] { return order.size() == 2; }, kDeadline));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(EventLoopTest, PostFromAnotherThreadWakesRun) {
  EventLoop loop;
  std::thread::id ran_on;
  std::thread poster([&] {
    loop.Post([&] {
      ran_on = std::this_thread::get_id();
      loop.Stop();
    });
  });
  loop.Run();  // returns only because the posted work stopped it
  poster.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(EventLoopTest, StopBeforeRunMakesRunReturnOnce) {
  EventLoop loop;
  loop.Stop();
  loop.Run();
  bool ran = false;
  loop.Post([&] { ran = true; });
  EXPECT_TRUE(loop.RunUntil([&] { return ran; }, kDeadline));
}

TEST(EventLoopTest, RunAfterFiresOnceNoSoonerThanItsDelay) {
  EventLoop loop;
  int fired = 0;
  const Instant start = loop.Now();
  Instant fired_at;
  TimerHandle t = loop.RunAfter(Duration::Millis(30), [&] {
    ++fired;
    fired_at = loop.Now();
  });
  EXPECT_TRUE(t.active());
  ASSERT_TRUE(loop.RunUntil([&] { return fired == 1; }, kDeadline));
  EXPECT_GE(fired_at - start, Duration::Millis(30));
  EXPECT_FALSE(t.active());
  loop.RunUntil([] { return false; }, Duration::Millis(60));
  EXPECT_EQ(fired, 1);
}

TEST(EventLoopTest, CancelledTimerNeverFires) {
  EventLoop loop;
  bool fired = false;
  TimerHandle t = loop.RunAfter(Duration::Millis(10), [&] { fired = true; });
  t.Cancel();
  EXPECT_FALSE(t.active());
  loop.RunUntil([] { return false; }, Duration::Millis(50));
  EXPECT_FALSE(fired);
}

TEST(EventLoopTest, RunEveryRepeatsUntilCancelledFromItsOwnCallback) {
  EventLoop loop;
  int fired = 0;
  TimerHandle t;
  t = loop.RunEvery(Duration::Millis(5), [&] {
    if (++fired == 3) t.Cancel();
  });
  ASSERT_TRUE(loop.RunUntil([&] { return fired == 3; }, kDeadline));
  loop.RunUntil([] { return false; }, Duration::Millis(40));
  EXPECT_EQ(fired, 3);
  EXPECT_FALSE(t.active());
}

TEST(EventLoopTest, ReportsASchedulingGapWhenTheLoopIsBlocked) {
  EventLoop loop;
  std::vector<SchedulingGap> gaps;
  TimerHandle watch = loop.WatchSchedulingGaps(Duration::Millis(10), Duration::Millis(250),
                                               [&](const SchedulingGap& g) { gaps.push_back(g); });
  // A few undisturbed periods report nothing.
  loop.RunUntil([] { return false; }, Duration::Millis(60));
  EXPECT_TRUE(gaps.empty());
  // A callback that blocks the loop thread starves the watcher.
  loop.Post([] { std::this_thread::sleep_for(std::chrono::milliseconds(600)); });
  ASSERT_TRUE(loop.RunUntil([&] { return !gaps.empty(); }, kDeadline));
  EXPECT_EQ(gaps[0].expected, Duration::Millis(10));
  EXPECT_GE(gaps[0].actual, Duration::Millis(600));
  watch.Cancel();
}

}  // namespace
}  // namespace baton::net
