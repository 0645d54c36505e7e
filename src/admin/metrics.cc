#include "admin/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace baton::admin {
namespace {

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// Integers print without a fraction ("3", not "3e+00"); other values print in
// the shortest form that reads back to the same double.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  BATON_CHECK(ec == std::errc()) << "to_chars failed for a double";
  return std::string(buf, end);
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// "{a="x",le="0.5"}", or "" when there are no labels at all.
std::string RenderLabels(const MetricLabels& labels, const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name + "=\"" + EscapeLabelValue(value) + "\"";
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"" + *le + "\"";
  }
  out += '}';
  return out;
}

}  // namespace

std::string_view MetricsRegistry::TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void Counter::Increment(double delta) {
  BATON_CHECK(delta >= 0) << "counter decremented by " << delta;
  value_.fetch_add(delta, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), bucket_counts_(upper_bounds_.size() + 1, 0) {
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    BATON_CHECK(std::isfinite(upper_bounds_[i])) << "histogram bound is not finite";
    BATON_CHECK(i == 0 || upper_bounds_[i - 1] < upper_bounds_[i])
        << "histogram bounds are not strictly ascending";
  }
}

void Histogram::Observe(double value) {
  const size_t bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  std::lock_guard lock(mu_);
  ++bucket_counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot snap;
  snap.upper_bounds = upper_bounds_;
  std::lock_guard lock(mu_);
  uint64_t running = 0;
  for (const uint64_t n : bucket_counts_) {
    running += n;
    snap.cumulative.push_back(running);
  }
  snap.sum = sum_;
  snap.count = running;
  return snap;
}

MetricsRegistry::Series& MetricsRegistry::FindOrAdd(std::string_view name, std::string_view help,
                                                    Type type,
                                                    const std::vector<double>& upper_bounds,
                                                    MetricLabels labels) {
  BATON_CHECK(IsValidName(name, /*allow_colon=*/true)) << "invalid metric name: " << name;
  for (const auto& [label, value] : labels) {
    BATON_CHECK(IsValidName(label, /*allow_colon=*/false) && !label.starts_with("__"))
        << "invalid label name " << label << " on " << name;
    BATON_CHECK(type != Type::kHistogram || label != "le")
        << "histogram " << name << " may not use the label le";
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), upper_bounds, {}})
             .first;
  }
  Family& family = it->second;
  BATON_CHECK(family.type == type) << "metric " << name << " registered with two types";
  BATON_CHECK(family.help == help) << "metric " << name << " registered with two help texts";
  BATON_CHECK(family.upper_bounds == upper_bounds)
      << "histogram " << name << " registered with two bucket layouts";
  for (Series& s : family.series) {
    if (s.labels == labels) return s;
  }
  Series series{std::move(labels), nullptr, nullptr, nullptr};
  switch (type) {
    case Type::kCounter:
      series.counter = std::make_unique<Counter>();
      break;
    case Type::kGauge:
      series.gauge = std::make_unique<Gauge>();
      break;
    case Type::kHistogram:
      series.histogram = std::make_unique<Histogram>(upper_bounds);
      break;
  }
  family.series.push_back(std::move(series));
  return family.series.back();
}

Counter& MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                     MetricLabels labels) {
  std::lock_guard lock(mu_);
  return *FindOrAdd(name, help, Type::kCounter, {}, std::move(labels)).counter;
}

Gauge& MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                 MetricLabels labels) {
  std::lock_guard lock(mu_);
  return *FindOrAdd(name, help, Type::kGauge, {}, std::move(labels)).gauge;
}

Histogram& MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                         std::vector<double> upper_bounds, MetricLabels labels) {
  std::lock_guard lock(mu_);
  return *FindOrAdd(name, help, Type::kHistogram, upper_bounds, std::move(labels)).histogram;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
    out += "# TYPE " + name + " " + std::string(TypeName(family.type)) + "\n";
    for (const Series& s : family.series) {
      switch (family.type) {
        case Type::kCounter:
          out += name + RenderLabels(s.labels) + " " + FormatValue(s.counter->Value()) + "\n";
          break;
        case Type::kGauge:
          out += name + RenderLabels(s.labels) + " " + FormatValue(s.gauge->Value()) + "\n";
          break;
        case Type::kHistogram: {
          const Histogram::Snapshot snap = s.histogram->Take();
          for (size_t i = 0; i < snap.cumulative.size(); ++i) {
            const std::string le = i < snap.upper_bounds.size()
                                       ? FormatValue(snap.upper_bounds[i])
                                       : FormatValue(std::numeric_limits<double>::infinity());
            out += name + "_bucket" + RenderLabels(s.labels, &le) + " " +
                   std::to_string(snap.cumulative[i]) + "\n";
          }
          out += name + "_sum" + RenderLabels(s.labels) + " " + FormatValue(snap.sum) + "\n";
          out += name + "_count" + RenderLabels(s.labels) + " " + std::to_string(snap.count) + "\n";
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace baton::admin
