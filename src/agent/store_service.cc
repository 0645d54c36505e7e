#include "agent/store_service.h"

namespace baton::agent {
namespace {

// How late an expired lease may be revoked: part of a node failure's recovery.
constexpr Duration kLeaseCheckPeriod = Duration::Millis(10);
// Pause before asking again whether a new leader has caught up.
constexpr Duration kTakeOfficeRetry = Duration::Millis(50);
// Lease ids stay below 2^53 so JSON clients read them exactly.
constexpr int64_t kMaxLeaseId = (int64_t{1} << 53) - 1;

std::vector<store::KeyValue> FirstPrevKvs(const store::ApplyResult& result) {
  if (result.ops.empty()) return {};
  return result.ops.front().prev_kvs;
}

}  // namespace

StoreService::StoreService(net::EventLoop& loop, RaftServer& raft)
    : loop_(loop), raft_(raft), rng_(static_cast<uint64_t>(loop.Now().nanos()) | 1) {
  raft_.SetObserver({[this](const store::ApplyResult& r) { OnApply(r); }, [this] { OnRestore(); },
                     [this](bool leading) { OnLeadership(leading); }});
  if (raft_.leading()) OnLeadership(true);
  lease_timer_ = loop_.RunEvery(kLeaseCheckPeriod, [this] { RevokeExpiredLeases(); });
}

StoreService::~StoreService() {
  lease_timer_.Cancel();
  raft_.SetObserver({});
  auto watchers = std::move(watchers_);
  for (auto& [id, callback] : watchers) callback(Status::Aborted("agent stopping"));
}

void StoreService::Range(std::string key, bool prefix, Callback<store::RangeResponse> done) {
  std::weak_ptr<int> alive = alive_;
  raft_.ReadIndex([this, alive, key = std::move(key), prefix, done = std::move(done)](Status s) {
    if (!s.ok()) return done(s);
    if (alive.expired()) return done(Status::Aborted("agent stopping"));
    const store::StateMachine& state = raft_.state();
    done(store::RangeResponse{state.Range(key, prefix), state.revision()});
  });
}

void StoreService::Put(std::string key, std::string value, store::LeaseId lease,
                       Callback<store::PutResponse> done) {
  raft_.Propose(store::Put{std::move(key), std::move(value), lease},
                [done = std::move(done)](Result<store::ApplyResult> r) {
                  if (!r.has_value()) return done(r.error());
                  store::PutResponse response{r->revision, std::nullopt};
                  auto prev = FirstPrevKvs(*r);
                  if (!prev.empty()) response.prev_kv = prev.front();
                  done(std::move(response));
                });
}

void StoreService::Delete(std::string key, Callback<store::DeleteResponse> done) {
  raft_.Propose(store::Delete{std::move(key)},
                [done = std::move(done)](Result<store::ApplyResult> r) {
                  if (!r.has_value()) return done(r.error());
                  done(store::DeleteResponse{r->revision, FirstPrevKvs(*r)});
                });
}

void StoreService::DeleteRange(std::string prefix, Callback<store::DeleteResponse> done) {
  raft_.Propose(store::DeleteRange{std::move(prefix)},
                [done = std::move(done)](Result<store::ApplyResult> r) {
                  if (!r.has_value()) return done(r.error());
                  done(store::DeleteResponse{r->revision, FirstPrevKvs(*r)});
                });
}

void StoreService::Commit(store::Txn txn, Callback<store::TxnResponse> done) {
  raft_.Propose(std::move(txn), [done = std::move(done)](Result<store::ApplyResult> r) {
    if (!r.has_value()) return done(r.error());
    done(store::TxnResponse{r->succeeded, r->revision, std::move(r->ops)});
  });
}

void StoreService::LeaseGrant(Duration ttl, Callback<store::LeaseGrantResponse> done) {
  if (ttl <= Duration::Zero()) return done(Status::InvalidArgument("lease ttl must be positive"));
  store::LeaseId id = 0;
  const auto leases = raft_.state().Leases();
  do {
    id = static_cast<store::LeaseId>(rng_.UniformInt(1, kMaxLeaseId));
  } while (std::any_of(leases.begin(), leases.end(),
                       [id](const store::Lease& l) { return l.id == id; }));
  raft_.Propose(store::LeaseGrant{id, ttl},
                [id, ttl, done = std::move(done)](Result<store::ApplyResult> r) {
                  if (!r.has_value()) return done(r.error());
                  done(store::LeaseGrantResponse{id, ttl});
                });
}

void StoreService::LeaseKeepAlive(store::LeaseId id, Callback<Duration> done) {
  if (!raft_.leading()) {
    return done(raft_.leader() == 0 ? Status::Unavailable("no leader") : NotLeaderError());
  }
  if (!keeper_.leading()) return done(Status::Unavailable("the new leader is catching up"));
  Result<Duration> accepted = keeper_.CheckKeepAlive(id);
  if (!accepted.has_value()) return done(accepted.error());
  // The refresh restarts the ttl on every replica as it applies it; its
  // commit proves this node led and puts it in every future leader's log.
  std::weak_ptr<int> alive = alive_;
  raft_.Propose(store::LeaseRefresh{id},
                [this, alive, id, done = std::move(done)](Result<store::ApplyResult> r) {
                  if (!r.has_value()) return done(r.error());
                  if (alive.expired()) return done(Status::Aborted("agent stopping"));
                  done(keeper_.AnswerKeepAlive(id, *r));
                });
}

void StoreService::LeaseRevoke(store::LeaseId id, Callback<store::DeleteResponse> done) {
  raft_.Propose(store::LeaseRevoke{id}, [done = std::move(done)](Result<store::ApplyResult> r) {
    if (!r.has_value()) return done(r.error());
    store::DeleteResponse response{r->revision, {}};
    for (const store::Event& e : r->events) {
      if (e.type == store::EventType::kDelete && e.prev_kv) response.deleted.push_back(*e.prev_kv);
    }
    done(std::move(response));
  });
}

store::WatchId StoreService::Watch(std::string prefix, store::Revision start_revision,
                                   WatchCallback on_events) {
  const store::WatchId id = ++next_watch_;
  Result<std::vector<store::Event>> backlog =
      hub_.Watch(id, std::move(prefix), start_revision, raft_.state());
  WatchCallback on_error;
  if (backlog.has_value()) {
    watchers_.emplace(id, std::move(on_events));
  } else {
    on_error = std::move(on_events);
  }
  std::weak_ptr<int> alive = alive_;
  auto deliver = [this, alive, id, backlog = std::move(backlog),
                  on_error = std::move(on_error)]() mutable {
    if (alive.expired()) return;
    if (!backlog.has_value()) return on_error(backlog.error());
    if (!backlog->empty()) Deliver(id, std::move(backlog));
  };
  loop_.Post(std::move(deliver));
  return id;
}

void StoreService::Cancel(store::WatchId id) {
  hub_.Cancel(id);
  watchers_.erase(id);
}

void StoreService::Deliver(store::WatchId id, Result<std::vector<store::Event>> events) {
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return;
  if (!events.has_value()) {
    WatchCallback callback = std::move(it->second);
    watchers_.erase(it);
    hub_.Cancel(id);
    return callback(events.error());
  }
  const size_t count = events->size();
  WatchCallback callback = it->second;  // the callback may Cancel itself
  callback(std::move(events));
  hub_.Acknowledge(id, count);
}

void StoreService::OnApply(const store::ApplyResult& result) {
  keeper_.Observe(result, loop_.Now());
  if (result.events.empty() || watchers_.empty()) return;
  store::WatchOutput out = hub_.OnApplied(result.events);
  for (store::WatchBatch& batch : out.batches) Deliver(batch.watcher, std::move(batch.events));
  for (const store::WatchCancel& cancel : out.cancelled) Deliver(cancel.watcher, cancel.reason);
}

void StoreService::OnRestore() {
  keeper_.Restore(loop_.Now(), raft_.state().Leases());
  auto watchers = std::move(watchers_);
  watchers_.clear();
  for (auto& [id, callback] : watchers) {
    hub_.Cancel(id);
    callback(Status::Unavailable("the store was replaced by a snapshot; read and watch again"));
  }
}

void StoreService::OnLeadership(bool leading) {
  ++office_;  // a pending TakeOffice of an earlier term gives up
  if (leading) return TakeOffice(office_);
  keeper_.Stop();
}

void StoreService::TakeOffice(uint64_t office) {
  std::weak_ptr<int> alive = alive_;
  raft_.ReadIndex([this, alive, office](Status s) {
    if (alive.expired() || office != office_ || !raft_.leading()) return;
    if (s.ok()) return keeper_.Reset(loop_.Now(), raft_.state().Leases());
    loop_.RunAfter(kTakeOfficeRetry, [this, alive, office] {
      if (!alive.expired()) TakeOffice(office);
    });
  });
}

void StoreService::RevokeExpiredLeases() {
  if (!keeper_.leading()) return;
  for (store::LeaseId id : keeper_.Tick(loop_.Now())) {
    raft_.Propose(store::LeaseRevoke{id}, [](Result<store::ApplyResult>) {});
  }
}

}  // namespace baton::agent
