#include "agent/lease_ttl.h"

#include <nlohmann/json.hpp>

namespace baton::agent {
namespace {

using json = nlohmann::json;

constexpr int64_t kNanosPerSecond = 1000 * 1000 * 1000;
constexpr int64_t kNanosPerMilli = 1000 * 1000;

// Reads the ttl in whatever shape it was given; false when none fits.
bool ReadTtl(const json& j, Duration* d, std::string* why) {
  auto ttl = j.find("ttl");
  auto ttl_ms = j.find("ttl_ms");
  if (ttl != j.end() && ttl->is_string()) {
    if (ParseDuration(ttl->get<std::string>(), d)) return true;
    *why = "ttl \"" + ttl->get<std::string>() + "\" is not a duration that fits (e.g. \"10s\")";
    return false;
  }
  if (ttl != j.end() && ttl->is_number_unsigned()) {
    if (DurationFromCount(ttl->get<uint64_t>(), kNanosPerSecond, d)) return true;
    *why = "ttl " + ttl->dump() + " seconds is out of range";
    return false;
  }
  if (ttl_ms != j.end() && ttl_ms->is_number_unsigned()) {
    if (DurationFromCount(ttl_ms->get<uint64_t>(), kNanosPerMilli, d)) return true;
    *why = "ttl_ms " + ttl_ms->dump() + " is out of range";
    return false;
  }
  *why = R"(body must be {"ttl":"10s"}, {"ttl":10} or {"ttl_ms":10000})";
  return false;
}

}  // namespace

Result<Duration> ParseLeaseTtl(const std::string& body, Duration min_ttl) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  Duration ttl;
  std::string why = R"(body must be {"ttl":"10s"}, {"ttl":10} or {"ttl_ms":10000})";
  if (!j.is_object() || !ReadTtl(j, &ttl, &why)) return Status::InvalidArgument(why);
  if (ttl < min_ttl) {
    return Status::InvalidArgument("ttl " + ttl.ToString() + " is below the minimum " +
                                   min_ttl.ToString() + " (the election timeout)");
  }
  if (ttl > kMaxLeaseTtl) {
    return Status::InvalidArgument("ttl " + ttl.ToString() + " is above the maximum " +
                                   kMaxLeaseTtl.ToString());
  }
  return ttl;
}

}  // namespace baton::agent
