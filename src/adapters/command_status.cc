#include "adapters/command_status.h"

namespace baton::adapters {
namespace {

constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE from sysexits.h
constexpr size_t kStderrTail = 512;

}  // namespace

std::string StderrTail(const std::string& text) {
  std::string tail = text.size() > kStderrTail ? text.substr(text.size() - kStderrTail) : text;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  return tail;
}

Status CommandStatus(const std::string& what, const Result<probe::CommandOutcome>& ran,
                     Duration timeout) {
  if (!ran.has_value()) return ran.error().WithContext(what);
  if (ran->succeeded()) return Status::Ok();
  std::string message = what + ": " + ran->Summary(timeout);
  const std::string tail = StderrTail(ran->stderr_text);
  if (!tail.empty()) message += ": " + tail;
  if (ran->timed_out) return Status::Timeout(message);
  if (ran->cancelled) return Status::Aborted(message);
  if (ran->exit_code == kExitUnavailable) return Status::Unavailable(message);
  return Status::FailedPrecondition(message);
}

}  // namespace baton::adapters
