// CandidateRanking: which member should become primary, as a pure function of
// the group config and the members' reported records (Sentinel's
// sentinelSelectSlave, made data-aware).
//
// Eligible: a configured member other than the old primary, not excluded (a
// candidate that already failed to promote), with priority > 0, healthy (a
// cold standby: healthy or reported kStopped by its live agent).
// Order: hot before warm before cold; then the latest history (the highest
// last_write_epoch: a longer log of an older, forked history loses to the
// history the later primaries wrote); then the highest position; then the
// highest priority; then the name (deterministic tie-break).
// Data rule: in sync and semi-sync modes only a member holding every
// acknowledged write may be chosen: in the recorded synchronous-standby set
// when there is one (schema.h SyncRecord), and at position >= the old
// primary's acked_position; in async mode a member may lag the old primary's last
// known position by at most max_lag_bytes. When no eligible member satisfies
// the rule the verdict says how much would be lost; a forced request then
// takes the best eligible member anyway and reports the loss. In sync modes,
// when nobody else qualifies, the old primary itself is the last resort
// (old_primary_fallback): alive, it holds every write it acknowledged.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failover/group_config.h"
#include "failover/schema.h"

namespace baton::failover {

enum class RankVerdict {
  kChosen,         // `chosen` satisfies the data rule (or was forced)
  kNoCandidate,    // nobody is eligible
  kWouldLoseData,  // eligible members exist but each would lose data
};

struct RankInput {
  std::string old_primary;             // excluded; its record gives the positions below
  Position primary_position = 0;       // the old primary's last reported position
  Position primary_acked = 0;          // the old primary's last acknowledged-write position
  std::set<std::string> exclude = {};  // candidates already tried
  std::string only = {};               // non-empty: consider this member only (switchover)
  bool force = false;                  // choose the best eligible member even if it loses data
  // Sync modes: the members known to hold every acknowledged write - the
  // recorded synchronous standbys and the primary that recorded them
  // (nullopt: no record yet, so nothing was acknowledged under a set).
  std::optional<std::set<std::string>> sync_set = std::nullopt;
  // Sync modes: when no other member qualifies, choose the old primary if it
  // is alive (its lease ended; it holds every write it acknowledged).
  bool old_primary_fallback = false;
};

struct Ranking {
  RankVerdict verdict = RankVerdict::kNoCandidate;
  std::string chosen;              // set with kChosen
  Position chosen_position = 0;    // its reported position
  uint64_t acked_loss_bytes = 0;   // acknowledged writes the choice loses (sync modes)
  uint64_t loss_bound_bytes = 0;   // primary_position - chosen_position, at least 0
  std::vector<std::string> order;  // every eligible member, best first
  std::string reason;              // for kNoCandidate / kWouldLoseData: why, for humans
};

using MemberRecords = std::map<std::string, MemberRecord>;

Ranking RankCandidates(const GroupConfig& config, const MemberRecords& records,
                       const RankInput& input);

}  // namespace baton::failover
