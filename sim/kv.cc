#include "sim/kv.h"

#include "core/check.h"
#include "core/coding.h"

namespace baton::sim {

const char* KvOpKindName(KvOpKind kind) {
  switch (kind) {
    case KvOpKind::kPut:
      return "put";
    case KvOpKind::kAppend:
      return "append";
    case KvOpKind::kGet:
      return "get";
  }
  return "?";
}

std::string EncodeCommand(const KvCommand& command) {
  std::string out;
  PutVarint64(&out, command.op_id);
  out.push_back(static_cast<char>(command.kind));
  PutLengthPrefixed(&out, command.key);
  PutLengthPrefixed(&out, command.value);
  return out;
}

Result<KvCommand> DecodeCommand(std::string_view data) {
  Decoder in(data);
  KvCommand command;
  uint8_t kind = 0;
  std::string_view key, value;
  if (!in.GetVarint64(&command.op_id) || !in.GetU8(&kind) || !in.GetLengthPrefixed(&key) ||
      !in.GetLengthPrefixed(&value) || !in.empty()) {
    return Status::Corruption("truncated or oversized kv command");
  }
  if (kind > static_cast<uint8_t>(KvOpKind::kAppend)) {
    return Status::Corruption("kv command kind is not put or append");
  }
  command.kind = static_cast<KvOpKind>(kind);
  command.key = std::string(key);
  command.value = std::string(value);
  return command;
}

void KvStore::Apply(const KvCommand& command) {
  BATON_CHECK(command.kind != KvOpKind::kGet) << "a get is not a command";
  if (command.kind == KvOpKind::kPut) {
    data_[command.key] = command.value;
  } else {
    data_[command.key] += command.value;
  }
}

std::string KvStore::Get(const std::string& key) const {
  auto it = data_.find(key);
  return it == data_.end() ? std::string() : it->second;
}

std::string KvStore::EncodeSnapshot() const {
  std::string out;
  PutVarint64(&out, data_.size());
  for (const auto& [key, value] : data_) {
    PutLengthPrefixed(&out, key);
    PutLengthPrefixed(&out, value);
  }
  return out;
}

Result<KvStore> KvStore::DecodeSnapshot(std::string_view data) {
  Decoder in(data);
  uint64_t count = 0;
  if (!in.GetVarint64(&count)) return Status::Corruption("kv snapshot: no count");
  KvStore store;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view key, value;
    if (!in.GetLengthPrefixed(&key) || !in.GetLengthPrefixed(&value)) {
      return Status::Corruption("kv snapshot: truncated pair");
    }
    store.data_[std::string(key)] = std::string(value);
  }
  if (!in.empty()) return Status::Corruption("kv snapshot: trailing bytes");
  return store;
}

}  // namespace baton::sim
