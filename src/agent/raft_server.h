// RaftServer: one agent's Raft participant, performed on an EventLoop.
//
// It owns the raft::RawNode, the DurableLog of the data directory, the store
// StateMachine the committed entries are applied to and the PeerTransport the
// Raft messages travel on. A timer ticks the core every `tick`; payloads from
// peers are decoded (agent/wire.h) and stepped (a malformed one is dropped
// and counted, never fatal). The Ready loop follows the Ready rule: the
// Ready's snapshot, entries and hard state are written to the DurableLog and
// fsynced on a storage thread before any of its messages is sent, except the
// leader's appends and heartbeats, which leave at once (the leader writes its
// log in parallel with replication; the core counts its own copy only once
// durable). The loop keeps stepping messages and proposals while the write
// runs, and the next Ready batches all of them into one fsync (group commit).
// Once durable, committed entries are applied, read states served and the
// Ready advanced. Every `snapshot_every_entries` applied entries, or
// `snapshot_every_bytes` of them, the state machine image becomes a snapshot:
// the loop copies the state, a snapshot thread encodes it while Readys go
// on, the storage thread writes it (streamed, any size) between Readys, then
// RawNode::Compact.
// A snapshot that cannot be written is logged and retried later; the node
// keeps serving. On the leader, Maintain keeps the store's history within
// `history_revisions` / `history_bytes` by proposing Compact commands.
//
// Start-up: a data directory that holds state is restored from it (snapshot
// image, then the log); a fresh one is bootstrapped with `initial_peers` as
// voters, or, with `join`, with no membership: the node waits to be added.
//
// Membership: AddMember (leader only) records the member under
// /baton/members/<name> in the store, then adds it as a learner with its
// MemberInfo as the ConfChange context; the leader promotes a learner to
// voter once it is caught up. Every agent keeps the transport's peers in step
// with the membership and the member records, and followers announce their
// own record (with their admin address) to the leader, which stores it.
//
// Writes are accepted by the leader only: elsewhere Propose fails with
// NotLeaderError (IsNotLeader), and the caller redirects to leader().
// Callbacks run on the loop thread exactly once: a write when its entry is
// applied (Unavailable when leadership is lost first, Timeout after
// `request_timeout`, Aborted at destruction).
//
// Thread-safety: none; create, call and destroy on the loop thread (or before
// the loop runs). The loop, logger and metrics registry outlive the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/metrics.h"
#include "agent/member_info.h"
#include "core/logger.h"
#include "core/result.h"
#include "core/rng.h"
#include "core/time.h"
#include "net/event_loop.h"
#include "net/peer_transport.h"
#include "net/worker_pool.h"
#include "raft/conf_change.h"
#include "raft/raw_node.h"
#include "storage/durable_log.h"
#include "store/command.h"
#include "store/state_machine.h"

