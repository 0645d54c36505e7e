// GroupConfig: one replicated service as baton manages it. An immutable
// value; Validate() must return OK before any failover object is built from
// it. docs/failover.md explains the timing fields and how they bound the time
// to recover.
//
// Timing rule enforced by Validate: the primary renews its lease every
// lease_ttl / 3 and demotes itself at (last renewal sent) + lease_ttl -
// drift_margin, so drift_margin must leave at least two renewal attempts
// before the self-fence: drift_margin < lease_ttl / 3.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace baton::failover {

enum class GroupMode {
  kActivePassive,  // one primary takes writes; standbys follow it
  kActiveActive,   // every healthy member serves; failover = leaving routing
};

enum class StandbyKind {
  kHot,   // running, replicating synchronously or semi-synchronously
  kWarm,  // running, replicating asynchronously
  kCold,  // not running; started (restore/start hook) before promotion
};

enum class Replication {
  kSync,      // every write is acknowledged by all hot standbys
  kSemiSync,  // every write is acknowledged by at least sync_acks standbys
  kAsync,     // writes are acknowledged by the primary alone
};

enum class FailoverMode { kAutomatic, kManual };
enum class Failback { kOff, kAutomatic };

std::string_view GroupModeName(GroupMode mode);
std::string_view StandbyKindName(StandbyKind kind);
std::string_view ReplicationName(Replication replication);

struct MemberConfig {
  std::string name;     // unique in the group; a store key segment (no '/')
  std::string node;     // the node whose agent runs this member
  std::string address;  // host:port clients and replicas connect to
  // Higher is preferred among equally advanced candidates; 0 = never promote
  // (Sentinel's replica-priority 0). Default 100.
  int priority = 100;
  StandbyKind standby = StandbyKind::kHot;
};

// One deadline per failover state (Sentinel's per-state timeouts).
struct StepTimeouts {
  // Waiting for the old primary to be known not to write (release, expiry +
  // margin, fencing hook). Default 30s: longer than lease_ttl + drift_margin.
  Duration fence = Duration::Seconds(30);
  // The compare-and-swap that names the new primary. Default 5s.
  Duration promote = Duration::Seconds(5);
  // The candidate's agent reporting it is primary at the new epoch; on
  // timeout the next candidate is tried. Default 15s.
  Duration wait_promotion = Duration::Seconds(15);
  // Other members reporting they follow the new primary; on timeout the
  // failover completes anyway (stragglers are re-pointed by their agents).
  // Default 30s.
  Duration reconfigure = Duration::Seconds(30);
  // Switchover: the target catching up with the paused primary. Default 30s.
  Duration catch_up = Duration::Seconds(30);
  // After an abort, automatic failover waits this long before trying again.
  // Default 10s.
  Duration retry_after = Duration::Seconds(10);
  // An adapter command (promote, demote, follow, fence, start) without a
  // result by then is retried, at most command_attempts times. Default 10s.
  Duration command = Duration::Seconds(10);
  int command_attempts = 3;
};

// TILT: the controller observes but does not act after its own scheduling
// went wrong (Sentinel's sentinelCheckTiltCondition).
struct TiltConfig {
  // A gap between ticks longer than this enters TILT. Default 2s.
  Duration max_tick_gap = Duration::Seconds(2);
  // How long TILT lasts after the last bad gap. Default 30s.
  Duration period = Duration::Seconds(30);
};

struct GroupConfig {
  std::string name;  // a store key segment (no '/')
  GroupMode mode = GroupMode::kActivePassive;
  std::vector<MemberConfig> members;

  Replication replication = Replication::kAsync;
  // kSemiSync: acknowledgements a write needs, 1 <= sync_acks < members.
  int sync_acks = 1;

  // The primary's right to write. Shorter recovers faster from a dead node;
  // too short turns store hiccups into failovers. Default 10s.
  Duration lease_ttl = Duration::Seconds(10);
  // Bound on how much two agents' clocks may disagree over one lease_ttl
  // (rate drift and scheduling delay). Added to every lease-based decision.
  // Default 1s.
  Duration drift_margin = Duration::Seconds(1);

  FailoverMode failover = FailoverMode::kAutomatic;
  Failback failback = Failback::kOff;
  // Failback: how long the preferred member must be healthy and caught up
  // before the primary moves back to it. Default 5m.
  Duration failback_stable = Duration::Seconds(300);

  // Async mode: a candidate further behind the primary's last known
  // position than this is not promoted automatically (a forced promotion
  // still may, and reports the loss). Default 1 MiB.
  uint64_t max_lag_bytes = 1 << 20;

  StepTimeouts timeouts;
  TiltConfig tilt;
  // True when a fencing hook (STONITH) is configured: the coordinator may
  // then promote before the old lease ends once the hook confirms the old
  // primary is off.
  bool fencing_hook = false;
  // True when the coordinator's agent can fence any member itself through
  // the service's own protocol (Redis): before promoting past an expired
  // lease it has the old primary fenced that way, so a member whose agent
  // and watchdog are both gone stops writing too. Promotion still waits
  // for the lease (the fence cannot be undone by an agent that is gone,
  // but a live one may still hold the lease).
  bool remote_fence = false;

  // Broken rules for the simulator's broken-rule proof (baton-sim failover
  // --unsafe-...): never set in production. Each one breaks "no two members
  // writable at the same instant"; the simulation must catch it.
  struct Unsafe {
    // The coordinator promotes as soon as it sees the lease end, without
    // waiting drift_margin past the expiry.
    bool promote_before_lease_margin = false;
    // The lease holder does not fence its member when its view of the lease
    // is ending (it still fences on member failure, pause and resignation).
    bool no_self_fence = false;
  } unsafe;

  // OK, or InvalidArgument naming the first bad field.
  Status Validate() const;
  // The member named `name`, or nullptr.
  const MemberConfig* FindMember(std::string_view name) const;
  // The renewal period of the primary lease: lease_ttl / 3.
  Duration RenewInterval() const { return lease_ttl / 3; }
};

}  // namespace baton::failover
