#include "agent/failover_service_group.h"

#include <chrono>
#include <set>

#include "agent/failover_service_history.h"
#include "core/check.h"

namespace baton::agent {
namespace {

using failover::CommandKind;
using failover::LeaseOpKind;

constexpr Duration kReloadDelay = Duration::Millis(200);
constexpr size_t kRecentEvents = 64;
// Consecutive failed Observe calls that make a member unhealthy when no
// health feed reports it.
constexpr int kObserveFall = 2;
// Notify calls queued at most; more events are logged but not announced.
constexpr int kMaxNotifyPending = 256;

// How long a promote waits for the watchdog to hold its fence point: the
// client's own answer timeout (1s) behind at most one earlier request.
constexpr Duration kWatchdogAnswer = Duration::Seconds(3);

Status CallAdapter(adapters::Adapter& a, const failover::AdapterCommand& c) {
  switch (c.kind) {
    case CommandKind::kPromote:
      return a.Promote(c.epoch, c.deadline);
    case CommandKind::kDemote:
      return a.Demote(c.epoch, c.deadline);
    case CommandKind::kFence:
      return a.Fence(c.deadline);
    case CommandKind::kFollow:
      return a.Follow(c.primary_address, c.epoch, c.deadline);
    case CommandKind::kStartCold:
      return a.Start(c.deadline);
    case CommandKind::kPauseWrites:
      return a.PauseWrites(c.deadline);
    case CommandKind::kResumeWrites:
      return a.ResumeWrites(c.deadline);
  }
  return Status::InvalidArgument("unknown command");
}

store::Txn PutTxn(std::string key, std::string value) {
  store::Txn txn;
  txn.then_ops.push_back(store::Put{std::move(key), std::move(value), store::kNoLease});
  return txn;
}

}  // namespace

void WatchdogAck::Set(Status status) {
  {
    std::lock_guard lock(mu_);
    status_ = std::move(status);
  }
  cv_.notify_all();
}

Status WatchdogAck::Wait(Duration limit) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::nanoseconds(limit.nanos()),
                    [this] { return status_.has_value(); })) {
    return Status::Unavailable("the watchdog did not answer within " + limit.ToString());
  }
  return *status_;
}

GroupDriver::GroupDriver(GroupDriverContext context, GroupSetup setup)
    : c_(std::move(context)),
      config_(std::move(setup.config)),
      fence_hook_(std::move(setup.fence_hook)),
      remote_fencers_(std::move(setup.remote_fencers)),
      notify_(std::move(setup.notify)),
      agent_(config_, c_.node) {
  for (const failover::MemberConfig& m : config_.members) {
    if (m.node != c_.node) continue;
    auto it = setup.adapters.find(m.name);
    BATON_CHECK(it != setup.adapters.end()) << "no adapter for member " << m.name;
    Local& local = locals_[m.name];
    local.adapter = it->second;
    local.exec = std::make_unique<MemberExecutor>(c_.pool, local.adapter);
    auto fence = setup.watchdog_fence.find(m.name);
    if (fence != setup.watchdog_fence.end()) local.watchdog_fence = fence->second;
  }
}

GroupDriver::~GroupDriver() {
  for (auto& [name, m] : locals_) *m.cancel_gone = true;
  if (watching_) c_.local.Cancel(watch_);
}

void GroupDriver::Start() { Load(); }

// ---- Store view ------------------------------------------------------------

void GroupDriver::Load() {
  std::weak_ptr<int> alive = alive_;
  c_.local.Range(failover::GroupPrefix(config_.name), true,
                 [this, alive](Result<store::RangeResponse> r) {
                   if (alive.expired()) return;
                   if (!r.has_value()) {
                     c_.loop.RunAfter(kReloadDelay, [this, alive] {
                       if (!alive.expired()) Load();
                     });
                     return;
                   }
                   Reset(r->kvs);
                   revision_ = r->revision;
                   loaded_ = true;
                   watching_ = true;
                   watch_ = c_.local.Watch(failover::GroupPrefix(config_.name), revision_ + 1,
                                           [this, alive](Result<std::vector<store::Event>> ev) {
                                             if (!alive.expired()) OnWatch(std::move(ev));
                                           });
                   const Instant now = c_.loop.Now();
                   if (group_) agent_.OnGroupRecord(*group_, group_revision_, now);
                   for (auto& [name, m] : locals_) UpdateObservedDown(name);
                   if (coordinator_) FeedCoordinatorAll(now);
                   if (c_.on_change) c_.on_change();
                   Pump();
                 });
}

