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

bool ParseDuration(const std::string& text, Duration* out) {
  size_t i = 0;
  int64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (value > INT64_MAX / 10 - 10) return false;
    value = value * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0) return false;
  const std::string unit = text.substr(i);
  Duration d;
  if (unit == "ns") {
    d = Duration::Nanos(value);
  } else if (unit == "us") {
    d = Duration::Micros(value);
  } else if (unit == "ms") {
    d = Duration::Millis(value);
  } else if (unit == "s") {
    d = Duration::Seconds(value);
  } else if (unit == "m") {
    d = Duration::Seconds(value * 60);
  } else if (unit == "h") {
    d = Duration::Seconds(value * 3600);
  } else if (unit.empty() && value == 0) {
    d = Duration::Zero();
  } else {
    return false;
  }
  *out = d;
  return true;
}

}  // namespace baton
