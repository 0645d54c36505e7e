// Duration and Instant: monotonic time as the cores see it.
//
// The cores never read a clock. The driver (the agent's Asio loop or the
// simulator) passes the current Instant in. An Instant is nanoseconds since an
// arbitrary origin fixed per process (or per simulation); only differences
// between Instants of the same clock mean anything. Wall-clock time is for
// display only and never reaches a core.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace baton {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Nanos(int64_t n) { return Duration(n); }
  static constexpr Duration Micros(int64_t n) { return Duration(n * 1000); }
  static constexpr Duration Millis(int64_t n) { return Duration(n * 1000 * 1000); }
  static constexpr Duration Seconds(int64_t n) { return Duration(n * 1000 * 1000 * 1000); }
  static constexpr Duration Zero() { return Duration(0); }
  static constexpr Duration Max() { return Duration(INT64_MAX); }

  constexpr int64_t nanos() const { return ns_; }
  constexpr int64_t micros() const { return ns_ / 1000; }
  constexpr int64_t millis() const { return ns_ / (1000 * 1000); }
  constexpr double seconds() const { return static_cast<double>(ns_) / 1e9; }

  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
  constexpr Duration& operator+=(Duration o) {
    ns_ += o.ns_;
    return *this;
  }
  constexpr Duration& operator-=(Duration o) {
    ns_ -= o.ns_;
    return *this;
  }
  constexpr auto operator<=>(const Duration&) const = default;

  // "1.5s", "250ms", "40us", "7ns": the largest unit that keeps it readable.
  std::string ToString() const;

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromNanos(int64_t ns) { return Instant(ns); }
  constexpr int64_t nanos() const { return ns_; }

  constexpr Instant operator+(Duration d) const { return Instant(ns_ + d.nanos()); }
  constexpr Instant operator-(Duration d) const { return Instant(ns_ - d.nanos()); }
  constexpr Duration operator-(Instant o) const { return Duration::Nanos(ns_ - o.ns_); }
  constexpr Instant& operator+=(Duration d) {
    ns_ += d.nanos();
    return *this;
  }
  constexpr auto operator<=>(const Instant&) const = default;

 private:
  constexpr explicit Instant(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// Parses "500ms", "10s", "2m", "1h", "250us", "0": a non-negative integer
// and a unit. Returns false (and leaves *out alone) on anything else,
// including a value that does not fit in a Duration (about 292 years):
// "18446744074s" is an error, never a wrapped-around 290ms.
bool ParseDuration(const std::string& text, Duration* out);

// count * unit_nanos as a Duration; false (and *out left alone) when it does
// not fit. REQUIRES: unit_nanos > 0.
bool DurationFromCount(uint64_t count, int64_t unit_nanos, Duration* out);

}  // namespace baton
