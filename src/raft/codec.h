// Binary encodings of the Raft values that leave the process: log entries,
// hard state and snapshots (written to disk by src/storage) and messages
// (sent to peers by the transport). Pure functions over bytes; no I/O.
//
// Every integer is a little-endian varint and every byte string is length
// prefixed (core/coding.h), so encodings are compact and self-delimiting.
// Messages start with a format version byte so the wire format can evolve.
//
// Decoding never trusts its input: truncated, oversized or malformed bytes
// (an unknown enum value, a count larger than the bytes that could hold it,
// trailing garbage) yield Status::Corruption, or Status::InvalidArgument for
// input larger than kMaxEncodedBytes; never a crash or an unbounded
// allocation. Encode(Decode(x)) == x for every value Encode produced.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "raft/types.h"

namespace baton::raft {

// The largest encoding any Decode function accepts: the transport's frame
// limit. Messages stay below it by construction (appends are bounded in
// bytes, snapshots travel in chunks, Propose refuses larger entries); a
// whole snapshot image may be larger and is never decoded in one piece
// (storage/snapshot_file.h). Larger input is InvalidArgument.
inline constexpr size_t kMaxEncodedBytes = size_t{64} << 20;

// The version byte that opens every encoded Message.
inline constexpr uint8_t kMessageFormatVersion = 2;  // 2: snapshot chunks

std::string EncodeEntry(const Entry& entry);
Result<Entry> DecodeEntry(std::string_view bytes);

std::string EncodeHardState(const HardState& state);
Result<HardState> DecodeHardState(std::string_view bytes);

std::string EncodeSnapshotMeta(const SnapshotMeta& meta);
Result<SnapshotMeta> DecodeSnapshotMeta(std::string_view bytes);

// Metadata followed by the application's image.
std::string EncodeSnapshot(const Snapshot& snapshot);
Result<Snapshot> DecodeSnapshot(std::string_view bytes);

// Every field of `message`, including its entries and snapshot (if set).
std::string EncodeMessage(const Message& message);
Result<Message> DecodeMessage(std::string_view bytes);

}  // namespace baton::raft
