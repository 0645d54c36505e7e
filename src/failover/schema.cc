#include "failover/schema.h"

#include <utility>

#include "core/check.h"
#include "core/coding.h"

namespace baton::failover {
namespace {

enum class RecordType : uint8_t { kGroup = 1, kLease = 2, kMember = 3, kServing = 4, kSync = 5 };

constexpr uint64_t kMaxCount = 1 << 16;  // bound on set and list sizes

std::string Header(RecordType type) {
  std::string out;
  out.push_back(static_cast<char>(kRecordFormat));
  out.push_back(static_cast<char>(type));
  return out;
}

// Reads one record field at a time; the first failure sticks.
class Reader {
 public:
  Reader(std::string_view bytes, RecordType type) : in_(bytes) {
    uint8_t format = 0, got = 0;
    ok_ = in_.GetU8(&format) && format == kRecordFormat && in_.GetU8(&got) &&
          got == static_cast<uint8_t>(type);
  }
  void U64(uint64_t* v) { ok_ = ok_ && in_.GetVarint64(v); }
  void Str(std::string* s) {
    std::string_view view;
    ok_ = ok_ && in_.GetLengthPrefixed(&view);
    if (ok_) s->assign(view);
  }
  template <typename E>
  void Enum(E* e, E max) {
    uint64_t v = 0;
    U64(&v);
    ok_ = ok_ && v <= static_cast<uint64_t>(max);
    if (ok_) *e = static_cast<E>(v);
  }
  void Bool(bool* b) { Enum(b, true); }
  void Count(uint64_t* n) {
    U64(n);
    ok_ = ok_ && *n <= kMaxCount;
  }
  Status Finish(std::string_view what) const {
    if (ok_ && in_.empty()) return Status::Ok();
    return Status::Corruption(std::string("malformed ") + std::string(what) + " record");
  }

 private:
  Decoder in_;
  bool ok_ = false;
};

}  // namespace

std::string_view GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kStable:
      return "stable";
    case GroupState::kFailover:
      return "failover";
    case GroupState::kSwitchover:
      return "switchover";
  }
  return "unknown";
}

