#include "sim/linearizability.h"

#include <algorithm>
#include <map>
#include <unordered_set>
#include <vector>

namespace baton::sim {

const char* LinearizabilityVerdictName(LinearizabilityVerdict verdict) {
  switch (verdict) {
    case LinearizabilityVerdict::kLinearizable:
      return "linearizable";
    case LinearizabilityVerdict::kViolation:
      return "violation";
    case LinearizabilityVerdict::kUnknown:
      return "unknown";
  }
  return "?";
}

namespace {

// The search over one key's operations, sorted by invocation time.
class KeySearch {
 public:
  KeySearch(std::vector<const HistoryOp*> ops, size_t max_states)
      : ops_(std::move(ops)), max_states_(max_states), done_(ops_.size(), false) {
    for (const HistoryOp* op : ops_) {
      if (!op->indeterminate) ++remaining_determinate_;
    }
  }

  LinearizabilityVerdict Run() {
    if (Search(std::string())) return LinearizabilityVerdict::kLinearizable;
    return bound_hit_ ? LinearizabilityVerdict::kUnknown : LinearizabilityVerdict::kViolation;
  }

 private:
  // True when the remaining operations can be linearized from `value`.
  bool Search(const std::string& value) {
    if (remaining_determinate_ == 0) return true;
    if (!memo_.insert(MemoKey(value)).second) return false;
    if (memo_.size() > max_states_) {
      bound_hit_ = true;
      return false;
    }
    // Only an operation invoked before every pending completion can go next.
    Instant first_completion = Instant::FromNanos(INT64_MAX);
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (!done_[i] && !ops_[i]->indeterminate) {
        first_completion = std::min(first_completion, ops_[i]->complete);
      }
    }
    for (size_t i = 0; i < ops_.size() && ops_[i]->invoke <= first_completion; ++i) {
      if (done_[i]) continue;
      const HistoryOp& op = *ops_[i];
      std::string next = value;
      if (op.kind == KvOpKind::kGet) {
        if (op.output != value) continue;
      } else if (op.kind == KvOpKind::kPut) {
        next = op.value;
      } else {
        next += op.value;
      }
      Mark(i, true);
      const bool found = Search(next);
      Mark(i, false);
      if (found) return true;
      if (bound_hit_) return false;
    }
    return false;
  }

  void Mark(size_t i, bool done) {
    done_[i] = done;
    if (!ops_[i]->indeterminate) remaining_determinate_ += done ? -1 : 1;
  }

  std::string MemoKey(const std::string& value) const {
    std::string key(done_.size() / 8 + 1, '\0');
    for (size_t i = 0; i < done_.size(); ++i) {
      if (done_[i]) key[i / 8] = static_cast<char>(key[i / 8] | (1 << (i % 8)));
    }
    return key + value;
  }

  std::vector<const HistoryOp*> ops_;
  size_t max_states_;
  std::vector<bool> done_;
  int64_t remaining_determinate_ = 0;
  std::unordered_set<std::string> memo_;
  bool bound_hit_ = false;
};

}  // namespace

LinearizabilityResult CheckLinearizable(const History& history, size_t max_states) {
  std::map<std::string, std::vector<const HistoryOp*>> by_key;
  std::map<std::string, std::vector<const std::string*>> reads_by_key;
  for (const HistoryOp& op : history) {
    if (op.kind == KvOpKind::kGet && !op.indeterminate) reads_by_key[op.key].push_back(&op.output);
  }
  auto observed = [&](const HistoryOp& op) {
    for (const std::string* output : reads_by_key[op.key]) {
      if (output->find(op.value) != std::string::npos) return true;
    }
    return false;
  };
  for (const HistoryOp& op : history) {
    if (op.indeterminate && (op.kind == KvOpKind::kGet || !observed(op))) continue;
    by_key[op.key].push_back(&op);
  }
  LinearizabilityResult result;
  for (auto& [key, ops] : by_key) {
    std::stable_sort(ops.begin(), ops.end(),
                     [](const HistoryOp* a, const HistoryOp* b) { return a->invoke < b->invoke; });
    const size_t count = ops.size();
    const LinearizabilityVerdict verdict = KeySearch(std::move(ops), max_states).Run();
    if (verdict == LinearizabilityVerdict::kLinearizable) continue;
    result.verdict = verdict;
    result.detail = "key '" + key + "' (" + std::to_string(count) + " ops): " +
                    (verdict == LinearizabilityVerdict::kViolation
                         ? "no linearization exists"
                         : "search bound of " + std::to_string(max_states) + " states hit");
    if (verdict == LinearizabilityVerdict::kViolation) return result;
  }
  return result;
}

}  // namespace baton::sim
