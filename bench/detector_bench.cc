// detector_bench: false suspicions vs. detection time of the heartbeat
// failure detectors (src/detect), on seeded synthetic heartbeat traces.
//
// Trace model: the sender sends every 100ms; each heartbeat reaches the
// detector after a uniform 0-20ms delay. Pauses (GC, scheduler, VM steal) of
// a fixed length start as a Poisson process (one every --pause-every on
// average); a send due during a pause happens when the pause ends. One trace
// family has 200ms pauses, the other 500ms pauses; each family runs --hours
// independent one-hour traces.
//
// False suspicions: gaps between two arrivals at whose end the detector was
// already suspecting, per hour of trace. Detection time: for --trials random
// crash instants per hour (after a 2-minute warm-up), nothing sent after the
// crash is delivered; detection = the instant from which the detector
// suspects for good (its SuspectAt() after the last delivered heartbeat)
// minus the crash instant. Everything is in simulated time, exactly; the
// program reads no clock.
//
//   detector_bench [--seed=1] [--hours=12] [--trials=1000] [--pause-every=30s]
//                  [--window=N] [--min-stddev=D] [--acceptable-pause=D]
// Rows: fixed detectors, then phi with three parameter sets: the bare
// algorithm (no acceptable pause), the PhiAccrualConfig defaults (which the
// last three flags override, for tuning) and a setting for 500ms pauses.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "detect/fixed_detector.h"
#include "detect/phi_accrual_detector.h"

