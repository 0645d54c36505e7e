// MemberAgent: one agent's executor for its own members of one group. It
// turns the group record (as the coordinator wrote it) into adapter commands
// for the members on this node, keeps the primary lease of a member that is
// primary here (one PrimaryLeaseHolder per member), and reports every result
// back as a MemberRecord to write to the store. Pure: the driver runs the
// commands and lease operations and hands their outcomes back.
//
// Reconciliation, per member, whenever anything changes (Kubernetes-style,
// so repeating an input is harmless and commands are idempotent by epoch):
//   record names it primary at e, not yet primary at e:
//       cold and stopped => kStartCold; then acquire the lease for e;
//       once held => kPromote(e)
//   it is primary at e and the record is a switchover to another member
//       => kPauseWrites; back to stable => kResumeWrites
//   record names another member while this one is primary
//       => give the lease up and kDemote(e)
//   otherwise, not following the record's primary => kFollow(primary, e)
//   the lease holder orders a self-fence => kFence, before anything else
// Sync / semi-sync: while a member here is primary and holds the lease, the
// agent keeps the group's synchronous-standby set (schema.h SyncRecord) with
// SyncCas: first it drops members that stopped replicating from it (unhealthy,
// or not following it at its epoch); while the set is short of the
// acknowledgements needed (sync: every other member; semi-sync: sync_acks),
// when the primary therefore acknowledges nothing, it adds the best replica
// that holds the primary's acknowledged position on the same history (equal
// last_write_epoch), judged on a status of the primary observed after the
// set was last seen. So every member of the set holds every acknowledged
// write, and the coordinator may promote only them.
// One command per member is in flight; one without a result by
// timeouts.command is sent again (new id), at most command_attempts times
// per step and epoch (a member that recovers starts over; a step given up is
// tried again timeouts.retry_after later, except a promotion). Group records older than the highest
// epoch seen are ignored, and a promotion is never issued for an epoch lower than one seen. Not
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "detect/event.h"
#include "failover/group_config.h"
#include "failover/primary_lease_holder.h"
#include "failover/schema.h"
#include "store/kv.h"

namespace baton::failover {

enum class CommandKind {
  kPromote,       // become primary, stamping writes with `epoch`
  kDemote,        // stop being primary (orderly: the group moved on)
  kFence,         // stop taking writes now (self-fence: the lease may be ending)
  kFollow,        // replicate from `primary_address`
  kStartCold,     // start a cold standby (restore/start hook)
  kPauseWrites,   // switchover: refuse writes, keep replicating them out
  kResumeWrites,  // switchover aborted: take writes again
};
std::string_view CommandKindName(CommandKind kind);

struct AdapterCommand {
  uint64_t id = 0;  // answer with OnCommandResult(id, ...)
  std::string member;
  CommandKind kind = CommandKind::kFollow;
  Epoch epoch = 0;
  std::string primary;          // kFollow: the member to follow
  std::string primary_address;  // kFollow: its address
  Instant deadline;             // a result after this is ignored; the command is resent
};

// A lease operation for `member`'s holder. kAcquire: grant a store lease of
// lease_ttl, then AcquireLeaseTxn(group, group_revision, op.lease, granted).
// kRenew: LeaseKeepAlive. kRelease: ReleaseLeaseTxn(group, op.lease, report),
// then LeaseRevoke; run it only after the same Ready's kFence command has
// completed (or failed because the member is down): a release tells the
// coordinator the member no longer writes.
struct LeaseWork {
  std::string member;
  LeaseOp op;
  store::Revision group_revision = 0;
  MemberRecord report;
};

// A change of the synchronous-standby set: commit `txn` (SyncCas); the
// outcome comes back as the sync record (OnSyncRecord), nothing else.
struct SyncWrite {
  store::Txn txn;
  SyncRecord next;
};

struct AgentReady {
  std::vector<AdapterCommand> commands;
  std::vector<LeaseWork> lease_work;
  std::vector<SyncWrite> sync_writes;
  std::vector<MemberRecord> reports;  // write each with MemberReport()
  std::vector<detect::Event> events;
};

class MemberAgent {
 public:
  // Manages the members of `config` that run on `node`. REQUIRES:
  // config.Validate().ok().
  MemberAgent(const GroupConfig& config, std::string node);

