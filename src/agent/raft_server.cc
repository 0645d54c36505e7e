#include "agent/raft_server.h"

#include <algorithm>
#include <filesystem>

#include "agent/wire.h"
#include "agent/write_outcome.h"
#include "core/check.h"
#include "raft/codec.h"

namespace baton::agent {
namespace {

constexpr Duration kMaintainPeriod = Duration::Millis(100);
constexpr Duration kAnnouncePeriod = Duration::Seconds(1);
// A learner this close to the leader's last index is promoted to voter.
constexpr uint64_t kCatchUpEntries = 16;

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5};
}

}  // namespace

Status NotLeaderError() { return Status::FailedPrecondition("not leader"); }

bool IsNotLeader(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition && status.message() == "not leader";
}

struct RaftServer::Metrics {
  explicit Metrics(admin::MetricsRegistry& r)
      : registry(r),
        term(r.AddGauge("raft_term", "The current Raft term.")),
        commit(r.AddGauge("raft_commit_index", "The highest log index known committed.")),
        applied(r.AddGauge("raft_applied_index", "The highest log index applied.")),
        is_leader(r.AddGauge("raft_is_leader", "1 while this node is the Raft leader.")),
        leader_changes(
            r.AddCounter("raft_leader_changes_total", "Times this node saw a new leader.")),
        commit_latency(r.AddHistogram("raft_commit_latency_seconds",
                                      "Proposal to apply on the leader.", LatencyBuckets())),
        fsync_latency(r.AddHistogram("storage_fsync_latency_seconds",
                                     "fdatasync of the Raft log, one per batch of Readys.",
                                     LatencyBuckets())),
        proposals_dropped(r.AddCounter("raft_proposals_dropped_total",
                                       "Proposals refused, lost with leadership or timed out.")),
        messages_dropped(r.AddCounter("raft_messages_dropped_total",
                                      "Raft messages the transport refused to queue.")),
        malformed(r.AddCounter("raft_malformed_frames_total",
                               "Peer payloads dropped because they could not be decoded.")),
        snapshots(r.AddCounter("raft_snapshots_total", "Snapshots taken of the state machine.")),
        snapshot_failures(r.AddCounter("raft_snapshot_failures_total",
                                       "Snapshots that could not be written (retried later).")) {}

  struct Peer {
    admin::Gauge* rtt = nullptr;
    admin::Counter* sent = nullptr;
    admin::Counter* received = nullptr;
    uint64_t last_sent = 0;
    uint64_t last_received = 0;
  };
  Peer& PeerSeries(const std::string& name) {
    auto [it, added] = peers.try_emplace(name);
    if (added) {
      admin::MetricLabels labels{{"peer", name}};
      it->second.rtt = &registry.AddGauge("peer_round_trip_seconds",
                                          "Last ping round trip to the peer.", labels);
      it->second.sent =
          &registry.AddCounter("peer_sent_bytes_total", "Frame bytes sent to the peer.", labels);
      it->second.received = &registry.AddCounter("peer_received_bytes_total",
                                                 "Frame bytes received from the peer.", labels);
    }
    return it->second;
  }

  admin::MetricsRegistry& registry;
  admin::Gauge& term;
  admin::Gauge& commit;
  admin::Gauge& applied;
  admin::Gauge& is_leader;
  admin::Counter& leader_changes;
  admin::Histogram& commit_latency;
  admin::Histogram& fsync_latency;
  admin::Counter& proposals_dropped;
  admin::Counter& messages_dropped;
  admin::Counter& malformed;
  admin::Counter& snapshots;
  admin::Counter& snapshot_failures;
  std::map<std::string, Peer> peers;
};

RaftServer::RaftServer(net::EventLoop& loop, Logger& logger, admin::MetricsRegistry& metrics,
                       RaftServerOptions options)
    : loop_(loop),
      logger_(logger),
      options_(std::move(options)),
      metrics_(std::make_unique<Metrics>(metrics)),
      rng_(options_.seed != 0 ? options_.seed
                              : static_cast<uint64_t>(loop.Now().nanos()) ^
                                    (options_.self.id * 0x9E3779B97F4A7C15ull)) {
  next_request_id_ = rng_.Next() >> 1;
}

RaftServer::~RaftServer() {
  snapshot_thread_.reset();  // waits for an encoding in flight; its completion is dropped
  storage_thread_.reset();   // waits for a write in flight; its completion is dropped
  tick_timer_.Cancel();
  maintain_timer_.Cancel();
  transport_.reset();
  FailPendingWrites(OutcomeUnknownError("agent stopping"));
  auto reads = std::move(reads_);
  for (auto& [id, read] : reads) read.done(Status::Aborted("agent stopping"));
  auto confs = std::move(confs_);
  for (auto& [key, conf] : confs) conf.done(Status::Aborted("agent stopping"));
}

