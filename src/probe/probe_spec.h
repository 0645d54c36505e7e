// ProbeSpec: what one health probe checks, as plain values (one struct per
// probe kind), and ProbeOutcome: what it found. A spec is built from the
// member's `checks:` configuration (docs/configuration.md, "Health checks");
// the timeout is not part of the spec, it comes from detect::CheckConfig.
// Plain value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "detect/check_state.h"

namespace baton::probe {

// Passes when a TCP connection to host:port is established in time.
struct TcpSpec {
  std::string host{};
  uint16_t port = 0;
};

// An inclusive range of HTTP status codes.
struct StatusRange {
  int lo = 200;
  int hi = 399;
};

// GET `path`; passes when the status is in one of `expected_status` and,
// when `body_contains` is set, the body (first 64 KiB) contains it. The
// request is HTTP/1.0 with `Connection: close`, so no chunked decoding.
struct HttpSpec {
  std::string host{};
  uint16_t port = 0;
  std::string path = "/";
  std::vector<StatusRange> expected_status = {StatusRange{}};
  std::string body_contains{};
};

// Runs `command` (argv[0] looked up on PATH when it has no '/'); exit 0
// passes. With `shell`, `command` must hold exactly one string, run as
// `/bin/sh -c <string>`. The process gets its own process group, which is
// killed (SIGKILL) when the probe ends, on timeout or after the exit.
struct ExecSpec {
  std::vector<std::string> command{};
  bool shell = false;
  // Bytes kept of stdout and of stderr, each; the rest is read and dropped.
  size_t output_limit_bytes = 4096;
};

// PING must answer PONG; ROLE gives the role and replication offset.
struct RedisSpec {
  std::string host{};
  uint16_t port = 6379;
  std::string password{};  // AUTH <password> first when not empty
};

// Connects, then `SELECT pg_is_in_recovery()` and the current WAL position
// (pg_current_wal_lsn() on a primary, pg_last_wal_replay_lsn() on a replica).
// The statement timeout is the probe's remaining time.
struct PostgresSpec {
  std::string host{};
  uint16_t port = 5432;
  std::string user = "postgres";
  std::string dbname = "postgres";
  std::string password{};  // empty: none (trust, peer or a .pgpass file)
};

using ProbeSpec = std::variant<TcpSpec, HttpSpec, ExecSpec, RedisSpec, PostgresSpec>;

// "tcp", "http", "exec", "redis" or "postgres".
std::string_view KindName(const ProbeSpec& spec);
// "tcp 127.0.0.1:80", "exec /usr/bin/true", ...: for logs.
std::string Describe(const ProbeSpec& spec);
// OK, or InvalidArgument naming what is wrong (empty host, port 0, empty
// command, a shell command that is not one string, an empty status range...).
Status Validate(const ProbeSpec& spec);

enum class Role { kUnknown, kPrimary, kReplica };
std::string_view RoleName(Role role);

struct ProbeOutcome {
  // What detect::CheckState judges: ok, latency (start to end of the probe)
  // and output (the probe's output on success, "<step>: <error>" otherwise,
  // e.g. "resolve: ...", "connect: ...", "exec: no such file: ...").
  detect::ProbeResult result;

  // redis and postgres: the role the server reports.
  Role role = Role::kUnknown;
  // redis: the replication offset (master_repl_offset, or the replica's
  // processed offset); postgres: the LSN as a 64-bit byte position.
  std::optional<uint64_t> position{};
  // postgres: the LSN as the server prints it ("0/16B3748").
  std::string position_text{};

  // http: the response status, when one was read.
  std::optional<int> http_status{};

  // exec: the exit code (nullopt when killed by a signal or not started),
  // and the first output_limit_bytes of stdout and of stderr.
  std::optional<int> exit_code{};
  std::string stdout_text{};
  std::string stderr_text{};
};

}  // namespace baton::probe
