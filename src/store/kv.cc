#include "store/kv.h"

namespace baton::store {
namespace {

constexpr std::string_view kCompactedPrefix = "compacted: ";

}  // namespace

Status CompactedError(Revision requested, Revision compacted) {
  return Status::FailedPrecondition(std::string(kCompactedPrefix) + "revision " +
                                    std::to_string(requested) + " is below the compaction point " +
                                    std::to_string(compacted));
}

bool IsCompacted(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition &&
         HasPrefix(status.message(), kCompactedPrefix);
}

void EncodeKeyValue(std::string* dst, const KeyValue& kv) {
  PutLengthPrefixed(dst, kv.key);
  PutLengthPrefixed(dst, kv.value);
  PutVarint64(dst, kv.create_revision);
  PutVarint64(dst, kv.mod_revision);
  PutVarint64(dst, kv.version);
  PutVarint64(dst, kv.lease);
}

bool DecodeKeyValue(Decoder* in, KeyValue* kv) {
  std::string_view key, value;
  if (!in->GetLengthPrefixed(&key) || !in->GetLengthPrefixed(&value) ||
      !in->GetVarint64(&kv->create_revision) || !in->GetVarint64(&kv->mod_revision) ||
      !in->GetVarint64(&kv->version) || !in->GetVarint64(&kv->lease)) {
    return false;
  }
  kv->key.assign(key);
  kv->value.assign(value);
  return true;
}

void EncodeEvent(std::string* dst, const Event& event) {
  dst->push_back(static_cast<char>(event.type));
  EncodeKeyValue(dst, event.kv);
  dst->push_back(event.prev_kv ? 1 : 0);
  if (event.prev_kv) EncodeKeyValue(dst, *event.prev_kv);
}

bool DecodeEvent(Decoder* in, Event* event) {
  uint8_t type = 0, has_prev = 0;
  if (!in->GetU8(&type) || type > static_cast<uint8_t>(EventType::kDelete)) return false;
  event->type = static_cast<EventType>(type);
  if (!DecodeKeyValue(in, &event->kv) || !in->GetU8(&has_prev) || has_prev > 1) return false;
  event->prev_kv.reset();
  if (has_prev == 1) {
    event->prev_kv.emplace();
    if (!DecodeKeyValue(in, &*event->prev_kv)) return false;
  }
  return true;
}

}  // namespace baton::store