Result<std::unique_ptr<RaftServer>> RaftServer::Create(net::EventLoop& loop, Logger& logger,
                                                       admin::MetricsRegistry& metrics,
                                                       RaftServerOptions options) {
  std::unique_ptr<RaftServer> server(new RaftServer(loop, logger, metrics, std::move(options)));
  BATON_RETURN_IF_ERROR(server->Open());
  return server;
}

Status RaftServer::Open() {
  raft::Config config;
  config.id = options_.self.id;
  config.election_ticks = options_.election_ticks;
  config.heartbeat_ticks = options_.heartbeat_ticks;
  BATON_RETURN_IF_ERROR(config.Validate());
  if (options_.history_revisions < 1) {
    return Status::InvalidArgument("history_revisions must be at least 1");
  }

  for (const MemberInfo& peer : options_.initial_peers) members_[peer.id] = peer;
  members_[options_.self.id] = options_.self;

  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) return Status::IOError("data_dir " + options_.data_dir + ": " + ec.message());
  BATON_ASSIGN_OR_RETURN(log_, storage::DurableLog::Open(options_.data_dir, logger_));
  storage_thread_ = std::make_unique<net::WorkerPool>(loop_, 1);
  snapshot_thread_ = std::make_unique<net::WorkerPool>(loop_, 1);
  const raft::RestoredState& restored = log_->state();
  const bool fresh = restored.hard_state == raft::HardState{} && restored.snapshot.empty() &&
                     restored.entries.empty();
  if (fresh) {
    std::vector<raft::NodeId> voters;
    if (!options_.join) {
      for (const MemberInfo& peer : options_.initial_peers) voters.push_back(peer.id);
    }
    BATON_ASSIGN_OR_RETURN(raw_, raft::RawNode::Bootstrap(config, voters, rng_, logger_));
  } else {
    if (!restored.snapshot.empty()) {
      Status s = state_.Restore(restored.snapshot.data);
      if (!s.ok()) return s.WithContext("snapshot in " + options_.data_dir);
      applied_conf_ = restored.snapshot.meta.conf;
      last_snapshot_index_ = restored.snapshot.meta.index;
      last_snapshot_bytes_ = restored.snapshot.data.size();
      LoadMembersFromStore();
    }
    BATON_ASSIGN_OR_RETURN(raw_, raft::RawNode::Restore(config, restored, rng_, logger_));
    for (const raft::Entry& e : restored.entries) {
      if (e.type != raft::EntryType::kConfChange) continue;
      Result<raft::ConfChange> change = raft::DecodeConfChange(e.data);
      if (!change.has_value() || change->context.empty()) continue;
      Result<MemberInfo> member = DecodeMemberInfo(change->context);
      if (member.has_value() && !members_.contains(member->id)) members_[member->id] = *member;
    }
  }

  net::TransportOptions transport;
  transport.cluster_name = options_.cluster_name;
  transport.self_id = options_.self.id;
  transport.self_name = options_.self.name;
  transport.listen_address = options_.self.peer_address;
  transport.tls = options_.tls;
  transport.plaintext = options_.plaintext;
  transport.seed = rng_.Next();
  transport.max_inbound_connections = options_.peer_max_connections;
  transport.max_unauthenticated = options_.peer_max_unauthenticated;
  transport.handshake_timeout = options_.peer_handshake_timeout;
  transport.listener_observer = options_.peer_observer;
  std::vector<net::PeerAddress> peers;
  for (const auto& [id, member] : members_) {
    if (id != options_.self.id) peers.push_back({id, member.name, member.peer_address});
  }
  BATON_ASSIGN_OR_RETURN(transport_,
                         net::PeerTransport::Create(loop_, logger_, std::move(transport), peers,
                                                    [this](net::NodeId from, std::string payload) {
                                                      Receive(from, std::move(payload));
                                                    }));
  // A killed leader's sockets close at once: campaign (PreVote) without
  // waiting out the election timeout. The core ignores it for a live leader.
  transport_->SetConnectionLostHandler([this](net::NodeId peer) {
    if (failed_) return;
    raw_->ReportLeaderUnreachable(peer);
    ScheduleReady();
  });
  tick_timer_ = loop_.RunEvery(options_.tick, [this] {
    if (failed_) return;
    raw_->Tick();
    ScheduleReady();
  });
  maintain_timer_ = loop_.RunEvery(kMaintainPeriod, [this] { Maintain(); });
  ScheduleReady();
  return Status::Ok();
}

// ---- Inputs ------------------------------------------------------------------

