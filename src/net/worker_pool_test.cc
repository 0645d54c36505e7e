#include "net/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace baton::net {
namespace {

const Duration kDeadline = Duration::Seconds(5);

TEST(WorkerPoolTest, WorkRunsOffTheLoopAndCompletionRunsOnIt) {
  EventLoop loop;
  WorkerPool pool(loop, 2);
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id work_thread;
  std::thread::id done_thread;
  bool done = false;
  pool.Submit([&] { work_thread = std::this_thread::get_id(); },
              [&] {
                done_thread = std::this_thread::get_id();
                done = true;
              });
  ASSERT_TRUE(loop.RunUntil([&] { return done; }, kDeadline));
  EXPECT_NE(work_thread, loop_thread);
  EXPECT_EQ(done_thread, loop_thread);
}

TEST(WorkerPoolTest, ResultsComeBackToTheLoop) {
  EventLoop loop;
  WorkerPool pool(loop, 2);
  int total = 0;
  int completions = 0;
  for (int i = 1; i <= 10; ++i) {
    pool.Submit(std::function<int()>([i] { return i * i; }), std::function<void(int)>([&](int v) {
                  total += v;
                  ++completions;
                }));
  }
  ASSERT_TRUE(loop.RunUntil([&] { return completions == 10; }, kDeadline));
  EXPECT_EQ(total, 385);
}

TEST(WorkerPoolTest, DestructorWaitsForRunningWork) {
  EventLoop loop;
  std::atomic<bool> finished{false};
  {
    WorkerPool pool(loop, 1);
    std::atomic<bool> started{false};
    pool.Submit(
        [&] {
          started = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          finished = true;
        },
        nullptr);
    const Instant deadline = loop.Now() + kDeadline;
    while (!started && loop.Now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(started);
  }
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace baton::net
