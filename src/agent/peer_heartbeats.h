// PeerHeartbeats: agent-to-agent heartbeats and the failure detector that
// judges each peer (docs/detection.md, "Agent heartbeats").
//
// Every `heartbeat_interval` this agent sends a dedicated heartbeat frame
// (wire.h, kHeartbeatTag) to every other member of the cluster over the
// peer transport. Only these frames feed the detectors: Raft traffic is
// bursty (writes) and one-sided (followers never talk to each other), which
// would distort the arrival statistics phi is computed from. A
// detect::PeerMonitor holds one detector per peer (phi-accrual or fixed, as
// configured); "+suspect"/"-suspect" events are logged, and per peer the
// gauges baton_peer_phi{peer} (the detector's suspicion: phi, or missed
// intervals for the fixed detector) and baton_peer_suspected{peer} (0/1)
// are kept current.
//
// Thread-safety: loop thread only. The loop, logger, metrics and raft
// server outlive it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "admin/metrics.h"
#include "agent/raft_server.h"
#include "config/agent_config.h"
#include "core/logger.h"
#include "detect/event.h"
#include "detect/peer_monitor.h"
#include "net/event_loop.h"

namespace baton::agent {

class PeerHeartbeats {
 public:
  // Starts sending and watching at once. Installs itself as `raft`'s
  // heartbeat handler. REQUIRES: config passed AgentConfig::Validate.
  PeerHeartbeats(net::EventLoop& loop, Logger& logger, admin::MetricsRegistry& metrics,
                 RaftServer& raft, const config::DetectionConfig& config);
  ~PeerHeartbeats();
  PeerHeartbeats(const PeerHeartbeats&) = delete;
  PeerHeartbeats& operator=(const PeerHeartbeats&) = delete;

  // Every other member, by name, judged now.
  std::vector<detect::PeerStatus> Status() const;
  // "phi" or "fixed".
  std::string_view detector() const;
  double threshold() const { return config_.EffectiveThreshold(); }
  // The latest "+suspect"/"-suspect" events, oldest first.
  const std::deque<detect::Event>& recent_events() const { return events_; }
  // Called with each peer's (node name's) verdict as it changes: the
  // failover driver counts a suspected node's members as observed down.
  using SuspicionFn = std::function<void(const std::string& peer, bool suspected)>;
  void OnSuspicion(SuspicionFn fn) { on_suspicion_ = std::move(fn); }

 private:
  struct Gauges {
    admin::Gauge* phi = nullptr;
    admin::Gauge* suspected = nullptr;
  };

  SuspicionFn on_suspicion_;

  void SendAndSync();
  void OnHeartbeat(uint64_t from);
  void Evaluate();
  void Rearm();

  net::EventLoop& loop_;
  Logger& logger_;
  admin::MetricsRegistry& metrics_;
  RaftServer& raft_;
  const config::DetectionConfig config_;
  detect::PeerMonitor monitor_;
  std::map<std::string, Gauges> gauges_;
  std::deque<detect::Event> events_;
  net::TimerHandle send_timer_;
  net::TimerHandle wake_timer_;
};

}  // namespace baton::agent