  MemberAgent(const MemberAgent&) = delete;
  MemberAgent& operator=(const MemberAgent&) = delete;

  // The group record changed (revision = its mod revision).
  void OnGroupRecord(const GroupRecord& record, store::Revision revision, Instant now);
  // Local observation of a member: health from its checks, positions from
  // its adapter (`last_write_epoch`: the epoch of the primary that wrote its
  // last entry, 0 if the adapter cannot tell). An unhealthy primary releases
  // its lease at once.
  void OnMemberStatus(const std::string& member, detect::Health health, Position position,
                      Position acked_position, Instant now, Epoch last_write_epoch = 0);
  // The adapter found a member this agent made a replica writable again (a
  // restart that lost its replication settings): it follows the primary anew.
  void OnMemberRoleLost(const std::string& member, Instant now);
  // Another node's member record as the store has it (sync modes use them to
  // keep the synchronous-standby set).
  void OnPeerRecord(const MemberRecord& record, Instant now);
  // The synchronous-standby record changed (nullopt: absent; revision = its
  // mod revision, 0 when absent).
  void OnSyncRecord(const std::optional<SyncRecord>& record, store::Revision revision, Instant now);
  void OnCommandResult(uint64_t id, const Status& status, Instant now);
  void OnLeaseResult(const std::string& member, uint64_t op_id, const Status& status, Instant now);
  void Tick(Instant now);

  Instant NextWakeup() const;
  bool HasReady() const;
  AgentReady TakeReady();

  // This agent's view of its member (REQUIRES: a member on this node).
  const MemberRecord& record(const std::string& member) const;
  // True while `member` may take writes: primary here, lease view valid.
  bool MayWrite(const std::string& member, Instant now) const;
  Epoch max_epoch_seen() const { return max_epoch_; }
  // The deadline (this node's clock) to arm the member's watchdog with: the
  // lease holder's fence point while it holds the lease, nullopt otherwise
  // (disarm). A watchdog that fences the member at this instant unless
  // re-armed later keeps a paused agent's member from outliving its lease.
  std::optional<Instant> WatchdogDeadline(const std::string& member) const;

 private:
  struct Local {
    const MemberConfig* config = nullptr;
    MemberRecord record;
    std::unique_ptr<PrimaryLeaseHolder> holder;
    std::optional<AdapterCommand> pending;
    // The last step sent (kind, epoch) and how often; a step is sent at most
    // timeouts.command_attempts times.
    std::optional<std::pair<CommandKind, Epoch>> last_step;
    int attempts = 0;
    std::optional<Instant> gave_up_at;  // the step was given up; a new round after retry_after
    bool fence_ordered = false;         // the holder ordered a self-fence not yet carried out
  };

  void Reconcile(Local& m, Instant now);
  // Sync modes: one step towards a synchronous-standby set of standbys that
  // hold every acknowledged write (see the file comment).
  void MaintainSyncSet(Local& m, Instant now);
  bool Replicates(const MemberRecord& peer, const Local& primary) const;
  std::optional<AdapterCommand> NextCommand(Local& m, Instant now);
  std::optional<AdapterCommand> MakeCommand(Local& m, CommandKind kind, Instant now);
  void Complete(Local& m, const AdapterCommand& c);
  void Drain(Local& m);
  void Report(Local& m);
  void Emit(std::string name, const std::string& member, Instant now,
            std::vector<std::pair<std::string, std::string>> fields = {});

  const GroupConfig config_;
  const std::string node_;
  std::map<std::string, Local> members_;
  GroupRecord group_;
  store::Revision group_revision_ = 0;
  bool group_seen_ = false;
  Epoch max_epoch_ = 0;
  std::map<std::string, MemberRecord> peers_;  // other nodes' members, from the store
  std::optional<SyncRecord> sync_;
  store::Revision sync_revision_ = 0;
  bool sync_known_ = false;
  bool status_since_sync_ = false;        // the primary's status came after sync_ was seen
  std::optional<Instant> sync_write_at_;  // a SyncWrite not yet seen back; resent after
                                          // timeouts.command
  uint64_t next_id_ = 1;
  AgentReady ready_;
};

}  // namespace baton::failover
