// Timeline: the record of one failover or switchover of one group: why it
// started, when each step happened, which positions bound the data lost,
// every event it produced, and how it ended. The coordinator fills one in as
// it goes and hands it out closed (Ready.timelines) for the store's history,
// `baton history` and metrics. Plain value; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "detect/event.h"
#include "failover/schema.h"

namespace baton::failover {

struct Timeline {
  std::string group;
  // "lease-released", "lease-expired", "odown", "manual", "switchover", "no-primary".
  std::string cause;
  Epoch from_epoch = 0;
  Epoch to_epoch = 0;  // 0 until the promotion is written
  std::string old_primary;
  std::string new_primary;
  bool forced = false;

  std::optional<Instant> detected;   // first evidence (lease end, first down observation, request)
  std::optional<Instant> confirmed;  // the coordinator decided to act
  std::optional<Instant> fenced;     // the old primary was known not to write
  std::optional<Instant> promoted;   // the new primary reported itself primary at to_epoch
  std::optional<Instant> repointed;  // the replicas follow it (or reconfigure timed out)
  std::optional<Instant> routed;     // routers switched (reported by the route layer)

  Position old_primary_position = 0;  // its last reported position
  Position old_primary_acked = 0;     // its last acknowledged-write position
  Position new_primary_position = 0;  // the candidate's position when chosen
  // Acknowledged writes lost, as the ranking knew them (non-zero only if
  // forced); nullopt when it cannot know: async, where every write is
  // acknowledged and what the old primary took past the fork is measured only
  // when it rejoins (its divergence record).
  std::optional<uint64_t> acked_loss_bytes;
  uint64_t loss_bound_bytes = 0;  // at most this many bytes of writes lost

  std::vector<detect::Event> events;  // every event of this timeline, in order
  std::string outcome;                // "+switch-primary" or the abort event name
  std::optional<Instant> closed;

  // promoted - detected, when both are known.
  std::optional<Duration> TimeToRecover() const;
  // One line: cause, primaries, epochs, step offsets from `detected`, losses, outcome.
  std::string ToString() const;
};

}  // namespace baton::failover
