// RedisAdapter: drives one redis-server for the failover driver (see
// adapter.h for the contract every method keeps). docs/redis.md explains the
// choices; in short:
//  - Observe: INFO replication (role, master_repl_offset as position,
//    master_replid as history, master_host:master_port and link status) and
//    whether the fence below is set. A semi-sync / sync primary also reports
//    its acknowledged position: the offset that at least `acked_replicas`
//    replicas confirmed (what a client's WAIT <acked_replicas> covers).
//  - Promote: CONFIG SET min-replicas-to-write/min-replicas-max-lag to the
//    configured values, REPLICAOF NO ONE, CLIENT UNPAUSE. Redis has no epoch
//    of its own; baton keeps the epoch in its store.
//  - Fence and Demote: CONFIG SET min-replicas-to-write 2147483647, so every
//    write at once fails with NOREPLICAS while reads and replication go on.
//    A local server that gives no answer within fence_timeout is hung: it is
//    killed (SIGKILL of the process_id INFO server named, checked against its
//    start time so a recycled pid is spared), as a resumed server would take
//    writes while another member is primary.
//    Then CLIENT KILL TYPE normal closes the clients' connections, so
//    Sentinel-aware clients reconnect and ask for the primary again; Observe
//    of a fenced member closes them again (a client may have come back).
//    A refused connection counts as fenced (nothing listens, nothing writes).
//  - Follow: fence, CLIENT UNPAUSE, REPLICAOF host port, restore the
//    configured min-replicas-to-write (Redis ignores it on a replica).
//  - Follow and Fence end with CONFIG REWRITE while the fence is set, so the
//    server's config file always says fenced (and, after a Follow, whom it
//    replicates): a restarted former primary comes back refusing writes or
//    replicating, never as a writable master. Promote rewrites it (fenced)
//    only when this adapter has not yet, keeping the fsync off the failover. A server without a
//    config file cannot keep its role (Observe's detail says so).
//  - PauseWrites/ResumeWrites: CLIENT PAUSE <pause_timeout> WRITE / CLIENT UNPAUSE.
//  - MeasureDivergence: compares master_replid/master_repl_offset with the
//    new primary's master_replid2/second_repl_offset (its fork point), and
//    when bytes would be lost runs SAVE and copies the RDB file aside (the
//    newest saved_copies_max copies within saved_copies_max_bytes are kept).
//    With no history shared with the new primary (a server restarted from
//    an older snapshot gets a new replication id) nothing can be measured:
//    the data is set aside and the answer is NotSupported saying so, never a
//    claim that the whole offset was lost.
//  - WaitUntilGone: a dedicated connection subscribed to a private channel,
//    polled until the server closes it.
//  - Start/Stop: a redis-server process from `server_config` (cold standby).
// Thread-safety: one command at a time per adapter (the Adapter contract),
// except WaitUntilGone, which may run concurrently on its own connection.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/process_identity.h"
#include "adapters/redis_connection.h"
#include "adapters/saved_copies.h"
#include "failover/group_config.h"

namespace baton::adapters {

// The `adapter:` keys of kind "redis" (docs/configuration.md), with the
// defaults the group's replication mode sets (ParseRedisAdapterConfig).
struct RedisAdapterOptions {
  RedisEndpoint endpoint;  // host, port (default: the member address), password, connect_timeout
  int min_replicas_to_write = 0;  // set on a primary at Promote; 0 = asynchronous
  int min_replicas_max_lag = 10;  // seconds; also bounds the data-plane fence
  // Replica acknowledgements that make a write acknowledged (semi-sync:
  // sync_acks; sync: every hot standby; async: 0, no acknowledged position).
  int acked_replicas = 0;
  Duration pause_timeout = Duration::Seconds(60);  // CLIENT PAUSE length for a switchover
  std::string save_dir;        // where diverged RDB copies go ("" = the server's dir)
  CopyRetention saved_copies;  // how many of them are kept (newest first)
  std::string server_binary = "/usr/bin/redis-server";
  std::string server_config;  // Start/Stop run redis-server with it ("" = not managed)
  // How long Fence waits for the server's answer before it counts as hung
  // (default: the group's drift_margin, at least 100ms): a hung local
  // server is then killed by its pid.
  Duration fence_timeout = Duration::Millis(200);
  // The server runs on this host (the agent's own member, or the watchdog's
  // fence): Observe learns its process, and Fence kills it when it hangs.
  // False for a fence sent from another node (the pid means nothing there).
  bool local = true;
  // The server's process when known before the first Observe (the
  // watchdog's fence gets it from the agent's last Observe).
  std::optional<ProcessIdentity> server_process;
};

// Reads `config` (kind "redis") for the member at `member_address`
// (host:port) of `group`. The group's replication mode sets the defaults:
//  - async: min_replicas_to_write 0 unless set (set it to 1+ for the
//    data-plane fence), no acknowledged position;
//  - semi-sync: min_replicas_to_write = sync_acks, acked_replicas = sync_acks;
//  - sync: both = the group's other hot standbys (Redis has no synchronous
//    replication: clients must WAIT for that many; docs/redis.md);
//  - min_replicas_max_lag: lease_ttl in whole seconds (at least 1) unless set;
//  - fence_timeout: drift_margin (at least 100ms) unless set.
// InvalidArgument naming the key and its line on bad input, and for a
// min_replicas_to_write below what the mode needs.
Result<RedisAdapterOptions> ParseRedisAdapterConfig(const AdapterConfig& config,
                                                    const std::string& member_address,
                                                    const failover::GroupConfig& group);

// The value Fence sets min-replicas-to-write to: no server has that many replicas.
inline constexpr int kFenceMinReplicas = 2147483647;

class RedisAdapter : public Adapter {
 public:
  explicit RedisAdapter(RedisAdapterOptions options);
  ~RedisAdapter() override;

