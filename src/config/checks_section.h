// Binding of a member's `checks:` entries and its `supervise:` mapping
// (docs/configuration.md, "Health checks" and "Restarts of a supervised
// member"), and the rules checked once the whole file is read.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "config/group_spec.h"
#include "config/violation.h"
#include "config/yaml_reader.h"

namespace baton::config {

// One element of `checks:`: the common keys and exactly one probe mapping
// (tcp, http, exec, redis or postgres).
void BindCheck(MapReader& m, CheckSpec* check);

// A member's `supervise:` mapping. `member` names the supervisor's events.
void BindSupervise(MapReader& m, const std::string& member, supervise::SupervisorConfig* config);

// The first broken rule among a member's checks (unique names, each
// CheckConfig and ProbeSpec valid); `at` is the member's key path
// ("groups[0].members[1]").
std::optional<Violation> CheckChecks(const std::string& at, const std::vector<CheckSpec>& checks);

// The first broken rule of a supervise: mapping at key path `at`.
std::optional<Violation> CheckSupervise(const std::string& at,
                                        const supervise::SupervisorConfig& config);

// A Status from a struct's Validate() as a Violation at `at`, or at
// `at.<field>` when the message (after `prefix`) starts with one of `fields`
// (a field ending in '.' matches any field under it).
Violation BlameField(const std::string& at, const Status& status, std::string_view prefix,
                     std::initializer_list<std::string_view> fields);

}  // namespace baton::config
