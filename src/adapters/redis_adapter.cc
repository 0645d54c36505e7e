#include "adapters/redis_adapter.h"

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;

namespace baton::adapters {
namespace {

// Splits "host:port" (the last colon separates the port).
bool SplitAddress(const std::string& address, std::string* host, uint16_t* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  unsigned value = 0;
  const char* begin = address.data() + colon + 1;
  const char* end = address.data() + address.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || begin == end || value == 0 || value > 65535) return false;
  *host = address.substr(0, colon);
  *port = static_cast<uint16_t>(value);
  return true;
}

bool ParseInt(const std::string& text, int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

Status BadSetting(const std::string& key, const AdapterSetting& setting, const std::string& want) {
  return Status::InvalidArgument("line " + std::to_string(setting.line) + ": adapter." + key +
                                 ": " + want + ", got \"" + setting.value + "\"");
}

// CONFIG GET <name> answers [name, value].
Result<std::string> ConfigValue(const Result<RedisReply>& reply, const std::string& name) {
  if (!reply.has_value()) return reply.error();
  if (reply->elements.size() != 2) return Status::Corruption("CONFIG GET " + name + ": no value");
  return reply->elements[1].text;
}

uint64_t ToPosition(const std::string& text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The replicas' acknowledged offsets from a primary's INFO replication
// ("slave0:ip=...,port=...,state=online,offset=123,lag=0").
std::vector<failover::Position> ReplicaOffsets(const std::map<std::string, std::string>& info) {
  std::vector<failover::Position> offsets;
  for (const auto& [key, value] : info) {
    if (!key.starts_with("slave") || key.size() == 5 || !isdigit(key[5])) continue;
    if (value.find("state=online") == std::string::npos) continue;
    const size_t at = value.find("offset=");
    if (at == std::string::npos) continue;
    offsets.push_back(ToPosition(value.substr(at + 7, value.find(',', at) - at - 7)));
  }
  return offsets;
}

// The replica acknowledgements a write needs in the group's mode (0: async).
int AckedReplicas(const failover::GroupConfig& group, const std::string& member_address) {
  switch (group.replication) {
    case failover::Replication::kAsync:
      return 0;
    case failover::Replication::kSemiSync:
      return group.sync_acks;
    case failover::Replication::kSync:
      break;
  }
  int hot = 0;
  for (const failover::MemberConfig& m : group.members) {
    if (m.address != member_address && m.standby == failover::StandbyKind::kHot) ++hot;
  }
  return hot;
}

}  // namespace

Result<RedisAdapterOptions> ParseRedisAdapterConfig(const AdapterConfig& config,
                                                    const std::string& member_address,
                                                    const failover::GroupConfig& group) {
  RedisAdapterOptions o;
  o.acked_replicas = AckedReplicas(group, member_address);
  o.min_replicas_to_write = o.acked_replicas;
  o.min_replicas_max_lag =
      static_cast<int>(std::clamp<int64_t>(group.lease_ttl.millis() / 1000, 1, 3600));
  o.fence_timeout = std::max(group.drift_margin, Duration::Millis(100));
  if (config.kind != "redis") {
    return Status::InvalidArgument("adapter.kind: expected \"redis\", got \"" + config.kind + "\"");
  }
  if (!SplitAddress(member_address, &o.endpoint.host, &o.endpoint.port)) {
    return Status::InvalidArgument("member address: expected host:port, got \"" + member_address +
                                   "\"");
  }
  for (const auto& [key, setting] : config.settings) {
    const std::string& v = setting.value;
    int64_t n = 0;
    if (key == "kind" || key == "watchdog_fence") {
      continue;  // watchdog_fence: the watchdog's command (docs/adapters.md), not ours
    } else if (key == "host") {
      if (v.empty()) return BadSetting(key, setting, "expected a host name or address");
      o.endpoint.host = v;
    } else if (key == "port") {
      if (!ParseInt(v, 1, 65535, &n)) return BadSetting(key, setting, "expected a port 1-65535");
      o.endpoint.port = static_cast<uint16_t>(n);
    } else if (key == "password") {
      o.endpoint.password = v;
    } else if (key == "password_file") {
      std::ifstream in(v);
      if (!in || !std::getline(in, o.endpoint.password)) {
        return BadSetting(key, setting, "expected a readable file holding the password");
      }
    } else if (key == "fence_timeout") {
      Duration d;
      if (!ParseDuration(v, &d) || d < Duration::Millis(10) || d > Duration::Seconds(60)) {
        return BadSetting(key, setting, "expected a duration 10ms-60s");
      }
      o.fence_timeout = d;
    } else if (key == "connect_timeout" || key == "pause_timeout") {
      Duration d;
      if (!ParseDuration(v, &d) || d <= Duration::Zero()) {
        return BadSetting(key, setting, "expected a positive duration such as 500ms");
      }
      (key == "connect_timeout" ? o.endpoint.connect_timeout : o.pause_timeout) = d;
    } else if (key == "min_replicas_to_write") {
      if (!ParseInt(v, 0, 1000, &n)) return BadSetting(key, setting, "expected 0-1000");
      if (n < o.acked_replicas) {
        return BadSetting(key, setting,
                          "expected at least " + std::to_string(o.acked_replicas) +
                              " (replication " + std::string(ReplicationName(group.replication)) +
                              " needs that many replicas to acknowledge a write), or unset");
      }
      o.min_replicas_to_write = static_cast<int>(n);
    } else if (key == "min_replicas_max_lag") {
      if (!ParseInt(v, 1, 3600, &n)) return BadSetting(key, setting, "expected seconds 1-3600");
      o.min_replicas_max_lag = static_cast<int>(n);
    } else if (key == "save_dir") {
      o.save_dir = v;
    } else if (key == "saved_copies_max") {
      if (!ParseInt(v, 1, 100000, &n)) return BadSetting(key, setting, "expected 1-100000");
      o.saved_copies.max_count = static_cast<int>(n);
    } else if (key == "saved_copies_max_bytes") {
      if (!ParseInt(v, 1, INT64_MAX, &n)) return BadSetting(key, setting, "expected bytes > 0");
      o.saved_copies.max_bytes = static_cast<uint64_t>(n);
    } else if (key == "server_binary") {
      o.server_binary = v;
    } else if (key == "server_config") {
      o.server_config = v;
    } else {
      return Status::InvalidArgument(
          "line " + std::to_string(setting.line) + ": adapter." + key +
          ": unknown key for kind redis (known: host, port, password, password_file, "
          "connect_timeout, fence_timeout, "
          "watchdog_fence, "
          "min_replicas_to_write, min_replicas_max_lag, pause_timeout, save_dir, "
          "saved_copies_max, saved_copies_max_bytes, "
          "server_binary, server_config)");
    }
  }
  return o;
}

RedisAdapter::RedisAdapter(RedisAdapterOptions options)
    : options_(std::move(options)), server_process_(options_.server_process) {}

RedisAdapter::~RedisAdapter() {
  // A server Start() spawned keeps running (it is the member); reap nothing.
}

Result<RedisReply> RedisAdapter::Run(const std::vector<std::string>& args, Instant deadline,
                                     bool* refused) {
  // A cached connection may have died with a restarted server: one retry on
  // a fresh one (every command the adapter sends is idempotent).
  const bool cached = conn_ != nullptr;
  if (conn_ == nullptr) {
    Result<std::unique_ptr<RedisConnection>> opened =
        RedisConnection::Open(options_.endpoint, deadline, refused);
    if (!opened.has_value()) return opened.error();
    conn_ = std::move(*opened);
    ++opens_;
  }
  Result<RedisReply> reply = conn_->Run(args, deadline);
  if (reply.has_value() || reply.error().code() == StatusCode::kFailedPrecondition) return reply;
  conn_.reset();
  if (cached && reply.error().IsUnavailable()) return Run(args, deadline, refused);
  return reply;
}

Result<std::map<std::string, std::string>> RedisAdapter::Info(const std::string& section,
                                                              Instant deadline) {
  Result<RedisReply> reply = Run({"INFO", section}, deadline);
  if (!reply.has_value()) return reply.error();
  return ParseInfo(reply->text);
}

std::vector<std::string> RedisAdapter::MinReplicasCommand(int replicas) const {
  return {"CONFIG",
          "SET",
          "min-replicas-to-write",
          std::to_string(replicas),
          "min-replicas-max-lag",
          std::to_string(options_.min_replicas_max_lag)};
}

Status RedisAdapter::SetMinReplicas(int replicas, Instant deadline) {
  return Run(MinReplicasCommand(replicas), deadline).status();
}

Status RedisAdapter::Promote(failover::Epoch, Instant deadline) {
  std::lock_guard lock(mu_);
  // Fenced until its config file cannot bring it back writable: a restart
  // must find it refusing writes (its agent may have moved the group on by
  // then). A file this adapter rewrote already says fenced (or a replica):
  // the rewrite (an fsync, 20-40 ms here) stays off the failover's path.
  if (Status s = SetMinReplicas(kFenceMinReplicas, deadline); !s.ok()) return s;
  if (Status s = Run({"REPLICAOF", "NO", "ONE"}, deadline).status(); !s.ok()) return s;
  if (!persisted_fenced_) PersistFenced(deadline);
  // Semi-sync settings before the client pause ends, so the primary never
  // takes a write without them.
  if (Status s = SetMinReplicas(options_.min_replicas_to_write, deadline); !s.ok()) return s;
  if (Status s = Run({"CLIENT", "UNPAUSE"}, deadline).status(); !s.ok()) return s;
  paused_until_ = Instant();
  Result<std::map<std::string, std::string>> info = Info("replication", deadline);
  if (!info.has_value()) return info.error();
  if ((*info)["role"] != "master") {
    return Status::FailedPrecondition("redis " + options_.endpoint.Address() + ": still role " +
                                      (*info)["role"] + " after REPLICAOF NO ONE");
  }
  return Status::Ok();
}

Status RedisAdapter::Fence(Instant deadline) {
  std::lock_guard lock(mu_);
  // A server that answers nothing within fence_timeout is hung (or cut off):
  // waiting out the whole deadline would let it resume after the lease.
  const Instant answer_by = std::min(deadline, SteadyNow() + options_.fence_timeout);
  bool refused = false;
  Status s = Run(MinReplicasCommand(kFenceMinReplicas), answer_by, &refused).status();
  // A refused connection: no server listens on the port, so none writes.
  if (refused) return Status::Ok();
  // An error reply is an answer (a server that refuses CONFIG is not hung).
  if (!s.ok()) return s.code() == StatusCode::kFailedPrecondition ? s : KillHung(s, deadline);
  PersistFenced(deadline);
  // Clients connected to a fenced primary would only read NOREPLICAS, which
  // Sentinel clients do not take as a cue to look for the new primary; a
  // closed connection is. TYPE normal spares replicas' links and subscribers
  // (WaitUntilGone), SKIPME (the default) this connection.
  return CloseClients(deadline);
}

Status RedisAdapter::KillHung(const Status& why, Instant deadline) {
  if (!options_.local || !server_process_) {
    return Status(why.code(), "fence of redis " + options_.endpoint.Address() +
                                  " got no answer and its process is unknown: " + why.message());
  }
  conn_.reset();
  Status killed = KillProcess(*server_process_, deadline);
  if (!killed.ok()) return killed;
  server_process_.reset();
  return Status::Ok();
}

void RedisAdapter::PersistFenced(Instant deadline) {
  Result<RedisReply> r = Run({"CONFIG", "REWRITE"}, deadline);
  persist_error_ = r.has_value() ? "" : r.error().message();
  persisted_fenced_ = r.has_value();
}

void RedisAdapter::LearnProcess(Instant deadline) {
  if (!options_.local || (server_process_ && process_learned_at_ == opens_)) return;
  Result<std::map<std::string, std::string>> info = Info("server", deadline);
  if (!info.has_value()) return;
  int64_t pid = 0;
  if (!ParseInt((*info)["process_id"], 1, INT32_MAX, &pid)) return;
  Result<ProcessIdentity> process = IdentifyProcess(static_cast<pid_t>(pid));
  if (!process.has_value()) return;  // not on this host (or gone already)
  server_process_ = *process;
  process_learned_at_ = opens_;
}

Status RedisAdapter::CloseClients(Instant deadline) {
  return Run({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}, deadline).status();
}

Status RedisAdapter::Demote(failover::Epoch, Instant deadline) {
  // The new primary's address comes with the Follow that the driver sends
  // next; until then the member refuses writes.
  return Fence(deadline);
}

Status RedisAdapter::Follow(const std::string& primary_address, failover::Epoch, Instant deadline) {
  std::string host;
  uint16_t port = 0;
  if (!SplitAddress(primary_address, &host, &port)) {
    return Status::InvalidArgument("follow: expected host:port, got \"" + primary_address + "\"");
  }
  std::lock_guard lock(mu_);
  // Fenced through the switch, so a former primary takes no write on the way.
  if (Status s = SetMinReplicas(kFenceMinReplicas, deadline); !s.ok()) return s;
  if (Status s = Run({"CLIENT", "UNPAUSE"}, deadline).status(); !s.ok()) return s;
  paused_until_ = Instant();
  // REPLICAOF to the master it already follows is a no-op in Redis.
  if (Status s = Run({"REPLICAOF", host, std::to_string(port)}, deadline).status(); !s.ok()) {
    return s;
  }
  PersistFenced(deadline);  // a restart comes back as this primary's replica
  return SetMinReplicas(options_.min_replicas_to_write, deadline);
}

Status RedisAdapter::PauseWrites(Instant deadline) {
  std::lock_guard lock(mu_);
  const Instant now = SteadyNow();
  Status s =
      Run({"CLIENT", "PAUSE", std::to_string(options_.pause_timeout.millis()), "WRITE"}, deadline)
          .status();
  if (s.ok()) paused_until_ = now + options_.pause_timeout;
  return s;
}

Status RedisAdapter::ResumeWrites(Instant deadline) {
  std::lock_guard lock(mu_);
  Status s = Run({"CLIENT", "UNPAUSE"}, deadline).status();
  if (s.ok()) paused_until_ = Instant();
  return s;
}

Result<MemberState> RedisAdapter::Observe(Instant deadline) {
  std::lock_guard lock(mu_);
  Result<std::map<std::string, std::string>> info = Info("replication", deadline);
  if (!info.has_value()) return info.error();
  std::map<std::string, std::string>& i = *info;
  LearnProcess(deadline);
  MemberState state;
  if (server_process_) state.process = server_process_->ToString();
  state.position = ToPosition(i["master_repl_offset"]);
  state.history = i["master_replid"];
  if (i["role"] == "master") {
    Result<std::string> fence = ConfigValue(
        Run({"CONFIG", "GET", "min-replicas-to-write"}, deadline), "min-replicas-to-write");
    if (!fence.has_value()) return fence.error();
    if (*fence == std::to_string(kFenceMinReplicas)) {
      // A client may have reconnected here through an endpoint that still
      // named this member (e.g. before the new primary was confirmed).
      if (Status s = CloseClients(deadline); !s.ok()) return s;
      state.role = failover::MemberRole::kFenced;
      state.detail = "fenced: writes refused (min-replicas-to-write)";
    } else if (paused_until_ > SteadyNow()) {
      state.role = failover::MemberRole::kWritesPaused;
      state.detail = "writes paused";
    } else {
      state.role = failover::MemberRole::kPrimary;
    }
    state.detail += (state.detail.empty() ? "" : ", ") + i["connected_slaves"] + " replicas";
    state.acked_position = AckedPosition(state.history, ReplicaOffsets(i));
  } else if (i["role"] == "slave") {
    state.role = failover::MemberRole::kReplica;
    state.following = i["master_host"] + ":" + i["master_port"];
    state.replicating = i["master_link_status"] == "up";
    if (i["master_link_status"] == "up") {
      state.detail = "link up";
    } else if (i["master_sync_in_progress"] == "1") {
      state.detail = "link down, sync in progress";
    } else {
      state.detail = "link down " + i["master_link_down_since_seconds"] + "s";
    }
  } else {
    return Status::Corruption("redis " + options_.endpoint.Address() + ": unknown role \"" +
                              i["role"] + "\"");
  }
  if (!persist_error_.empty())
    state.detail += "; role not kept across a restart: " + persist_error_;
  return state;
}

failover::Position RedisAdapter::AckedPosition(const std::string& history,
                                               std::vector<failover::Position> offsets) {
  const size_t k = static_cast<size_t>(options_.acked_replicas);
  if (k == 0) return 0;
  if (history != acked_history_) {  // promoted since: a new replication history
    acked_history_ = history;
    acked_position_ = 0;
  }
  if (offsets.size() >= k) {
    // The k-th highest replica offset: k replicas hold everything up to it.
    std::nth_element(offsets.begin(), offsets.begin() + static_cast<ptrdiff_t>(k - 1),
                     offsets.end(), std::greater<>());
    acked_position_ = std::max(acked_position_, offsets[k - 1]);
  }
  return acked_position_;
}

Result<std::string> RedisAdapter::SaveCopy(const std::string& replid, failover::Position offset,
                                           Instant deadline) {
  // A replica's full sync may be writing a background save: SAVE refuses
  // until it ends. Retried until the deadline.
  for (;;) {
    Status s = Run({"SAVE"}, deadline).status();
    if (s.ok()) break;
    if (s.message().find("in progress") == std::string::npos || SteadyNow() >= deadline) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Result<std::string> dir = ConfigValue(Run({"CONFIG", "GET", "dir"}, deadline), "dir");
  if (!dir.has_value()) return dir.error();
  Result<std::string> file =
      ConfigValue(Run({"CONFIG", "GET", "dbfilename"}, deadline), "dbfilename");
  if (!file.has_value()) return file.error();
  const std::filesystem::path target_dir = options_.save_dir.empty() ? *dir : options_.save_dir;
  const std::filesystem::path target =
      target_dir / ("baton-diverged-" + replid + "-" + std::to_string(offset) + ".rdb");
  std::error_code ec;
  std::filesystem::create_directories(target_dir, ec);
  std::filesystem::copy_file(std::filesystem::path(*dir) / *file, target,
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec)
    return Status::IOError("copy " + *dir + "/" + *file + " to " + target.string() + ": " +
                           ec.message());
  PruneSavedCopies(target_dir, "baton-diverged-", options_.saved_copies, target);
  return target.string();
}

Result<Divergence> RedisAdapter::MeasureDivergence(const std::string& new_primary_address,
                                                   Instant deadline) {
  RedisEndpoint other = options_.endpoint;
  if (!SplitAddress(new_primary_address, &other.host, &other.port)) {
    return Status::InvalidArgument("divergence: expected host:port, got \"" + new_primary_address +
                                   "\"");
  }
  Result<std::unique_ptr<RedisConnection>> conn = RedisConnection::Open(other, deadline);
  if (!conn.has_value()) return conn.error();
  Result<RedisReply> reply = (*conn)->Run({"INFO", "replication"}, deadline);
  if (!reply.has_value()) return reply.error();
  std::map<std::string, std::string> theirs = ParseInfo(reply->text);

  std::lock_guard lock(mu_);
  Result<std::map<std::string, std::string>> mine = Info("replication", deadline);
  if (!mine.has_value()) return mine.error();
  const std::string replid = (*mine)["master_replid"];
  const failover::Position offset = ToPosition((*mine)["master_repl_offset"]);
  Divergence d;
  if (replid == theirs["master_replid"]) {
    // One history: whatever this member has, the new primary has too or will.
    d.fork_position = std::min(offset, ToPosition(theirs["master_repl_offset"]));
  } else if (replid == theirs["master_replid2"]) {
    // The new primary was promoted from this history at second_repl_offset - 1.
    d.fork_position = ToPosition(theirs["second_repl_offset"]) - 1;
    d.lost_bytes = offset > d.fork_position ? offset - d.fork_position : 0;
  } else if (Result<RedisReply> keys = Run({"DBSIZE"}, deadline);
             keys.has_value() && keys->integer == 0 && offset == 0) {
    // Restarted empty (no persistence): nothing only it had survived.
  } else {
    // No shared history Redis can prove (a restart from an older snapshot
    // takes a new replication id): how much only it had cannot be told.
    // Its data is set aside all the same, since the resync replaces it.
    Result<std::string> saved = SaveCopy(replid, offset, deadline);
    return Status::NotSupported(
        "no replication history shared with the new primary (replid " + replid +
        ", e.g. restarted from an older snapshot): what only it had cannot be measured; " +
        (saved.has_value() ? "its data was set aside in " + *saved
                           : "setting its data aside failed: " + saved.error().message()));
  }
  if (d.lost_bytes > 0) {
    Result<std::string> saved = SaveCopy(replid, offset, deadline);
    if (!saved.has_value()) return saved.error();
    d.saved_copy = *saved;
  }
  return d;
}

Status RedisAdapter::WaitUntilGone(const std::atomic<bool>& cancel) {
  const Instant deadline = SteadyNow() + options_.endpoint.connect_timeout;
  Result<std::unique_ptr<RedisConnection>> conn =
      RedisConnection::Open(options_.endpoint, deadline);
  if (!conn.has_value()) return conn.error();
  // A subscribed connection gets nothing unless someone publishes to this
  // private channel, and touches no data; it reads EOF when the server dies.
  Result<RedisReply> sub = (*conn)->Run({"SUBSCRIBE", "__baton__:wait-until-gone"}, deadline);
  if (!sub.has_value()) return sub.error();
  pollfd p{.fd = (*conn)->fd(), .events = POLLIN, .revents = 0};
  char buffer[4096];
  while (!cancel.load()) {
    const int n = poll(&p, 1, 50);
    if (n < 0 && errno != EINTR) return Status::IOError("poll: " + std::string(strerror(errno)));
    if (n <= 0) continue;
    const ssize_t got = read(p.fd, buffer, sizeof(buffer));
    if (got == 0)
      return Status::Unavailable("redis " + options_.endpoint.Address() +
                                 ": connection closed by the server");
    if (got < 0 && errno != EINTR && errno != EAGAIN) {
      return Status::Unavailable("redis " + options_.endpoint.Address() + ": " + strerror(errno));
    }
    // A message someone published to the channel: ignore it.
  }
  return Status::Aborted("wait until gone: cancelled");
}

Status RedisAdapter::Start(Instant deadline) {
  std::lock_guard lock(mu_);
  if (Run({"PING"}, deadline).has_value()) return Status::Ok();
  if (options_.server_config.empty()) {
    return Status::FailedPrecondition("redis " + options_.endpoint.Address() +
                                      " is not running and adapter.server_config is not set");
  }
  const std::string port = std::to_string(options_.endpoint.port);
  std::vector<std::string> args = {options_.server_binary, options_.server_config, "--port", port};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);  // outlives a signal to the agent's group
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // None of the agent's descriptors: a server holding its listening sockets
  // would keep a restarted agent from binding them.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0].c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::IOError("spawn " + args[0] + ": " + strerror(rc));
  server_pid_ = pid;
  while (SteadyNow() < deadline) {
    int wstatus = 0;
    if (waitpid(pid, &wstatus, WNOHANG) == pid) {
      server_pid_ = -1;
      return Status::FailedPrecondition(args[0] + " " + options_.server_config +
                                        " exited at start (status " + std::to_string(wstatus) +
                                        ")");
    }
    if (Run({"PING"}, deadline).has_value()) return Status::Ok();
    usleep(20'000);
  }
  return Status::Timeout("redis " + options_.endpoint.Address() + ": not answering after start");
}

Status RedisAdapter::Stop(Instant deadline) {
  std::lock_guard lock(mu_);
  conn_.reset();
  bool refused = false;
  Result<std::unique_ptr<RedisConnection>> conn =
      RedisConnection::Open(options_.endpoint, deadline, &refused);
  if (!conn.has_value()) return refused ? Status::Ok() : conn.error();
  // SHUTDOWN answers by closing the connection; an error reply means it refused.
  Result<RedisReply> shutdown = (*conn)->Run({"SHUTDOWN"}, deadline);
  if (!shutdown.has_value() && shutdown.error().code() == StatusCode::kFailedPrecondition)
    return shutdown.error();
  while (SteadyNow() < deadline) {
    if (server_pid_ > 0 && waitpid(server_pid_, nullptr, WNOHANG) == server_pid_) server_pid_ = -1;
    if (!RedisConnection::Open(options_.endpoint, deadline, &refused).has_value() && refused) {
      return Status::Ok();
    }
    usleep(20'000);
  }
  return Status::Timeout("redis " + options_.endpoint.Address() + ": still up after SHUTDOWN");
}

Result<std::unique_ptr<Adapter>> MakeRedisAdapter(const AdapterConfig& config,
                                                  const std::string& member_address,
                                                  const failover::GroupConfig& group) {
  Result<RedisAdapterOptions> options = ParseRedisAdapterConfig(config, member_address, group);
  if (!options.has_value()) return options.error();
  return std::unique_ptr<Adapter>(std::make_unique<RedisAdapter>(std::move(*options)));
}

}  // namespace baton::adapters
