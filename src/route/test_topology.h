// Topologies for route tests, as the controller would write them; tests
// deliver them through a failover::TopologyFeed.
#pragma once

#include <map>
#include <string>

#include "failover/topology.h"

namespace baton::route::testing {

// An active-passive topology: `primary` (confirmed unless told otherwise) and
// healthy replicas. Addresses are "127.0.0.1:<port>".
failover::Topology ActivePassive(const std::string& group, failover::Epoch epoch,
                                 const std::string& primary,
                                 const std::map<std::string, uint16_t>& ports,
                                 bool confirmed = true);

}  // namespace baton::route::testing