  Status Start(Instant deadline) override;
  Status Stop(Instant deadline) override;
  Status Promote(failover::Epoch epoch, Instant deadline) override;
  Status Demote(failover::Epoch epoch, Instant deadline) override;
  Status Fence(Instant deadline) override;
  Status Follow(const std::string& primary_address, failover::Epoch epoch,
                Instant deadline) override;
  Status PauseWrites(Instant deadline) override;
  Status ResumeWrites(Instant deadline) override;
  Result<MemberState> Observe(Instant deadline) override;
  Result<Divergence> MeasureDivergence(const std::string& new_primary_address,
                                       Instant deadline) override;
  Status WaitUntilGone(const std::atomic<bool>& cancel) override;

 private:
  // Runs a command on the cached connection, opening it when needed and
  // dropping it after an I/O error so the next call reconnects.
  Result<RedisReply> Run(const std::vector<std::string>& args, Instant deadline,
                         bool* refused = nullptr);
  Result<std::map<std::string, std::string>> Info(const std::string& section, Instant deadline);
  std::vector<std::string> MinReplicasCommand(int replicas) const;
  Status SetMinReplicas(int replicas, Instant deadline);
  // CLIENT KILL TYPE normal SKIPME yes: clients of a fenced member reconnect
  // and ask Sentinel for the primary again (REQUIRES: mu_ held).
  Status CloseClients(Instant deadline);
  // Observe's acknowledged position, from the replicas' offsets; kept from
  // one call to the next within one history (REQUIRES: mu_ held).
  failover::Position AckedPosition(const std::string& history,
                                   std::vector<failover::Position> offsets);
  // CONFIG REWRITE with the fence set: the config file then says fenced
  // (REQUIRES: mu_ held; the fence is the runtime setting now).
  void PersistFenced(Instant deadline);
  // Fence's answer when the server gave none: kills a local server whose
  // process is known, else returns `why` (REQUIRES: mu_ held).
  Status KillHung(const Status& why, Instant deadline);
  // Learns the server's process (INFO server process_id) once per
  // connection (REQUIRES: mu_ held).
  void LearnProcess(Instant deadline);
  Result<std::string> SaveCopy(const std::string& replid, failover::Position offset,
                               Instant deadline);

  const RedisAdapterOptions options_;
  std::mutex mu_;  // one command at a time on conn_
  std::unique_ptr<RedisConnection> conn_;
  Instant paused_until_;  // CLIENT PAUSE this adapter set
  // The highest acknowledged position reported for `acked_history_`: a write
  // once confirmed by enough replicas stays acknowledged after they leave.
  std::string acked_history_;
  failover::Position acked_position_ = 0;
  pid_t server_pid_ = -1;                          // the redis-server Start() spawned
  std::optional<ProcessIdentity> server_process_;  // learned by Observe (local servers)
  uint64_t opens_ = 0;                             // connections opened so far
  uint64_t process_learned_at_ = 0;                // the connection (by opens_) it was learned on
  std::string persist_error_;  // why the last CONFIG REWRITE failed ("" = it worked)
  // This adapter rewrote the config file with the fence set: a restart
  // brings the server back refusing writes or replicating.
  bool persisted_fenced_ = false;
};

// The factory the agent calls for a member whose adapter kind is "redis".
Result<std::unique_ptr<Adapter>> MakeRedisAdapter(const AdapterConfig& config,
                                                  const std::string& member_address,
                                                  const failover::GroupConfig& group);

}  // namespace baton::adapters