void GroupDriver::Reset(const std::vector<store::KeyValue>& kvs) {
  group_.reset();
  group_revision_ = 0;
  lease_.reset();
  members_.clear();
  member_revisions_.clear();
  serving_.reset();
  std::vector<store::Event> as_puts;
  for (const store::KeyValue& kv : kvs) {
    store::Event e;
    e.type = store::EventType::kPut;
    e.kv = kv;
    as_puts.push_back(std::move(e));
  }
  // Without the coordinator fed: FeedCoordinatorAll does that in one go.
  auto coordinator = std::move(coordinator_);
  ApplyBatch(as_puts);
  coordinator_ = std::move(coordinator);
}

void GroupDriver::OnWatch(Result<std::vector<store::Event>> events) {
  if (!events.has_value()) {
    watching_ = false;
    c_.logger.Log(LogLevel::kWarn, "failover " + config_.name + ": watch ended (" +
                                       events.error().ToString() + "); reloading");
    std::weak_ptr<int> alive = alive_;
    c_.loop.RunAfter(kReloadDelay, [this, alive] {
      if (!alive.expired()) Load();
    });
    return;
  }
  // One batch per revision: a release is a lease deletion and a fenced report
  // in the same revision.
  std::vector<store::Event> batch;
  for (store::Event& e : *events) {
    if (!batch.empty() && batch.back().revision() != e.revision()) {
      ApplyBatch(batch);
      batch.clear();
    }
    batch.push_back(std::move(e));
  }
  if (!batch.empty()) ApplyBatch(batch);
  if (c_.on_change) c_.on_change();
  Pump();
}

void GroupDriver::ApplyBatch(const std::vector<store::Event>& batch) {
  const Instant now = c_.loop.Now();
  const std::string prefix = failover::GroupPrefix(config_.name);
  const std::string member_prefix = "members/";
  std::set<std::string> fenced;
  for (const store::Event& e : batch) {
    if (e.type != store::EventType::kPut) continue;
    if (!e.kv.key.starts_with(prefix + member_prefix)) continue;
    Result<failover::MemberRecord> r = failover::DecodeMemberRecord(e.kv.value);
    if (r.has_value() && r->role == failover::MemberRole::kFenced) fenced.insert(r->member);
  }
  for (const store::Event& e : batch) {
    revision_ = std::max(revision_, e.revision());
    if (!e.kv.key.starts_with(prefix)) continue;
    const std::string rest = e.kv.key.substr(prefix.size());
    const bool put = e.type == store::EventType::kPut;
    auto bad = [&](const Status& s) {
      c_.logger.Log(LogLevel::kError, "failover " + config_.name + ": " + e.kv.key + ": " +
                                          s.ToString() + " (ignored)");
    };
    if (rest == "group") {
      if (!put) {
        group_.reset();
        group_revision_ = 0;
        StepCoordinator(failover::GroupObserved{failover::GroupRecord{}, 0}, now);
        continue;
      }
      Result<failover::GroupRecord> r = failover::DecodeGroupRecord(e.kv.value);
      if (!r.has_value()) {
        bad(r.error());
        continue;
      }
      group_ = *r;
      group_revision_ = e.kv.mod_revision;
      agent_.OnGroupRecord(*group_, group_revision_, now);
      StepCoordinator(failover::GroupObserved{*group_, group_revision_}, now);
    } else if (rest == "lease") {
      failover::LeaseObserved in;
      if (put) {
        Result<failover::LeaseRecord> r = failover::DecodeLeaseRecord(e.kv.value);
        if (!r.has_value()) {
          bad(r.error());
          continue;
        }
        lease_ = *r;
        in.lease = *r;
      } else {
        in.released = lease_ && fenced.contains(lease_->member);
        lease_.reset();
      }
      StepCoordinator(in, now);
    } else if (rest.starts_with(member_prefix)) {
      const std::string name = rest.substr(member_prefix.size());
      if (!put) {
        members_.erase(name);
        member_revisions_.erase(name);
        continue;
      }
      Result<failover::MemberRecord> r = failover::DecodeMemberRecord(e.kv.value);
      if (!r.has_value()) {
        bad(r.error());
        continue;
      }
      members_[name] = *r;
      member_revisions_[name] = e.kv.mod_revision;
      StepCoordinator(failover::MemberObserved{*r}, now);
      UpdateObservedDown(name);
    } else if (rest == "serving" && put) {
      Result<failover::ServingRecord> r = failover::DecodeServingRecord(e.kv.value);
      if (!r.has_value()) {
        bad(r.error());
        continue;
      }
      serving_ = *r;
      StepCoordinator(failover::ServingObserved{*r}, now);
    }
  }
}

