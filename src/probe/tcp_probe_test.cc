#include <gtest/gtest.h>

#include "net/event_loop.h"
#include "net/worker_pool.h"
#include "probe/prober.h"
#include "probe/test_util.h"

namespace baton::probe {
namespace {

TEST(TcpProbeTest, PassesAgainstAListener) {
  testing::Listener listener;
  ProbeOutcome outcome =
      RunProbe(TcpSpec{.host = "127.0.0.1", .port = listener.port()}, Duration::Millis(500));
  EXPECT_TRUE(outcome.result.ok) << outcome.result.output;
  EXPECT_LT(outcome.result.latency, Duration::Millis(500));
}

TEST(TcpProbeTest, ClosedPortIsRefused) {
  const uint16_t port = testing::FreePort();
  ProbeOutcome outcome =
      RunProbe(TcpSpec{.host = "127.0.0.1", .port = port}, Duration::Millis(500));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output,
            "connect: 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST(TcpProbeTest, FullBacklogTimesOutAtTheTimeout) {
  testing::FullBacklogListener listener;
  ASSERT_TRUE(listener.full()) << "could not fill the accept queue on loopback";
  ProbeOutcome outcome =
      RunProbe(TcpSpec{.host = "127.0.0.1", .port = listener.port()}, Duration::Millis(300));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output,
            "connect: 127.0.0.1:" + std::to_string(listener.port()) + ": timed out after 300ms");
  EXPECT_GE(outcome.result.latency, Duration::Millis(300));
  EXPECT_LT(outcome.result.latency, Duration::Millis(600));
}

TEST(TcpProbeTest, UnresolvableHostIsAResolveError) {
  ProbeOutcome outcome =
      RunProbe(TcpSpec{.host = "no-such-host.invalid", .port = 80}, Duration::Seconds(5));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output.rfind("resolve: no-such-host.invalid: ", 0), 0u)
      << outcome.result.output;
}

TEST(TcpProbeTest, ProberCompletesOnTheLoopThread) {
  testing::Listener listener;
  net::EventLoop loop;
  net::WorkerPool pool(loop, 2);
  Prober prober(pool, TcpSpec{.host = "127.0.0.1", .port = listener.port()});
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::optional<ProbeOutcome> outcome;
  std::thread::id done_thread;
  prober.Probe(Duration::Millis(500), [&](ProbeOutcome o) {
    done_thread = std::this_thread::get_id();
    outcome = std::move(o);
  });
  ASSERT_TRUE(loop.RunUntil([&] { return outcome.has_value(); }, Duration::Seconds(5)));
  EXPECT_TRUE(outcome->result.ok);
  EXPECT_EQ(done_thread, loop_thread);
}

TEST(TcpProbeTest, DestroyedProberDropsItsCompletion) {
  testing::FullBacklogListener listener;
  ASSERT_TRUE(listener.full());
  net::EventLoop loop;
  net::WorkerPool pool(loop, 1);
  bool called = false;
  {
    Prober prober(pool, TcpSpec{.host = "127.0.0.1", .port = listener.port()});
    prober.Probe(Duration::Millis(100), [&](ProbeOutcome) { called = true; });
  }
  loop.RunUntil([] { return false; }, Duration::Millis(300));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace baton::probe
