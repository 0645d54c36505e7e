// The failover controller's records in the store: key layout, values, their
// binary encoding, and the compare-and-swap transactions that change them.
// The store is the single source of truth for each group's primary, epoch and
// primary lease; every decision is one of the Txns below.
//
// Key layout (one group, <g> = GroupConfig::name, <m> = member name):
//   /baton/groups/<g>/group         GroupRecord: epoch, primary, state, reason,
//                                   switchover target, maintenance pause
//   /baton/groups/<g>/lease         LeaseRecord: who holds the primary lease at
//                                   which epoch; attached to a store lease that
//                                   the primary's agent keeps alive
//   /baton/groups/<g>/members/<m>   MemberRecord: health, role, position, epoch
//                                   seen, acknowledged-write position, the
//                                   nodes observing it down
//   /baton/groups/<g>/serving       ServingRecord (active-active): the members
//                                   routers may use, with an epoch
//   /baton/groups/<g>/sync          SyncRecord (sync / semi-sync): the standbys
//                                   whose acknowledgements count, written by
//                                   the primary's agent; only they may be
//                                   promoted without a forced request
//
// Encoding: a format byte (kRecordFormat), a record-type byte, then
// core/coding.h varints and length-prefixed strings. Decoding never trusts its
// input: truncation, unknown enum values, the wrong record type and trailing
// bytes are Corruption values. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "detect/check_state.h"
#include "store/command.h"
#include "store/kv.h"

