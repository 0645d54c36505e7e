// The simulator's replicated state machine: a few string keys, changed by
// put and append commands carried in Raft entries. Each command carries the
// id of the client operation that issued it, so the node that proposed it can
// answer the client when it is applied. Reads are not commands; they go
// through ReadIndex and read the map directly.
//
// Encoding uses core/coding.h; a malformed entry is a Corruption status.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace baton::sim {

enum class KvOpKind : uint8_t { kPut = 0, kAppend = 1, kGet = 2 };
const char* KvOpKindName(KvOpKind kind);

struct KvCommand {
  uint64_t op_id = 0;
  KvOpKind kind = KvOpKind::kPut;  // kPut or kAppend
  std::string key;
  std::string value;

  friend bool operator==(const KvCommand&, const KvCommand&) = default;
};

std::string EncodeCommand(const KvCommand& command);
Result<KvCommand> DecodeCommand(std::string_view data);

class KvStore {
 public:
  // Applies a put or append.
  void Apply(const KvCommand& command);
  // "" for a key never written.
  std::string Get(const std::string& key) const;

  std::string EncodeSnapshot() const;
  static Result<KvStore> DecodeSnapshot(std::string_view data);

  const std::map<std::string, std::string>& data() const { return data_; }
  friend bool operator==(const KvStore&, const KvStore&) = default;

 private:
  std::map<std::string, std::string> data_;
};

}  // namespace baton::sim
