#include "probe/probe_scheduler.h"

#include <gtest/gtest.h>

#include <memory>

#include "probe/test_util.h"

namespace baton::probe {
namespace {

detect::CheckConfig FastConfig() {
  return detect::CheckConfig{.kind = detect::CheckKind::kLiveness,
                             .interval = Duration::Millis(50),
                             .timeout = Duration::Millis(40),
                             .rise = 2,
                             .fall = 3,
                             .jitter = Duration::Zero()};
}

class ProbeSchedulerTest : public ::testing::Test {
 protected:
  // Runs the loop until an event named `name` was reported, or 5 s pass.
  bool RunUntilEvent(const std::string& name) {
    return loop_.RunUntil(
        [&] {
          for (const detect::Event& e : events_) {
            if (e.name == name) return true;
          }
          return false;
        },
        Duration::Seconds(5));
  }

  net::EventLoop loop_;
  net::WorkerPool pool_{loop_, 2};
  Rng rng_{7};
  std::vector<CheckReport> reports_;
  std::vector<detect::Event> events_;
  ProbeScheduler scheduler_{loop_, pool_, rng_, [this](const CheckReport& r) {
                              reports_.push_back(r);
                              events_.insert(events_.end(), r.events.begin(), r.events.end());
                            }};
};

TEST_F(ProbeSchedulerTest, RiseAndFallAgainstAToggledTarget) {
  const uint16_t port = testing::FreePort();
  auto listener = std::make_unique<testing::Listener>(port);
  scheduler_.Add("db", FastConfig(), TcpSpec{.host = "127.0.0.1", .port = port});
  ASSERT_TRUE(RunUntilEvent("+healthy"));
  EXPECT_EQ(scheduler_.Find("db")->health(), detect::Health::kHealthy);

  listener.reset();  // the target goes down: fall = 3 refused connects
  ASSERT_TRUE(RunUntilEvent("+unhealthy"));
  EXPECT_EQ(scheduler_.Find("db")->failures_in_row(), 3);
  EXPECT_EQ(scheduler_.LastOutcome("db")->result.output,
            "connect: 127.0.0.1:" + std::to_string(port) + ": Connection refused");

  listener = std::make_unique<testing::Listener>(port);  // back up: rise = 2
  ASSERT_TRUE(RunUntilEvent("-unhealthy"));
  EXPECT_EQ(scheduler_.Find("db")->successes_in_row(), 2);

  // Every report carries the check's name and kind; the transitions in order.
  // Failures before the fall threshold (and successes before rise) are pending.
  int changed = 0;
  int pending = 0;
  for (const CheckReport& r : reports_) {
    EXPECT_EQ(r.check, "db");
    EXPECT_EQ(r.kind, detect::CheckKind::kLiveness);
    changed += r.transition == detect::Transition::kChanged;
    pending += r.transition == detect::Transition::kPending;
  }
  EXPECT_EQ(changed, 3);
  EXPECT_EQ(pending, 3);  // two failures toward fall = 3, one success toward rise = 2
  std::vector<std::string> names;
  for (const detect::Event& e : events_) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"+healthy", "+unhealthy", "-unhealthy"}));
}

TEST_F(ProbeSchedulerTest, HungProbeTimesOutInTheCheckState) {
  testing::HttpServer server(200, "", /*hang=*/true);
  detect::CheckConfig config = FastConfig();
  config.fall = 1;
  scheduler_.Add("web", config, HttpSpec{.host = "127.0.0.1", .port = server.port()});
  ASSERT_TRUE(RunUntilEvent("+unhealthy"));
  EXPECT_GE(scheduler_.Find("web")->stats().timeouts, 1u);
  // The timeout is reported without an outcome.
  EXPECT_FALSE(reports_.front().outcome.has_value());
}

TEST_F(ProbeSchedulerTest, UnresolvableHostIsAnErrorResult) {
  detect::CheckConfig config = FastConfig();
  config.interval = Duration::Seconds(6);
  config.timeout = Duration::Seconds(5);
  config.fall = 1;
  scheduler_.Add("dns", config, TcpSpec{.host = "no-such-host.invalid", .port = 80});
  ASSERT_TRUE(RunUntilEvent("+unhealthy"));
  ASSERT_TRUE(reports_.back().outcome.has_value());
  EXPECT_EQ(reports_.back().outcome->result.output.rfind("resolve: no-such-host.invalid", 0), 0u);
}

TEST_F(ProbeSchedulerTest, ResetStartsTheCheckAfreshAndRemoveStopsIt) {
  testing::Listener listener;
  scheduler_.Add("a", FastConfig(), TcpSpec{.host = "127.0.0.1", .port = listener.port()});
  ASSERT_TRUE(RunUntilEvent("+healthy"));
  scheduler_.Reset("a");
  EXPECT_EQ(scheduler_.Find("a")->health(), detect::Health::kUnknown);
  EXPECT_FALSE(scheduler_.LastOutcome("a").has_value());
  events_.clear();
  ASSERT_TRUE(RunUntilEvent("+healthy"));

  scheduler_.Remove("a");
  EXPECT_EQ(scheduler_.Find("a"), nullptr);
  const size_t reports = reports_.size();
  loop_.RunUntil([] { return false; }, Duration::Millis(200));
  EXPECT_EQ(reports_.size(), reports);
}

}  // namespace
}  // namespace baton::probe
