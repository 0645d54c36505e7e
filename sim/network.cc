#include "sim/network.h"

#include <cstdio>

namespace baton::sim {

std::string NetworkOptions::ToString() const {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "latency=[%s,%s] loss=%.3f duplicate=%.3f reorder=%.3f (up to +%s)",
                latency_min.ToString().c_str(), latency_max.ToString().c_str(), loss, duplicate,
                reorder, reorder_delay_max.ToString().c_str());
  return buf;
}

Duration SimNetwork::DrawDelay(Rng& rng) const {
  Duration delay =
      Duration::Nanos(rng.UniformInt(options_.latency_min.nanos(), options_.latency_max.nanos()));
  if (rng.Chance(options_.reorder)) {
    delay += Duration::Nanos(rng.UniformInt(0, options_.reorder_delay_max.nanos()));
  }
  return delay;
}

void SimNetwork::Enqueue(const raft::Message& message, Instant at) {
  queue_.push(InFlight{at, next_seq_++, message});
}

void SimNetwork::Send(raft::Message message, Instant now, Rng& rng) {
  ++stats_.sent;
  if (IsCut(message.from, message.to)) {
    ++stats_.cut;
    return;
  }
  if (rng.Chance(options_.loss)) {
    ++stats_.lost;
    return;
  }
  if (rng.Chance(options_.duplicate)) {
    ++stats_.duplicated;
    Enqueue(message, now + DrawDelay(rng));
  }
  Enqueue(message, now + DrawDelay(rng));
}

std::optional<Instant> SimNetwork::NextDelivery() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.top().at;
}

std::optional<raft::Message> SimNetwork::PopDue(Instant now) {
  while (!queue_.empty() && queue_.top().at <= now) {
    raft::Message message = queue_.top().message;
    queue_.pop();
    if (IsCut(message.from, message.to)) {
      ++stats_.cut;
      continue;
    }
    ++stats_.delivered;
    return message;
  }
  return std::nullopt;
}

}  // namespace baton::sim
