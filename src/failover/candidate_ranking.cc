#include "failover/candidate_ranking.h"

#include <algorithm>
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

bool Better(const Eligible& a, const Eligible& b) {
  return std::make_tuple(a.config->standby, -static_cast<int64_t>(a.record->position),
                         -a.config->priority, a.config->name) <
         std::make_tuple(b.config->standby, -static_cast<int64_t>(b.record->position),
                         -b.config->priority, b.config->name);
}

uint64_t Shortfall(Position needed, Position have) { return needed > have ? needed - have : 0; }

bool SyncMode(const GroupConfig& c) { return c.replication != Replication::kAsync; }

// Bytes the candidate misses beyond what the data rule allows (0 = allowed).
uint64_t RuleShortfall(const GroupConfig& c, const RankInput& in, Position p) {
  if (SyncMode(c)) return Shortfall(in.primary_acked, p);
  const uint64_t lag = Shortfall(in.primary_position, p);
  return lag > c.max_lag_bytes ? lag : 0;
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

  Ranking result;
  if (eligible.empty()) {
    result.reason = "no healthy candidate with priority > 0";
  } else if (auto it = std::find_if(eligible.begin(), eligible.end(),
                                    [&](const Eligible& e) {
                                      return RuleShortfall(config, input, e.record->position) == 0;
                                    });
             it != eligible.end()) {
    result = Choose(config, input, *it);
  } else if (input.force) {
    result = Choose(config, input, eligible.front());
  } else {
    result.verdict = RankVerdict::kWouldLoseData;
    const uint64_t bytes = RuleShortfall(config, input, eligible.front().record->position);
    result.reason = "best candidate " + eligible.front().config->name + " would lose " +
                    std::to_string(bytes) +
                    (SyncMode(config) ? " acknowledged bytes" : " bytes (over max_lag_bytes)");
  }
  result.order = std::move(order);
  return result;
}

}  // namespace baton::failover
