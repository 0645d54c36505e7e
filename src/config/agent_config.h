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
  // Replicated services this cluster manages (docs/configuration.md,
  // "Groups"). Every agent of the cluster should hold the same list; each
  // runs the checks and supervision of the members whose node it is.
  std::vector<GroupSpec> groups;
  // `sentinel.listen`: where a Redis-Sentinel-compatible endpoint answers
  // clients' master lookups. nullopt: none.
  std::optional<HostPort> sentinel;

  // The first broken cross-field rule (docs/configuration.md, "Validation"),
  // or nullopt when the config is consistent.
  std::optional<Violation> Check() const;
  // Check() as a Status: InvalidArgument "<key>: <message>", or OK.
  Status Validate() const;
};

}  // namespace baton::config