void GroupDriver::FeedCoordinatorAll(Instant now) {
  coordinator_->Step(failover::GroupObserved{group_.value_or(failover::GroupRecord{}),
                                             group_ ? group_revision_ : 0},
                     now);
  for (const auto& [name, record] : members_) {
    coordinator_->Step(failover::MemberObserved{record}, now);
  }
  if (serving_) coordinator_->Step(failover::ServingObserved{*serving_}, now);
  // The lease last: once it is known the coordinator may start a failover at
  // once, and it must rank the members' reports, not an empty set.
  coordinator_->Step(failover::LeaseObserved{lease_, false}, now);
}

void GroupDriver::StepCoordinator(const failover::CoordinatorInput& input, Instant now) {
  if (!coordinator_) return;
  coordinator_->Step(input, now);
}

// ---- Time ------------------------------------------------------------------

void GroupDriver::Tick(Instant now) {
  for (auto& [name, m] : locals_) {
    if (!m.observing && now >= m.next_observe) Observe(name, m, now);
    FeedStatus(name, m, now);
  }
  agent_.Tick(now);
  WriteReports();
  const bool lead = loaded_ && c_.leading();
  if (lead && !coordinator_) {
    coordinator_ = std::make_unique<failover::Coordinator>(config_, std::max(1, c_.voters()), now);
    c_.logger.Log(LogLevel::kInfo,
                  "failover " + config_.name + ": coordinating (this node leads the store)");
    FeedCoordinatorAll(now);
  } else if (!lead && coordinator_) {
    coordinator_.reset();
    c_.logger.Log(LogLevel::kInfo, "failover " + config_.name + ": no longer coordinating");
  }
  if (coordinator_) coordinator_->Tick(now);
  Pump();
  UpdateWatchdog();
}

void GroupDriver::UpdateWatchdog() {
  if (!c_.watchdog) return;
  // The watchdog's fence must be done by the holder's own fence point.
  const Duration fence_timeout = config_.drift_margin;
  for (auto& [name, m] : locals_) {
    if (!m.watchdog_fence) continue;
    std::optional<Instant> deadline = agent_.WatchdogDeadline(name);
    if (deadline) *deadline = *deadline - fence_timeout;
    if (deadline == m.watchdog_armed) continue;
    m.watchdog_armed = deadline;
    const std::string key = config_.name + "/" + name;
    adapters::WatchdogClient* watchdog = c_.watchdog;
    auto status = std::make_shared<Status>();
    auto ack = std::make_shared<WatchdogAck>();
    m.watchdog_ack = ack;
    c_.watchdog_pool->Submit(
        [watchdog, key, deadline, fence = *m.watchdog_fence, fence_timeout, status, ack] {
          *status = deadline ? watchdog->Arm(key, fence, fence_timeout, *deadline)
                             : watchdog->Disarm(key);
          ack->Set(*status);
        },
        [this, alive = std::weak_ptr<int>(alive_), key, status, armed = deadline.has_value()] {
          if (alive.expired() || status->ok()) return;
          c_.logger.Log(LogLevel::kError, "failover " + key + ": watchdog " +
                                              (armed ? "arm" : "disarm") +
                                              " failed: " + status->ToString());
        });
  }
}

std::shared_ptr<WatchdogAck> GroupDriver::ArmBeforePromote(Local& m) {
  if (!c_.watchdog || !m.watchdog_fence) return nullptr;
  UpdateWatchdog();  // the lease was acquired since the last tick
  if (m.watchdog_armed && m.watchdog_ack) return m.watchdog_ack;
  auto none = std::make_shared<WatchdogAck>();
  none->Set(Status::FailedPrecondition("no lease to arm the watchdog with"));
  return none;
}

