#include "store/state_machine.h"

#include "core/check.h"

namespace baton::store {
namespace {

template <typename T>
bool CompareWith(const T& actual, CompareOp op, const T& operand) {
  switch (op) {
    case CompareOp::kEqual:
      return actual == operand;
    case CompareOp::kNotEqual:
      return actual != operand;
    case CompareOp::kLess:
      return actual < operand;
    case CompareOp::kGreater:
      return actual > operand;
  }
  return false;
}

Status EmptyKey(std::string_view what) {
  return Status::InvalidArgument(std::string(what) + " with an empty key");
}

Status LeaseNotFound(LeaseId id) {
  return Status::NotFound("lease " + std::to_string(id) + " not found");
}

}  // namespace

ApplyResult StateMachine::Apply(uint64_t index, std::string_view encoded_command) {
  ApplyResult result;
  result.revision = revision_;
  if (index <= applied_index_) {
    result.skipped = true;
    return result;
  }
  applied_index_ = index;
  Result<Command> command = DecodeCommand(encoded_command);
  if (!command.has_value()) {
    result.status = command.error();
    result.succeeded = false;
    return result;
  }
  std::visit([this, &result](const auto& c) { Execute(c, &result); }, *command);
  if (!result.status.ok()) result.succeeded = false;
  BATON_CHECK(result.status.ok() || result.events.empty()) << "a failed command changed keys";
  if (!result.events.empty()) {
    ++revision_;
    for (const Event& event : result.events) history_.Append(event);
  }
  result.revision = revision_;
  return result;
}

void StateMachine::MarkApplied(uint64_t index) {
  if (index > applied_index_) applied_index_ = index;
}

std::optional<KeyValue> StateMachine::Get(std::string_view key) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::vector<KeyValue> StateMachine::Range(std::string_view key, bool prefix) const {
  std::vector<KeyValue> out;
  if (!prefix) {
    if (auto kv = Get(key)) out.push_back(std::move(*kv));
    return out;
  }
  for (auto it = keys_.lower_bound(key); it != keys_.end() && HasPrefix(it->first, key); ++it) {
    out.push_back(it->second);
  }
  return out;
}

Result<std::vector<Event>> StateMachine::WatchFrom(std::string_view prefix,
                                                   Revision start_revision) const {
  return history_.Since(prefix, start_revision);
}

std::vector<Lease> StateMachine::Leases() const {
  std::vector<Lease> out;
  for (const auto& [id, lease] : leases_) out.push_back({id, lease.ttl});
  return out;
}

std::vector<std::string> StateMachine::LeaseKeys(LeaseId id) const {
  auto it = leases_.find(id);
  if (it == leases_.end()) return {};
  return {it->second.keys.begin(), it->second.keys.end()};
}

void StateMachine::Execute(const Put& c, ApplyResult* result) {
  result->status = Validate(c);
  if (result->status.ok()) result->ops.push_back(PutKey(c, result));
}

void StateMachine::Execute(const Delete& c, ApplyResult* result) {
  result->status = Validate(c);
  if (result->status.ok()) result->ops.push_back(RunOp(c, result));
}

void StateMachine::Execute(const DeleteRange& c, ApplyResult* result) {
  result->ops.push_back(DeletePrefix(c.prefix, result));
}

void StateMachine::Execute(const Txn& c, ApplyResult* result) {
  for (const Compare& compare : c.compares) {
    if (compare.key.empty()) {
      result->status = EmptyKey("compare");
      return;
    }
  }
  bool holds = true;
  for (const Compare& compare : c.compares) holds = holds && Holds(compare);
  const std::vector<TxnOp>& ops = holds ? c.then_ops : c.else_ops;
  for (const TxnOp& op : ops) {
    result->status = Validate(op);
    if (!result->status.ok()) return;
  }
  result->succeeded = holds;
  for (const TxnOp& op : ops) result->ops.push_back(RunOp(op, result));
}

void StateMachine::Execute(const LeaseGrant& c, ApplyResult* result) {
  if (c.id == kNoLease) {
    result->status = Status::InvalidArgument("lease id 0 is reserved");
  } else if (c.ttl <= Duration::Zero()) {
    result->status = Status::InvalidArgument("lease ttl must be positive, got " + c.ttl.ToString());
  } else if (leases_.contains(c.id)) {
    result->status = Status::AlreadyExists("lease " + std::to_string(c.id) + " exists");
  } else {
    leases_[c.id].ttl = c.ttl;
    result->granted_lease = Lease{c.id, c.ttl};
  }
}

void StateMachine::Execute(const LeaseRevoke& c, ApplyResult* result) {
  auto lease = leases_.find(c.id);
  if (lease == leases_.end()) {
    result->status = LeaseNotFound(c.id);
    return;
  }
  OpResult op;
  // DeleteKey detaches each key from the lease, so take the set first.
  const std::set<std::string, std::less<>> keys = std::move(lease->second.keys);
  leases_.erase(lease);
  for (const std::string& key : keys) op.prev_kvs.push_back(DeleteKey(keys_.find(key), result));
  result->ops.push_back(std::move(op));
  result->revoked_lease = c.id;
}

void StateMachine::Execute(const LeaseRefresh& c, ApplyResult* result) {
  auto lease = leases_.find(c.id);
  if (lease == leases_.end()) {
    result->status = LeaseNotFound(c.id);
  } else {
    result->refreshed_lease = Lease{c.id, lease->second.ttl};
  }
}

void StateMachine::Execute(const Compact& c, ApplyResult* result) {
  if (c.revision > revision_) {
    result->status =
        Status::InvalidArgument("compaction to future revision " + std::to_string(c.revision) +
                                " (current " + std::to_string(revision_) + ")");
  } else if (c.revision <= history_.compacted_revision()) {
    result->status = CompactedError(c.revision, history_.compacted_revision());
  } else {
    history_.Compact(c.revision);
  }
}

Status StateMachine::Validate(const TxnOp& op) const {
  if (const auto* put = std::get_if<Put>(&op)) {
    if (put->key.empty()) return EmptyKey("put");
    if (put->lease != kNoLease && !leases_.contains(put->lease)) return LeaseNotFound(put->lease);
  } else if (const auto* del = std::get_if<Delete>(&op)) {
    if (del->key.empty()) return EmptyKey("delete");
  } else if (const auto* range = std::get_if<store::Range>(&op)) {
    if (range->key.empty() && !range->prefix) return EmptyKey("range");
  }
  return Status::Ok();
}

bool StateMachine::Holds(const Compare& compare) const {
  auto it = keys_.find(compare.key);
  const bool exists = it != keys_.end();
  const KeyValue missing;
  const KeyValue& kv = exists ? it->second : missing;
  switch (compare.target) {
    case CompareTarget::kAbsent:
      return !exists;
    case CompareTarget::kValue:
      return exists && CompareWith(kv.value, compare.op, compare.value);
    case CompareTarget::kVersion:
      return CompareWith(kv.version, compare.op, compare.number);
    case CompareTarget::kCreateRevision:
      return CompareWith(kv.create_revision, compare.op, compare.number);
    case CompareTarget::kModRevision:
      return CompareWith(kv.mod_revision, compare.op, compare.number);
  }
  return false;
}

OpResult StateMachine::RunOp(const TxnOp& op, ApplyResult* result) {
  if (const auto* put = std::get_if<Put>(&op)) return PutKey(*put, result);
  if (const auto* range = std::get_if<store::Range>(&op)) {
    return OpResult{Range(range->key, range->prefix), {}};
  }
  if (const auto* prefix = std::get_if<DeleteRange>(&op)) {
    return DeletePrefix(prefix->prefix, result);
  }
  OpResult out;
  auto it = keys_.find(std::get<Delete>(op).key);
  if (it != keys_.end()) out.prev_kvs.push_back(DeleteKey(it, result));
  return out;
}

OpResult StateMachine::PutKey(const Put& c, ApplyResult* result) {
  const Revision revision = revision_ + 1;
  OpResult out;
  Event event{EventType::kPut, {}, std::nullopt};
  KeyValue& kv = keys_[c.key];
  if (kv.version > 0) {
    out.prev_kvs.push_back(kv);
    event.prev_kv = kv;
    if (kv.lease != c.lease) Detach(kv.lease, c.key);
  } else {
    kv.key = c.key;
    kv.create_revision = revision;
  }
  kv.value = c.value;
  kv.mod_revision = revision;
  kv.version += 1;
  kv.lease = c.lease;
  if (c.lease != kNoLease) leases_.at(c.lease).keys.insert(c.key);
  event.kv = kv;
  result->events.push_back(std::move(event));
  return out;
}

KeyValue StateMachine::DeleteKey(KeyMap::iterator it, ApplyResult* result) {
  BATON_CHECK(it != keys_.end()) << "deleting a missing key";
  KeyValue prev = std::move(it->second);
  keys_.erase(it);
  Detach(prev.lease, prev.key);
  Event event{EventType::kDelete, {}, prev};
  event.kv.key = prev.key;
  event.kv.mod_revision = revision_ + 1;
  result->events.push_back(std::move(event));
  return prev;
}

OpResult StateMachine::DeletePrefix(std::string_view prefix, ApplyResult* result) {
  OpResult out;
  auto it = keys_.lower_bound(prefix);
  while (it != keys_.end() && HasPrefix(it->first, prefix)) {
    auto next = std::next(it);
    out.prev_kvs.push_back(DeleteKey(it, result));
    it = next;
  }
  return out;
}

void StateMachine::Detach(LeaseId lease, const std::string& key) {
  if (lease == kNoLease) return;
  auto it = leases_.find(lease);
  if (it != leases_.end()) it->second.keys.erase(key);
}

}  // namespace baton::store
