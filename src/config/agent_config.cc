#include "config/agent_config.h"

#include <cctype>

#include "config/group_section.h"

namespace baton::config {
namespace {

// Why `name` is not a valid node or cluster name, or nullopt if it is.
std::optional<std::string> NameProblem(const std::string& name) {
  if (name.empty()) return "must not be empty";
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return "expected letters, digits, '.', '_' or '-', got \"" + name + "\"";
    }
  }
  return std::nullopt;
}

bool IsSet(const HostPort& address) { return !address.host.empty() && address.port != 0; }

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::optional<Violation> CheckIdentity(const AgentConfig& c) {
  if (auto problem = NameProblem(c.node.name)) return Violation{"node.name", *problem};
  if (c.node.id == 0) return Violation{"node.id", "must be positive"};
  if (auto problem = NameProblem(c.cluster.name)) return Violation{"cluster.name", *problem};
  if (!IsSet(c.listen.peer)) return Violation{"listen.peer", "must be set"};
  if (!IsSet(c.listen.admin)) return Violation{"listen.admin", "must be set"};
  if (c.listen.admin == c.listen.peer) {
    return Violation{"listen.admin",
                     "must differ from listen.peer (" + c.listen.peer.ToString() + ")"};
  }
  if (c.data_dir.empty()) return Violation{"data_dir", "must be set"};
  return std::nullopt;
}

std::optional<Violation> CheckPeers(const AgentConfig& c) {
  if (c.peers.empty())
    return Violation{"peers", "must list the initial voters, this node included"};
  for (size_t i = 0; i < c.peers.size(); ++i) {
    const PeerConfig& peer = c.peers[i];
    const std::string at = "peers[" + std::to_string(i) + "]";
    if (auto problem = NameProblem(peer.name)) return Violation{at + ".name", *problem};
    if (peer.id == 0) return Violation{at + ".id", "must be positive"};
    if (!IsSet(peer.address)) return Violation{at + ".address", "must be set"};
    for (size_t j = 0; j < i; ++j) {
      const PeerConfig& earlier = c.peers[j];
      const std::string also = " is also in peers[" + std::to_string(j) + "]";
      if (earlier.id == peer.id) return Violation{at + ".id", std::to_string(peer.id) + also};
      if (earlier.name == peer.name) return Violation{at + ".name", Quote(peer.name) + also};
      if (earlier.address == peer.address) {
        return Violation{at + ".address", peer.address.ToString() + also};
      }
    }
  }
  for (size_t i = 0; i < c.peers.size(); ++i) {
    const PeerConfig& self = c.peers[i];
    if (self.id != c.node.id) continue;
    const std::string at = "peers[" + std::to_string(i) + "]";
    if (self.name != c.node.name) {
      return Violation{"node.name", Quote(c.node.name) + " differs from " + at + ".name " +
                                        Quote(self.name) + ", the entry with this node's id"};
    }
    if (self.address != c.listen.peer) {
      return Violation{"listen.peer", c.listen.peer.ToString() + " differs from " + at +
                                          ".address " + self.address.ToString() +
                                          ", this node's entry"};
    }
    return std::nullopt;
  }
  return Violation{"node.id", std::to_string(c.node.id) + " is not the id of any entry in peers"};
}

// Bounds that keep tick counts and timers sane: an election timeout of
// centuries would leave a dead leader in office forever.
constexpr Duration kMinTick = Duration::Millis(1);
constexpr Duration kMaxTick = Duration::Seconds(1);
constexpr Duration kMaxElectionTimeout = Duration::Seconds(60);