void GroupDriver::OnSchedulingGap(Duration gap, Instant now) {
  if (coordinator_) coordinator_->Step(failover::SchedulingGap{gap}, now);
  Pump();
}

Status GroupDriver::Request(const failover::CoordinatorInput& input, Instant now) {
  if (!coordinator_) {
    return Status::FailedPrecondition("group " + config_.name +
                                      " is coordinated by the store leader, not this node");
  }
  coordinator_->Step(input, now);
  Pump();
  return Status::Ok();
}

// ---- Health ----------------------------------------------------------------

void GroupDriver::Observe(const std::string& name, Local& m, Instant now) {
  m.observing = true;
  auto result = std::make_shared<Result<adapters::MemberState>>(Status::Unavailable("not run"));
  const Instant deadline = now + config_.timeouts.command;
  std::weak_ptr<int> alive = alive_;
  m.exec->Run([result, deadline](adapters::Adapter& a) { *result = a.Observe(deadline); },
              [this, alive, name, result] {
                if (alive.expired()) return;
                Local& m = locals_.at(name);
                const Instant now = c_.loop.Now();
                m.observing = false;
                m.next_observe = now + c_.observe_interval;
                m.replicating.reset();
                if (result->has_value()) {
                  m.replicating = (*result)->replicating;
                  const failover::MemberRecord& record = agent_.record(name);
                  if (m.replicating.value_or(false)) m.stream_seen_from = record.following;
                  // A replica that comes back writable (restarted without its
                  // replication settings) must be made to follow again.
                  if (record.role == failover::MemberRole::kReplica &&
                      (*result)->role == failover::MemberRole::kPrimary) {
                    agent_.OnMemberRoleLost(name, now);
                  }
                  m.position = (*result)->position;
                  m.acked_position = (*result)->acked_position;
                  // The watchdog's fence kills the server by this process
                  // should it hang (the next arm carries it).
                  if (m.watchdog_fence && !(*result)->process.empty()) {
                    m.watchdog_fence->env["BATON_MEMBER_PROCESS"] = (*result)->process;
                  }
                  m.observe_failures = 0;
                  m.observed_health = detect::Health::kHealthy;
                  m.gone = false;
                  WatchGone(name, m);
                } else if (++m.observe_failures >= kObserveFall) {
                  m.observed_health = detect::Health::kUnhealthy;
                  m.stream_seen_from.clear();
                }
                FeedStatus(name, m, now);
                if (group_ && !group_->primary.empty()) UpdateObservedDown(group_->primary);
                Pump();
              });
}

void GroupDriver::WatchGone(const std::string& name, Local& m) {
  if (m.waiting_gone || m.gone_unsupported || !c_.gone_pool) return;
  m.waiting_gone = true;
  auto status = std::make_shared<Status>();
  c_.gone_pool->Submit([adapter = m.adapter, cancel = m.cancel_gone,
                        status] { *status = adapter->WaitUntilGone(*cancel); },
                       [this, alive = std::weak_ptr<int>(alive_), name, status] {
                         if (alive.expired()) return;
                         Local& m = locals_.at(name);
                         m.waiting_gone = false;
                         if (status->code() == StatusCode::kNotSupported) {
                           m.gone_unsupported = true;
                           return;
                         }
                         if (*m.cancel_gone) return;
                         c_.logger.Log(LogLevel::kWarn, "failover " + config_.name + ": " + name +
                                                            " is gone: " + status->ToString());
                         m.gone = true;
                         m.stream_seen_from.clear();
                         m.observed_health = detect::Health::kUnhealthy;
                         m.observe_failures = kObserveFall;
                         FeedStatus(name, m, c_.loop.Now());
                         Pump();
                       });
}

void GroupDriver::FeedStatus(const std::string& name, Local& m, Instant now) {
  const detect::Health health =
      m.gone ? detect::Health::kUnhealthy : m.fed_health.value_or(m.observed_health);
  if (health == detect::Health::kUnknown) return;
  agent_.OnMemberStatus(name, health, m.position, m.acked_position, now);
}

void GroupDriver::OnHealth(const std::string& member, detect::Health health, Instant now) {
  if (!config_.FindMember(member)) return;
  auto local = locals_.find(member);
  if (local != locals_.end()) {
    // Unknown (no checks, not started): the adapter's Observe decides.
    local->second.fed_health =
        health == detect::Health::kUnknown ? std::nullopt : std::optional<detect::Health>(health);
    FeedStatus(member, local->second, now);
    Pump();
    return;
  }
  remote_health_[member] = health;
  UpdateObservedDown(member);
}

