#include "sim/failover_service.h"

#include <algorithm>

namespace baton::sim {
namespace {

using failover::CommandKind;
using failover::Replication;

std::string Ms(Instant at) { return std::to_string(at.nanos() / 1000000) + "ms"; }

}  // namespace

SimService::SimService(const failover::GroupConfig& config) : config_(config) {
  for (const failover::MemberConfig& m : config_.members) members_[m.name].name = m.name;
}

Status SimService::Execute(const failover::AdapterCommand& c, Instant now) {
  ServiceMember& m = members_.at(c.member);
  const bool off = c.kind == CommandKind::kFence || c.kind == CommandKind::kDemote;
  if (!m.up && !off) return Status::Unavailable("member down");
  switch (c.kind) {
    case CommandKind::kPromote:
      Promote(m, c.epoch, now);
      break;
    case CommandKind::kResumeWrites:
      m.writable = true;
      break;
    case CommandKind::kDemote:
    case CommandKind::kFence:
    case CommandKind::kPauseWrites:
      m.writable = false;
      break;
    case CommandKind::kFollow:
      m.writable = false;
      m.following = c.primary;
      break;
    case CommandKind::kStartCold:
      break;
  }
  return Status();
}

void SimService::Promote(ServiceMember& m, failover::Epoch epoch, Instant now) {
  if (!promoted_.empty() && epoch < promoted_.rbegin()->first) {
    Violation(m.name + " promoted at epoch " + std::to_string(epoch) + " after epoch " +
                  std::to_string(promoted_.rbegin()->first),
              now);
  }
  auto [it, fresh] = promoted_.emplace(epoch, m.name);
  if (!fresh && it->second != m.name) {
    Violation("two members promoted in epoch " + std::to_string(epoch) + ": " + it->second +
                  " and " + m.name,
              now);
  }
  CheckOneWriter(m, epoch, now);
  for (const auto& [index, id] : acked_) {
    if (index >= m.log.size() || m.log[index] != id) {
      Violation(m.name + " promoted at epoch " + std::to_string(epoch) +
                    " without acknowledged write " + std::to_string(id) + " (position " +
                    std::to_string(index + 1) + ", it holds " + std::to_string(m.log.size()) + ")",
                now);
      break;
    }
  }
  m.writable = true;
  m.epoch = epoch;
  m.following.clear();
  m.matched.clear();
  m.acked = m.log.size();  // what it holds now is what later acks build on
}

// The process stops; its role is persisted: it comes back taking writes
// unless it was fenced or demoted meanwhile.
void SimService::Crash(const std::string& member) { members_.at(member).up = false; }

void SimService::Restart(const std::string& member, bool keep_role, Instant now) {
  ServiceMember& m = members_.at(member);
  m.up = true;
  if (!keep_role) m.writable = false;
  if (m.writable) CheckOneWriter(m, m.epoch, now);
}

void SimService::CheckOneWriter(const ServiceMember& m, failover::Epoch epoch, Instant now) {
  for (const auto& [name, other] : members_) {
    if (name != m.name && other.up && other.writable) {
      Violation("two members take writes at " + Ms(now) + ": " + other.name + " (epoch " +
                    std::to_string(other.epoch) + ") and " + m.name + " (epoch " +
                    std::to_string(epoch) + ")",
                now);
    }
  }
}

void SimService::Fence(const std::string& member) { members_.at(member).writable = false; }

void SimService::ClientWrite(Instant now) {
  bool any = false;
  for (auto& [name, m] : members_) {
    if (!m.up || !m.writable) continue;
    auto [it, fresh] = epoch_writer_.emplace(m.epoch, name);
    if (!fresh && it->second != name) {
      Violation("two members took writes in epoch " + std::to_string(m.epoch) + ": " + it->second +
                    " and " + name,
                now);
    }
    m.log.push_back(next_write_);
    write_epoch_.emplace(next_write_, m.epoch);
    any = true;
    if (config_.replication == Replication::kAsync) m.acked = m.log.size();
  }
  if (any) ++next_write_;
}

void SimService::Pull(const std::string& replica, Instant) {
  ServiceMember& r = members_.at(replica);
  auto it = members_.find(r.following);
  if (!r.up || r.writable || it == members_.end() || !it->second.up) return;
  ServiceMember& p = it->second;
  // The longest common prefix: logs are histories of unique ids, so equal
  // entries at an index mean equal prefixes up to it.
  size_t common = std::min(r.log.size(), p.log.size());
  while (common > 0 && r.log[common - 1] != p.log[common - 1]) --common;
  r.log.resize(common);  // rewind what the primary never had
  r.log.insert(r.log.end(), p.log.begin() + static_cast<std::ptrdiff_t>(common), p.log.end());
  p.matched[replica] = r.log.size();
  UpdateAcks(p);
}

void SimService::SetSyncStandbys(const failover::SyncRecord& record) {
  sync_ = record;
  auto it = members_.find(record.primary);
  if (it != members_.end()) UpdateAcks(it->second);
}

failover::Epoch SimService::LastWriteEpoch(const std::string& member) const {
  const ServiceMember& m = members_.at(member);
  return m.log.empty() ? 0 : write_epoch_.at(m.log.back());
}

// Every recorded synchronous standby holds the write, and there are as many
// as the mode needs (sync: every other member; semi-sync: sync_acks). Only a
// member still taking writes answers its clients.
void SimService::UpdateAcks(ServiceMember& p) {
  if (config_.replication == Replication::kAsync || !p.up || !p.writable) return;
  if (sync_.primary != p.name || sync_.epoch != p.epoch) return;
  const size_t need = config_.replication == Replication::kSync
                          ? members_.size() - 1
                          : static_cast<size_t>(config_.sync_acks);
  if (sync_.members.size() < need || need == 0) return;
  size_t acked = p.log.size();
  for (const std::string& standby : sync_.members) {
    auto it = p.matched.find(standby);
    acked = std::min(acked, it == p.matched.end() ? 0 : it->second);
  }
  for (size_t i = p.acked; i < acked; ++i) acked_.emplace_back(i, p.log[i]);
  p.acked = std::max(p.acked, acked);
}

std::vector<std::string> SimService::Writers() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : members_) {
    if (m.up && m.writable) out.push_back(name);
  }
  return out;
}

void SimService::Violation(std::string what, Instant) {
  if (!violation_) violation_ = std::move(what);
}

}  // namespace baton::sim
