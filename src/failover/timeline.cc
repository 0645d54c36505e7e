#include "failover/timeline.h"

namespace baton::failover {
namespace {

void Step(std::string* out, const char* name, const std::optional<Instant>& at,
          const std::optional<Instant>& origin) {
  if (!at || !origin) return;
  *out += std::string(" ") + name + "=+" + (*at - *origin).ToString();
}

}  // namespace

std::optional<Duration> Timeline::TimeToRecover() const {
  if (!promoted || !detected) return std::nullopt;
  return *promoted - *detected;
}

std::string Timeline::ToString() const {
  std::string out = group + " cause=" + cause + " " + old_primary + "@" +
                    std::to_string(from_epoch) + "->" + new_primary + "@" +
                    std::to_string(to_epoch);
  Step(&out, "confirmed", confirmed, detected);
  Step(&out, "fenced", fenced, detected);
  Step(&out, "promoted", promoted, detected);
  Step(&out, "repointed", repointed, detected);
  Step(&out, "routed", routed, detected);
  out += " loss_bound=" + std::to_string(loss_bound_bytes) +
         " acked_loss=" + (acked_loss_bytes ? std::to_string(*acked_loss_bytes) : "unknown");
  if (forced) out += " forced";
  return out + " outcome=" + outcome;
}

}  // namespace baton::failover
