#include "detect/check_config.h"

#include <string>

namespace baton::detect {

std::string_view CheckKindName(CheckKind kind) {
  switch (kind) {
    case CheckKind::kLiveness:
      return "liveness";
    case CheckKind::kReadiness:
      return "readiness";
    case CheckKind::kDeep:
      return "deep";
  }
  return "unknown";
}

Status CheckConfig::Validate() const {
  if (interval <= Duration::Zero()) {
    return Status::InvalidArgument("check interval must be > 0, got " + interval.ToString());
  }
  if (timeout <= Duration::Zero()) {
    return Status::InvalidArgument("check timeout must be > 0, got " + timeout.ToString());
  }
  if (timeout >= interval) {
    return Status::InvalidArgument("check timeout (" + timeout.ToString() +
                                   ") must be < interval (" + interval.ToString() +
                                   ") so that at most one probe is in flight");
  }
  if (rise < 1) {
    return Status::InvalidArgument("check rise must be >= 1, got " + std::to_string(rise));
  }
  if (fall < 1) {
    return Status::InvalidArgument("check fall must be >= 1, got " + std::to_string(fall));
  }
  if (jitter < Duration::Zero() || jitter > interval) {
    return Status::InvalidArgument("check jitter must be in [0, interval (" + interval.ToString() +
                                   ")], got " + jitter.ToString());
  }
  if (start_period < Duration::Zero()) {
    return Status::InvalidArgument("check start_period must be >= 0, got " +
                                   start_period.ToString());
  }
  return Status::Ok();
}

}  // namespace baton::detect
