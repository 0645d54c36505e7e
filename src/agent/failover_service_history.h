// Failover timelines in the store: /baton/groups/<g>/history/<epoch>-<ms>
// holds one closed Timeline as JSON, written by the coordinator. Step times
// are milliseconds after `detected` (the coordinator's monotonic clock means
// nothing on another node); `closed_at_unix_ms` dates the record. Pure
// functions; thread-safe.
#pragma once

#include <string>

#include "failover/timeline.h"

namespace baton::agent {

// Zero-padded epoch (to_epoch, or from_epoch for an aborted one) then the
// wall-clock milliseconds, so keys sort by epoch, then time.
std::string HistoryKey(const failover::Timeline& timeline);
// {"group","cause","from_epoch","to_epoch","old_primary","new_primary","forced",
//  "steps_ms":{"detected":0,"confirmed":..,...},"old_primary_position",
//  "old_primary_acked","new_primary_position","acked_loss_bytes","loss_bound_bytes",
//  "outcome","events":[".."],"closed_at_unix_ms"}
std::string TimelineJson(const failover::Timeline& timeline);

}  // namespace baton::agent
