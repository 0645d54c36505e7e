// The watchdog's control protocol: one JSON object per line from the agent
// (WatchdogClient) to the watchdog process, one answer line back ("ok" or
// "error <message>"). Private to the client and the watchdog; both come from
// the same build, so there is no versioning. Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace baton::adapters::watchdog {

struct Request {
  enum class Op { kArm, kDisarm };
  Op op = Op::kArm;
  std::string member;
  // kArm: fence at this instant of CLOCK_MONOTONIC (steady_clock) unless
  // re-armed or disarmed first.
  Instant deadline;
  std::vector<std::string> command;  // kArm: argv of the fence command
  std::map<std::string, std::string> env;
  Duration timeout;  // kArm: the fence command's bound
};

// One line, '\n' included.
std::string Encode(const Request& request);
// InvalidArgument naming what is missing or malformed.
Result<Request> Decode(const std::string& line);

}  // namespace baton::adapters::watchdog
