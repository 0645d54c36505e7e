#include "detect/peer_monitor.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/check.h"

namespace baton::detect {
namespace {

std::string FormatSuspicion(double suspicion) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", suspicion);
  return buf;
}

}  // namespace

PeerMonitor::PeerMonitor(DetectorFactory factory) : factory_(std::move(factory)) {}

void PeerMonitor::AddPeer(const std::string& peer, Instant now) {
  BATON_CHECK(!peers_.contains(peer)) << "peer " << peer << " is already watched";
  Peer state{.detector = factory_(), .last_heartbeat = now};
  BATON_CHECK(state.detector != nullptr) << "detector factory returned null";
  state.detector->Heartbeat(now);
  peers_.emplace(peer, std::move(state));
}

void PeerMonitor::RemovePeer(const std::string& peer) { peers_.erase(peer); }

void PeerMonitor::Heartbeat(const std::string& peer, Instant now) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    ++stats_.unknown_peer_heartbeats;
    return;
  }
  ++stats_.heartbeats;
  Peer& state = it->second;
  const Duration silence = now - state.last_heartbeat;
  state.detector->Heartbeat(now);
  state.last_heartbeat = now;
  if (state.suspected && !state.detector->Suspected(now)) {
    state.suspected = false;
    ++stats_.recoveries;
    events_.push_back(Event{.name = "-suspect",
                            .target = peer,
                            .time = now,
                            .fields = {{"silence", silence.ToString()}}});
  }
}

void PeerMonitor::Tick(Instant now) {
  for (auto& [peer, state] : peers_) {
    if (state.suspected || !state.detector->Suspected(now)) continue;
    state.suspected = true;
    ++stats_.suspicions;
    events_.push_back(
        Event{.name = "+suspect",
              .target = peer,
              .time = now,
              .fields = {{"suspicion", FormatSuspicion(state.detector->Suspicion(now))},
                         {"silence", (now - state.last_heartbeat).ToString()}}});
  }
}

Instant PeerMonitor::NextWakeup() const {
  Instant next = Instant::FromNanos(INT64_MAX);
  for (const auto& [peer, state] : peers_) {
    if (!state.suspected) next = std::min(next, state.detector->SuspectAt());
  }
  return next;
}

std::vector<PeerStatus> PeerMonitor::Status(Instant now) const {
  std::vector<PeerStatus> out;
  out.reserve(peers_.size());
  for (const auto& [peer, state] : peers_) {
    out.push_back(PeerStatus{.peer = peer,
                             .suspicion = state.detector->Suspicion(now),
                             .suspected = state.detector->Suspected(now),
                             .silence = now - state.last_heartbeat});
  }
  return out;
}

std::vector<Event> PeerMonitor::TakeEvents() { return std::exchange(events_, {}); }

}  // namespace baton::detect