namespace baton::detect {
namespace {

constexpr Duration kInterval = Duration::Millis(100);
constexpr Duration kMaxDelay = Duration::Millis(20);
constexpr Duration kHour = Duration::Seconds(3600);
constexpr Duration kWarmup = Duration::Seconds(120);

struct Options {
  uint64_t seed = 1;
  int hours = 12;
  int trials = 1000;
  Duration pause_every = Duration::Seconds(30);
  PhiAccrualConfig tuned;
};

struct Arrival {
  Instant send;
  Instant arrival;
};

struct Trace {
  std::vector<Arrival> heartbeats;
  std::vector<Instant> crashes;  // sorted
};

Duration Exponential(Rng& rng, Duration mean) {
  const double u = rng.UniformDouble();
  return Duration::Nanos(static_cast<int64_t>(-std::log1p(-u) * static_cast<double>(mean.nanos())));
}

Trace MakeTrace(Rng& rng, Duration pause, Duration pause_every, int trials) {
  Trace trace;
  const Instant end = Instant() + kHour;
  Instant pause_start = Instant() + Exponential(rng, pause_every);
  for (Instant due = Instant(); due < end;) {
    while (pause_start + pause <= due) pause_start += pause + Exponential(rng, pause_every);
    const Instant send = pause_start <= due ? pause_start + pause : due;
    trace.heartbeats.push_back(
        {send, send + Duration::Nanos(rng.UniformInt(0, kMaxDelay.nanos()))});
    due = send + kInterval;
  }
  const int64_t first = kWarmup.nanos();
  const int64_t last = (kHour - Duration::Seconds(10)).nanos();
  for (int i = 0; i < trials; ++i) {
    trace.crashes.push_back(Instant::FromNanos(rng.UniformInt(first, last)));
  }
  std::sort(trace.crashes.begin(), trace.crashes.end());
  return trace;
}

struct Outcome {
  std::vector<double> detection_ms;
  int64_t false_suspicions = 0;
};

void Run(const Trace& trace, FailureDetector& detector, Outcome& out) {
  size_t crash = 0;
  for (size_t i = 0; i < trace.heartbeats.size(); ++i) {
    const Arrival& hb = trace.heartbeats[i];
    // Crashes before this heartbeat is sent: it and all later ones are lost.
    for (; crash < trace.crashes.size() && trace.crashes[crash] <= hb.send; ++crash) {
      const Instant crashed = trace.crashes[crash];
      const Instant suspected = std::max(detector.SuspectAt(), crashed);
      out.detection_ms.push_back(static_cast<double>((suspected - crashed).nanos()) / 1e6);
    }
    if (i > 0 && detector.Suspected(hb.arrival - Duration::Nanos(1))) ++out.false_suspicions;
    detector.Heartbeat(hb.arrival);
  }
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

struct Row {
  std::string detector;
  std::string threshold;
  std::function<FailureDetectorPtr()> make;
};

std::string PhiLabel(const PhiAccrualConfig& c) {
  return "phi w=" + std::to_string(c.window) + " sd>=" + c.min_stddev.ToString() +
         " pause=" + c.acceptable_pause.ToString();
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v == std::floor(v) ? "%.0f" : "%.1f", v);
  return buf;
}

std::vector<Row> Rows(const Options& options) {
  std::vector<Row> rows;
  for (double missed : {2.0, 3.0, 3.5, 4.0, 5.0, 6.5, 8.0}) {
    rows.push_back({"fixed 100ms", "n=" + Number(missed), [missed] {
                      return std::make_unique<FixedDetector>(
                          FixedDetectorConfig{.interval = kInterval, .missed = missed});
                    }});
  }
  // The bare algorithm, the defaults (tuned for 200ms pauses) and a setting
  // tuned for 500ms pauses.
  PhiAccrualConfig raw;
  raw.min_stddev = Duration::Millis(10);
  raw.acceptable_pause = Duration::Zero();
  PhiAccrualConfig long_pauses;
  long_pauses.min_stddev = Duration::Millis(40);
  long_pauses.acceptable_pause = Duration::Millis(350);
  for (const PhiAccrualConfig& base : {raw, options.tuned, long_pauses}) {
    for (double threshold : {1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 16.0}) {
      PhiAccrualConfig config = base;
      config.threshold = threshold;
      rows.push_back({PhiLabel(config), "phi=" + Number(threshold),
                      [config] { return std::make_unique<PhiAccrualDetector>(config); }});
    }
  }
  return rows;
}

bool ParseFlag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

bool ParseArgs(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    std::string v;
    Duration d;
    if (ParseFlag(argv[i], "--seed", &v)) {
      options->seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (ParseFlag(argv[i], "--hours", &v)) {
      options->hours = std::atoi(v.c_str());
    } else if (ParseFlag(argv[i], "--trials", &v)) {
      options->trials = std::atoi(v.c_str());
    } else if (ParseFlag(argv[i], "--window", &v)) {
      options->tuned.window = std::strtoull(v.c_str(), nullptr, 10);
    } else if (ParseFlag(argv[i], "--pause-every", &v) && ParseDuration(v, &d)) {
      options->pause_every = d;
    } else if (ParseFlag(argv[i], "--min-stddev", &v) && ParseDuration(v, &d)) {
      options->tuned.min_stddev = d;
    } else if (ParseFlag(argv[i], "--acceptable-pause", &v) && ParseDuration(v, &d)) {
      options->tuned.acceptable_pause = d;
    } else {
      std::fprintf(stderr, "unknown or malformed flag: %s\n", argv[i]);
      return false;
    }
  }
  const Status valid = options->tuned.Validate();
  if (!valid.ok() || options->hours < 1 || options->trials < 1 ||
      options->pause_every <= Duration::Zero()) {
    std::fprintf(stderr, "bad options: %s\n", valid.ToString().c_str());
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) return 2;

  struct Family {
    const char* name;
    Duration pause;
    std::vector<Trace> traces;
  };
  std::vector<Family> families = {{"200ms pauses", Duration::Millis(200), {}},
                                  {"500ms pauses", Duration::Millis(500), {}}};
  Rng root(options.seed);
  for (Family& family : families) {
    for (int h = 0; h < options.hours; ++h) {
      Rng rng = root.Fork();
      family.traces.push_back(MakeTrace(rng, family.pause, options.pause_every, options.trials));
    }
  }

  std::printf("seed=%llu hours=%d per trace family, %d crash trials per hour, a pause every %s\n\n",
              static_cast<unsigned long long>(options.seed), options.hours, options.trials,
              options.pause_every.ToString().c_str());
  std::printf(
      "| detector | threshold | trace | detection p50 (ms) | detection p99 (ms) | "
      "false suspicions / hour |\n");
  std::printf("|---|---|---|---:|---:|---:|\n");
  for (const Row& row : Rows(options)) {
    for (const Family& family : families) {
      Outcome outcome;
      for (const Trace& trace : family.traces) {
        const FailureDetectorPtr detector = row.make();
        Run(trace, *detector, outcome);
      }
      std::printf("| %s | %s | %s | %.0f | %.0f | %.2f |\n", row.detector.c_str(),
                  row.threshold.c_str(), family.name, Percentile(outcome.detection_ms, 0.50),
                  Percentile(outcome.detection_ms, 0.99),
                  static_cast<double>(outcome.false_suspicions) / options.hours);
    }
  }
  return 0;
}

}  // namespace
}  // namespace baton::detect

int main(int argc, char** argv) { return baton::detect::Main(argc, argv); }
