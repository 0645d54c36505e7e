// HostPort: a network address as written in configuration, "host:port".
//
// The host is a name or an IP literal and is kept as written (no resolution):
// "localhost:7101" and "127.0.0.1:7101" are different addresses. An IPv6
// literal is written in brackets, "[::1]:7101", and stored without them.
// The port is 1..65535. Plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::config {

struct HostPort {
  std::string host;
  uint16_t port = 0;

  // "host:port", with brackets around a host that contains ':'.
  std::string ToString() const;

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// nullopt unless `text` is "host:port" or "[ipv6]:port" with a non-empty
// host and a decimal port in 1..65535.
std::optional<HostPort> ParseHostPort(std::string_view text);

}  // namespace baton::config
