// SimService: the replicated service the simulated agents manage, in true
// time. Each member is a process with a log of client writes (its position is
// the log's length) that either takes writes (promoted at an epoch, not fenced)
// or replicates from another member. Adapter commands change that state;
// clients write to every member that takes writes (clients reach every
// member, even one cut from the other nodes); replicas pull their primary's
// log when the world says the link is up, rewinding a divergent suffix. Under
// sync / semi-sync a write is acknowledged to its client once every member of
// the recorded synchronous-standby set (the store's SyncRecord for this
// primary's epoch, applied the moment it commits) holds it, the set has the
// members the mode needs (sync: all others; semi-sync: sync_acks), and the
// primary still takes writes.
//
// It checks, on every change, the service-side invariants of
// docs/failover.md "Simulation": at most one member takes writes in any epoch;
// no two members take writes at the same instant; a promoted member holds
// every write acknowledged under sync / semi-sync; promotions never go to a
// lower epoch. Not thread-safe; owned by the simulator's loop.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "failover/group_config.h"
#include "failover/member_agent.h"

namespace baton::sim {

struct ServiceMember {
  std::string name;
  bool up = true;
  bool writable = false;                  // takes client writes while up
  failover::Epoch epoch = 0;              // the epoch of its last promotion
  std::string following;                  // the member it replicates from ("": none)
  std::vector<uint64_t> log;              // write ids; position = log.size()
  size_t acked = 0;                       // as primary: writes acknowledged (a position)
  std::map<std::string, size_t> matched;  // as primary: replica -> position it holds
};

class SimService {
 public:
  explicit SimService(const failover::GroupConfig& config);

  // Runs an adapter command at `now`: a fence or demote of a stopped member
  // succeeds (it is off), anything else on a stopped member fails.
  Status Execute(const failover::AdapterCommand& command, Instant now);
  // The member's process stops / starts again (its supervisor restarts it
  // under the live agent). Its role and replication source persist: a
  // primary comes back taking writes unless a fence or demote reached it
  // while it was down (the adapter rewrites its config).
  void Crash(const std::string& member);
  // `keep_role` false: it starts read-only (a node restart: no agent has
  // vouched for its lease yet).
  void Restart(const std::string& member, bool keep_role, Instant now);
  // The watchdog (or anything outside the agent) stops the member's writes.
  void Fence(const std::string& member);
  // A client write at `now`: every member taking writes appends it.
  void ClientWrite(Instant now);
  // `replica` pulls its primary's log (the world checked the link).
  void Pull(const std::string& replica, Instant now);
  // The store's synchronous-standby record changed.
  void SetSyncStandbys(const failover::SyncRecord& record);
  // The epoch of the member that wrote `member`'s last entry (0: none).
  failover::Epoch LastWriteEpoch(const std::string& member) const;

  const ServiceMember& member(const std::string& name) const { return members_.at(name); }
  // The members taking writes now.
  std::vector<std::string> Writers() const;
  uint64_t writes() const { return next_write_ - 1; }
  size_t acknowledged() const { return acked_.size(); }
  const std::optional<std::string>& violation() const { return violation_; }

 private:
  void Promote(ServiceMember& m, failover::Epoch epoch, Instant now);
  void CheckOneWriter(const ServiceMember& m, failover::Epoch epoch, Instant now);
  void UpdateAcks(ServiceMember& primary);
  void Violation(std::string what, Instant now);

  const failover::GroupConfig config_;
  std::map<std::string, ServiceMember> members_;
  uint64_t next_write_ = 1;
  // Writes acknowledged under sync / semi-sync: (log index, write id).
  std::vector<std::pair<size_t, uint64_t>> acked_;
  std::map<failover::Epoch, std::string> promoted_;      // epoch -> the member promoted at it
  std::map<failover::Epoch, std::string> epoch_writer_;  // epoch -> the member that took writes
  std::map<uint64_t, failover::Epoch> write_epoch_;      // write id -> its writer's epoch
  failover::SyncRecord sync_;
  std::optional<std::string> violation_;
};

}  // namespace baton::sim
