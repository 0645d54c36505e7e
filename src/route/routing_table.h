// RoutingTable: where each listener of one group's proxy may lead, derived
// from the group's Topology alone (never from the proxy's own observations).
// Pure; plain values; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failover/topology.h"

namespace baton::route {

struct Backend {
  std::string member;
  std::string address;  // host:port as in the Topology
  friend bool operator==(const Backend&, const Backend&) = default;
};

struct RoutingTable {
  failover::Epoch epoch = 0;
  bool active_active = false;
  // Active-passive: the primary, only when its agent confirmed it primary at
  // `epoch` (Topology::primary_confirmed). The read-write listener's target.
  std::optional<Backend> primary;
  // Active-passive: replicas that report role replica and health healthy.
  // Active-active: the serving set minus members known unhealthy. The pool
  // of the read-only listener (and of both listeners in active-active mode).
  std::vector<Backend> pool;
  friend bool operator==(const RoutingTable&, const RoutingTable&) = default;
};

RoutingTable BuildRoutingTable(const failover::Topology& topology);

// One line for the route-change event: "epoch=7 primary=r2 pool=r1,r3".
std::string Describe(const RoutingTable& table);

}  // namespace baton::route
