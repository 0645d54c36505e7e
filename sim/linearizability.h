// A linearizability checker for the simulator's key-value history.
//
// Wing & Gong's search with Lowe's memoization, made tractable by
// P-compositionality: each key is an independent register (put / append /
// get), so the history is split per key and each part is checked alone. The
// search is a depth-first walk over "which operations are linearized so far"
// plus the register value, memoized on that pair. An operation may be
// linearized next only if no pending completed operation finished before it
// was invoked. Indeterminate writes may be linearized at any point after their
// invocation or never; indeterminate reads carry no information and are
// ignored. Write values must be unique and never contain one another (the
// simulator's are "c<client>.<seq>;"): an indeterminate write whose value no
// completed read of its key contains is dropped, since if some linearization
// has it take effect, no read falls between it and the next put, so the
// same order without it is a linearization too.
//
// The search is bounded: when a key needs more than `max_states` memoized
// states the verdict is kUnknown, which is not a violation.
#pragma once

#include <cstddef>
#include <string>

#include "sim/history.h"

namespace baton::sim {

enum class LinearizabilityVerdict { kLinearizable, kViolation, kUnknown };
const char* LinearizabilityVerdictName(LinearizabilityVerdict verdict);

struct LinearizabilityResult {
  LinearizabilityVerdict verdict = LinearizabilityVerdict::kLinearizable;
  std::string detail;  // for a violation or unknown: which key and why
};

LinearizabilityResult CheckLinearizable(const History& history, size_t max_states = 200000);

}  // namespace baton::sim
