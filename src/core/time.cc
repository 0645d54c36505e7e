#include "core/time.h"

#include <cctype>
#include <cstdio>

namespace baton {

std::string Duration::ToString() const {
  char buf[48];
  const int64_t abs_ns = ns_ < 0 ? -ns_ : ns_;
  if (abs_ns >= 1000LL * 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.3gs", seconds());
  } else if (abs_ns >= 1000LL * 1000) {
    std::snprintf(buf, sizeof buf, "%.4gms", static_cast<double>(ns_) / 1e6);
  } else if (abs_ns >= 1000) {
    std::snprintf(buf, sizeof buf, "%.4gus", static_cast<double>(ns_) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns_));
  }
  return buf;
}

bool DurationFromCount(uint64_t count, int64_t unit_nanos, Duration* out) {
  if (unit_nanos <= 0) return false;
  if (count > static_cast<uint64_t>(INT64_MAX / unit_nanos)) return false;
  *out = Duration::Nanos(static_cast<int64_t>(count) * unit_nanos);
  return true;
}

bool ParseDuration(const std::string& text, Duration* out) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (value > (UINT64_MAX - 9) / 10) return false;
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0) return false;
  const std::string unit = text.substr(i);
  constexpr int64_t kSecond = 1000 * 1000 * 1000;
  int64_t unit_nanos = 0;
  if (unit == "ns") {
    unit_nanos = 1;
  } else if (unit == "us") {
    unit_nanos = 1000;
  } else if (unit == "ms") {
    unit_nanos = 1000 * 1000;
  } else if (unit == "s") {
    unit_nanos = kSecond;
  } else if (unit == "m") {
    unit_nanos = 60 * kSecond;
  } else if (unit == "h") {
    unit_nanos = 3600 * kSecond;
  } else if (unit.empty() && value == 0) {
    unit_nanos = 1;
  } else {
    return false;
  }
  return DurationFromCount(value, unit_nanos, out);
}

}  // namespace baton