void RaftServer::Receive(uint64_t from, std::string payload) {
  if (failed_) return;
  Result<Payload> decoded = DecodePayload(payload);
  if (!decoded.has_value()) {
    ++malformed_payloads_;
    metrics_->malformed.Increment();
    logger_.Log(LogLevel::kWarn, "dropped a malformed payload from node " + std::to_string(from) +
                                     ": " + decoded.error().ToString());
    return;
  }
  if (auto* member = std::get_if<MemberInfo>(&*decoded)) {
    OnAnnounce(from, *member);
    return;
  }
  if (std::holds_alternative<Heartbeat>(*decoded)) {
    if (on_heartbeat_) on_heartbeat_(from);
    return;
  }
  if (auto* record = std::get_if<HealthRecord>(&*decoded)) {
    OnHealthRecord(from, *record);
    return;
  }
  const raft::Message& message = std::get<raft::Message>(*decoded);
  if (message.from != from || message.to != options_.self.id) {
    ++malformed_payloads_;
    metrics_->malformed.Increment();
    logger_.Log(LogLevel::kWarn, "dropped a message from node " + std::to_string(from) +
                                     " claiming to be from " + std::to_string(message.from) +
                                     " to " + std::to_string(message.to));
    return;
  }
  Status s = raw_->Step(message);
  if (!s.ok()) {
    ++malformed_payloads_;
    metrics_->malformed.Increment();
    logger_.Log(LogLevel::kWarn,
                "dropped a message from node " + std::to_string(from) + ": " + s.ToString());
  }
  ScheduleReady();
}

void RaftServer::Propose(const store::Command& command, ApplyFn done) {
  if (failed_) return done(Status::Unavailable("node failed"));
  if (raw_->role() != raft::Role::kLeader) {
    metrics_->proposals_dropped.Increment();
    return done(raw_->leader() == raft::kNoNode ? Status::Unavailable("no leader")
                                                : NotLeaderError());
  }
  const uint64_t id = ++next_request_id_;
  Status s = raw_->Propose(EncodeProposal({options_.self.id, id, store::EncodeCommand(command)}));
  if (!s.ok()) {
    metrics_->proposals_dropped.Increment();
    return done(s.IsUnavailable() ? NotLeaderError() : s);
  }
  writes_.emplace(id, PendingWrite{std::move(done), loop_.Now()});
  ScheduleReady();
}

void RaftServer::ReadIndex(DoneFn done) {
  if (failed_) return done(Status::Unavailable("node failed"));
  const uint64_t id = ++next_request_id_;
  Status s = raw_->ReadIndex(id);
  if (!s.ok()) return done(Status::Unavailable("no leader for a read: " + s.message()));
  reads_.emplace(id, PendingRead{std::move(done), loop_.Now() + options_.request_timeout, {}});
  ScheduleReady();
}

void RaftServer::AddMember(const MemberInfo& member, DoneFn done) {
  if (!leading())
    return done(leader() == raft::kNoNode ? Status::Unavailable("no leader") : NotLeaderError());
  if (member.id == 0 || member.name.empty() || member.peer_address.empty()) {
    return done(Status::InvalidArgument("a member needs an id, a name and a peer address"));
  }
  const raft::ConfState& conf = raw_->conf_state();
  auto in_conf = [&](raft::NodeId id) {
    return std::find(conf.voters.begin(), conf.voters.end(), id) != conf.voters.end() ||
           std::find(conf.learners.begin(), conf.learners.end(), id) != conf.learners.end();
  };
  if (in_conf(member.id)) {
    return done(Status::AlreadyExists("node " + std::to_string(member.id) + " is a member"));
  }
  for (const auto& [id, known] : members_) {
    if (id != member.id && known.name == member.name && in_conf(id)) {
      return done(
          Status::AlreadyExists("name " + member.name + " is taken by node " + std::to_string(id)));
    }
  }
  std::weak_ptr<int> alive = alive_;
  Propose(store::Put{MemberKey(member.name), EncodeMemberInfo(member), store::kNoLease},
          [this, alive, member, done = std::move(done)](Result<store::ApplyResult> put) {
            if (!put.has_value()) return done(put.error());
            if (alive.expired()) return done(Status::Aborted("agent stopping"));
            LearnMember(member);
            ProposeMembershipChange(
                {raft::ConfChangeType::kAddLearner, member.id, EncodeMemberInfo(member)},
                loop_.Now() + options_.request_timeout, std::move(done));
          });
}

void RaftServer::RemoveMember(uint64_t id, DoneFn done) {
  ProposeMembershipChange({raft::ConfChangeType::kRemoveNode, id, ""},
                          loop_.Now() + options_.request_timeout, std::move(done));
}

