// RESP2, the Redis protocol, as the Sentinel-compatible endpoint speaks it:
// a parser for client commands (multibulk arrays of bulk strings, and inline
// commands as redis-cli and telnet send them) with bounded buffers, and the
// reply encoders. Pure: no sockets. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace baton::sentinel {

struct RespLimits {
  size_t max_args = 1024;                // elements of one command array
  size_t max_bulk_bytes = 64 * 1024;     // one argument
  size_t max_buffer_bytes = 256 * 1024;  // bytes held waiting for a command to complete
};

using Command = std::vector<std::string>;

class RespParser {
 public:
  explicit RespParser(RespLimits limits = {});

  // Appends bytes read from the connection.
  void Feed(std::string_view bytes);
  // The next whole command; nullopt while more bytes are needed. Corruption
  // when the input is not RESP or breaks a limit: the connection must then
  // be answered with the error and closed (the parser is unusable).
  Result<std::optional<Command>> Next();
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  Result<std::optional<Command>> NextArray();
  Result<std::optional<Command>> NextInline();
  // Reads "<prefix><integer>\r\n" at `pos`; nullopt when the line is incomplete.
  Result<std::optional<int64_t>> ReadLength(size_t* pos, char prefix);

  const RespLimits limits_;
  std::string buffer_;
  size_t start_ = 0;  // first byte not yet consumed
};

// Reply encoders.
std::string SimpleString(std::string_view s);  // +s
std::string Error(std::string_view s);         // -s (s starts with the code, e.g. "ERR ...")
std::string Integer(int64_t n);
std::string Bulk(std::string_view s);
std::string NullBulk();   // $-1
std::string NullArray();  // *-1
std::string ArrayHeader(size_t n);
std::string BulkArray(const std::vector<std::string>& items);

}  // namespace baton::sentinel