namespace baton::failover {

using Epoch = uint64_t;     // fencing token; raised by every primary change
using Position = uint64_t;  // how far a member's data goes (offset, LSN)

inline constexpr uint8_t kRecordFormat = 1;

enum class GroupState : uint8_t {
  kStable = 0,      // the primary of `epoch` serves; no change in progress
  kFailover = 1,    // a new primary was named; replicas are being re-pointed
  kSwitchover = 2,  // planned: the primary pauses writes for the target to catch up
};

enum class MemberRole : uint8_t {
  kUnknown = 0,       // not reported yet
  kPrimary = 1,       // writable, at MemberRecord::epoch_seen
  kWritesPaused = 2,  // primary with writes paused (switchover)
  kReplica = 3,       // follows MemberRecord::following
  kFenced = 4,        // demoted by its own agent (self-fence) or a fencing hook
  kStopped = 5,       // not running (a cold standby)
};

std::string_view GroupStateName(GroupState state);
std::string_view MemberRoleName(MemberRole role);

struct GroupRecord {
  Epoch epoch = 0;
  std::string primary;  // empty: no primary (active-active, or none elected yet)
  GroupState state = GroupState::kStable;
  std::string reason;             // why the last change was made (a Sentinel event name)
  std::string switchover_target;  // kSwitchover: the member taking over
  bool paused = false;            // maintenance: no automatic failover
  // The coordinator asks the primary of this epoch to fence its member and
  // release the lease (ODOWN while its agent still renews); 0: no request.
  Epoch step_down = 0;
  friend bool operator==(const GroupRecord&, const GroupRecord&) = default;
};

struct LeaseRecord {
  std::string member;  // the primary member
  std::string node;    // its agent, which keeps the store lease alive
  Epoch epoch = 0;     // the epoch it was acquired for
  friend bool operator==(const LeaseRecord&, const LeaseRecord&) = default;
};

struct MemberRecord {
  std::string member;
  detect::Health health = detect::Health::kUnknown;
  MemberRole role = MemberRole::kUnknown;
  Position position = 0;
  Epoch epoch_seen = 0;  // the highest group epoch its agent has acted on
  // Sync/semi-sync primaries: the position of the last write acknowledged to
  // a client. No candidate below it may be promoted without a forced request.
  Position acked_position = 0;
  std::string following;                   // kReplica: the primary it replicates from
  std::set<std::string> observed_down_by;  // nodes whose agents see it down
  // The epoch of the primary that wrote the last entry the member holds (Raft's
  // last log term, PostgreSQL's timeline; 0 = unknown or no writes). Two
  // members with the same value hold prefixes of one history, so positions
  // compare; a higher value is a later history.
  Epoch last_write_epoch = 0;
  friend bool operator==(const MemberRecord&, const MemberRecord&) = default;
};

// The synchronous standbys of `primary` at `epoch` (Patroni's /sync key).
// The primary's agent keeps it so that every member in it holds every write
// the primary acknowledged: it removes a member before the primary stops
// waiting for it, and adds one only while the set is short of the
// acknowledgements needed (the primary acknowledges nothing then) and the
// member holds the primary's acknowledged position on the same history. The
// primary counts acknowledgements only from these members, and all of them
// (sync: every other member; semi-sync: sync_acks) must hold a write.
struct SyncRecord {
  Epoch epoch = 0;
  std::string primary;
  std::set<std::string> members;
  // Until the set first has the members needed in this epoch (nothing is
  // acknowledged before), the holders of every acknowledged write from the
  // previous records: their members and primaries. Cleared once it is full.
  std::set<std::string> prior;
  friend bool operator==(const SyncRecord&, const SyncRecord&) = default;
};

struct ServingRecord {
  Epoch epoch = 0;
  std::vector<std::string> members;  // sorted
  friend bool operator==(const ServingRecord&, const ServingRecord&) = default;
};

std::string GroupPrefix(std::string_view group);
std::string GroupKey(std::string_view group);
std::string LeaseKey(std::string_view group);
std::string MemberKey(std::string_view group, std::string_view member);
std::string ServingKey(std::string_view group);
std::string SyncKey(std::string_view group);

std::string Encode(const GroupRecord& record);
std::string Encode(const LeaseRecord& record);
std::string Encode(const MemberRecord& record);
std::string Encode(const ServingRecord& record);
std::string Encode(const SyncRecord& record);
Result<GroupRecord> DecodeGroupRecord(std::string_view bytes);
Result<LeaseRecord> DecodeLeaseRecord(std::string_view bytes);
Result<MemberRecord> DecodeMemberRecord(std::string_view bytes);
Result<ServingRecord> DecodeServingRecord(std::string_view bytes);
Result<SyncRecord> DecodeSyncRecord(std::string_view bytes);

// What a group-record CAS requires of the primary lease key.
enum class LeaseRule {
  kRequireAbsent,  // a new primary: no old lease may remain (released or expired)
  kTake,           // a new primary after a fencing hook or a paused switchover
                   // primary proved the old one off: delete the old lease key
  kKeep,           // the primary does not change (switchover start/abort, state, pause)
};

// The coordinator's decision: if the group record is still at
// `seen_revision` (its mod revision; 0 = absent), write `next`, with the
// lease key handled by `rule`. Else branch: read the group record.
store::Txn GroupCas(std::string_view group, store::Revision seen_revision, const GroupRecord& next,
                    LeaseRule rule);

// The new primary's agent takes the lease for `lease.epoch`, attached to its
// store lease `store_lease`, only while the group record is still at
// `seen_revision` and no lease key exists.
store::Txn AcquireLeaseTxn(std::string_view group, store::Revision seen_revision,
                           const LeaseRecord& lease, store::LeaseId store_lease);

// The holder gives the lease up after fencing its member: deletes the lease
// key (only if it is still `held`) and, in the same revision, reports the
// member fenced, which is how the coordinator tells a release from an expiry.
store::Txn ReleaseLeaseTxn(std::string_view group, const LeaseRecord& held,
                           const MemberRecord& fenced);

// The primary's agent writes the synchronous-standby set `next`, only while
// it still holds the lease (`held`) and the set is still at `seen_revision`
// (its mod revision; 0 = absent).
store::Txn SyncCas(std::string_view group, store::Revision seen_revision, const LeaseRecord& held,
                   const SyncRecord& next);
// The coordinator publishes an active-active serving set: if the serving key
// still holds exactly `seen` (absent when seen.epoch == 0), write `next`.
// REQUIRES: next.epoch > seen.epoch. Else branch: read the serving key.
store::Txn ServingCas(std::string_view group, const ServingRecord& seen, const ServingRecord& next);

// An agent's report about its own member.
store::Put MemberReport(std::string_view group, const MemberRecord& record);

}  // namespace baton::failover
