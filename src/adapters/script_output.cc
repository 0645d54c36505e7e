#include "adapters/script_output.h"

#include <charconv>
#include <map>

namespace baton::adapters {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The key=value words of `text`; `detail` swallows the rest of its line.
Result<std::map<std::string, std::string>> Words(std::string_view text) {
  std::map<std::string, std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    const size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status::InvalidArgument("expected key=value, got `" + std::string(word) + "`");
    }
    const std::string key(word.substr(0, eq));
    if (key == "detail") {
      end = text.find('\n', i);
      if (end == std::string_view::npos) end = text.size();
      words[key] = std::string(Trim(text.substr(i + eq + 1, end - i - eq - 1)));
    } else {
      words[key] = std::string(word.substr(eq + 1));
    }
    i = end;
  }
  return words;
}

Result<failover::Position> Number(const std::string& key, const std::string& value) {
  failover::Position n = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
    return Status::InvalidArgument(key + "=" + value + ": not a non-negative integer");
  }
  return n;
}

Result<failover::MemberRole> Role(const std::string& name) {
  using failover::MemberRole;
  for (MemberRole role : {MemberRole::kUnknown, MemberRole::kPrimary, MemberRole::kWritesPaused,
                          MemberRole::kReplica, MemberRole::kFenced, MemberRole::kStopped}) {
    if (failover::MemberRoleName(role) == name) return role;
  }
  return Status::InvalidArgument("role=" + name +
                                 ": not one of primary, writes-paused, replica, fenced, "
                                 "stopped, unknown");
}

}  // namespace

Result<MemberState> ParseObserveOutput(std::string_view text) {
  Result<std::map<std::string, std::string>> words = Words(text);
  if (!words.has_value()) return words.error();
  if (!words->contains("role")) return Status::InvalidArgument("no role= in the output");
  MemberState state;
  for (const auto& [key, value] : *words) {
    if (key == "role") {
      Result<failover::MemberRole> role = Role(value);
      if (!role.has_value()) return role.error();
      state.role = *role;
    } else if (key == "position") {
      Result<failover::Position> n = Number(key, value);
      if (!n.has_value()) return n.error();
      state.position = *n;
    } else if (key == "history") {
      state.history = value;
    } else if (key == "following") {
      state.following = value;
    } else if (key == "detail") {
      state.detail = value;
    } else if (key == "link") {
      if (value != "up" && value != "down") {
        return Status::InvalidArgument("link=" + value + ": expected up or down");
      }
      state.replicating = value == "up";
    } else {
      return Status::InvalidArgument("unknown key `" + key + "`");
    }
  }
  return state;
}

Result<Divergence> ParseDivergenceOutput(std::string_view text) {
  Result<std::map<std::string, std::string>> words = Words(text);
  if (!words.has_value()) return words.error();
  for (const char* key : {"fork_position", "lost_bytes"}) {
    if (!words->contains(key)) return Status::InvalidArgument(std::string("no ") + key + "=");
  }
  Divergence divergence;
  for (const auto& [key, value] : *words) {
    if (key == "fork_position" || key == "lost_bytes") {
      Result<failover::Position> n = Number(key, value);
      if (!n.has_value()) return n.error();
      (key == "lost_bytes" ? divergence.lost_bytes : divergence.fork_position) = *n;
    } else if (key == "saved_copy") {
      divergence.saved_copy = value;
    } else {
      return Status::InvalidArgument("unknown key `" + key + "`");
    }
  }
  return divergence;
}

Result<std::vector<std::string>> ParseCommandSetting(std::string_view value) {
  value = Trim(value);
  if (value.empty()) return Status::InvalidArgument("empty command");
  if (value.front() != '[' || value.back() != ']') {
    return std::vector<std::string>{"/bin/sh", "-c", std::string(value)};
  }
  std::vector<std::string> argv;
  std::string_view rest = value.substr(1, value.size() - 2);
  while (!Trim(rest).empty()) {
    rest = Trim(rest);
    std::string item;
    if (rest.front() == '"' || rest.front() == '\'') {
      const size_t close = rest.find(rest.front(), 1);
      if (close == std::string_view::npos) return Status::InvalidArgument("unclosed quote");
      item = std::string(rest.substr(1, close - 1));
      rest = Trim(rest.substr(close + 1));
      if (!rest.empty() && rest.front() != ',') {
        return Status::InvalidArgument("expected `,` after a quoted item");
      }
    } else {
      item = std::string(Trim(rest.substr(0, rest.find(','))));
      rest = rest.substr(std::min(rest.size(), rest.find(',')));
    }
    if (!rest.empty()) rest.remove_prefix(1);  // the comma
    argv.push_back(std::move(item));
  }
  if (argv.empty() || argv[0].empty()) return Status::InvalidArgument("empty command list");
  return argv;
}

}  // namespace baton::adapters
