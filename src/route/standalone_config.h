// StandaloneConfig: the YAML file of `baton proxy --config FILE`, a proxy
// process outside any agent that follows the groups' topologies through the
// agents' admin API (docs/route.md, "Standalone proxy"):
//
//   agents: ["127.0.0.1:7201", "127.0.0.1:7202"]  # admin endpoints, tried in order
//   ca: certs/ca.pem          # optional: https, agents verified with this CA
//   admin: 127.0.0.1:9121     # optional: /metrics of this process
//   refresh: 1s               # optional: longest wait of one watch poll (<= 3s)
//   groups:
//     - name: cache
//       proxy: {read_write: 127.0.0.1:6400}   # a group's proxy: keys
//
// Errors are InvalidArgument "<file>:<line>: <key path>: <what is wrong>".
// Relative paths (ca) are resolved against the file's directory. Plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/host_port.h"
#include "core/result.h"
#include "core/time.h"
#include "route/proxy_config.h"

namespace baton::route {

struct StandaloneConfig {
  std::vector<std::string> agents;  // "host:port" or "https://host:port"
  std::string ca_file;              // non-empty: https to every agent
  std::optional<config::HostPort> admin;
  Duration refresh = Duration::Seconds(1);
  std::vector<ProxyConfig> groups;  // group set on each
};

// `source_name` prefixes errors and is the base of relative paths.
Result<StandaloneConfig> ParseStandaloneConfig(std::string_view yaml_text,
                                               std::string_view source_name);
// IOError "<path>: <reason>" when the file cannot be read.
Result<StandaloneConfig> LoadStandaloneConfig(const std::string& path);

}  // namespace baton::route