namespace baton::agent {

struct HealthRecord;  // wire.h

struct RaftServerOptions {
  MemberInfo self;  // id, name, peer listen address ("host:0" for any port), admin address
  std::string cluster_name;
  std::vector<MemberInfo> initial_peers;  // the founding voters, self included
  bool join = false;                      // fresh data dir: wait to be added
  std::string data_dir;
  Duration tick = Duration::Millis(10);
  int election_ticks = 50;
  int heartbeat_ticks = 5;
  net::CertFiles tls;
  bool plaintext = false;
  // The peer listener's limits (net/peer_transport.h); the observer counts
  // what they did and may be null.
  size_t peer_max_connections = 64;
  size_t peer_max_unauthenticated = 16;
  Duration peer_handshake_timeout = Duration::Seconds(5);
  limits::ListenerObserver* peer_observer = nullptr;
  // Applied entries between snapshots (node i waits (8 + i % 4) / 8 of it,
  // so that replicas do not snapshot at once). Smaller = shorter restarts and
  // log, more snapshot writes.
  uint64_t snapshot_every_entries = 10000;
  // ... or once the entries applied since the last snapshot hold this many
  // bytes (or the last snapshot's size, if larger), so that large values do
  // not pile up in the in-memory log.
  uint64_t snapshot_every_bytes = uint64_t{64} << 20;
  // History the store keeps for watches (config `store:`): the leader
  // proposes a Compact once the history spans more than history_revisions
  // revisions or holds more than history_bytes (keys, values and previous
  // values), down to three quarters of the bound.
  uint64_t history_revisions = 10000;
  uint64_t history_bytes = uint64_t{64} << 20;
  // A failed snapshot (e.g. a full disk) is logged and tried again after this.
  Duration snapshot_retry = Duration::Seconds(10);
  // Bound on a write or a read, from request to completion.
  Duration request_timeout = Duration::Seconds(5);
  uint64_t seed = 0;  // election jitter; 0 derives one from the clock and id
  // Called once when the data directory fails (the node stops acting).
  std::function<void(const Status&)> on_fatal;
};

// Propose's error on a node that is not the leader.
Status NotLeaderError();
bool IsNotLeader(const Status& status);

struct MemberStatus {
  MemberInfo info;
  bool learner = false;
  bool self = false;
  bool connected = false;                // outbound peer connection up (self: true)
  std::optional<uint64_t> match;         // leader only
  std::optional<Duration> last_contact;  // leader only
  std::optional<Duration> rtt;
};

struct ServerStatus {
  MemberInfo self;
  uint64_t term = 0;
  raft::Role role = raft::Role::kFollower;
  uint64_t leader = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
  uint64_t leader_commit = 0;         // the leader's commit index as far as known
  bool receiving_snapshot = false;    // a snapshot from the leader is arriving
  std::vector<MemberStatus> members;  // voters then learners, by id
};

class RaftServer {
 public:
  using ApplyFn = std::function<void(Result<store::ApplyResult>)>;
  using DoneFn = std::function<void(Status)>;
  struct Observer {
    std::function<void(const store::ApplyResult&)> on_apply;  // each applied store command
    std::function<void()> on_restore;                         // the state machine was replaced
    std::function<void(bool leading)> on_leadership;          // became / stopped being leader
  };

  static Result<std::unique_ptr<RaftServer>> Create(net::EventLoop& loop, Logger& logger,
                                                    admin::MetricsRegistry& metrics,
                                                    RaftServerOptions options);
  ~RaftServer();
  RaftServer(const RaftServer&) = delete;
  RaftServer& operator=(const RaftServer&) = delete;

  void SetObserver(Observer observer) { observer_ = std::move(observer); }

  // Agent heartbeats (docs/detection.md): SendHeartbeat queues one to member
  // `to` (false when it cannot be queued); `on_heartbeat` runs for each one
  // received, with the sender's id.
  bool SendHeartbeat(uint64_t to);
  void SetHeartbeatHandler(std::function<void(uint64_t from)> on_heartbeat) {
    on_heartbeat_ = std::move(on_heartbeat);
  }
  // Stores `value` under `key` (a health record of this node, under
  // /baton/health/<self name>/) without waiting: proposed here when leading,
  // else sent to the leader, which proposes it. Best effort: false when no
  // leader is known; a record lost on the way is written at the next refresh.
  bool PublishHealth(const std::string& key, const std::string& value);

  // Proposes `command`; `done` gets the ApplyResult of its entry (or the
  // command's own error, e.g. NotFound for an unknown lease).
  void Propose(const store::Command& command, ApplyFn done);
  // Completes once this node has applied everything committed before the
  // call (a Raft ReadIndex round): local reads are then linearizable.
  void ReadIndex(DoneFn done);
  // Leader only: records `member` and adds it as a learner.
  void AddMember(const MemberInfo& member, DoneFn done);
  // Leader only: removes node `id` from the membership and its record. Both
  // wait (up to request_timeout) for a pending membership change to commit.
  void RemoveMember(uint64_t id, DoneFn done);

  const store::StateMachine& state() const { return state_; }
  bool leading() const;
  uint64_t leader() const;
  std::optional<MemberInfo> Member(uint64_t id) const;
  ServerStatus Describe() const;
  uint16_t peer_port() const;
  // Updates the metrics that mirror counters kept elsewhere (term, peers).
  void RefreshMetrics();

