#include "store/local_store.h"

#include <algorithm>

namespace baton::store {
namespace {

DeleteResponse Deleted(const ApplyResult& result) {
  DeleteResponse response{result.revision, {}};
  for (const OpResult& op : result.ops) {
    response.deleted.insert(response.deleted.end(), op.prev_kvs.begin(), op.prev_kvs.end());
  }
  return response;
}

}  // namespace

LocalStore::LocalStore(Instant now, size_t max_pending_events)
    : hub_(max_pending_events), now_(now) {
  leases_.Reset(now, {});
}

void LocalStore::AdvanceTo(Instant now) {
  now_ = std::max(now_, now);
  for (LeaseId id : leases_.Tick(now_)) Submit(store::LeaseRevoke{id});
  Deliver();
}

Status LocalStore::Compact(Revision revision) { return Submit(store::Compact{revision}).status; }

void LocalStore::Range(std::string key, bool prefix, Callback<RangeResponse> done) {
  done(RangeResponse{state_.Range(key, prefix), state_.revision()});
}

void LocalStore::Put(std::string key, std::string value, LeaseId lease,
                     Callback<PutResponse> done) {
  ApplyResult result = Submit(store::Put{std::move(key), std::move(value), lease});
  if (!result.status.ok()) {
    done(result.status);
  } else {
    const std::vector<KeyValue>& prev = result.ops.at(0).prev_kvs;
    done(PutResponse{result.revision,
                     prev.empty() ? std::nullopt : std::optional<KeyValue>(prev[0])});
  }
  Deliver();
}

void LocalStore::Delete(std::string key, Callback<DeleteResponse> done) {
  ApplyResult result = Submit(store::Delete{std::move(key)});
  result.status.ok() ? done(Deleted(result)) : done(result.status);
  Deliver();
}

void LocalStore::DeleteRange(std::string prefix, Callback<DeleteResponse> done) {
  ApplyResult result = Submit(store::DeleteRange{std::move(prefix)});
  result.status.ok() ? done(Deleted(result)) : done(result.status);
  Deliver();
}

void LocalStore::Commit(Txn txn, Callback<TxnResponse> done) {
  ApplyResult result = Submit(txn);
  if (!result.status.ok()) {
    done(result.status);
  } else {
    done(TxnResponse{result.succeeded, result.revision, std::move(result.ops)});
  }
  Deliver();
}

void LocalStore::LeaseGrant(Duration ttl, Callback<LeaseGrantResponse> done) {
  const LeaseId id = next_lease_++;
  ApplyResult result = Submit(store::LeaseGrant{id, ttl});
  result.status.ok() ? done(LeaseGrantResponse{id, ttl}) : done(result.status);
}

void LocalStore::LeaseKeepAlive(LeaseId id, Callback<Duration> done) {
  Result<Duration> accepted = leases_.CheckKeepAlive(id);
  if (!accepted.has_value()) return done(accepted.error());
  done(leases_.AnswerKeepAlive(id, Submit(store::LeaseRefresh{id})));
}

void LocalStore::LeaseRevoke(LeaseId id, Callback<DeleteResponse> done) {
  ApplyResult result = Submit(store::LeaseRevoke{id});
  result.status.ok() ? done(Deleted(result)) : done(result.status);
  Deliver();
}

WatchId LocalStore::Watch(std::string prefix, Revision start_revision, WatchCallback on_events) {
  const WatchId id = next_watch_++;
  Result<std::vector<Event>> backlog = hub_.Watch(id, std::move(prefix), start_revision, state_);
  if (!backlog.has_value()) {
    on_events(backlog.error());
    return id;
  }
  watchers_[id] = std::move(on_events);
  if (!backlog->empty()) queue_.push_back({id, std::move(backlog).value(), Status::Ok()});
  Deliver();
  return id;
}

void LocalStore::Cancel(WatchId id) {
  hub_.Cancel(id);
  watchers_.erase(id);
}

ApplyResult LocalStore::Submit(const Command& command) {
  ApplyResult result = state_.Apply(state_.applied_index() + 1, EncodeCommand(command));
  leases_.Observe(result, now_);
  Enqueue(hub_.OnApplied(result.events));
  return result;
}

void LocalStore::Enqueue(WatchOutput output) {
  for (WatchBatch& batch : output.batches) {
    queue_.push_back({batch.watcher, std::move(batch.events), Status::Ok()});
  }
  for (WatchCancel& cancel : output.cancelled) {
    queue_.push_back({cancel.watcher, {}, std::move(cancel.reason)});
  }
}

void LocalStore::Deliver() {
  if (delivering_) return;
  delivering_ = true;
  while (!queue_.empty()) {
    Delivery delivery = std::move(queue_.front());
    queue_.pop_front();
    auto it = watchers_.find(delivery.watch);
    if (it == watchers_.end()) continue;  // cancelled meanwhile
    WatchCallback callback = it->second;  // the callback may Cancel its own watch
    if (!delivery.end.ok()) {
      watchers_.erase(it);
      callback(std::move(delivery.end));
      continue;
    }
    hub_.Acknowledge(delivery.watch, delivery.events.size());
    callback(std::move(delivery.events));
  }
  delivering_ = false;
}

}  // namespace baton::store
