// WatchHub: fans the store's changes out to watchers, as output values. A
// watcher is (id, key prefix, start revision). After each Apply the driver
// passes the ApplyResult's events to OnApplied and performs the returned
// WatchOutput: send each batch to its watcher, tell each cancelled watcher
// why. Nothing here calls back into I/O.
//
// Delivery: every watcher receives each matching event exactly once, in
// revision order, from its start revision on, with no gaps, until it is
// cancelled.
//
// Slow watchers: events handed out count as pending until the driver
// Acknowledge()s them (its client consumed them). A batch that would lift a
// watcher's pending count above `max_pending_events` is not sent; instead the
// watcher is cancelled with a reason and the revision to resume from (that
// batch's revision): the client re-watches from there, or, if that revision
// has been compacted, re-reads the keys and watches from the current one.
// Memory per watcher is therefore bounded.
//
// Pure and deterministic (watchers are served in id order); not thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/kv.h"
#include "store/state_machine.h"

namespace baton::store {

using WatcherId = uint64_t;

struct WatchBatch {
  WatcherId watcher = 0;
  std::vector<Event> events;  // oldest first
};

struct WatchCancel {
  WatcherId watcher = 0;
  Status reason;
  Revision resume_revision = 0;  // the first revision the watcher did not receive
};

struct WatchOutput {
  std::vector<WatchBatch> batches;     // in watcher id order
  std::vector<WatchCancel> cancelled;  // in watcher id order
};

class WatchHub {
 public:
  explicit WatchHub(size_t max_pending_events = 1024);

  // Registers watcher `id` for keys under `prefix`, from `start_revision`
  // (0: from the next change). Returns the backlog: the matching events from
  // `state`'s history since start_revision, which count as pending.
  // Errors: AlreadyExists (id in use), CompactedError (start_revision below
  // state's compaction point), Aborted (the backlog alone exceeds the bound;
  // re-read the keys and watch from the current revision).
  Result<std::vector<Event>> Watch(WatcherId id, std::string prefix, Revision start_revision,
                                   const StateMachine& state);

  // The events one Apply produced (ApplyResult::events), fanned out.
  WatchOutput OnApplied(const std::vector<Event>& events);

  // The driver delivered `count` of watcher `id`'s events; they stop counting
  // as pending. Unknown ids are ignored (the watcher may have been cancelled).
  void Acknowledge(WatcherId id, size_t count);

  // Removes watcher `id`; false if it was not registered.
  bool Cancel(WatcherId id);

  bool contains(WatcherId id) const { return watchers_.contains(id); }
  size_t pending(WatcherId id) const;
  size_t size() const { return watchers_.size(); }

 private:
  struct Watcher {
    std::string prefix;
    Revision next_revision = 0;  // events below this were sent (or skipped by start)
    size_t pending = 0;
  };

  size_t max_pending_events_;
  std::map<WatcherId, Watcher> watchers_;
};

}  // namespace baton::store
