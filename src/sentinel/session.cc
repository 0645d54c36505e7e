#include "sentinel/session.h"

#include <algorithm>

namespace baton::sentinel {
namespace {

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// One "(p)(un)subscribe" confirmation: [kind, name or nil, count].
std::string Confirmation(std::string_view kind, const std::string* name, size_t count) {
  return ArrayHeader(3) + Bulk(kind) + (name == nullptr ? NullBulk() : Bulk(*name)) +
         Integer(static_cast<int64_t>(count));
}

// Matches a '[...]' class at p[i] against c; sets *next past the ']'.
bool ClassMatch(std::string_view p, size_t i, char c, size_t* next) {
  ++i;  // past '['
  const bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool match = false;
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && i + 1 < p.size()) {
      match |= p[++i] == c;
    } else if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      const char lo = std::min(p[i], p[i + 2]);
      const char hi = std::max(p[i], p[i + 2]);
      match |= c >= lo && c <= hi;
      i += 2;
    } else {
      match |= p[i] == c;
    }
    ++i;
  }
  *next = i < p.size() ? i + 1 : i;
  return match != negate;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s) {
  size_t i = 0;
  size_t j = 0;
  while (i < p.size()) {
    if (p[i] == '*') {
      while (i < p.size() && p[i] == '*') ++i;
      if (i == p.size()) return true;
      for (size_t k = j; k <= s.size(); ++k) {
        if (GlobMatch(p.substr(i), s.substr(k))) return true;
      }
      return false;
    }
    if (j == s.size()) return false;
    if (p[i] == '?') {
      ++i;
    } else if (p[i] == '[') {
      if (!ClassMatch(p, i, s[j], &i)) return false;
    } else {
      if (p[i] == '\\' && i + 1 < p.size()) ++i;
      if (p[i] != s[j]) return false;
      ++i;
    }
    ++j;
  }
  return j == s.size();
}

SentinelSession::SentinelSession(const SentinelView& view, int64_t client_id)
    : view_(view), client_id_(client_id) {}

SentinelSession::Reply SentinelSession::Handle(const Command& args) {
  const std::string cmd = Upper(args.front());
  if (cmd == "QUIT") return {SimpleString("OK"), true};
  if (cmd == "SUBSCRIBE" || cmd == "PSUBSCRIBE") {
    if (args.size() < 2)
      return {Error("ERR wrong number of arguments for '" + args[0] + "' command")};
    return {Subscribe(args, cmd == "PSUBSCRIBE")};
  }
  if (cmd == "UNSUBSCRIBE" || cmd == "PUNSUBSCRIBE")
    return {Unsubscribe(args, cmd == "PUNSUBSCRIBE")};
  if (cmd == "PING") {
    if (args.size() > 2) return {Error("ERR wrong number of arguments for 'ping' command")};
    if (subscriptions() > 0)
      return {ArrayHeader(2) + Bulk("pong") + Bulk(args.size() == 2 ? args[1] : "")};
    return {args.size() == 2 ? Bulk(args[1]) : SimpleString("PONG")};
  }
  if (subscriptions() > 0) {
    return {Error("ERR Can't execute '" + args[0] +
                  "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed "
                  "in this context")};
  }
  if (cmd == "SENTINEL") return {view_.Sentinel(args)};
  if (cmd == "INFO") return {view_.Info()};
  if (cmd == "ROLE") return {view_.Role()};
  if (cmd == "CLIENT") return {Client(args)};
  if (cmd == "HELLO") return {Hello(args)};
  if (cmd == "COMMAND") {
    // redis-cli asks for command docs to show hints; it copes with none.
    if (args.size() >= 2 && Upper(args[1]) == "COUNT") return {Integer(0)};
    return {ArrayHeader(0)};
  }
  if (cmd == "AUTH") {
    return {
        Error("ERR AUTH <password> called without any password configured for the default "
              "user. Are you sure your configuration is correct?")};
  }
  std::string error = "ERR unknown command '" + args[0] + "', with args beginning with: ";
  for (size_t i = 1; i < args.size() && error.size() < 256; ++i) error += "'" + args[i] + "' ";
  return {Error(error)};
}

std::string SentinelSession::Subscribe(const Command& args, bool pattern) {
  std::set<std::string>& set = pattern ? patterns_ : channels_;
  std::string out;
  for (size_t i = 1; i < args.size(); ++i) {
    set.insert(args[i]);
    out += Confirmation(pattern ? "psubscribe" : "subscribe", &args[i], subscriptions());
  }
  return out;
}

std::string SentinelSession::Unsubscribe(const Command& args, bool pattern) {
  std::set<std::string>& set = pattern ? patterns_ : channels_;
  const std::string kind = pattern ? "punsubscribe" : "unsubscribe";
  std::vector<std::string> names(args.begin() + 1, args.end());
  if (names.empty()) names.assign(set.begin(), set.end());
  if (names.empty()) return Confirmation(kind, nullptr, subscriptions());
  std::string out;
  for (const std::string& name : names) {
    set.erase(name);
    out += Confirmation(kind, &name, subscriptions());
  }
  return out;
}

std::string SentinelSession::Client(const Command& args) {
  const std::string sub = args.size() >= 2 ? Upper(args[1]) : "";
  if (sub == "SETNAME" && args.size() == 3) {
    name_ = args[2];
    return SimpleString("OK");
  }
  if (sub == "GETNAME" && args.size() == 2) return name_.empty() ? NullBulk() : Bulk(name_);
  if (sub == "ID" && args.size() == 2) return Integer(client_id_);
  if (sub == "SETINFO" && args.size() == 4) return SimpleString("OK");
  return Error("ERR unknown subcommand or wrong number of arguments for 'client' command");
}

std::string SentinelSession::Hello(const Command& args) const {
  if (args.size() >= 2 && args[1] != "2") {
    return Error("NOPROTO sorry, this protocol version is not supported");
  }
  return ArrayHeader(12) + Bulk("server") + Bulk("redis") + Bulk("version") + Bulk("7.0.0") +
         Bulk("proto") + Integer(2) + Bulk("id") + Integer(client_id_) + Bulk("mode") +
         Bulk("sentinel") + Bulk("modules") + ArrayHeader(0);
}

std::string SentinelSession::Deliver(const Published& event) const {
  std::string out;
  if (channels_.contains(event.channel)) {
    out += ArrayHeader(3) + Bulk("message") + Bulk(event.channel) + Bulk(event.message);
  }
  for (const std::string& pattern : patterns_) {
    if (!GlobMatch(pattern, event.channel)) continue;
    out += ArrayHeader(4) + Bulk("pmessage") + Bulk(pattern) + Bulk(event.channel) +
           Bulk(event.message);
  }
  return out;
}

}  // namespace baton::sentinel