void RaftServer::ProposeMembershipChange(raft::ConfChange change, Instant deadline, DoneFn done) {
  if (!leading()) {
    return done(leader() == raft::kNoNode ? Status::Unavailable("no leader") : NotLeaderError());
  }
  Status s = raw_->ProposeConfChange(change);
  if (s.code() == StatusCode::kFailedPrecondition && loop_.Now() < deadline) {
    // One membership change at a time: try again once the pending one commits.
    std::weak_ptr<int> alive = alive_;
    loop_.RunAfter(kMaintainPeriod, [this, alive, change = std::move(change), deadline,
                                     done = std::move(done)]() mutable {
      if (alive.expired()) return done(Status::Aborted("agent stopping"));
      ProposeMembershipChange(std::move(change), deadline, std::move(done));
    });
    return;
  }
  if (!s.ok()) return done(s);
  confs_[{change.type, change.node}] = PendingConf{std::move(done), deadline};
  ScheduleReady();
}

// ---- The Ready loop ------------------------------------------------------------

void RaftServer::ScheduleReady() {
  if (ready_scheduled_ || failed_) return;
  ready_scheduled_ = true;
  std::weak_ptr<int> alive = alive_;
  loop_.Post([this, alive] {
    if (alive.expired()) return;
    ready_scheduled_ = false;
    ProcessReady();
  });
}

void RaftServer::ProcessReady() {
  while (!failed_ && !persisting_ && raw_->HasReady()) {
    raft::Ready ready = raw_->TakeReady();
    if (ready.soft_state) OnSoftState(*ready.soft_state);
    LearnMembersFrom(ready.entries);
    // The leader replicates while its own write runs (thesis 10.2.1); the
    // core counts its copy only once Advance says it is durable.
    std::erase_if(ready.messages, [this](const raft::Message& m) {
      if (!raft::SendableBeforePersisting(m)) return false;
      SendMessage(m);
      return true;
    });
    if (!ready.must_sync) {
      // Nothing to make durable (at most the commit index): write inline.
      if (ready.hard_state) {
        Status s = log_->Write(ready);
        if (!s.ok()) return Fatal(s);
      }
      FinishReady(ready);
      continue;
    }
    // Persist on the storage thread; the loop keeps stepping messages and
    // proposals meanwhile, and the next Ready carries all of them: one
    // fsync per batch (group commit).
    persisting_ = true;
    const Duration synced_before = log_->metrics().sync_total;
    auto pending = std::make_shared<raft::Ready>(std::move(ready));
    std::weak_ptr<int> alive = alive_;
    storage_thread_->Submit<Status>(
        [log = log_.get(), pending] {
          Status s = log->Write(*pending);
          return s.ok() ? log->Sync() : s;
        },
        [this, alive, pending, synced_before](Status s) {
          if (alive.expired()) return;
          persisting_ = false;
          metrics_->fsync_latency.Observe((log_->metrics().sync_total - synced_before).seconds());
          if (!s.ok()) return Fatal(s);
          FinishReady(*pending);
          ProcessReady();
        });
    return;
  }
}

void RaftServer::FinishReady(const raft::Ready& ready) {
  for (const raft::Message& m : ready.messages) SendMessage(m);
  if (ready.snapshot) InstallSnapshot(*ready.snapshot);
  for (const raft::Entry& entry : ready.committed_entries) ApplyEntry(entry);
  for (const raft::ReadState& rs : ready.read_states) {
    auto it = reads_.find(rs.context);
    if (it != reads_.end()) it->second.index = rs.index;
  }
  raw_->Advance(ready);
  ServeReads();
  SaveEncodedSnapshot();
  MaybeSnapshot();
}

void RaftServer::SendMessage(const raft::Message& m) {
  if (!transport_->Send(m.to, EncodeRaftPayload(m))) metrics_->messages_dropped.Increment();
}

void RaftServer::LearnMembersFrom(const std::vector<raft::Entry>& entries) {
  // Membership changes take effect when appended: reach a new member at once.
  for (const raft::Entry& e : entries) {
    if (e.type != raft::EntryType::kConfChange) continue;
    Result<raft::ConfChange> change = raft::DecodeConfChange(e.data);
    if (!change.has_value() || change->context.empty()) continue;
    Result<MemberInfo> member = DecodeMemberInfo(change->context);
    if (member.has_value() && !members_.contains(member->id)) LearnMember(*member);
  }
}