void GroupDriver::OnPeerSuspected(const std::string& node, bool suspected, Instant) {
  if (suspected ? !suspected_nodes_.insert(node).second : suspected_nodes_.erase(node) == 0) return;
  for (const failover::MemberConfig& m : config_.members) {
    if (m.node == node) UpdateObservedDown(m.name);
  }
}

std::optional<bool> GroupDriver::StreamStopped(const std::string& primary) const {
  std::optional<bool> stopped;
  for (const auto& [name, m] : locals_) {
    const failover::MemberRecord& r = agent_.record(name);
    if (r.role != failover::MemberRole::kReplica || r.following != primary || !m.replicating ||
        m.stream_seen_from != primary) {
      continue;
    }
    stopped = stopped.value_or(false) || !*m.replicating;
  }
  return stopped;
}

void GroupDriver::UpdateObservedDown(const std::string& member) {
  auto record = members_.find(member);
  if (record == members_.end() || locals_.contains(member) || down_write_pending_[member]) return;
  // Two kinds of evidence: the remote probe, and (the primary) the stream
  // of a local replica following it. Either seeing it down is enough.
  std::optional<bool> probe_down;
  auto health = remote_health_.find(member);
  if (health != remote_health_.end() && health->second != detect::Health::kUnknown) {
    probe_down = health->second == detect::Health::kUnhealthy;
  }
  const failover::MemberConfig* config = config_.FindMember(member);
  if (config && suspected_nodes_.contains(config->node)) probe_down = true;
  const std::optional<bool> stream_stopped =
      group_ && group_->primary == member ? StreamStopped(member) : std::nullopt;
  // No evidence about the primary: keep what was written. About another
  // member (a former primary): take this node out, no stale verdict stays.
  if (!probe_down && !stream_stopped && group_ && group_->primary == member) return;
  const bool down = probe_down.value_or(false) || stream_stopped.value_or(false);
  if (record->second.observed_down_by.contains(c_.node) == down) return;
  failover::MemberRecord next = record->second;
  if (down) {
    next.observed_down_by.insert(c_.node);
  } else {
    next.observed_down_by.erase(c_.node);
  }
  const std::string key = failover::MemberKey(config_.name, member);
  store::Txn txn = PutTxn(key, failover::Encode(next));
  txn.compares.push_back(
      store::Compare::ModRevision(key, store::CompareOp::kEqual, member_revisions_[member]));
  down_write_pending_[member] = true;
  std::weak_ptr<int> alive = alive_;
  // A lost race leaves the flag as it was; the record's next change retries.
  Write(std::move(txn), [this, alive, member](Result<store::TxnResponse>) {
    if (alive.expired()) return;
    down_write_pending_[member] = false;
  });
}

// ---- Acting ----------------------------------------------------------------

void GroupDriver::Pump() {
  if (pumping_) return;  // a callback that ran inside a store call
  pumping_ = true;
  for (int round = 0; round < 100; ++round) {
    bool progress = false;
    if (agent_.HasReady()) {
      progress = true;
      failover::AgentReady r = agent_.TakeReady();
      Record(r.events, c_.node);
      std::set<std::string> fencing;
      for (const failover::AdapterCommand& command : r.commands) {
        if (command.kind == CommandKind::kFence) fencing.insert(command.member);
        RunCommand(command);
      }
      for (failover::LeaseWork& work : r.lease_work) {
        if (work.op.kind == LeaseOpKind::kRelease && fencing.contains(work.member)) {
          locals_.at(work.member).release_after_fence = std::move(work);
        } else {
          RunLease(std::move(work));
        }
      }
      if (!r.reports.empty()) WriteReports();
    }
    if (coordinator_ && coordinator_->HasReady()) {
      progress = true;
      failover::CoordinatorReady r = coordinator_->TakeReady();
      Record(r.events, "coordinator");
      for (const failover::GroupWrite& w : r.writes) RunWrite(w);
      for (const failover::FenceOrder& f : r.fences) RunFence(f);
      for (const failover::ServingWrite& s : r.serving) RunServingWrite(s);
      for (const failover::Timeline& t : r.timelines) SaveTimeline(t);
      for (const failover::ServingChange& s : r.serving_changes) SaveServingChange(s);
    }
    if (!progress) break;
  }
  pumping_ = false;
}

