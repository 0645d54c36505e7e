// Violation: a cross-field configuration rule that a finished config breaks,
// reported at the key it blames ("timing.heartbeat") so that the YAML layer
// can add the line that key was written on. Plain value type.
#pragma once

#include <string>

namespace baton::config {

struct Violation {
  std::string key;      // key path: "listen.peer", "peers[2].id"
  std::string message;  // what is wrong, without the key: "must be a multiple of timing.tick"

  friend bool operator==(const Violation&, const Violation&) = default;
};

}  // namespace baton::config
