// AgentConfig: everything one `baton agent` needs to start, as plain structs
// with in-class defaults. Produced and validated by LoadAgentConfig
// (load_agent_config.h); a config built in code is checked with Validate().
// Immutable once the agent runs: a reload builds and validates a new one.
// The file format and every rule are documented in docs/configuration.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/group_spec.h"
#include "config/host_port.h"
#include "config/limits_section.h"
#include "config/violation.h"
#include "core/logger.h"
#include "core/status.h"
#include "core/time.h"

namespace baton::config {

struct NodeConfig {
  // This node's name, shown in logs, metrics and `baton status`. Required.
  // Letters, digits, '.', '_' and '-'.
  std::string name;
  // This node's Raft id (raft::NodeId): positive, unique in the cluster, and
  // never reused for another machine. Required.
  uint64_t id = 0;
};

struct ClusterConfig {
  // Peers that present another cluster name are refused, so two clusters on
  // the same network can never merge. Required; same charset as node names.
  std::string name;
};

struct ListenConfig {
  // Where this agent accepts peer (Raft and control) connections. Required;
  // must equal this node's address in `peers`.
  HostPort peer;
  // Where the HTTP admin API and metrics listen. Required; differs from `peer`.
  // Bind it to loopback or a management network: it controls failover.
  HostPort admin;
};

// One initial voter of the cluster.
struct PeerConfig {
  std::string name;  // the node's name, as in its own node.name
  uint64_t id = 0;   // the node's id, as in its own node.id
  HostPort address;  // the node's listen.peer address
};

// Time settings of the agent's event loop and of the Raft store. Raft counts
// time in ticks: heartbeat and election_timeout must be whole multiples of tick.
struct TimingConfig {
  // The event loop's timer period: the resolution of every timeout.
  // Default 10ms. Shorter = finer timeouts, more wake-ups.
  Duration tick = Duration::Millis(10);
  // How often the store leader sends heartbeats. Default 50ms. Shorter =
  // faster detection of a dead leader's absence by followers, more traffic.
  Duration heartbeat = Duration::Millis(50);
  // A follower that hears no leader for this long (randomized up to twice
  // as long) starts an election. Default 500ms; at least 3 heartbeats.
  // Shorter = faster failover of the store, more needless elections when the
  // network or a machine stalls.
  Duration election_timeout = Duration::Millis(500);
  // The most two agents' monotonic clocks may disagree over one election
  // timeout; leases are shortened by it. Default 50ms; below
  // election_timeout / 2. Larger = safer on bad clocks, slower lease handover.
  Duration clock_drift_margin = Duration::Millis(50);

  // REQUIRES: tick > 0 (Validate checks it).
  int64_t election_ticks() const { return election_timeout.nanos() / tick.nanos(); }
  int64_t heartbeat_ticks() const { return heartbeat.nanos() / tick.nanos(); }
};

// Peer connections use mutual TLS unless plaintext is asked for explicitly.
struct TlsConfig {
  // PEM files: the cluster's CA, this node's certificate and its private key
  // (made by `baton certs`). All three, or none with insecure_plaintext.
  // Relative paths resolve against the config file's directory.
  std::string ca;
  std::string cert;
  std::string key;
  // Peer traffic unencrypted and unauthenticated. Only for tests on
  // loopback. Default false; must be set explicitly, never implied.
  bool insecure_plaintext = false;
};

struct AdminConfig {
  // File holding the bearer token that mutating admin calls (switchover,
  // maintenance) must present. Default empty: the admin API is read-only.
  // Relative paths resolve against the config file's directory.
  std::string token_file;
};

enum class LogFormat { kText, kJson };

struct LogConfig {
  LogLevel level = LogLevel::kInfo;     // debug | info | warn | error
  LogFormat format = LogFormat::kText;  // text: one line per event; json: one object per line
};

enum class DetectorKind { kPhi, kFixed };

// Agent-to-agent heartbeats and how a silent peer is judged
// (docs/detection.md, "Agent heartbeats"), and how often this agent's
// member health is rewritten to the store.
struct DetectionConfig {
  // Each agent sends every other agent a heartbeat this often. Default 100ms.
  // Shorter detects a dead agent sooner, with more traffic.
  Duration heartbeat_interval = Duration::Millis(100);
  // phi: phi-accrual, adapts to the observed arrival pattern; fixed: suspect
  // after `threshold` missed intervals. Default phi.
  DetectorKind detector = DetectorKind::kPhi;
  // phi: the phi at which a peer is suspected (default 8); fixed: intervals
  // of silence (default 3.5). Higher = fewer false suspicions, later detection.
  std::optional<double> threshold;
  // phi only: silence beyond the usual that still counts as normal (GC, VM
  // stalls). Default 150ms; adds about as much to detection time.
  Duration acceptable_pause = Duration::Millis(150);
  // phi only: floor of the arrival-time standard deviation. Default 20ms.
  Duration min_stddev = Duration::Millis(20);
  // A member's unchanged health is rewritten to the store this often (a
  // change is written at once). Default 5s; at least 1s.
  Duration health_refresh = Duration::Seconds(5);

  // The threshold in effect (the default of the chosen detector if unset).
  double EffectiveThreshold() const {
    return threshold.value_or(detector == DetectorKind::kPhi ? 8.0 : 3.5);
  }
};

// The cluster store's history (docs/store.md, "History and snapshots"):
// like etcd's auto-compaction, the store leader compacts the change history
// watches replay once it exceeds either bound. Every agent should use the
// same values (the one leading decides).
struct StoreConfig {
  // Revisions of history kept. Default 10000; at least 100. Fewer = smaller
  // snapshots; a watcher further behind than this must re-read.
  uint64_t history_revisions = 10000;
  // Bytes of history kept (keys, values and previous values). Default 64 MiB;
  // at least 1 MiB. Bounds snapshot size when values are large.
  uint64_t history_bytes = uint64_t{64} << 20;
};

struct AgentConfig {
  NodeConfig node;
  ClusterConfig cluster;
  ListenConfig listen;
  // The initial voters, this node included. Used to form the cluster the
  // first time; later membership lives in the store.
  std::vector<PeerConfig> peers;
  // Where the Raft log, snapshots and the node's identity are kept. Required.
  // Must survive restarts: losing it makes the node forget its votes.
  std::string data_dir;
  TimingConfig timing;
  TlsConfig tls;
  AdminConfig admin;
  LogConfig log;
  DetectionConfig detection;
  StoreConfig store;
  // Replicated services this cluster manages (docs/configuration.md,
  // "Groups"). Every agent of the cluster should hold the same list; each
  // runs the checks and supervision of the members whose node it is.
  std::vector<GroupSpec> groups;
  // `sentinel.listen`: where a Redis-Sentinel-compatible endpoint answers
  // clients' master lookups. nullopt: none.
  std::optional<HostPort> sentinel;
  // `limits`: caps and timeouts of the listeners (limits_section.h).
  LimitsConfig limits;

  // The first broken cross-field rule (docs/configuration.md, "Validation"),
  // or nullopt when the config is consistent.
  std::optional<Violation> Check() const;
  // Check() as a Status: InvalidArgument "<key>: <message>", or OK.
  Status Validate() const;
};

}  // namespace baton::config