void GroupDriver::WriteReports() {
  if (!loaded_) return;
  for (auto& [name, m] : locals_) {
    if (m.report_pending) continue;
    failover::MemberRecord report = agent_.record(name);
    // Keep the other agents' down observations: this agent does not own them.
    auto known = members_.find(name);
    if (known != members_.end()) report.observed_down_by = known->second.observed_down_by;
    if (known != members_.end() && known->second == report) continue;
    m.report_pending = true;
    const store::Put put = failover::MemberReport(config_.name, report);
    // A failed write (no leader yet) is retried at the next tick.
    Write(PutTxn(put.key, put.value),
          [this, name](Result<store::TxnResponse>) { locals_.at(name).report_pending = false; });
  }
}

void GroupDriver::Write(store::Txn txn, std::function<void(Result<store::TxnResponse>)> done) {
  std::weak_ptr<int> alive = alive_;
  const std::string what = config_.name;
  c_.writer.Commit(
      std::move(txn), [this, alive, done = std::move(done)](Result<store::TxnResponse> r) {
        if (alive.expired()) return;
        if (!r.has_value()) {
          c_.logger.Log(LogLevel::kWarn, "failover " + config_.name +
                                             ": store write failed: " + r.error().ToString());
        }
        if (done) done(std::move(r));
        Pump();
      });
}

void GroupDriver::RunCommand(const failover::AdapterCommand& command) {
  Local& m = locals_.at(command.member);
  if (command.kind == CommandKind::kFollow) MeasureDivergence(command, m);
  std::shared_ptr<WatchdogAck> armed;
  if (command.kind == CommandKind::kPromote) armed = ArmBeforePromote(m);
  auto status = std::make_shared<Status>();
  std::weak_ptr<int> alive = alive_;
  // Waiting for the watchdog on the member's executor keeps its commands in
  // order (a fence ordered meanwhile still runs after the promote).
  m.exec->Run(
      [status, command, armed](adapters::Adapter& a) {
        const Status ready = armed ? armed->Wait(kWatchdogAnswer) : Status::Ok();
        *status = ready.ok() ? CallAdapter(a, command)
                             : ready.WithContext("watchdog not armed; not promoting");
      },
      [this, alive, status, command] {
        if (alive.expired()) return;
        const Instant now = c_.loop.Now();
        if (!status->ok()) {
          c_.logger.Log(LogLevel::kWarn, "failover " + config_.name + ": " + command.member + " " +
                                             std::string(failover::CommandKindName(command.kind)) +
                                             ": " + status->ToString());
        }
        agent_.OnCommandResult(command.id, *status, now);
        Local& m = locals_.at(command.member);
        // A member that could not follow (down) is measured again
        // when the follow is retried: it may answer then.
        if (command.kind == CommandKind::kFollow && !status->ok()) {
          m.divergence_measured = 0;
        }
        if (command.kind == CommandKind::kFence && m.release_after_fence) {
          failover::LeaseWork work = std::move(*m.release_after_fence);
          m.release_after_fence.reset();
          Release(work);
        }
        Pump();
      });
}