void RaftServer::OnSoftState(const raft::SoftState& soft) {
  const bool was_leading = soft_.role == raft::Role::kLeader;
  const bool leading_now = soft.role == raft::Role::kLeader;
  if (soft.leader != soft_.leader && soft.leader != raft::kNoNode) {
    metrics_->leader_changes.Increment();
    logger_.Log(LogLevel::kInfo, "leader is now node " + std::to_string(soft.leader) + " at term " +
                                     std::to_string(raw_->term()));
  }
  soft_ = soft;
  metrics_->is_leader.Set(leading_now ? 1 : 0);
  if (was_leading && !leading_now) {
    FailPendingWrites(OutcomeUnknownError("leadership lost after the write was proposed"));
  }
  if (was_leading != leading_now && observer_.on_leadership) observer_.on_leadership(leading_now);
}

void RaftServer::InstallSnapshot(const raft::Snapshot& snapshot) {
  Status s = state_.Restore(snapshot.data);
  if (!s.ok()) return Fatal(s.WithContext("snapshot from the leader"));
  applied_conf_ = snapshot.meta.conf;
  last_snapshot_index_ = snapshot.meta.index;
  last_snapshot_bytes_ = snapshot.data.size();
  applied_bytes_since_snapshot_ = 0;
  LoadMembersFromStore();
  logger_.Log(LogLevel::kInfo,
              "installed a snapshot at index " + std::to_string(snapshot.meta.index));
  if (observer_.on_restore) observer_.on_restore();
}

void RaftServer::ApplyEntry(const raft::Entry& entry) {
  if (entry.index <= state_.applied_index()) return;
  applied_bytes_since_snapshot_ += entry.data.size();
  if (entry.type == raft::EntryType::kConfChange) return ApplyConfEntry(entry);
  if (entry.data.empty()) return state_.MarkApplied(entry.index);
  ApplyStoreEntry(entry);
}

void RaftServer::ApplyConfEntry(const raft::Entry& entry) {
  state_.MarkApplied(entry.index);
  Result<raft::ConfChange> change = raft::DecodeConfChange(entry.data);
  if (!change.has_value()) return;
  Result<raft::ConfState> next = raft::ApplyConfChange(applied_conf_, *change);
  auto pending = confs_.find({change->type, change->node});
  if (!next.has_value()) {
    if (pending != confs_.end()) {
      auto done = std::move(pending->second.done);
      confs_.erase(pending);
      done(next.error());
    }
    return;
  }
  applied_conf_ = std::move(*next);
  if (change->type == raft::ConfChangeType::kRemoveNode) {
    const auto member = Member(change->node);
    if (change->node != options_.self.id) ForgetMember(change->node);
    if (member && leading()) {
      Propose(store::Delete{MemberKey(member->name)}, [](Result<store::ApplyResult>) {});
    }
  }
  logger_.Log(LogLevel::kInfo, "membership change applied: node " + std::to_string(change->node) +
                                   " type " + std::to_string(static_cast<int>(change->type)));
  if (pending != confs_.end()) {
    auto done = std::move(pending->second.done);
    confs_.erase(pending);
    done(Status::Ok());
  }
}

void RaftServer::ApplyStoreEntry(const raft::Entry& entry) {
  Result<Proposal> proposal = DecodeProposal(entry.data);
  if (!proposal.has_value()) {
    logger_.Log(LogLevel::kWarn, "entry " + std::to_string(entry.index) +
                                     " is not a proposal: " + proposal.error().ToString());
    return state_.MarkApplied(entry.index);
  }
  store::ApplyResult result = state_.Apply(entry.index, proposal->command);
  if (result.skipped) return;
  for (const store::Event& event : result.events) {
    if (!store::HasPrefix(event.kv.key, kMembersPrefix)) continue;
    if (event.type == store::EventType::kPut) {
      Result<MemberInfo> member = DecodeMemberInfo(event.kv.value);
      if (member.has_value()) LearnMember(*member);
    }
  }
  if (observer_.on_apply) observer_.on_apply(result);
  if (proposal->proposer != options_.self.id) return;
  auto it = writes_.find(proposal->request_id);
  if (it == writes_.end()) return;
  PendingWrite write = std::move(it->second);
  writes_.erase(it);
  metrics_->commit_latency.Observe((loop_.Now() - write.proposed).seconds());
  if (!result.status.ok()) return write.done(result.status);
  write.done(std::move(result));
}

void RaftServer::ServeReads() {
  const raft::Index applied = state_.applied_index();
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.index && *it->second.index <= applied) {
      DoneFn done = std::move(it->second.done);
      it = reads_.erase(it);
      done(Status::Ok());
    } else {
      ++it;
    }
  }
}

