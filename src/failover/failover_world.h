// FailoverWorld (tests only): three agents, their members and one coordinator
// as pure objects around a real store StateMachine and LeaseKeeper, driven by
// a simulated clock. Each node's clock may run at its own rate (drift). The
// world performs every Ready at once: adapter commands succeed unless the
// member is down (a fence or demote of a dead member succeeds: it is off) or
// refuses promotion; lease work and reports go to the store unless the node
// is dead or partitioned from it. It records every command and event with
// the true time, and checks after every step that epochs never go backwards
// and that no two members may write at the same instant.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failover/coordinator.h"
#include "failover/member_agent.h"
#include "store/lease_keeper.h"
#include "store/state_machine.h"

namespace baton::failover::testing {

struct CommandLog {
  Instant at;  // true time
  std::string node;
  AdapterCommand command;
};

struct EventLog {
  Instant at;
  std::string source;  // node name, or "coordinator"
  detect::Event event;
};

class FailoverWorld {
 public:
  // The coordinator runs on `coordinator_node`, which also leads the store.
  FailoverWorld(const GroupConfig& config, std::string coordinator_node = "n3");

  // Advances true time in ticks of 100ms up to `now + d`.
  void Run(Duration d);
  // Runs until `pred` holds or `limit` passes; returns whether it held.
  template <typename Pred>
  bool RunUntil(Pred pred, Duration limit) {
    const Instant end = now_ + limit;
    while (!pred() && now_ < end) Run(kTick);
    return pred();
  }

  // Faults.
  void CrashMember(const std::string& member) { member_up_[member] = false; }
  void RestoreMember(const std::string& member) { member_up_[member] = true; }
  void KillNode(const std::string& node);  // agent and its members stop
  void Partition(const std::string& node) { partitioned_.insert(node); }
  void RefusePromotion(const std::string& member) { refuse_promote_.insert(member); }
  void SetClockRate(const std::string& node, double rate) { rate_[node] = rate; }
  void SetPosition(const std::string& member, Position p, Position acked = 0);

  Coordinator& coordinator() { return *coordinator_; }
  MemberAgent& agent(const std::string& node) { return *agents_.at(node); }
  Instant now() const { return now_; }
  Instant LocalTime(const std::string& node) const;
  std::optional<GroupRecord> Group() const;
  std::optional<MemberRecord> Member(const std::string& member) const;
  std::optional<ServingRecord> Serving() const;
  const std::vector<CommandLog>& commands() const { return commands_; }
  const std::vector<EventLog>& events() const { return events_; }
  const std::vector<Timeline>& timelines() const { return timelines_; }
  const std::vector<ServingChange>& serving_changes() const { return serving_changes_; }
  // The first event named `name` (from any source), if any.
  std::optional<EventLog> FirstEvent(const std::string& name) const;
  std::optional<CommandLog> FirstCommand(CommandKind kind, const std::string& member) const;
  // The primary and epoch once a failover has settled.
  std::string Primary() const { return Group() ? Group()->primary : ""; }

  static constexpr Duration kTick = Duration::Millis(100);

 private:
  void TickAll();
  void Pump();
  bool PumpAgent(const std::string& node);
  bool PumpCoordinator();
  void RunLease(const std::string& node, const LeaseWork& work);
  store::ApplyResult Apply(const store::Command& command);
  void Publish(const store::ApplyResult& result);
  void CheckInvariants();
  bool Reachable(const std::string& node) const {
    return !dead_.contains(node) && !partitioned_.contains(node);
  }

  const GroupConfig config_;
  const std::string coordinator_node_;
  Instant now_ = Instant::FromNanos(0);
  store::StateMachine sm_;
  store::LeaseKeeper keeper_;
  uint64_t index_ = 0;
  store::LeaseId next_lease_ = 1;
  std::map<std::string, store::LeaseId> store_lease_;  // member -> its primary lease
  std::map<std::string, std::unique_ptr<MemberAgent>> agents_;
  std::unique_ptr<Coordinator> coordinator_;
  std::map<std::string, double> rate_;
  std::map<std::string, bool> member_up_;
  std::map<std::string, std::pair<Position, Position>> positions_;
  std::set<std::string> dead_, partitioned_, refuse_promote_;
  std::vector<CommandLog> commands_;
  std::vector<EventLog> events_;
  std::vector<Timeline> timelines_;
  std::vector<ServingChange> serving_changes_;
  Epoch max_epoch_ = 0;
  bool two_writers_reported_ = false;
};

}  // namespace baton::failover::testing
