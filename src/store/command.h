// Store commands: what a committed Raft entry carries. A command is a value;
// EncodeCommand gives its bytes and DecodeCommand parses them back. Decoding
// never trusts its input: truncated, oversized, unknown or trailing bytes give
// a Corruption Status, never undefined behaviour. Decoding checks only the
// shape; meaning (an empty key, an unknown lease) is judged when the state
// machine applies the command, so every replica reaches the same verdict.
//
// Encoding: a format byte (kCommandFormat), a type byte, then the fields with
// core/coding.h (varints and length-prefixed strings). Txn ops cannot nest.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/kv.h"

namespace baton::store {

inline constexpr uint8_t kCommandFormat = 1;

// Sets `key` to `value`, attached to `lease` (kNoLease: unattached).
struct Put {
  std::string key;
  std::string value;
  LeaseId lease = kNoLease;
  friend bool operator==(const Put&, const Put&) = default;
};

// Removes `key` if present.
struct Delete {
  std::string key;
  friend bool operator==(const Delete&, const Delete&) = default;
};

// Removes every key that starts with `prefix` (an empty prefix: every key).
struct DeleteRange {
  std::string prefix;
  friend bool operator==(const DeleteRange&, const DeleteRange&) = default;
};

// Reads `key` (or every key starting with it when `prefix` is set). Only
// meaningful inside a Txn, where it observes the branch's earlier writes.
struct Range {
  std::string key;
  bool prefix = false;
  friend bool operator==(const Range&, const Range&) = default;
};

enum class CompareTarget : uint8_t {
  kValue = 0,           // the value bytes; a missing key fails every value compare
  kVersion = 1,         // a missing key has version 0
  kCreateRevision = 2,  // a missing key has create_revision 0
  kModRevision = 3,     // a missing key has mod_revision 0
  kAbsent = 4,          // holds iff the key does not exist; op and operands unused
};

enum class CompareOp : uint8_t { kEqual = 0, kNotEqual = 1, kLess = 2, kGreater = 3 };

// One guard of a Txn: `target(key) op operand`.
struct Compare {
  std::string key;
  CompareTarget target = CompareTarget::kValue;
  CompareOp op = CompareOp::kEqual;
  std::string value;    // operand for kValue
  uint64_t number = 0;  // operand for kVersion, kCreateRevision, kModRevision

  static Compare Value(std::string key, CompareOp op, std::string value);
  static Compare Version(std::string key, CompareOp op, uint64_t version);
  static Compare CreateRevision(std::string key, CompareOp op, Revision revision);
  static Compare ModRevision(std::string key, CompareOp op, Revision revision);
  static Compare Absent(std::string key);

  friend bool operator==(const Compare&, const Compare&) = default;
};

using TxnOp = std::variant<Put, Delete, DeleteRange, Range>;

// If every compare holds, runs `then_ops`, else `else_ops`, in order, as one
// atomic change at one revision.
struct Txn {
  std::vector<Compare> compares;
  std::vector<TxnOp> then_ops;
  std::vector<TxnOp> else_ops;
  friend bool operator==(const Txn&, const Txn&) = default;
};

// Creates lease `id` (non-zero, unused) with a time-to-live.
struct LeaseGrant {
  LeaseId id = kNoLease;
  Duration ttl;
  friend bool operator==(const LeaseGrant&, const LeaseGrant&) = default;
};

// Removes lease `id` and deletes every key attached to it.
struct LeaseRevoke {
  LeaseId id = kNoLease;
  friend bool operator==(const LeaseRevoke&, const LeaseRevoke&) = default;
};

// Renews lease `id` (a keep-alive): changes no key; every replica restarts the
// lease's ttl from the moment it applies this entry (lease_keeper.h).
struct LeaseRefresh {
  LeaseId id = kNoLease;
  friend bool operator==(const LeaseRefresh&, const LeaseRefresh&) = default;
};

// Discards the event history below `revision`.
struct Compact {
  Revision revision = 0;
  friend bool operator==(const Compact&, const Compact&) = default;
};

using Command =
    std::variant<Put, Delete, DeleteRange, Txn, LeaseGrant, LeaseRevoke, Compact, LeaseRefresh>;

std::string EncodeCommand(const Command& command);
Result<Command> DecodeCommand(std::string_view bytes);

}  // namespace baton::store
