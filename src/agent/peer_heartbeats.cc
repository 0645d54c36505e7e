#include "agent/peer_heartbeats.h"

#include <set>

#include "detect/fixed_detector.h"
#include "detect/phi_accrual_detector.h"

namespace baton::agent {
namespace {

constexpr size_t kEventHistory = 32;

detect::PeerMonitor::DetectorFactory FactoryFor(const config::DetectionConfig& config) {
  if (config.detector == config::DetectorKind::kFixed) {
    detect::FixedDetectorConfig fixed;
    fixed.interval = config.heartbeat_interval;
    fixed.missed = config.EffectiveThreshold();
    return [fixed] { return std::make_unique<detect::FixedDetector>(fixed); };
  }
  detect::PhiAccrualConfig phi;
  phi.threshold = config.EffectiveThreshold();
  phi.acceptable_pause = config.acceptable_pause;
  phi.min_stddev = config.min_stddev;
  phi.first_heartbeat_estimate = config.heartbeat_interval;
  return [phi] { return std::make_unique<detect::PhiAccrualDetector>(phi); };
}

}  // namespace

PeerHeartbeats::PeerHeartbeats(net::EventLoop& loop, Logger& logger,
                               admin::MetricsRegistry& metrics, RaftServer& raft,
                               const config::DetectionConfig& config)
    : loop_(loop),
      logger_(logger),
      metrics_(metrics),
      raft_(raft),
      config_(config),
      monitor_(FactoryFor(config)) {
  raft_.SetHeartbeatHandler([this](uint64_t from) { OnHeartbeat(from); });
  send_timer_ = loop_.RunEvery(config_.heartbeat_interval, [this] { SendAndSync(); });
  SendAndSync();
}

PeerHeartbeats::~PeerHeartbeats() {
  raft_.SetHeartbeatHandler(nullptr);
  send_timer_.Cancel();
  wake_timer_.Cancel();
}

std::string_view PeerHeartbeats::detector() const {
  return config_.detector == config::DetectorKind::kFixed ? "fixed" : "phi";
}

std::vector<detect::PeerStatus> PeerHeartbeats::Status() const {
  return monitor_.Status(loop_.Now());
}

void PeerHeartbeats::SendAndSync() {
  const Instant now = loop_.Now();
  std::set<std::string> current;
  for (const MemberStatus& m : raft_.Describe().members) {
    if (m.self) continue;
    current.insert(m.info.name);
    if (!monitor_.Watches(m.info.name)) {
      monitor_.AddPeer(m.info.name, now);
      const admin::MetricLabels labels = {{"peer", m.info.name}};
      gauges_[m.info.name] = {
          &metrics_.AddGauge("baton_peer_phi",
                             "Suspicion of a peer agent (phi, or missed intervals for the "
                             "fixed detector)",
                             labels),
          &metrics_.AddGauge("baton_peer_suspected", "1 while a peer agent is suspected", labels)};
    }
    raft_.SendHeartbeat(m.info.id);
  }
  for (auto it = gauges_.begin(); it != gauges_.end();) {
    if (current.contains(it->first)) {
      ++it;
      continue;
    }
    monitor_.RemovePeer(it->first);
    it->second.phi->Set(0);
    it->second.suspected->Set(0);
    it = gauges_.erase(it);
  }
  Evaluate();
}

void PeerHeartbeats::OnHeartbeat(uint64_t from) {
  const std::optional<MemberInfo> member = raft_.Member(from);
  if (!member || !monitor_.Watches(member->name)) return;  // watched from the next sync
  monitor_.Heartbeat(member->name, loop_.Now());
  Evaluate();
}

void PeerHeartbeats::Evaluate() {
  const Instant now = loop_.Now();
  monitor_.Tick(now);
  for (detect::Event& event : monitor_.TakeEvents()) {
    logger_.Log(event.name == "+suspect" ? LogLevel::kWarn : LogLevel::kInfo, event.ToString());
    if (on_suspicion_ && (event.name == "+suspect" || event.name == "-suspect")) {
      on_suspicion_(event.target, event.name == "+suspect");
    }
    events_.push_back(std::move(event));
    while (events_.size() > kEventHistory) events_.pop_front();
  }
  for (const detect::PeerStatus& peer : monitor_.Status(now)) {
    auto it = gauges_.find(peer.peer);
    if (it == gauges_.end()) continue;
    it->second.phi->Set(peer.suspicion);
    it->second.suspected->Set(peer.suspected ? 1 : 0);
  }
  Rearm();
}

void PeerHeartbeats::Rearm() {
  const Instant wake = monitor_.NextWakeup();
  if (wake == Instant::FromNanos(INT64_MAX)) return;
  const Duration delay = std::max(wake - loop_.Now(), Duration::Zero());
  wake_timer_.Cancel();
  wake_timer_ = loop_.RunAfter(delay, [this] { Evaluate(); });
}

}  // namespace baton::agent
