#include "route/proxy_config.h"

#include <charconv>
#include <functional>
#include <string_view>

namespace baton::route {
namespace {

Status KeyError(const std::string& key, int line, std::string_view what) {
  return Status::InvalidArgument("proxy." + key + " (line " + std::to_string(line) +
                                 "): " + std::string(what));
}

bool ParseInt(const std::string& text, int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) return false;
  *out = value;
  return true;
}

// Applies one key to `config`; returns what is wrong with its value, or "".
using KeyParser = std::function<std::string(const std::string& value, ProxyConfig& config)>;

std::string ParseAddress(const std::string& value, std::optional<config::HostPort>* out) {
  std::optional<config::HostPort> hp = config::ParseHostPort(value);
  if (!hp) return "expected host:port, got \"" + value + "\"";
  *out = std::move(hp);
  return "";
}

std::string ParseDurationValue(const std::string& value, Duration* out) {
  if (!ParseDuration(value, out))
    return "expected a duration like 500ms or 5s, got \"" + value + "\"";
  return "";
}

std::string ParseBool(const std::string& value, bool* out) {
  if (value == "true") {
    *out = true;
  } else if (value == "false") {
    *out = false;
  } else {
    return "expected true or false, got \"" + value + "\"";
  }
  return "";
}

const std::map<std::string, KeyParser>& Parsers() {
  static const auto* parsers = new std::map<std::string, KeyParser>{
      {"read_write",
       [](const std::string& v, ProxyConfig& c) { return ParseAddress(v, &c.read_write); }},
      {"read_only",
       [](const std::string& v, ProxyConfig& c) { return ParseAddress(v, &c.read_only); }},
      {"balance",
       [](const std::string& v, ProxyConfig& c) -> std::string {
         if (v == "round-robin") {
           c.balance = Balance::kRoundRobin;
         } else if (v == "least-connections") {
           c.balance = Balance::kLeastConnections;
         } else {
           return "expected round-robin or least-connections, got \"" + v + "\"";
         }
         return "";
       }},
      {"fallback_to_primary",
       [](const std::string& v, ProxyConfig& c) { return ParseBool(v, &c.fallback_to_primary); }},
      {"wait_for_primary",
       [](const std::string& v, ProxyConfig& c) {
         return ParseDurationValue(v, &c.wait_for_primary);
       }},
      {"connect_timeout",
       [](const std::string& v, ProxyConfig& c) -> std::string {
         std::string err = ParseDurationValue(v, &c.connect_timeout);
         if (err.empty() && c.connect_timeout <= Duration::Zero()) return "must be above 0";
         return err;
       }},
      {"eject_time",
       [](const std::string& v, ProxyConfig& c) {
         return ParseDurationValue(v, &c.outlier.ejection_time);
       }},
      {"max_eject_time",
       [](const std::string& v, ProxyConfig& c) {
         return ParseDurationValue(v, &c.outlier.max_ejection_time);
       }},
      {"eject_after",
       [](const std::string& v, ProxyConfig& c) -> std::string {
         int64_t n = 0;
         if (!ParseInt(v, 1, 1000000, &n)) return "expected a whole number >= 1, got \"" + v + "\"";
         c.outlier.consecutive_failures = static_cast<int>(n);
         return "";
       }},
      {"buffer_bytes",
       [](const std::string& v, ProxyConfig& c) -> std::string {
         int64_t n = 0;
         if (!ParseInt(v, 1024, 16 << 20, &n)) {
           return "expected a byte count in 1024..16777216, got \"" + v + "\"";
         }
         c.buffer_bytes = static_cast<size_t>(n);
         return "";
       }},
      {"max_connections",
       [](const std::string& v, ProxyConfig& c) -> std::string {
         int64_t n = 0;
         if (!ParseInt(v, 1, 1000000, &n)) return "expected 1 to 1000000, got \"" + v + "\"";
         c.max_connections = static_cast<size_t>(n);
         return "";
       }},
      {"threads",
       [](const std::string& v, ProxyConfig& c) -> std::string {
         int64_t n = 0;
         if (!ParseInt(v, 0, 256, &n)) return "expected 0 (one per core) to 256, got \"" + v + "\"";
         c.threads = static_cast<int>(n);
         return "";
       }},
      {"forward",
       [](const std::string& v, ProxyConfig& c) -> std::string {
         if (v == "copy") {
           c.splice = false;
         } else if (v == "splice") {
           c.splice = true;
         } else {
           return "expected copy or splice, got \"" + v + "\"";
         }
         return "";
       }},
  };
  return *parsers;
}

}  // namespace

Result<ProxyConfig> ParseProxySettings(const ProxySettings& settings) {
  ProxyConfig config;
  int first_line = 0;
  for (const auto& [key, setting] : settings) {
    if (first_line == 0 || (setting.line > 0 && setting.line < first_line))
      first_line = setting.line;
    auto parser = Parsers().find(key);
    if (parser == Parsers().end()) {
      std::string known;
      for (const auto& [name, unused] : Parsers()) known += (known.empty() ? "" : ", ") + name;
      return KeyError(key, setting.line, "unknown key (known: " + known + ")");
    }
    const std::string error = parser->second(setting.value, config);
    if (!error.empty()) return KeyError(key, setting.line, error);
  }
  if (!config.read_write && !config.read_only) {
    return Status::InvalidArgument("proxy (line " + std::to_string(first_line) +
                                   "): set read_write or read_only (or both)");
  }
  if (config.outlier.max_ejection_time < config.outlier.ejection_time) {
    const auto it = settings.find("max_eject_time");
    return KeyError("max_eject_time", it == settings.end() ? first_line : it->second.line,
                    "must not be below eject_time");
  }
  return config;
}

}  // namespace baton::route
