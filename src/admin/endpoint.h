// Endpoint: where the HTTP client connects, parsed from the forms the CLI
// accepts: "host:port", "http://host:port", "https://host:port" and
// "[v6addr]:port" (optionally with a scheme). A trailing '/' is allowed.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace baton::admin {

struct Endpoint {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  bool tls = false;  // "https://"
};

// InvalidArgument naming the text when it is not one of the forms above or
// the port is not in 1..65535.
Result<Endpoint> ParseEndpoint(std::string_view text);

// Splits "a,b,c" into its non-empty items, spaces around commas trimmed.
std::vector<std::string> SplitEndpointList(std::string_view list);

}  // namespace baton::admin
