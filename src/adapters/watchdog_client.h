// WatchdogClient: the agent's side of the watchdog (watchdog.h). The agent
// that holds a primary lease arms the watchdog with the instant by which its
// member must be fenced if the lease is not renewed, re-arms it after every
// renewal, and disarms it when it gives the lease up in order. If the agent
// then hangs, is paused or dies, the watchdog — a separate process that
// shares nothing with the agent but CLOCK_MONOTONIC — fences the member at
// that instant on its own.
//
// Contract:
//  - Start spawns the watchdog (`argv`, e.g. {"/proc/self/exe", "watchdog"})
//    in its own process group, with a socketpair as its stdin/stdout (the
//    control channel) and its stderr appended to `log_path`.
//  - Arm(member, fence, deadline): when it returns OK the watchdog holds this
//    deadline for `member` (replacing the previous one) and will run `fence`
//    at it (never before it; normally within a few milliseconds after, plus
//    the command's own run time) unless re-armed or disarmed first.
//    `deadline` is an Instant of steady_clock (EventLoop::Now()), which is
//    CLOCK_MONOTONIC on Linux. Use the lease holder's fence point
//    (MemberAgent::WatchdogDeadline) and a fence timeout below drift_margin
//    (docs/adapters.md, "Timing").
//  - Disarm(member): when it returns OK no fence will run for `member`
//    (unless armed again). Disarming an unknown member is OK.
//  - A fence fires once; the member must be armed again afterwards.
//  - Errors: Unavailable when the watchdog does not answer within
//    `ack_timeout` (then every later call fails too) or has gone: the
//    caller Starts a new one;
//    InvalidArgument for an empty member or command.
//  - Destruction closes the control channel but does not stop the watchdog:
//    it keeps every armed deadline, fences at them and then exits. Disarm
//    everything first on an orderly shutdown; the watchdog then exits at
//    once. The destructor reaps it if it has already exited.
// Thread-safety: Arm and Disarm may be called from any thread (serialized).
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/exec_adapter.h"
#include "core/result.h"
#include "core/time.h"

namespace baton::adapters {

class WatchdogClient {
 public:
  static Result<std::unique_ptr<WatchdogClient>> Start(const std::vector<std::string>& argv,
                                                       const std::string& log_path,
                                                       Duration ack_timeout = Duration::Seconds(1));
  ~WatchdogClient();
  WatchdogClient(const WatchdogClient&) = delete;
  WatchdogClient& operator=(const WatchdogClient&) = delete;

  // `fence_timeout` bounds each run of the fence command in the watchdog.
  Status Arm(const std::string& member, const ExecCommand& fence, Duration fence_timeout,
             Instant deadline);
  Status Disarm(const std::string& member);

  // The watchdog's pid (for logs and tests).
  pid_t pid() const { return pid_; }

 private:
  WatchdogClient(pid_t pid, int fd, Duration ack_timeout)
      : pid_(pid), fd_(fd), ack_timeout_(ack_timeout) {}
  // Sends one request line and waits for its answer.
  Status Exchange(const std::string& line);

  const pid_t pid_;
  const int fd_;
  const Duration ack_timeout_;
  std::mutex mu_;
  std::string received_;  // bytes read past the last answer (guarded by mu_)
  bool broken_ = false;   // an answer timed out: answers no longer match requests
};

}  // namespace baton::adapters
