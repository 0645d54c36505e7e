// Adapter: how baton drives one member of a group — the service-specific
// half of failover. The agent's failover driver turns each
// failover::AdapterCommand into one call here; the Redis, PostgreSQL and exec
// adapters implement it.
//
// Contract for implementations:
//  - Every method blocks until done or until `deadline`, and is called on a
//    worker thread (never the agent's event loop). Calls for one member are
//    never concurrent, except WaitUntilGone, which runs on its own thread.
//  - Every command is idempotent for its epoch: the driver retries after a
//    timeout, so Promote(e) on a member already primary at e returns OK.
//  - Errors are Status values with a message an operator can act on
//    (Unavailable: the member does not answer; FailedPrecondition: it answers
//    but refuses; DeadlineExceeded: no answer by the deadline).
//  - Fence must succeed on a member that is down (a dead member writes
//    nothing); it is what runs before anyone else is promoted.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "core/status.h"
#include "core/time.h"
#include "failover/schema.h"

namespace baton::adapters {

// What a member says about itself (Observe).
struct MemberState {
  failover::MemberRole role = failover::MemberRole::kUnknown;
  // How far its data goes, comparable across the group's members (Redis:
  // master_repl_offset; PostgreSQL: LSN; exec: what `position` prints).
  failover::Position position = 0;
  // Replication history id (Redis replid, PostgreSQL timeline); empty when
  // the service has none. Positions compare only within one history.
  std::string history;
  // Sync / semi-sync primary: the position up to which enough replicas
  // acknowledged the writes (no member below it may be promoted); 0 otherwise.
  failover::Position acked_position = 0;
  std::string following;  // replica: the address it replicates from
  // Replica: whether its replication stream from `following` is flowing
  // (Redis: master_link_status up); nullopt when the adapter cannot tell.
  // A stopped stream counts as this node seeing the primary down (ODOWN).
  std::optional<bool> replicating;
  std::string detail;  // free text for status (e.g. "link down 3s")
  // The service's process on this host as "pid:start" (ProcessIdentity), so
  // a fence can kill it when it stops answering; "" when unknown.
  std::string process;
};

// What a former primary had that the new primary never got, measured before
// it is resynchronised (failback).
struct Divergence {
  failover::Position fork_position = 0;  // where the two histories part
  failover::Position lost_bytes = 0;     // its position past the fork
  std::string saved_copy;                // where its data was set aside ("" = nothing to keep)
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  // Lifecycle of a member baton runs itself (cold standby, supervision).
  virtual Status Start(Instant deadline) = 0;
  virtual Status Stop(Instant deadline) = 0;

  // Promote, Follow and Fence leave the member so that a restart brings it
  // back fenced or replicating, never as a writable primary (where the
  // service keeps its settings in a file).

  // Become the writable primary for `epoch`.
  virtual Status Promote(failover::Epoch epoch, Instant deadline) = 0;
  // Stop being primary in an orderly way (the group moved on at `epoch`).
  virtual Status Demote(failover::Epoch epoch, Instant deadline) = 0;
  // Refuse writes now, whatever else happens (self-fence or fencing before a
  // promotion elsewhere). OK on a member that is down. A local member that
  // does not answer in time is killed (a hung server that resumed would take
  // writes), where the adapter knows its process.
  virtual Status Fence(Instant deadline) = 0;
  // Replicate from the member at `primary_address` (host:port), primary of `epoch`.
  virtual Status Follow(const std::string& primary_address, failover::Epoch epoch,
                        Instant deadline) = 0;
  // Switchover: refuse new writes but keep shipping the ones taken; Resume undoes it.
  virtual Status PauseWrites(Instant deadline) = 0;
  virtual Status ResumeWrites(Instant deadline) = 0;

  // Role and position now.
  virtual Result<MemberState> Observe(Instant deadline) = 0;

  // Before a former primary follows `new_primary_address`: measure what it
  // has that the new primary lacks and set its data aside. Unimplemented when
  // the service cannot tell.
  virtual Result<Divergence> MeasureDivergence(const std::string& new_primary_address,
                                               Instant deadline) = 0;

  // Blocks until the member is seen gone (its process exits, or a connection
  // to it closes) and returns why, or returns Cancelled soon after `cancel`
  // becomes true. Lets a crash be acted on at once instead of at the next
  // probe. Unimplemented (at once) when the adapter cannot see this.
  virtual Status WaitUntilGone(const std::atomic<bool>& cancel) = 0;
};

// A member's `adapter:` settings from the config: kind plus its own keys,
// each with the config line it came from so an adapter can name it in errors.
struct AdapterSetting {
  std::string value;
  int line = 0;
};
struct AdapterConfig {
  std::string kind;  // "exec", "redis", "postgres"
  std::map<std::string, AdapterSetting> settings;
};

}  // namespace baton::adapters
