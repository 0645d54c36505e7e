#include "detect/peer_monitor.h"

#include <gtest/gtest.h>

#include <memory>

#include "detect/fixed_detector.h"
#include "detect/phi_accrual_detector.h"

namespace baton::detect {
namespace {

Instant At(int64_t ms) { return Instant::FromNanos(0) + Duration::Millis(ms); }

PeerMonitor::DetectorFactory ThreeMissedIntervals() {
  return [] {
    return std::make_unique<FixedDetector>(
        FixedDetectorConfig{.interval = Duration::Millis(100), .missed = 3});
  };
}

TEST(PeerMonitorTest, ASilentPeerIsSuspectedOnceThenRecoversOnAHeartbeat) {
  PeerMonitor monitor(ThreeMissedIntervals());
  monitor.AddPeer("node-b", At(0));
  monitor.Heartbeat("node-b", At(100));
  EXPECT_EQ(monitor.NextWakeup(), At(400));
  monitor.Tick(At(399));
  EXPECT_TRUE(monitor.TakeEvents().empty());

  monitor.Tick(At(420));
  std::vector<Event> events = monitor.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].ToString(), "+suspect node-b suspicion=3.20 silence=320ms");
  EXPECT_EQ(events[0].time, At(420));
  // Suspected peers do not wake the driver and are not reported again.
  EXPECT_EQ(monitor.NextWakeup(), Instant::FromNanos(INT64_MAX));
  monitor.Tick(At(900));
  EXPECT_TRUE(monitor.TakeEvents().empty());

  monitor.Heartbeat("node-b", At(1000));
  events = monitor.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].ToString(), "-suspect node-b silence=900ms");
  EXPECT_EQ(events[0].time, At(1000));
  EXPECT_EQ(monitor.NextWakeup(), At(1300));
  EXPECT_EQ(monitor.stats().suspicions, 1u);
  EXPECT_EQ(monitor.stats().recoveries, 1u);
  EXPECT_EQ(monitor.stats().heartbeats, 2u);
}

TEST(PeerMonitorTest, APeerNeverHeardFromIsSuspectedFromWhenItWasAdded) {
  PeerMonitor monitor(ThreeMissedIntervals());
  monitor.AddPeer("node-c", At(50));
  EXPECT_EQ(monitor.NextWakeup(), At(350));
  monitor.Tick(At(350));
  const std::vector<Event> events = monitor.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "+suspect");
  EXPECT_EQ(events[0].target, "node-c");
}

TEST(PeerMonitorTest, ReportsEachPeerSeparately) {
  PeerMonitor monitor(ThreeMissedIntervals());
  monitor.AddPeer("node-c", At(0));
  monitor.AddPeer("node-b", At(0));
  for (int ms = 100; ms <= 500; ms += 100) monitor.Heartbeat("node-b", At(ms));
  monitor.Tick(At(550));
  const std::vector<Event> events = monitor.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].target, "node-c");

  const std::vector<PeerStatus> status = monitor.Status(At(550));
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].peer, "node-b");
  EXPECT_DOUBLE_EQ(status[0].suspicion, 0.5);
  EXPECT_FALSE(status[0].suspected);
  EXPECT_EQ(status[0].silence, Duration::Millis(50));
  EXPECT_EQ(status[1].peer, "node-c");
  EXPECT_DOUBLE_EQ(status[1].suspicion, 5.5);
  EXPECT_TRUE(status[1].suspected);
  EXPECT_EQ(monitor.NextWakeup(), At(800));  // node-b's; node-c is already suspected
}

TEST(PeerMonitorTest, HeartbeatsFromUnwatchedPeersAreDroppedAndCounted) {
  PeerMonitor monitor(ThreeMissedIntervals());
  monitor.AddPeer("node-b", At(0));
  monitor.Heartbeat("node-x", At(10));
  EXPECT_EQ(monitor.stats().unknown_peer_heartbeats, 1u);
  EXPECT_EQ(monitor.stats().heartbeats, 0u);
  EXPECT_FALSE(monitor.Watches("node-x"));

  monitor.RemovePeer("node-b");
  EXPECT_FALSE(monitor.Watches("node-b"));
  monitor.Tick(At(10'000));
  EXPECT_TRUE(monitor.TakeEvents().empty());
  EXPECT_TRUE(monitor.Status(At(10'000)).empty());
  EXPECT_EQ(monitor.NextWakeup(), Instant::FromNanos(INT64_MAX));
}

TEST(PeerMonitorTest, WorksWithPhiAccrual) {
  PeerMonitor monitor([] {
    return std::make_unique<PhiAccrualDetector>(
        PhiAccrualConfig{.threshold = 8,
                         .window = 100,
                         .min_stddev = Duration::Millis(10),
                         .acceptable_pause = Duration::Zero(),
                         .first_heartbeat_estimate = Duration::Millis(100)});
  });
  monitor.AddPeer("node-b", At(0));
  for (int ms = 100; ms <= 5000; ms += 100) monitor.Heartbeat("node-b", At(ms));
  const Instant suspect_at = monitor.NextWakeup();
  EXPECT_GT(suspect_at, At(5100));
  EXPECT_LT(suspect_at, At(5300));
  monitor.Tick(suspect_at - Duration::Nanos(1));
  EXPECT_TRUE(monitor.TakeEvents().empty());
  monitor.Tick(suspect_at);
  const std::vector<Event> events = monitor.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "+suspect");
  EXPECT_GE(std::stod(events[0].Field("suspicion")), 8.0);
}

TEST(PeerMonitorDeathTest, AddingAPeerTwiceIsABug) {
  PeerMonitor monitor(ThreeMissedIntervals());
  monitor.AddPeer("node-b", At(0));
  EXPECT_DEATH(monitor.AddPeer("node-b", At(1)), "already watched");
}

}  // namespace
}  // namespace baton::detect
