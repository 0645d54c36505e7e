// MetricsRegistry: counters, gauges and fixed-bucket histograms, rendered in
// the Prometheus text exposition format 0.0.4.
//
// A metric is a series: a family name, help text, a type and an ordered list
// of label pairs. Series that share a name form one family and must share its
// type, help text and (for histograms) bucket bounds. Registration is
// get-or-create: asking again for the same name and labels returns the same
// series. Names that are not valid Prometheus names, a type or help mismatch
// within a family, or a histogram label called "le" are programmer errors
// (BATON_CHECK).
//
// Thread-safety: every method of every class here may be called from any
// thread at any time. References returned by Add* stay valid for the life of
// the registry. Counter and Gauge updates are lock-free atomics; a Histogram
// takes its own mutex per observation so a render never sees a count that
// disagrees with its buckets.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::admin {

// Label pairs in the order they are rendered.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A value that only goes up (or is reset by a process restart).
class Counter {
 public:
  // REQUIRES: delta >= 0.
  void Increment(double delta = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets with fixed upper bounds (inclusive), plus
// an implicit +Inf bucket, and keeps their sum.
class Histogram {
 public:
  struct Snapshot {
    std::vector<double> upper_bounds;  // ascending, without +Inf
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };

  // REQUIRES: upper_bounds is strictly ascending and finite.
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value);
  Snapshot Take() const;

 private:
  const std::vector<double> upper_bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> bucket_counts_;  // guarded by mu_; last is +Inf
  double sum_ = 0;                       // guarded by mu_
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& AddCounter(std::string_view name, std::string_view help, MetricLabels labels = {});
  Gauge& AddGauge(std::string_view name, std::string_view help, MetricLabels labels = {});
  Histogram& AddHistogram(std::string_view name, std::string_view help,
                          std::vector<double> upper_bounds, MetricLabels labels = {});

  // Families sorted by name; series in the order they were first added.
  std::string RenderPrometheus() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> upper_bounds;  // histograms only
    std::vector<Series> series;
  };

  static std::string_view TypeName(Type type);
  Series& FindOrAdd(std::string_view name, std::string_view help, Type type,
                    const std::vector<double>& upper_bounds, MetricLabels labels);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // guarded by mu_
};

}  // namespace baton::admin
