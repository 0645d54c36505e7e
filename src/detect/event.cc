#include "detect/event.h"

namespace baton::detect {

std::string Event::Field(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return "";
}

std::string Event::ToString() const {
  std::string out = name + " " + target;
  for (const auto& [k, v] : fields) out += " " + k + "=" + v;
  return out;
}

}  // namespace baton::detect
