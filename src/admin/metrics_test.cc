#include "admin/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace baton::admin {
namespace {

TEST(MetricsRegistryTest, EmptyRegistryRendersNothing) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.RenderPrometheus(), "");
}

TEST(MetricsRegistryTest, RendersCountersAndGaugesSortedByFamilyName) {
  MetricsRegistry registry;
  Gauge& members = registry.AddGauge("baton_members", "Members managed by this agent.");
  Counter& failovers =
      registry.AddCounter("baton_failovers_total", "Failovers by cause.", {{"cause", "crash"}});
  Counter& manual =
      registry.AddCounter("baton_failovers_total", "Failovers by cause.", {{"cause", "manual"}});
  members.Set(3);
  members.Add(-0.5);
  failovers.Increment();
  failovers.Increment(2);
  manual.Increment();

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP baton_failovers_total Failovers by cause.\n"
            "# TYPE baton_failovers_total counter\n"
            "baton_failovers_total{cause=\"crash\"} 3\n"
            "baton_failovers_total{cause=\"manual\"} 1\n"
            "# HELP baton_members Members managed by this agent.\n"
            "# TYPE baton_members gauge\n"
            "baton_members 2.5\n");
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeWithInclusiveUpperBounds) {
  MetricsRegistry registry;
  Histogram& h = registry.AddHistogram("baton_failover_seconds", "Time to recover.", {0.1, 0.5, 2},
                                       {{"group", "pg"}});
  h.Observe(0.1);  // exactly on a bound: counts in that bucket
  h.Observe(0.3);
  h.Observe(0.3);
  h.Observe(7);  // above every bound: only +Inf

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP baton_failover_seconds Time to recover.\n"
            "# TYPE baton_failover_seconds histogram\n"
            "baton_failover_seconds_bucket{group=\"pg\",le=\"0.1\"} 1\n"
            "baton_failover_seconds_bucket{group=\"pg\",le=\"0.5\"} 3\n"
            "baton_failover_seconds_bucket{group=\"pg\",le=\"2\"} 3\n"
            "baton_failover_seconds_bucket{group=\"pg\",le=\"+Inf\"} 4\n"
            "baton_failover_seconds_sum{group=\"pg\"} 7.7\n"
            "baton_failover_seconds_count{group=\"pg\"} 4\n");
}

TEST(MetricsRegistryTest, HistogramWithoutLabelsHasOnlyLeOnBuckets) {
  MetricsRegistry registry;
  registry.AddHistogram("rtt_seconds", "RTT.", {1}).Observe(0.25);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP rtt_seconds RTT.\n"
            "# TYPE rtt_seconds histogram\n"
            "rtt_seconds_bucket{le=\"1\"} 1\n"
            "rtt_seconds_bucket{le=\"+Inf\"} 1\n"
            "rtt_seconds_sum 0.25\n"
            "rtt_seconds_count 1\n");
}

TEST(MetricsRegistryTest, EscapesHelpTextAndLabelValues) {
  MetricsRegistry registry;
  registry.AddCounter("odd_total", "A \\ backslash\nand a newline.",
                      {{"path", "C:\\dir \"q\"\nnext"}});
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP odd_total A \\\\ backslash\\nand a newline.\n"
            "# TYPE odd_total counter\n"
            "odd_total{path=\"C:\\\\dir \\\"q\\\"\\nnext\"} 0\n");
}

TEST(MetricsRegistryTest, SameNameAndLabelsReturnTheSameSeries) {
  MetricsRegistry registry;
  Counter& a = registry.AddCounter("x_total", "X.", {{"k", "v"}});
  Counter& b = registry.AddCounter("x_total", "X.", {{"k", "v"}});
  Counter& c = registry.AddCounter("x_total", "X.", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
}

TEST(MetricsRegistryTest, RendersSpecialAndLargeValues) {
  MetricsRegistry registry;
  registry.AddGauge("big", "Big.").Set(1e20);
  registry.AddGauge("neg", "Neg.").Set(-42);
  registry.AddGauge("inf", "Inf.").Set(std::numeric_limits<double>::infinity());
  const std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find("\nbig 1e+20\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nneg -42\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ninf +Inf\n"), std::string::npos) << text;
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry registry;
  Counter& counter = registry.AddCounter("hits_total", "Hits.");
  Histogram& histogram = registry.AddHistogram("lat_seconds", "Latency.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.Increment();
        histogram.Observe(0.5);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter.Value(), 40000);
  const Histogram::Snapshot snap = histogram.Take();
  EXPECT_EQ(snap.count, 40000u);
  EXPECT_EQ(snap.cumulative.front(), 40000u);
  EXPECT_EQ(snap.sum, 20000);
}

TEST(MetricsRegistryDeathTest, ATypeClashWithinAFamilyIsABug) {
  MetricsRegistry registry;
  registry.AddCounter("x_total", "X.");
  EXPECT_DEATH(registry.AddGauge("x_total", "X."), "two types");
}

TEST(MetricsRegistryDeathTest, InvalidNamesAreBugs) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.AddCounter("1bad", "X."), "invalid metric name");
  EXPECT_DEATH(registry.AddCounter("ok_total", "X.", {{"bad-label", "v"}}), "invalid label");
  EXPECT_DEATH(registry.AddHistogram("h", "H.", {1}, {{"le", "v"}}), "may not use the label le");
  EXPECT_DEATH(registry.AddHistogram("h2", "H.", {2, 1}), "ascending");
}

}  // namespace
}  // namespace baton::admin
