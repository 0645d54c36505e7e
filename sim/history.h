// The client history of a simulated run: one record per operation a client
// issued, with its virtual invoke and completion times and its result. An
// operation whose outcome the client never learned (it timed out, or the
// node it talked to crashed) is indeterminate: it may or may not have taken
// effect, at any time after its invocation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"
#include "sim/kv.h"

namespace baton::sim {

struct HistoryOp {
  uint64_t id = 0;
  int client = 0;
  KvOpKind kind = KvOpKind::kPut;
  std::string key;
  std::string value;   // put/append: the argument
  std::string output;  // get: the value read (meaningless when indeterminate)
  Instant invoke;
  Instant complete;  // meaningless when indeterminate
  bool indeterminate = false;
};

using History = std::vector<HistoryOp>;

}  // namespace baton::sim