void GroupDriver::MeasureDivergence(const failover::AdapterCommand& follow, Local& m) {
  const failover::MemberRecord& record = agent_.record(follow.member);
  const bool former_primary = record.role == failover::MemberRole::kPrimary ||
                              record.role == failover::MemberRole::kWritesPaused ||
                              record.role == failover::MemberRole::kFenced;
  // A member known down cannot answer (nor follow): measured once it is back.
  const bool down =
      m.gone || m.fed_health.value_or(m.observed_health) == detect::Health::kUnhealthy;
  if (!former_primary || down || record.epoch_seen >= follow.epoch ||
      m.divergence_measured >= follow.epoch) {
    return;
  }
  m.divergence_measured = follow.epoch;
  auto result = std::make_shared<Result<adapters::Divergence>>(Status::Unavailable("not run"));
  std::weak_ptr<int> alive = alive_;
  m.exec->Run(
      [result, follow](adapters::Adapter& a) {
        *result = a.MeasureDivergence(follow.primary_address, follow.deadline);
      },
      [this, alive, result, follow] {
        if (alive.expired()) return;
        const std::string epoch = std::to_string(follow.epoch);
        detect::Event event;
        event.target = follow.member;
        event.time = c_.loop.Now();
        if (result->has_value()) {
          event.name = "+divergence";
          event.fields = {{"epoch", epoch},
                          {"new_primary", follow.primary},
                          {"fork_position", std::to_string((*result)->fork_position)},
                          {"lost_bytes", std::to_string((*result)->lost_bytes)},
                          {"saved_copy", (*result)->saved_copy}};
        } else {
          // Not measured is said out loud; the member follows anyway.
          event.name = "-divergence-unmeasured";
          event.fields = {{"epoch", epoch},
                          {"new_primary", follow.primary},
                          {"reason", result->error().ToString()}};
        }
        Record({event}, c_.node);
        Write(PutTxn(DivergenceKey(config_.name, follow.epoch, follow.member),
                     DivergenceJson(config_.name, follow.epoch, follow.member, follow.primary,
                                    *result)),
              nullptr);
      });
}

void GroupDriver::RunLease(failover::LeaseWork work) {
  std::weak_ptr<int> alive = alive_;
  Local& m = locals_.at(work.member);
  const std::string member = work.member;
  const uint64_t id = work.op.id;
  switch (work.op.kind) {
    case LeaseOpKind::kAcquire:
      c_.writer.LeaseGrant(config_.lease_ttl, [this, alive,
                                               work](Result<store::LeaseGrantResponse> granted) {
        if (alive.expired()) return;
        if (!granted.has_value()) {
          agent_.OnLeaseResult(work.member, work.op.id, granted.error(), c_.loop.Now());
          return Pump();
        }
        const store::LeaseId lease = granted->id;
        Write(failover::AcquireLeaseTxn(config_.name, work.group_revision, work.op.lease, lease),
              [this, work, lease](Result<store::TxnResponse> r) {
                Status status;
                if (!r.has_value()) {
                  status = r.error();
                } else if (!r->succeeded) {
                  status = Status::FailedPrecondition("the lease is held or the group moved");
                }
                if (status.ok()) {
                  locals_.at(work.member).store_lease = lease;
                } else {
                  c_.writer.LeaseRevoke(lease, [](Result<store::DeleteResponse>) {});
                }
                agent_.OnLeaseResult(work.member, work.op.id, status, c_.loop.Now());
              });
      });
      return;
    case LeaseOpKind::kRenew:
      if (m.store_lease == store::kNoLease) {
        agent_.OnLeaseResult(member, id, Status::NotFound("no store lease"), c_.loop.Now());
        return;
      }
      c_.writer.LeaseKeepAlive(m.store_lease, [this, alive, member, id](Result<Duration> r) {
        if (alive.expired()) return;
        agent_.OnLeaseResult(member, id, r.has_value() ? Status::Ok() : r.error(), c_.loop.Now());
        Pump();
      });
      return;
    case LeaseOpKind::kRelease:
      Release(work);
      return;
  }
}

void GroupDriver::Release(const failover::LeaseWork& work) {
  std::weak_ptr<int> alive = alive_;
  Write(failover::ReleaseLeaseTxn(config_.name, work.op.lease, work.report),
        [this, alive, member = work.member](Result<store::TxnResponse>) {
          Local& m = locals_.at(member);
          if (m.store_lease == store::kNoLease) return;
          c_.writer.LeaseRevoke(m.store_lease, [](Result<store::DeleteResponse>) {});
          m.store_lease = store::kNoLease;
        });
}

void GroupDriver::RunWrite(const failover::GroupWrite& write) {
  const uint64_t id = write.id;
  Write(write.txn, [this, id](Result<store::TxnResponse> r) {
    failover::CasResult result;
    result.id = id;
    result.succeeded = r.has_value() && r->succeeded;
    result.revision = r.has_value() ? r->revision : 0;
    StepCoordinator(result, c_.loop.Now());
  });
}

void GroupDriver::RunServingWrite(const failover::ServingWrite& write) {
  const uint64_t id = write.id;
  Write(write.txn, [this, id](Result<store::TxnResponse> r) {
    StepCoordinator(
        failover::CasResult{id, r.has_value() && r->succeeded, r.has_value() ? r->revision : 0},
        c_.loop.Now());
  });
}