// A group's lease is kept alive by committed store writes, which stop during
// a store election: a lease_ttl at or below the election timeout (let alone
// the heartbeat) expires in every leader change.
std::optional<Violation> CheckLeaseAgainstTiming(const std::vector<GroupSpec>& groups,
                                                 const TimingConfig& t) {
  for (size_t i = 0; i < groups.size(); ++i) {
    const Duration ttl = groups[i].group.lease_ttl;
    if (ttl <= t.election_timeout) {
      return Violation{"groups[" + std::to_string(i) + "].lease_ttl",
                       "must be longer than timing.election_timeout (" +
                           t.election_timeout.ToString() + "), got " + ttl.ToString()};
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckTiming(const TimingConfig& t) {
  if (t.tick <= Duration::Zero()) return Violation{"timing.tick", "must be positive"};
  if (t.tick < kMinTick || t.tick > kMaxTick) {
    return Violation{"timing.tick", "must be 1ms to 1s, got " + t.tick.ToString()};
  }
  const std::string tick = " of timing.tick (" + t.tick.ToString() + ")";
  if (t.heartbeat <= Duration::Zero()) return Violation{"timing.heartbeat", "must be positive"};
  if (t.heartbeat.nanos() % t.tick.nanos() != 0) {
    return Violation{"timing.heartbeat",
                     "must be a multiple" + tick + ", got " + t.heartbeat.ToString()};
  }
  if (t.election_timeout.nanos() % t.tick.nanos() != 0) {
    return Violation{"timing.election_timeout",
                     "must be a multiple" + tick + ", got " + t.election_timeout.ToString()};
  }
  if (t.election_timeout < t.heartbeat * 3) {
    return Violation{"timing.election_timeout", "must be at least 3 * timing.heartbeat (" +
                                                    (t.heartbeat * 3).ToString() + "), got " +
                                                    t.election_timeout.ToString()};
  }
  if (t.election_timeout > kMaxElectionTimeout) {
    return Violation{"timing.election_timeout", "must be at most " +
                                                    kMaxElectionTimeout.ToString() + ", got " +
                                                    t.election_timeout.ToString()};
  }
  if (t.clock_drift_margin < Duration::Zero()) {
    return Violation{"timing.clock_drift_margin", "must not be negative"};
  }
  if (t.clock_drift_margin * 2 >= t.election_timeout) {
    return Violation{"timing.clock_drift_margin",
                     "must be less than timing.election_timeout / 2 (" +
                         (t.election_timeout / 2).ToString() + "), got " +
                         t.clock_drift_margin.ToString()};
  }
  return std::nullopt;
}

std::optional<Violation> CheckTls(const TlsConfig& tls) {
  const std::pair<const char*, const std::string*> files[] = {
      {"ca", &tls.ca}, {"cert", &tls.cert}, {"key", &tls.key}};
  const char* const kChoice =
      "set all of tls.ca, tls.cert and tls.key, or insecure_plaintext: true";
  if (tls.insecure_plaintext) {
    for (const auto& [name, path] : files) {
      if (!path->empty()) {
        return Violation{"tls.insecure_plaintext",
                         std::string("true conflicts with tls.") + name + "; " + kChoice};
      }
    }
    return std::nullopt;
  }
  if (tls.ca.empty() && tls.cert.empty() && tls.key.empty()) {
    return Violation{"tls", std::string("peer traffic is never plaintext by default; ") + kChoice};
  }
  for (const auto& [name, path] : files) {
    if (path->empty())
      return Violation{std::string("tls.") + name, std::string("missing; ") + kChoice};
  }
  return std::nullopt;
}

std::optional<Violation> CheckDetection(const DetectionConfig& d) {
  if (d.heartbeat_interval <= Duration::Zero()) {
    return Violation{"detection.heartbeat_interval", "must be positive"};
  }
  if (d.EffectiveThreshold() <= 0) return Violation{"detection.threshold", "must be positive"};
  if (d.min_stddev <= Duration::Zero()) {
    return Violation{"detection.min_stddev", "must be positive"};
  }
  if (d.health_refresh < Duration::Seconds(1)) {
    return Violation{"detection.health_refresh",
                     "must be at least 1s, got " + d.health_refresh.ToString()};
  }
  return std::nullopt;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// Failover needs every agent to reach the store leader's admin API (the
// followers forward their writes there, with the token): a config that
// would leave each follower's writes refused is refused instead.
std::optional<Violation> CheckFailoverReach(const AgentConfig& c) {
  if (c.groups.empty()) return std::nullopt;
  if (c.admin.token_file.empty()) {
    return Violation{"groups",
                     "need admin.token_file: the other agents send their failover writes to the "
                     "store leader's admin API with that token (docs/agent.md)"};
  }
  if (!IsLoopback(c.listen.admin.host)) return std::nullopt;
  for (const PeerConfig& peer : c.peers) {
    if (!IsLoopback(peer.address.host)) {
      return Violation{"listen.admin",
                       c.listen.admin.ToString() + " is loopback, but peer " + peer.name + " (" +
                           peer.address.ToString() +
                           ") is on another host and could not reach it; groups need an "
                           "admin address the other agents reach"};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Violation> AgentConfig::Check() const {
  if (auto v = CheckIdentity(*this)) return v;
  if (auto v = CheckPeers(*this)) return v;
  if (auto v = CheckTiming(timing)) return v;
  if (auto v = CheckTls(tls)) return v;
  if (auto v = CheckDetection(detection)) return v;
  if (store.history_revisions < 100) {
    return Violation{"store.history_revisions",
                     "must be at least 100, got " + std::to_string(store.history_revisions)};
  }
  if (store.history_bytes < (uint64_t{1} << 20)) {
    return Violation{"store.history_bytes", "must be at least 1048576 (1 MiB), got " +
                                                std::to_string(store.history_bytes)};
  }
  if (sentinel && (*sentinel == listen.peer || *sentinel == listen.admin)) {
    return Violation{"sentinel.listen",
                     sentinel->ToString() + " is already listen.peer or listen.admin"};
  }
  if (auto v = CheckLimits(limits, peers.size())) return v;
  if (auto v = CheckGroups(groups, peers)) return v;
  if (auto v = CheckLeaseAgainstTiming(groups, timing)) return v;
  return CheckFailoverReach(*this);
}

Status AgentConfig::Validate() const {
  const std::optional<Violation> violation = Check();
  if (!violation) return Status::Ok();
  return Status::InvalidArgument(violation->key + ": " + violation->message);
}

}  // namespace baton::config