std::string_view MemberRoleName(MemberRole role) {
  switch (role) {
    case MemberRole::kUnknown:
      return "unknown";
    case MemberRole::kPrimary:
      return "primary";
    case MemberRole::kWritesPaused:
      return "writes-paused";
    case MemberRole::kReplica:
      return "replica";
    case MemberRole::kFenced:
      return "fenced";
    case MemberRole::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::string GroupPrefix(std::string_view group) {
  return "/baton/groups/" + std::string(group) + "/";
}
std::string GroupKey(std::string_view group) { return GroupPrefix(group) + "group"; }
std::string LeaseKey(std::string_view group) { return GroupPrefix(group) + "lease"; }
std::string MemberKey(std::string_view group, std::string_view member) {
  return GroupPrefix(group) + "members/" + std::string(member);
}
std::string ServingKey(std::string_view group) { return GroupPrefix(group) + "serving"; }
std::string SyncKey(std::string_view group) { return GroupPrefix(group) + "sync"; }

std::string Encode(const GroupRecord& r) {
  std::string out = Header(RecordType::kGroup);
  PutVarint64(&out, r.epoch);
  PutLengthPrefixed(&out, r.primary);
  PutVarint64(&out, static_cast<uint64_t>(r.state));
  PutLengthPrefixed(&out, r.reason);
  PutLengthPrefixed(&out, r.switchover_target);
  PutVarint64(&out, r.paused ? 1 : 0);
  PutVarint64(&out, r.step_down);
  return out;
}

std::string Encode(const LeaseRecord& r) {
  std::string out = Header(RecordType::kLease);
  PutLengthPrefixed(&out, r.member);
  PutLengthPrefixed(&out, r.node);
  PutVarint64(&out, r.epoch);
  return out;
}

std::string Encode(const MemberRecord& r) {
  std::string out = Header(RecordType::kMember);
  PutLengthPrefixed(&out, r.member);
  PutVarint64(&out, static_cast<uint64_t>(r.health));
  PutVarint64(&out, static_cast<uint64_t>(r.role));
  PutVarint64(&out, r.position);
  PutVarint64(&out, r.epoch_seen);
  PutVarint64(&out, r.acked_position);
  PutLengthPrefixed(&out, r.following);
  PutVarint64(&out, r.observed_down_by.size());
  for (const std::string& node : r.observed_down_by) PutLengthPrefixed(&out, node);
  PutVarint64(&out, r.last_write_epoch);
  return out;
}

std::string Encode(const ServingRecord& r) {
  std::string out = Header(RecordType::kServing);
  PutVarint64(&out, r.epoch);
  PutVarint64(&out, r.members.size());
  for (const std::string& m : r.members) PutLengthPrefixed(&out, m);
  return out;
}

std::string Encode(const SyncRecord& r) {
  std::string out = Header(RecordType::kSync);
  PutVarint64(&out, r.epoch);
  PutLengthPrefixed(&out, r.primary);
  for (const std::set<std::string>* names : {&r.members, &r.prior}) {
    PutVarint64(&out, names->size());
    for (const std::string& m : *names) PutLengthPrefixed(&out, m);
  }
  return out;
}

Result<GroupRecord> DecodeGroupRecord(std::string_view bytes) {
  GroupRecord r;
  Reader in(bytes, RecordType::kGroup);
  in.U64(&r.epoch);
  in.Str(&r.primary);
  in.Enum(&r.state, GroupState::kSwitchover);
  in.Str(&r.reason);
  in.Str(&r.switchover_target);
  in.Bool(&r.paused);
  in.U64(&r.step_down);
  BATON_RETURN_IF_ERROR(in.Finish("group"));
  return r;
}

Result<LeaseRecord> DecodeLeaseRecord(std::string_view bytes) {
  LeaseRecord r;
  Reader in(bytes, RecordType::kLease);
  in.Str(&r.member);
  in.Str(&r.node);
  in.U64(&r.epoch);
  BATON_RETURN_IF_ERROR(in.Finish("lease"));
  return r;
}

Result<MemberRecord> DecodeMemberRecord(std::string_view bytes) {
  MemberRecord r;
  Reader in(bytes, RecordType::kMember);
  in.Str(&r.member);
  in.Enum(&r.health, detect::Health::kUnhealthy);
  in.Enum(&r.role, MemberRole::kStopped);
  in.U64(&r.position);
  in.U64(&r.epoch_seen);
  in.U64(&r.acked_position);
  in.Str(&r.following);
  uint64_t n = 0;
  in.Count(&n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string node;
    in.Str(&node);
    r.observed_down_by.insert(std::move(node));
  }
  in.U64(&r.last_write_epoch);
  BATON_RETURN_IF_ERROR(in.Finish("member"));
  return r;
}

Result<ServingRecord> DecodeServingRecord(std::string_view bytes) {
  ServingRecord r;
  Reader in(bytes, RecordType::kServing);
  in.U64(&r.epoch);
  uint64_t n = 0;
  in.Count(&n);
  for (uint64_t i = 0; i < n; ++i) in.Str(&r.members.emplace_back());
  BATON_RETURN_IF_ERROR(in.Finish("serving"));
  return r;
}

Result<SyncRecord> DecodeSyncRecord(std::string_view bytes) {
  SyncRecord r;
  Reader in(bytes, RecordType::kSync);
  in.U64(&r.epoch);
  in.Str(&r.primary);
  for (std::set<std::string>* names : {&r.members, &r.prior}) {
    uint64_t n = 0;
    in.Count(&n);
    for (uint64_t i = 0; i < n; ++i) {
      std::string member;
      in.Str(&member);
      names->insert(std::move(member));
    }
  }
  BATON_RETURN_IF_ERROR(in.Finish("sync"));
  return r;
}

store::Txn GroupCas(std::string_view group, store::Revision seen_revision, const GroupRecord& next,
                    LeaseRule rule) {
  store::Txn txn;
  txn.compares.push_back(
      store::Compare::ModRevision(GroupKey(group), store::CompareOp::kEqual, seen_revision));
  if (rule == LeaseRule::kTake) txn.then_ops.push_back(store::Delete{LeaseKey(group)});
  if (rule == LeaseRule::kRequireAbsent) {
    txn.compares.push_back(store::Compare::Absent(LeaseKey(group)));
  }
  txn.then_ops.push_back(store::Put{GroupKey(group), Encode(next), store::kNoLease});
  txn.else_ops.push_back(store::Range{GroupKey(group), false});
  return txn;
}

store::Txn AcquireLeaseTxn(std::string_view group, store::Revision seen_revision,
                           const LeaseRecord& lease, store::LeaseId store_lease) {
  store::Txn txn;
  txn.compares.push_back(
      store::Compare::ModRevision(GroupKey(group), store::CompareOp::kEqual, seen_revision));
  txn.compares.push_back(store::Compare::Absent(LeaseKey(group)));
  txn.then_ops.push_back(store::Put{LeaseKey(group), Encode(lease), store_lease});
  txn.else_ops.push_back(store::Range{LeaseKey(group), false});
  return txn;
}

store::Txn ReleaseLeaseTxn(std::string_view group, const LeaseRecord& held,
                           const MemberRecord& fenced) {
  store::Txn txn;
  txn.compares.push_back(
      store::Compare::Value(LeaseKey(group), store::CompareOp::kEqual, Encode(held)));
  txn.then_ops.push_back(store::Delete{LeaseKey(group)});
  txn.then_ops.push_back(MemberReport(group, fenced));
  return txn;
}

store::Txn SyncCas(std::string_view group, store::Revision seen_revision, const LeaseRecord& held,
                   const SyncRecord& next) {
  store::Txn txn;
  txn.compares.push_back(
      store::Compare::ModRevision(SyncKey(group), store::CompareOp::kEqual, seen_revision));
  txn.compares.push_back(
      store::Compare::Value(LeaseKey(group), store::CompareOp::kEqual, Encode(held)));
  txn.then_ops.push_back(store::Put{SyncKey(group), Encode(next), store::kNoLease});
  txn.else_ops.push_back(store::Range{SyncKey(group), false});
  return txn;
}

store::Txn ServingCas(std::string_view group, const ServingRecord& seen,
                      const ServingRecord& next) {
  BATON_CHECK(next.epoch > seen.epoch) << "serving epoch " << next.epoch << " after " << seen.epoch;
  store::Txn txn;
  const std::string key = ServingKey(group);
  txn.compares.push_back(seen.epoch == 0
                             ? store::Compare::Absent(key)
                             : store::Compare::Value(key, store::CompareOp::kEqual, Encode(seen)));
  txn.then_ops.push_back(store::Put{key, Encode(next), store::kNoLease});
  txn.else_ops.push_back(store::Range{key, false});
  return txn;
}

store::Put MemberReport(std::string_view group, const MemberRecord& record) {
  return store::Put{MemberKey(group, record.member), Encode(record), store::kNoLease};
}

}  // namespace baton::failover
