#include "raft/codec.h"

#include <memory>

#include "core/coding.h"

namespace baton::raft {
namespace {

constexpr uint8_t kMaxEntryType = static_cast<uint8_t>(EntryType::kConfChange);
constexpr uint8_t kMaxMessageType = static_cast<uint8_t>(MessageType::kSnapshotResponse);
// The fewest bytes an encoded entry can take: term, index, type, data length.
constexpr size_t kMinEntryBytes = 4;

void PutEntry(std::string* dst, const Entry& entry) {
  PutVarint64(dst, entry.term);
  PutVarint64(dst, entry.index);
  dst->push_back(static_cast<char>(entry.type));
  PutLengthPrefixed(dst, entry.data);
}

void PutHardState(std::string* dst, const HardState& state) {
  PutVarint64(dst, state.term);
  PutVarint64(dst, state.vote);
  PutVarint64(dst, state.commit);
}

void PutNodeIds(std::string* dst, const std::vector<NodeId>& ids) {
  PutVarint64(dst, ids.size());
  for (NodeId id : ids) PutVarint64(dst, id);
}

void PutSnapshotMeta(std::string* dst, const SnapshotMeta& meta) {
  PutVarint64(dst, meta.index);
  PutVarint64(dst, meta.term);
  PutNodeIds(dst, meta.conf.voters);
  PutNodeIds(dst, meta.conf.learners);
}

void PutSnapshot(std::string* dst, const Snapshot& snapshot) {
  PutSnapshotMeta(dst, snapshot.meta);
  PutLengthPrefixed(dst, snapshot.data);
}

// The Get* readers return false on any malformed input; the public
// functions turn that into a Status naming what was being decoded.

bool GetBool(Decoder* in, bool* value) {
  uint8_t byte = 0;
  if (!in->GetU8(&byte) || byte > 1) return false;
  *value = byte == 1;
  return true;
}

bool GetEntry(Decoder* in, Entry* entry) {
  uint8_t type = 0;
  std::string_view data;
  if (!in->GetVarint64(&entry->term) || !in->GetVarint64(&entry->index) || !in->GetU8(&type) ||
      type > kMaxEntryType || !in->GetLengthPrefixed(&data)) {
    return false;
  }
  entry->type = static_cast<EntryType>(type);
  entry->data.assign(data);
  return true;
}

bool GetHardState(Decoder* in, HardState* state) {
  return in->GetVarint64(&state->term) && in->GetVarint64(&state->vote) &&
         in->GetVarint64(&state->commit);
}

bool GetNodeIds(Decoder* in, std::vector<NodeId>* ids) {
  uint64_t count = 0;
  // Each id takes at least one byte, so a larger count is a lie.
  if (!in->GetVarint64(&count) || count > in->remaining()) return false;
  ids->resize(count);
  for (NodeId& id : *ids) {
    if (!in->GetVarint64(&id)) return false;
  }
  return true;
}

bool GetSnapshotMeta(Decoder* in, SnapshotMeta* meta) {
  return in->GetVarint64(&meta->index) && in->GetVarint64(&meta->term) &&
         GetNodeIds(in, &meta->conf.voters) && GetNodeIds(in, &meta->conf.learners);
}

bool GetSnapshot(Decoder* in, Snapshot* snapshot) {
  std::string_view data;
  if (!GetSnapshotMeta(in, &snapshot->meta) || !in->GetLengthPrefixed(&data)) return false;
  snapshot->data.assign(data);
  return true;
}

bool GetEntries(Decoder* in, std::vector<Entry>* entries) {
  uint64_t count = 0;
  if (!in->GetVarint64(&count) || count > in->remaining() / kMinEntryBytes) return false;
  entries->resize(count);
  for (Entry& entry : *entries) {
    if (!GetEntry(in, &entry)) return false;
  }
  return true;
}

bool GetMessage(Decoder* in, Message* m) {
  uint8_t version = 0;
  uint8_t type = 0;
  bool has_snapshot = false;
  if (!in->GetU8(&version) || version != kMessageFormatVersion || !in->GetU8(&type) ||
      type > kMaxMessageType) {
    return false;
  }
  m->type = static_cast<MessageType>(type);
  if (!in->GetVarint64(&m->from) || !in->GetVarint64(&m->to) || !in->GetVarint64(&m->term) ||
      !in->GetVarint64(&m->log_term) || !in->GetVarint64(&m->index) ||
      !in->GetVarint64(&m->commit) || !GetBool(in, &m->reject) ||
      !in->GetVarint64(&m->reject_hint) || !in->GetVarint64(&m->reject_hint_term) ||
      !in->GetVarint64(&m->context) || !GetEntries(in, &m->entries) ||
      !in->GetVarint64(&m->snapshot_offset) || !in->GetVarint64(&m->snapshot_size) ||
      !GetBool(in, &has_snapshot)) {
    return false;
  }
  if (has_snapshot) {
    auto snapshot = std::make_shared<Snapshot>();
    if (!GetSnapshot(in, snapshot.get())) return false;
    m->snapshot = std::move(snapshot);
  }
  return true;
}

// Decodes all of `bytes` with `get`, rejecting oversized input and trailing
// bytes.
template <typename T, typename Getter>
Result<T> DecodeAll(std::string_view bytes, const char* what, Getter get) {
  if (bytes.size() > kMaxEncodedBytes) {
    return Status::InvalidArgument(std::string(what) + ": " + std::to_string(bytes.size()) +
                                   " bytes exceeds the limit");
  }
  Decoder in(bytes);
  T value{};
  if (!get(&in, &value)) return Status::Corruption(std::string(what) + ": truncated or malformed");
  if (!in.empty()) {
    return Status::Corruption(std::string(what) + ": " + std::to_string(in.remaining()) +
                              " trailing bytes");
  }
  return value;
}

}  // namespace

std::string EncodeEntry(const Entry& entry) {
  std::string out;
  PutEntry(&out, entry);
  return out;
}

Result<Entry> DecodeEntry(std::string_view bytes) {
  return DecodeAll<Entry>(bytes, "raft entry", GetEntry);
}

std::string EncodeHardState(const HardState& state) {
  std::string out;
  PutHardState(&out, state);
  return out;
}

Result<HardState> DecodeHardState(std::string_view bytes) {
  return DecodeAll<HardState>(bytes, "raft hard state", GetHardState);
}

std::string EncodeSnapshotMeta(const SnapshotMeta& meta) {
  std::string out;
  PutSnapshotMeta(&out, meta);
  return out;
}

Result<SnapshotMeta> DecodeSnapshotMeta(std::string_view bytes) {
  return DecodeAll<SnapshotMeta>(bytes, "raft snapshot meta", GetSnapshotMeta);
}

std::string EncodeSnapshot(const Snapshot& snapshot) {
  std::string out;
  PutSnapshot(&out, snapshot);
  return out;
}

Result<Snapshot> DecodeSnapshot(std::string_view bytes) {
  return DecodeAll<Snapshot>(bytes, "raft snapshot", GetSnapshot);
}

std::string EncodeMessage(const Message& m) {
  std::string out;
  out.push_back(static_cast<char>(kMessageFormatVersion));
  out.push_back(static_cast<char>(m.type));
  PutVarint64(&out, m.from);
  PutVarint64(&out, m.to);
  PutVarint64(&out, m.term);
  PutVarint64(&out, m.log_term);
  PutVarint64(&out, m.index);
  PutVarint64(&out, m.commit);
  out.push_back(m.reject ? 1 : 0);
  PutVarint64(&out, m.reject_hint);
  PutVarint64(&out, m.reject_hint_term);
  PutVarint64(&out, m.context);
  PutVarint64(&out, m.entries.size());
  for (const Entry& entry : m.entries) PutEntry(&out, entry);
  PutVarint64(&out, m.snapshot_offset);
  PutVarint64(&out, m.snapshot_size);
  out.push_back(m.snapshot ? 1 : 0);
  if (m.snapshot) PutSnapshot(&out, *m.snapshot);
  return out;
}

Result<Message> DecodeMessage(std::string_view bytes) {
  return DecodeAll<Message>(bytes, "raft message", GetMessage);
}

}  // namespace baton::raft