void RaftServer::MaybeSnapshot() {
  const raft::Index applied = state_.applied_index();
  // Each node snapshots a little later than the one before it (by its id),
  // so that replicas do not all stall on encoding at the same index.
  // The byte trigger is at least the last snapshot's size, so that writing
  // snapshots costs at most about as much disk as the entries they replace.
  const uint64_t spread = 8 + options_.self.id % 4;
  const uint64_t every_bytes = std::max(options_.snapshot_every_bytes, last_snapshot_bytes_);
  if (applied < last_snapshot_index_ + options_.snapshot_every_entries / 8 * spread &&
      applied_bytes_since_snapshot_ < every_bytes / 8 * spread) {
    return;
  }
  if (applied <= last_snapshot_index_) return;
  if (snapshot_in_progress_ || loop_.Now() < next_snapshot_attempt_) return;
  Result<std::vector<raft::Entry>> entry = raw_->Entries(applied, applied + 1);
  if (!entry.has_value() || entry->empty()) return;
  raft::Snapshot snapshot;
  snapshot.meta.index = applied;
  snapshot.meta.term = entry->front().term;
  snapshot.meta.conf = applied_conf_;
  // The loop only copies the state (a plain value). The image is encoded on
  // the snapshot thread while Readys go on, then written on the storage
  // thread (SaveEncodedSnapshot), durable before the core forgets its log.
  const Instant copy_start = loop_.Now();
  auto image = std::make_shared<const store::StateMachine>(state_);
  last_snapshot_copy_ = loop_.Now() - copy_start;
  snapshot_in_progress_ = true;
  auto pending = std::make_shared<raft::Snapshot>(std::move(snapshot));
  std::weak_ptr<int> alive = alive_;
  snapshot_thread_->Submit<bool>(
      [pending, image] {
        pending->data = image->Snapshot();
        return true;
      },
      [this, alive, pending](bool) {
        if (alive.expired()) return;
        encoded_snapshot_ = pending;
        SaveEncodedSnapshot();
      });
}

void RaftServer::SaveEncodedSnapshot() {
  if (encoded_snapshot_ == nullptr || persisting_ || failed_) return;
  std::shared_ptr<raft::Snapshot> pending = std::move(encoded_snapshot_);
  encoded_snapshot_.reset();
  if (pending->meta.index <= last_snapshot_index_) {  // a leader's snapshot came first
    snapshot_in_progress_ = false;
    return;
  }
  persisting_ = true;
  std::weak_ptr<int> alive = alive_;
  storage_thread_->Submit<Status>(
      [log = log_.get(), pending] { return log->SaveSnapshot(*pending); },
      [this, alive, pending](Status s) {
        if (alive.expired()) return;
        persisting_ = false;
        snapshot_in_progress_ = false;
        OnSnapshotSaved(std::move(*pending), s);
        ProcessReady();
      });
}

void RaftServer::OnSnapshotSaved(raft::Snapshot snapshot, const Status& s) {
  const raft::Index index = snapshot.meta.index;
  if (!s.ok()) {
    // The old snapshot and log are intact. A snapshot that cannot be written
    // (e.g. a full disk) is logged and tried again later: the node keeps
    // serving instead of stopping, since a restart would meet the same disk.
    next_snapshot_attempt_ = loop_.Now() + options_.snapshot_retry;
    metrics_->snapshot_failures.Increment();
    logger_.Log(LogLevel::kError, "snapshot at index " + std::to_string(index) +
                                      " failed, retrying in " + options_.snapshot_retry.ToString() +
                                      ": " + s.ToString());
    return;
  }
  const size_t snapshot_bytes = snapshot.data.size();
  last_snapshot_bytes_ = snapshot_bytes;
  Status compacted = raw_->Compact(index, std::move(snapshot.data));
  if (!compacted.ok()) {
    logger_.Log(LogLevel::kWarn,
                "compaction at " + std::to_string(index) + " refused: " + compacted.ToString());
  }
  last_snapshot_index_ = std::max(last_snapshot_index_, index);
  applied_bytes_since_snapshot_ = 0;
  metrics_->snapshots.Increment();
  logger_.Log(LogLevel::kInfo,
              "snapshot at index " + std::to_string(index) + ": " + std::to_string(snapshot_bytes) +
                  " bytes, the loop copied the state in " + last_snapshot_copy_.ToString());
}

// ---- Periodic work ---------------------------------------------------------------

void RaftServer::Maintain() {
  if (failed_) return;
  const Instant now = loop_.Now();
  auto expired = [&](const Instant& deadline) { return deadline <= now; };
  for (auto it = writes_.begin(); it != writes_.end();) {
    if (expired(it->second.proposed + options_.request_timeout)) {
      ApplyFn done = std::move(it->second.done);
      it = writes_.erase(it);
      metrics_->proposals_dropped.Increment();
      done(Status::Timeout("write not applied in time"));
    } else {
      ++it;
    }
  }
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (expired(it->second.deadline)) {
      DoneFn done = std::move(it->second.done);
      it = reads_.erase(it);
      done(Status::Timeout("read index not confirmed in time"));
    } else {
      ++it;
    }
  }
  for (auto it = confs_.begin(); it != confs_.end();) {
    if (expired(it->second.deadline)) {
      DoneFn done = std::move(it->second.done);
      it = confs_.erase(it);
      done(Status::Timeout("membership change not applied in time"));
    } else {
      ++it;
    }
  }
  Announce();
  if (leading()) {
    PromoteCaughtUpLearners();
    MaybeCompactHistory();
  }
  ScheduleReady();
}

