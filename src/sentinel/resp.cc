#include "sentinel/resp.h"

#include <charconv>

namespace baton::sentinel {
namespace {

Status ProtocolError(std::string_view what) {
  return Status::Corruption("Protocol error: " + std::string(what));
}

}  // namespace

RespParser::RespParser(RespLimits limits) : limits_(limits) {}

void RespParser::Feed(std::string_view bytes) {
  if (start_ > 0 && (start_ == buffer_.size() || start_ > 64 * 1024)) {
    buffer_.erase(0, start_);  // drop what was consumed
    start_ = 0;
  }
  buffer_.append(bytes);
}

Result<std::optional<Command>> RespParser::Next() {
  while (start_ < buffer_.size()) {
    Result<std::optional<Command>> command = buffer_[start_] == '*' ? NextArray() : NextInline();
    if (!command.has_value()) return command;
    if (command->has_value() && (*command)->empty()) continue;  // a blank inline line
    if (!command->has_value() && buffered() > limits_.max_buffer_bytes) {
      return ProtocolError("too big request");
    }
    return command;
  }
  return std::optional<Command>();
}

Result<std::optional<int64_t>> RespParser::ReadLength(size_t* pos, char prefix) {
  if (*pos >= buffer_.size()) return std::optional<int64_t>();
  if (buffer_[*pos] != prefix) {
    return ProtocolError(std::string("expected '") + prefix + "', got '" + buffer_[*pos] + "'");
  }
  const size_t end = buffer_.find("\r\n", *pos);
  if (end == std::string::npos) {
    if (buffer_.size() - *pos > 32) return ProtocolError("invalid length line");
    return std::optional<int64_t>();
  }
  int64_t n = 0;
  const char* first = buffer_.data() + *pos + 1;
  const char* last = buffer_.data() + end;
  auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || ptr != last || first == last) {
    return ProtocolError(prefix == '*' ? "invalid multibulk length" : "invalid bulk length");
  }
  *pos = end + 2;
  return std::optional<int64_t>(n);
}

Result<std::optional<Command>> RespParser::NextArray() {
  size_t pos = start_;
  Result<std::optional<int64_t>> count = ReadLength(&pos, '*');
  if (!count.has_value()) return count.error();
  if (!count->has_value()) return std::optional<Command>();
  if (**count < 0 || static_cast<uint64_t>(**count) > limits_.max_args) {
    return ProtocolError("invalid multibulk length");
  }
  Command command;
  for (int64_t i = 0; i < **count; ++i) {
    Result<std::optional<int64_t>> len = ReadLength(&pos, '$');
    if (!len.has_value()) return len.error();
    if (!len->has_value()) return std::optional<Command>();
    if (**len < 0 || static_cast<uint64_t>(**len) > limits_.max_bulk_bytes) {
      return ProtocolError("invalid bulk length");
    }
    const size_t n = static_cast<size_t>(**len);
    if (buffer_.size() < pos + n + 2) return std::optional<Command>();
    if (buffer_.compare(pos + n, 2, "\r\n") != 0) return ProtocolError("bulk not ended by CRLF");
    command.push_back(buffer_.substr(pos, n));
    pos += n + 2;
  }
  start_ = pos;
  return std::optional<Command>(std::move(command));
}

Result<std::optional<Command>> RespParser::NextInline() {
  const size_t end = buffer_.find('\n', start_);
  if (end == std::string::npos) {
    if (buffered() > limits_.max_bulk_bytes) return ProtocolError("too big inline request");
    return std::optional<Command>();
  }
  std::string_view line(buffer_.data() + start_, end - start_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Command command;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t word = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > word) command.emplace_back(line.substr(word, i - word));
    if (command.size() > limits_.max_args) return ProtocolError("too many inline arguments");
  }
  start_ = end + 1;
  return std::optional<Command>(std::move(command));
}

std::string SimpleString(std::string_view s) { return "+" + std::string(s) + "\r\n"; }
std::string Error(std::string_view s) { return "-" + std::string(s) + "\r\n"; }
std::string Integer(int64_t n) { return ":" + std::to_string(n) + "\r\n"; }
std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
std::string NullBulk() { return "$-1\r\n"; }
std::string NullArray() { return "*-1\r\n"; }
std::string ArrayHeader(size_t n) { return "*" + std::to_string(n) + "\r\n"; }
std::string BulkArray(const std::vector<std::string>& items) {
  std::string out = ArrayHeader(items.size());
  for (const std::string& item : items) out += Bulk(item);
  return out;
}

}  // namespace baton::sentinel
