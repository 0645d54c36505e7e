// StateMachine::Snapshot and Restore. Image layout (core/coding.h):
//   fixed32 kSnapshotMagic, u8 kSnapshotFormat,
//   varint applied_index, varint revision, varint compacted_revision,
//   varint key count, KeyValue...        (key order)
//   varint lease count, (varint id, varint ttl_ns)...   (id order)
//   varint event count, Event...         (revision order)
//   fixed32 masked CRC32C of every byte before it.
#include "core/crc32c.h"
#include "store/state_machine.h"

namespace baton::store {
namespace {

constexpr uint32_t kSnapshotMagic = 0x53425453;  // "STBS" read little-endian
constexpr uint8_t kSnapshotFormat = 1;

Status Bad(std::string_view what) {
  return Status::Corruption(std::string("store snapshot: ") + std::string(what));
}

bool GetCount(Decoder* in, uint64_t* n) { return in->GetVarint64(n) && *n <= in->remaining(); }

}  // namespace

std::string StateMachine::Snapshot() const {
  std::string out;
  PutFixed32(&out, kSnapshotMagic);
  out.push_back(static_cast<char>(kSnapshotFormat));
  PutVarint64(&out, applied_index_);
  PutVarint64(&out, revision_);
  PutVarint64(&out, history_.compacted_revision());
  PutVarint64(&out, keys_.size());
  for (const auto& [key, kv] : keys_) EncodeKeyValue(&out, kv);
  PutVarint64(&out, leases_.size());
  for (const auto& [id, lease] : leases_) {
    PutVarint64(&out, id);
    PutVarint64(&out, static_cast<uint64_t>(lease.ttl.nanos()));
  }
  PutVarint64(&out, history_.events().size());
  for (const Event& event : history_.events()) EncodeEvent(&out, event);
  PutFixed32(&out, crc32c::Mask(crc32c::Value(out)));
  return out;
}

Status StateMachine::Restore(std::string_view bytes) {
  if (bytes.size() < 4) return Bad("too short");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (crc32c::Unmask(DecodeFixed32(bytes.data() + body.size())) != crc32c::Value(body)) {
    return Bad("checksum mismatch");
  }
  Decoder in(body);
  uint32_t magic = 0;
  uint8_t format = 0;
  if (!in.GetFixed32(&magic) || magic != kSnapshotMagic) return Bad("bad magic");
  if (!in.GetU8(&format) || format != kSnapshotFormat) return Bad("unknown format");

  StateMachine next;
  Revision compacted = 0;
  uint64_t n = 0;
  if (!in.GetVarint64(&next.applied_index_) || !in.GetVarint64(&next.revision_) ||
      !in.GetVarint64(&compacted) || compacted > next.revision_ || !GetCount(&in, &n)) {
    return Bad("header");
  }
  std::vector<KeyValue> kvs(n);
  for (KeyValue& kv : kvs) {
    if (!DecodeKeyValue(&in, &kv)) return Bad("key");
  }
  if (!GetCount(&in, &n)) return Bad("lease count");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id = 0, ttl_ns = 0;
    if (!in.GetVarint64(&id) || !in.GetVarint64(&ttl_ns) || id == kNoLease ||
        static_cast<int64_t>(ttl_ns) <= 0) {
      return Bad("lease");
    }
    next.leases_[id].ttl = Duration::Nanos(static_cast<int64_t>(ttl_ns));
  }
  for (KeyValue& kv : kvs) {
    if (kv.key.empty() || kv.version == 0 || kv.mod_revision > next.revision_) return Bad("key");
    if (kv.lease != kNoLease) {
      auto lease = next.leases_.find(kv.lease);
      if (lease == next.leases_.end()) return Bad("key attached to an unknown lease");
      lease->second.keys.insert(kv.key);
    }
    const std::string key = kv.key;
    if (!next.keys_.emplace(key, std::move(kv)).second) return Bad("duplicate key");
  }
  if (!GetCount(&in, &n)) return Bad("event count");
  std::vector<Event> events(n);
  for (Event& event : events) {
    if (!DecodeEvent(&in, &event) || event.revision() > next.revision_) return Bad("event");
  }
  if (!in.empty()) return Bad("trailing bytes");
  if (!next.history_.Reset(compacted, std::move(events))) return Bad("event order");
  *this = std::move(next);
  return Status::Ok();
}

}  // namespace baton::store