void RaftServer::MaybeCompactHistory() {
  const store::EventHistory& history = state_.history();
  const store::Revision revision = state_.revision();
  if (history.CompactionPoint(options_.history_revisions, options_.history_bytes, revision) == 0) {
    return;
  }
  // Down to three quarters of each bound, so that compactions are batched.
  const store::Revision point =
      history.CompactionPoint(std::max<uint64_t>(1, options_.history_revisions / 4 * 3),
                              options_.history_bytes / 4 * 3, revision);
  if (point == 0 || point <= compaction_proposed_) return;  // already on its way
  compaction_proposed_ = point;
  Propose(store::Compact{point}, [](Result<store::ApplyResult>) {});
}

void RaftServer::FailPendingWrites(const Status& status) {
  auto writes = std::move(writes_);
  writes_.clear();
  for (auto& [id, write] : writes) {
    metrics_->proposals_dropped.Increment();
    write.done(status);
  }
}

void RaftServer::Fatal(const Status& status) {
  if (failed_) return;
  failed_ = true;
  logger_.Log(LogLevel::kError, "data directory failed, the node stops: " + status.ToString());
  tick_timer_.Cancel();
  if (options_.on_fatal) options_.on_fatal(status);
}

// ---- Members ---------------------------------------------------------------------

void RaftServer::LearnMember(const MemberInfo& member) {
  MemberInfo merged = member;
  auto it = members_.find(member.id);
  if (it != members_.end() && merged.admin_address.empty()) {
    merged.admin_address = it->second.admin_address;
  }
  const bool peer_changed = it == members_.end() || it->second.name != merged.name ||
                            it->second.peer_address != merged.peer_address;
  members_[member.id] = merged;
  if (peer_changed && member.id != options_.self.id && transport_ && !merged.peer_address.empty()) {
    transport_->SetPeer({member.id, merged.name, merged.peer_address});
  }
}

void RaftServer::ForgetMember(uint64_t id) {
  members_.erase(id);
  record_proposed_.erase(id);
  if (transport_) transport_->RemovePeer(id);
}

void RaftServer::LoadMembersFromStore() {
  for (const store::KeyValue& kv : state_.Range(kMembersPrefix, true)) {
    Result<MemberInfo> member = DecodeMemberInfo(kv.value);
    if (member.has_value()) LearnMember(*member);
  }
}

void RaftServer::Announce() {
  std::optional<store::KeyValue> record = state_.Get(MemberKey(options_.self.name));
  if (record) {
    Result<MemberInfo> stored = DecodeMemberInfo(record->value);
    if (stored.has_value() && *stored == options_.self) return;
  }
  if (leading()) return ProposeMemberRecord(options_.self);
  const raft::NodeId lead = leader();
  const Instant now = loop_.Now();
  if (lead == raft::kNoNode || now - last_announce_ < kAnnouncePeriod) return;
  last_announce_ = now;
  transport_->Send(lead, EncodeAnnouncePayload(options_.self));
}

bool RaftServer::SendHeartbeat(uint64_t to) {
  return !failed_ && transport_->Send(to, EncodeHeartbeatPayload());
}

bool RaftServer::PublishHealth(const std::string& key, const std::string& value) {
  if (failed_) return false;
  if (leading()) {
    Propose(store::Put{key, value, store::kNoLease}, [](Result<store::ApplyResult>) {});
    return true;
  }
  const uint64_t lead = leader();
  return lead != 0 && transport_->Send(lead, EncodeHealthPayload({key, value}));
}

void RaftServer::OnHealthRecord(uint64_t from, const HealthRecord& record) {
  auto sender = members_.find(from);
  // A node may only write its own health records.
  if (sender == members_.end() ||
      !record.key.starts_with("/baton/health/" + sender->second.name + "/")) {
    ++malformed_payloads_;
    metrics_->malformed.Increment();
    logger_.Log(LogLevel::kWarn, "dropped a health record from node " + std::to_string(from) +
                                     " for key " + record.key);
    return;
  }
  if (!leading()) return;  // leadership moved; the sender refreshes later
  Propose(store::Put{record.key, record.value, store::kNoLease}, [](Result<store::ApplyResult>) {});
}