  // The transport's receive path (public so tests can inject payloads).
  void Receive(uint64_t from, std::string payload);
  uint64_t malformed_payloads() const { return malformed_payloads_; }

 private:
  struct Metrics;
  struct PendingWrite {
    ApplyFn done;
    Instant proposed;
  };
  struct PendingRead {
    DoneFn done;
    Instant deadline;
    std::optional<raft::Index> index;  // set once the read state arrived
  };
  struct PendingConf {
    DoneFn done;
    Instant deadline;
  };

  RaftServer(net::EventLoop& loop, Logger& logger, admin::MetricsRegistry& metrics,
             RaftServerOptions options);
  Status Open();

  void ScheduleReady();
  void ProcessReady();
  // Sends the Ready's remaining messages, applies it and Advance()s it; its
  // contents are durable.
  void FinishReady(const raft::Ready& ready);
  void SendMessage(const raft::Message& m);
  void LearnMembersFrom(const std::vector<raft::Entry>& entries);
  void OnSoftState(const raft::SoftState& soft);
  void InstallSnapshot(const raft::Snapshot& snapshot);
  void ApplyEntry(const raft::Entry& entry);
  void ApplyConfEntry(const raft::Entry& entry);
  void ApplyStoreEntry(const raft::Entry& entry);
  void ServeReads();
  // Proposes `change`, retrying while another membership change is pending,
  // until `deadline`; `done` runs when it is applied.
  void ProposeMembershipChange(raft::ConfChange change, Instant deadline, DoneFn done);
  void MaybeSnapshot();
  void SaveEncodedSnapshot();
  void OnSnapshotSaved(raft::Snapshot snapshot, const Status& s);
  void MaybeCompactHistory();
  void Maintain();
  void FailPendingWrites(const Status& status);
  void Fatal(const Status& status);

  // Member directory.
  void LearnMember(const MemberInfo& member);
  void ForgetMember(uint64_t id);
  void LoadMembersFromStore();
  void Announce();
  void OnAnnounce(uint64_t from, const MemberInfo& member);
  void OnHealthRecord(uint64_t from, const HealthRecord& record);
  void ProposeMemberRecord(const MemberInfo& member);
  void PromoteCaughtUpLearners();

  net::EventLoop& loop_;
  Logger& logger_;
  RaftServerOptions options_;
  std::unique_ptr<Metrics> metrics_;
  Rng rng_;
  std::unique_ptr<storage::DurableLog> log_;
  // Writes and fsyncs the log off the loop; one job at a time (persisting_).
  std::unique_ptr<net::WorkerPool> storage_thread_;
  // Encodes snapshot images off the loop; one at a time.
  std::unique_ptr<net::WorkerPool> snapshot_thread_;
  bool snapshot_in_progress_ = false;
  std::shared_ptr<raft::Snapshot> encoded_snapshot_;  // encoded, waiting to be written
  std::unique_ptr<raft::RawNode> raw_;
  std::unique_ptr<net::PeerTransport> transport_;
  store::StateMachine state_;
  raft::ConfState applied_conf_;
  raft::Index last_snapshot_index_ = 0;
  Instant next_snapshot_attempt_;
  uint64_t applied_bytes_since_snapshot_ = 0;
  uint64_t last_snapshot_bytes_ = 0;
  Duration last_snapshot_copy_;
  store::Revision compaction_proposed_ = 0;
  Observer observer_;
  std::function<void(uint64_t from)> on_heartbeat_;

  std::map<uint64_t, MemberInfo> members_;
  std::map<uint64_t, Instant> record_proposed_;  // member id -> last record proposal
  Instant last_announce_;

  uint64_t next_request_id_ = 0;
  std::map<uint64_t, PendingWrite> writes_;
  std::map<uint64_t, PendingRead> reads_;
  std::map<std::pair<raft::ConfChangeType, uint64_t>, PendingConf> confs_;

  raft::SoftState soft_;
  bool ready_scheduled_ = false;
  bool persisting_ = false;  // a Ready is being written on the storage thread
  bool failed_ = false;
  uint64_t malformed_payloads_ = 0;
  net::TimerHandle tick_timer_;
  net::TimerHandle maintain_timer_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace baton::agent
