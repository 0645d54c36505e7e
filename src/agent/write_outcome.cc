#include "agent/write_outcome.h"

#include <string>

namespace baton::agent {
namespace {

constexpr std::string_view kPrefix = "outcome unknown: ";

}  // namespace

Status OutcomeUnknownError(std::string_view why) {
  return Status::Aborted(std::string(kPrefix) + std::string(why));
}

bool IsOutcomeUnknown(const Status& status) {
  return status.code() == StatusCode::kAborted && status.message().starts_with(kPrefix);
}

}  // namespace baton::agent
