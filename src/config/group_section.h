// Binding of the agent config's `groups:` entries (docs/configuration.md,
// "Groups") and the rules checked once the whole file is read.
#pragma once

#include <optional>
#include <vector>

#include "config/group_spec.h"
#include "config/violation.h"
#include "config/yaml_reader.h"

namespace baton::config {

struct PeerConfig;

// One element of `groups:`.
void BindGroup(MapReader& m, GroupSpec* group);

// The first broken rule among `groups` (unique group names; per group:
// unique member names, each member's node among `peers`, GroupConfig::
// Validate, hooks, checks, supervision), or nullopt.
std::optional<Violation> CheckGroups(const std::vector<GroupSpec>& groups,
                                     const std::vector<PeerConfig>& peers);

}  // namespace baton::config
