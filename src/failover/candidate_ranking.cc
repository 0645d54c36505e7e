#include "failover/candidate_ranking.h"

#include <algorithm>
#include <optional>
#include <tuple>

namespace baton::failover {
namespace {

struct Eligible {
  const MemberConfig* config;
  const MemberRecord* record;
};

bool Alive(const MemberConfig& m, const MemberRecord& r) {
  if (r.health == detect::Health::kHealthy) return true;
  return m.standby == StandbyKind::kCold && r.role == MemberRole::kStopped;
}

bool IsEligible(const MemberConfig& m, const MemberRecords& records, const RankInput& in) {
  if (m.name == in.old_primary || in.exclude.contains(m.name)) return false;
  if (!in.only.empty() && m.name != in.only) return false;
  if (m.priority == 0) return false;
  auto it = records.find(m.name);
  return it != records.end() && Alive(m, it->second);
}

auto Key(const Eligible& e) {
  return std::make_tuple(e.config->standby, -static_cast<int64_t>(e.record->last_write_epoch),
                         -static_cast<int64_t>(e.record->position), -e.config->priority,
                         e.config->name);
}

bool Better(const Eligible& a, const Eligible& b) { return Key(a) < Key(b); }

uint64_t Shortfall(Position needed, Position have) { return needed > have ? needed - have : 0; }

bool SyncMode(const GroupConfig& c) { return c.replication != Replication::kAsync; }

bool OutsideSyncSet(const GroupConfig& c, const RankInput& in, const std::string& member) {
  return SyncMode(c) && in.sync_set && !in.sync_set->contains(member);
}

// Bytes the candidate misses beyond what the data rule allows (0 = allowed).
uint64_t RuleShortfall(const GroupConfig& c, const RankInput& in, Position p) {
  if (SyncMode(c)) return Shortfall(in.primary_acked, p);
  const uint64_t lag = Shortfall(in.primary_position, p);
  return lag > c.max_lag_bytes ? lag : 0;
}

bool Qualifies(const GroupConfig& c, const RankInput& in, const Eligible& e) {
  return !OutsideSyncSet(c, in, e.config->name) && RuleShortfall(c, in, e.record->position) == 0;
}

std::string Unqualified(const GroupConfig& c, const RankInput& in, const Eligible& best) {
  const std::string& name = best.config->name;
  if (OutsideSyncSet(c, in, name)) {
    std::string set;
    for (const std::string& m : *in.sync_set) set += (set.empty() ? "" : ",") + m;
    return "best candidate " + name + " is not a synchronous standby (set {" + set +
           "}): it may miss acknowledged writes";
  }
  return "best candidate " + name + " would lose " +
         std::to_string(RuleShortfall(c, in, best.record->position)) +
         (SyncMode(c) ? " acknowledged bytes" : " bytes (over max_lag_bytes)");
}

Ranking Choose(const GroupConfig& c, const RankInput& in, const Eligible& e) {
  Ranking r;
  r.verdict = RankVerdict::kChosen;
  r.chosen = e.config->name;
  r.chosen_position = e.record->position;
  r.acked_loss_bytes = SyncMode(c) ? Shortfall(in.primary_acked, e.record->position) : 0;
  r.loss_bound_bytes = Shortfall(in.primary_position, e.record->position);
  return r;
}

// Sync modes: the old primary, alive and not ruled out, holds every write it
// acknowledged.
std::optional<Eligible> OldPrimaryFallback(const GroupConfig& c, const MemberRecords& records,
                                           const RankInput& in) {
  const MemberConfig* old = c.FindMember(in.old_primary);
  auto it = records.find(in.old_primary);
  if (!in.old_primary_fallback || !SyncMode(c) || !old || old->priority == 0 ||
      in.exclude.contains(old->name) || !in.only.empty() || it == records.end() ||
      !Alive(*old, it->second)) {
    return std::nullopt;
  }
  return Eligible{old, &it->second};
}

}  // namespace

Ranking RankCandidates(const GroupConfig& config, const MemberRecords& records,
                       const RankInput& input) {
  std::vector<Eligible> eligible;
  for (const MemberConfig& m : config.members) {
    if (IsEligible(m, records, input)) eligible.push_back({&m, &records.at(m.name)});
  }
  std::sort(eligible.begin(), eligible.end(), Better);
  std::vector<std::string> order;
  for (const Eligible& e : eligible) order.push_back(e.config->name);

  const auto qualified = std::find_if(eligible.begin(), eligible.end(), [&](const Eligible& e) {
    return Qualifies(config, input, e);
  });
  const std::optional<Eligible> fallback = OldPrimaryFallback(config, records, input);
  Ranking result;
  if (qualified != eligible.end()) {
    result = Choose(config, input, *qualified);
  } else if (fallback) {
    result = Choose(config, input, *fallback);
  } else if (eligible.empty()) {
    result.reason = "no healthy candidate with priority > 0";
  } else if (input.force) {
    result = Choose(config, input, eligible.front());
  } else {
    result.verdict = RankVerdict::kWouldLoseData;
    result.reason = Unqualified(config, input, eligible.front());
  }
  result.order = std::move(order);
  return result;
}

}  // namespace baton::failover
