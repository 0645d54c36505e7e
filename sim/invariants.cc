#include "sim/invariants.h"

#include <functional>

namespace baton::sim {

namespace {
size_t Hash(const std::string& data) { return std::hash<std::string>()(data); }
std::string At(raft::Index index, raft::Term term) {
  return "(index " + std::to_string(index) + ", term " + std::to_string(term) + ")";
}
}  // namespace

void SafetyChecker::Fail(std::string what) {
  if (!violation_) violation_ = std::move(what);
}

void SafetyChecker::OnLeader(raft::NodeId node, raft::Term term, raft::Index first_index,
                             const std::vector<raft::Entry>& log) {
  auto [it, inserted] = leaders_.emplace(term, node);
  if (!inserted && it->second != node) {
    Fail("election safety: nodes " + std::to_string(it->second) + " and " + std::to_string(node) +
         " both leader in term " + std::to_string(term));
    return;
  }
  if (!inserted) return;
  for (raft::Index index = first_index; index <= committed_.size(); ++index) {
    const EntryDigest& want = committed_[index - 1];
    const size_t offset = index - first_index;
    if (offset >= log.size() || log[offset].term != want.term ||
        Hash(log[offset].data) != want.data_hash) {
      Fail("leader completeness: node " + std::to_string(node) + " leads term " +
           std::to_string(term) + " without committed entry " + At(index, want.term));
      return;
    }
  }
}

void SafetyChecker::OnAppend(raft::NodeId node, raft::Term prev_term,
                             const std::vector<raft::Entry>& entries) {
  for (const raft::Entry& entry : entries) {
    const LinkDigest link{prev_term, Hash(entry.data)};
    auto [it, inserted] = written_.emplace(std::make_pair(entry.index, entry.term), link);
    if (!inserted &&
        (it->second.prev_term != link.prev_term || it->second.data_hash != link.data_hash)) {
      Fail("log matching: node " + std::to_string(node) + " wrote " + At(entry.index, entry.term) +
           " with a different entry or prefix than another log");
      return;
    }
    prev_term = entry.term;
  }
}

void SafetyChecker::OnApply(raft::NodeId node, const raft::Entry& entry) {
  const EntryDigest digest{entry.term, Hash(entry.data)};
  if (entry.index <= committed_.size()) {
    if (!(committed_[entry.index - 1] == digest)) {
      Fail("state machine safety: node " + std::to_string(node) + " applied " +
           At(entry.index, entry.term) + " where another node applied term " +
           std::to_string(committed_[entry.index - 1].term));
    }
    return;
  }
  if (entry.index != committed_.size() + 1) {
    Fail("state machine safety: node " + std::to_string(node) + " applied index " +
         std::to_string(entry.index) + " before anyone applied index " +
         std::to_string(committed_.size() + 1));
    return;
  }
  committed_.push_back(digest);
}

void SafetyChecker::OnSnapshot(raft::NodeId node, raft::Index index, const std::string& data) {
  auto [it, inserted] = snapshots_.emplace(index, Hash(data));
  if (!inserted && it->second != Hash(data)) {
    Fail("state machine safety: node " + std::to_string(node) +
         " has a different state machine snapshot at index " + std::to_string(index));
  }
}

void SafetyChecker::OnCommit(raft::NodeId node, raft::Index commit) {
  raft::Index& last = commit_[node];
  if (commit < last) {
    Fail("commit regressed on node " + std::to_string(node) + ": " + std::to_string(last) + " -> " +
         std::to_string(commit));
  }
  last = std::max(last, commit);
}

void SafetyChecker::OnRestart(raft::NodeId node) { commit_.erase(node); }

void SafetyChecker::OnPersistedCommit(raft::NodeId node, raft::Index commit) {
  raft::Index& last = persisted_commit_[node];
  if (commit < last) {
    Fail("persisted commit regressed on node " + std::to_string(node) + ": " +
         std::to_string(last) + " -> " + std::to_string(commit));
  }
  last = std::max(last, commit);
}

}  // namespace baton::sim
