// The store's data model as plain values: keys with etcd-like metadata,
// leases, change events and per-operation results. No behaviour beyond
// comparison and a compact binary encoding used by snapshots.
//
// Revisions: the store has one global revision. It starts at 0 and rises by
// exactly one for every applied command that changes at least one key. Every
// change made by one command carries that command's revision.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/coding.h"
#include "core/status.h"
#include "core/time.h"

namespace baton::store {

using Revision = uint64_t;
using LeaseId = uint64_t;

// Lease id 0 means "no lease".
inline constexpr LeaseId kNoLease = 0;

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;  // revision of the Put that created this incarnation
  Revision mod_revision = 0;     // revision of the last change (a Delete event: the deletion)
  uint64_t version = 0;          // Puts since creation: 1 after the creating Put; 0 when deleted
  LeaseId lease = kNoLease;      // the lease the key is attached to, or kNoLease

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

struct Lease {
  LeaseId id = kNoLease;
  Duration ttl;  // the full time-to-live a keep-alive restores

  friend bool operator==(const Lease&, const Lease&) = default;
};

enum class EventType : uint8_t { kPut = 0, kDelete = 1 };

// One change to one key. For a Delete, `kv` holds the key and the deleting
// revision (as mod_revision) and nothing else.
struct Event {
  EventType type = EventType::kPut;
  KeyValue kv;
  std::optional<KeyValue> prev_kv;  // the key before the change, if it existed

  Revision revision() const { return kv.mod_revision; }
  friend bool operator==(const Event&, const Event&) = default;
};

// The result of one operation (a command or one op inside a Txn).
struct OpResult {
  std::vector<KeyValue> kvs;       // Range: the keys read, in key order
  std::vector<KeyValue> prev_kvs;  // Put: the overwritten key (0 or 1); Delete*: the deleted keys

  friend bool operator==(const OpResult&, const OpResult&) = default;
};

// True when `key` starts with `prefix` (an empty prefix matches every key).
inline bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

// The error for a read of history below the compaction point. IsCompacted()
// recognizes it; its message names both revisions.
Status CompactedError(Revision requested, Revision compacted);
bool IsCompacted(const Status& status);

void EncodeKeyValue(std::string* dst, const KeyValue& kv);
bool DecodeKeyValue(Decoder* in, KeyValue* kv);
void EncodeEvent(std::string* dst, const Event& event);
bool DecodeEvent(Decoder* in, Event* event);

}  // namespace baton::store