void RaftServer::OnAnnounce(uint64_t from, const MemberInfo& member) {
  if (member.id != from || !leading()) return;
  std::optional<store::KeyValue> record = state_.Get(MemberKey(member.name));
  if (record) {
    Result<MemberInfo> stored = DecodeMemberInfo(record->value);
    if (stored.has_value() && *stored == member) return;
  }
  ProposeMemberRecord(member);
}

void RaftServer::ProposeMemberRecord(const MemberInfo& member) {
  const Instant now = loop_.Now();
  auto it = record_proposed_.find(member.id);
  if (it != record_proposed_.end() && now - it->second < kAnnouncePeriod) return;
  record_proposed_[member.id] = now;
  Propose(store::Put{MemberKey(member.name), EncodeMemberInfo(member), store::kNoLease},
          [](Result<store::ApplyResult>) {});
}

void RaftServer::PromoteCaughtUpLearners() {
  const raft::Index last = raw_->last_index();
  for (const raft::PeerProgress& p : raw_->progress()) {
    // Caught up: it has acknowledged entries recently and is close to the end
    // of the log (a silent learner of a short log is not caught up).
    const bool heard = p.match > 0 && p.ticks_since_contact < options_.election_ticks;
    if (!p.learner || !heard || p.match + kCatchUpEntries < last) continue;
    const auto member = Member(p.id);
    Status s = raw_->ProposeConfChange(
        {raft::ConfChangeType::kAddVoter, p.id, member ? EncodeMemberInfo(*member) : ""});
    if (s.ok()) {
      logger_.Log(LogLevel::kInfo, "promoting caught-up learner " + std::to_string(p.id));
      return;
    }
  }
}

// ---- Introspection ---------------------------------------------------------------

bool RaftServer::leading() const { return raw_->role() == raft::Role::kLeader; }
uint64_t RaftServer::leader() const { return raw_->leader(); }
uint16_t RaftServer::peer_port() const { return transport_->listen_port(); }

std::optional<MemberInfo> RaftServer::Member(uint64_t id) const {
  auto it = members_.find(id);
  if (it == members_.end()) return std::nullopt;
  return it->second;
}

ServerStatus RaftServer::Describe() const {
  ServerStatus status;
  status.self = options_.self;
  status.term = raw_->term();
  status.role = raw_->role();
  status.leader = raw_->leader();
  status.commit = raw_->commit_index();
  status.applied = state_.applied_index();
  status.leader_commit = raw_->leader_commit_index();
  status.receiving_snapshot = raw_->receiving_snapshot();
  const std::vector<raft::PeerProgress> progress = raw_->progress();
  auto add = [&](raft::NodeId id, bool learner) {
    MemberStatus m;
    m.info = Member(id).value_or(MemberInfo{id, "", "", ""});
    m.learner = learner;
    m.self = id == options_.self.id;
    if (m.self) {
      m.connected = true;
    } else if (auto peer = transport_->peer_metrics(id)) {
      m.connected = peer->connected;
      m.rtt = peer->last_rtt;
    }
    for (const raft::PeerProgress& p : progress) {
      if (p.id != id) continue;
      m.match = p.match;
      m.last_contact = options_.tick * p.ticks_since_contact;
    }
    status.members.push_back(std::move(m));
  };
  const raft::ConfState& conf = raw_->conf_state();
  std::vector<raft::NodeId> voters = conf.voters, learners = conf.learners;
  std::sort(voters.begin(), voters.end());
  std::sort(learners.begin(), learners.end());
  for (raft::NodeId id : voters) add(id, false);
  for (raft::NodeId id : learners) add(id, true);
  return status;
}

void RaftServer::RefreshMetrics() {
  metrics_->term.Set(static_cast<double>(raw_->term()));
  metrics_->commit.Set(static_cast<double>(raw_->commit_index()));
  metrics_->applied.Set(static_cast<double>(state_.applied_index()));
  for (const auto& [id, member] : members_) {
    if (id == options_.self.id) continue;
    auto peer = transport_->peer_metrics(id);
    if (!peer) continue;
    Metrics::Peer& series = metrics_->PeerSeries(member.name);
    if (peer->last_rtt) series.rtt->Set(peer->last_rtt->seconds());
    if (peer->bytes_sent >= series.last_sent) {
      series.sent->Increment(static_cast<double>(peer->bytes_sent - series.last_sent));
    }
    if (peer->bytes_received >= series.last_received) {
      series.received->Increment(static_cast<double>(peer->bytes_received - series.last_received));
    }
    series.last_sent = peer->bytes_sent;
    series.last_received = peer->bytes_received;
  }
}

}  // namespace baton::agent
