// Failover timelines in the store: /baton/groups/<g>/history/<epoch>-<ms>
// holds one closed Timeline as JSON, written by the coordinator. Step times
// are milliseconds after `detected` (the coordinator's monotonic clock means
// nothing on another node); `closed_at_unix_ms` dates the record. Pure
// functions; thread-safe.
#pragma once

#include <string>

#include "adapters/adapter.h"
#include "core/result.h"
#include "failover/coordinator.h"
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

// A former primary's divergence, measured before it followed the primary of
// `epoch` (failback), kept next to that epoch's timeline:
// history/<epoch>-<ms>-divergence-<member>.
std::string DivergenceKey(const std::string& group, failover::Epoch epoch,
                          const std::string& member);
// {"group","epoch","member","new_primary","divergence":{"fork_position",
//  "lost_bytes","saved_copy"} | null,"error":"..." (when not measured),
//  "closed_at_unix_ms"}
std::string DivergenceJson(const std::string& group, failover::Epoch epoch,
                           const std::string& member, const std::string& new_primary,
                           const Result<adapters::Divergence>& divergence);

// An active-active serving set the coordinator published:
// history/<serving epoch>-<ms>-serving.
std::string ServingHistoryKey(const failover::ServingChange& change);
// {"group","serving_epoch","members":[..],"joined":[..],"left":[..],
//  "publish_ms" (from the coordinator seeing the change to the store taking
//  it),"closed_at_unix_ms"}
std::string ServingChangeJson(const failover::ServingChange& change);

}  // namespace baton::agent