void GroupDriver::RunRemoteFence(const failover::FenceOrder& order) {
  auto fencer = remote_fencers_.find(order.member);
  if (fencer == remote_fencers_.end()) {
    StepCoordinator(failover::FenceResult{order.id, false}, c_.loop.Now());
    return;
  }
  auto status = std::make_shared<Status>();
  const Instant deadline = c_.loop.Now() + std::max(config_.drift_margin / 2, Duration::Millis(50));
  std::weak_ptr<int> alive = alive_;
  // Not on the member's executor (it may be this node's own member, busy
  // with a command): the fencer is an adapter with a connection of its own.
  c_.pool.Submit(
      [status, deadline, adapter = fencer->second] { *status = adapter->Fence(deadline); },
      [this, alive, status, order] {
        if (alive.expired()) return;
        c_.logger.Log(LogLevel::kInfo, "failover " + config_.name + ": remote fence of " +
                                           order.member + ": " + status->ToString());
        StepCoordinator(failover::FenceResult{order.id, status->ok()}, c_.loop.Now());
        Pump();
      });
}

void GroupDriver::RunFence(const failover::FenceOrder& order) {
  if (order.remote) return RunRemoteFence(order);
  if (!fence_hook_) {
    StepCoordinator(failover::FenceResult{order.id, false}, c_.loop.Now());
    return;
  }
  auto status = std::make_shared<Status>();
  const Instant deadline = c_.loop.Now() + config_.timeouts.fence;
  std::weak_ptr<int> alive = alive_;
  c_.pool.Submit([status, order, deadline, hook = fence_hook_] { *status = hook(order, deadline); },
                 [this, alive, status, order] {
                   if (alive.expired()) return;
                   c_.logger.Log(LogLevel::kInfo, "failover " + config_.name +
                                                      ": fencing hook for " + order.member + ": " +
                                                      status->ToString());
                   StepCoordinator(failover::FenceResult{order.id, status->ok()}, c_.loop.Now());
                   Pump();
                 });
}

void GroupDriver::SaveTimeline(const failover::Timeline& timeline) {
  if (c_.on_timeline) c_.on_timeline(timeline);
  Write(PutTxn(HistoryKey(timeline), TimelineJson(timeline)), nullptr);
}

void GroupDriver::SaveServingChange(const failover::ServingChange& change) {
  if (c_.on_serving_change) c_.on_serving_change(change);
  Write(PutTxn(ServingHistoryKey(change), ServingChangeJson(change)), nullptr);
}

void GroupDriver::Record(const std::vector<detect::Event>& events, const std::string& source) {
  for (const detect::Event& e : events) {
    c_.logger.Log(LogLevel::kInfo,
                  "failover " + config_.name + " [" + source + "] " + e.ToString());
    recent_.push_back(e);
    if (recent_.size() > kRecentEvents) recent_.pop_front();
    Announce(e);
  }
}

void GroupDriver::Announce(const detect::Event& event) {
  if (!notify_ || !c_.notify_pool) return;
  if (notify_pending_ >= kMaxNotifyPending) {
    c_.logger.Log(LogLevel::kWarn, "failover " + config_.name +
                                       ": notify backlog full, not announced: " + event.ToString());
    return;
  }
  ++notify_pending_;
  auto status = std::make_shared<Status>();
  c_.notify_pool->Submit(
      [spec = *notify_, group = config_.name, event, status] {
        *status = adapters::Notify(spec, group, event);
      },
      [this, alive = std::weak_ptr<int>(alive_), status] {
        if (alive.expired()) return;
        --notify_pending_;
        if (!status->ok()) {
          c_.logger.Log(LogLevel::kWarn,
                        "failover " + config_.name + ": notify failed: " + status->ToString());
        }
      });
}

// ---- Views -----------------------------------------------------------------

GroupView GroupDriver::View(Instant now) const {
  GroupView v;
  v.group = group_;
  v.group_revision = group_revision_;
  v.lease = lease_;
  v.members = members_;
  v.serving = serving_;
  if (coordinator_) v.coordinator = coordinator_->Status(now);
  v.recent_events = recent_;
  return v;
}

failover::Topology GroupDriver::Topology() const {
  return failover::BuildTopology(config_, group_, members_, serving_);
}

}  // namespace baton::agent
