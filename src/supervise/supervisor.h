// Supervisor: runs one member's process on this node and keeps it running
// (local supervision; the decisions come from detect::RestartPolicy).
//
//  - Start() spawns the command in its own process group, stdin from
//    /dev/null, stdout and stderr appended to the log file. A member that is
//    not running (a cold standby, or after Stop) is started on demand.
//    The command must run in the foreground: a server that daemonizes
//    (forks and lets its first process exit) looks like an exit.
//  - The exit is noticed by polling waitpid(WNOHANG) on a loop timer every
//    `poll_interval` (no SIGCHLD handler, so nothing else in the process is
//    disturbed). The rest of the group is killed when its leader exits.
//  - An unexpected exit, a failed spawn, or OnLivenessFailed() (the hook the
//    agent calls when the member's liveness check turns unhealthy) is a
//    failure: RestartPolicy grants a restart after a backoff, or declares a
//    crash loop, after which the member stays down and healthy() is false
//    until ClearCrashLoop().
//  - Stop() sends SIGTERM to the group, then SIGKILL after `stop_grace`.
//
// Every step is reported to `on_event` as a detect::Event: "+started"
// (pid), "+exited" (pid, status), "+start-failed" (error), "+stopped" (pid,
// signal), and the policy's "+restart", "+crash-loop", "-crash-loop".
//
// Thread-safety: loop thread only. `on_event` must not destroy the
// Supervisor. The destructor kills the group (SIGKILL) and reaps it.
// REQUIRES: the loop outlives the Supervisor.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "detect/event.h"
#include "detect/restart_policy.h"
#include "net/event_loop.h"

namespace baton::supervise {

struct SupervisorConfig {
  // The member's name: the target of every event.
  std::string member{};
  // argv; argv[0] is looked up on PATH when it has no '/'. No shell.
  std::vector<std::string> command{};
  // stdout and stderr of every run are appended here (created 0640).
  std::string log_path{};
  // Time between SIGTERM and SIGKILL on Stop and on a liveness restart.
  // Longer lets a database shut down cleanly; shorter frees the node sooner.
  // Default 10s.
  Duration stop_grace = Duration::Seconds(10);
  // How often waitpid() looks for an exit: the detection delay of a crash.
  // Default 100ms.
  Duration poll_interval = Duration::Millis(100);
  // Backoff and budget of restarts (docs/detection.md, RestartPolicy).
  detect::RestartConfig restart{};

  // OK, or InvalidArgument naming the first bad field.
  Status Validate() const;
};

enum class ProcessState {
  kStopped,    // not running and not going to be: cold standby, or after Stop
  kRunning,    // the process runs
  kStopping,   // signalled, waiting for it to exit
  kBackoff,    // exited or failed, a restart is scheduled
  kCrashLoop,  // the restart budget is spent: down until ClearCrashLoop
};
std::string_view ProcessStateName(ProcessState state);

class Supervisor {
 public:
  using EventFn = std::function<void(const detect::Event&)>;

  // Starts nothing. REQUIRES: config.Validate().ok().
  Supervisor(net::EventLoop& loop, SupervisorConfig config, EventFn on_event);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts the process now, from kStopped, kBackoff (skipping the wait) or
  // kCrashLoop (an operator's explicit start; the loop stays recorded until
  // ClearCrashLoop). FailedPrecondition when it runs or is stopping; the
  // spawn error ("exec: no such file: ...") when it cannot start.
  Status Start();

  // Stops the process (SIGTERM, SIGKILL after stop_grace) and cancels any
  // scheduled restart; `done` (optional) runs once it is reaped, at once if
  // nothing runs.
  void Stop(std::function<void()> done = nullptr);

  // The member's liveness check failed: a failure for the restart policy;
  // when a restart is granted the process is stopped and started again
  // after the backoff. Ignored unless running.
  void OnLivenessFailed(std::string_view reason);

  // The cause of a crash loop was fixed: the budget starts afresh. Does not
  // start the process (call Start).
  void ClearCrashLoop();

  ProcessState state() const { return state_; }
  // The running (or stopping) process, or -1.
  pid_t pid() const { return pid_; }
  // False while crash-looping.
  bool healthy() const { return !policy_.crash_looping(); }
  // Processes started so far.
  int starts() const { return starts_; }

 private:
  Status Spawn();
  void Poll();
  void OnExit(int wait_status);
  void Fail(std::string_view reason);
  void ScheduleRestart(Duration delay);
  void Terminate();
  void Emit(std::string name, std::vector<std::pair<std::string, std::string>> fields);
  void EmitPolicyEvents();

  net::EventLoop& loop_;
  const SupervisorConfig config_;
  EventFn on_event_;
  detect::RestartPolicy policy_;

  ProcessState state_ = ProcessState::kStopped;
  pid_t pid_ = -1;
  int starts_ = 0;
  bool stop_requested_ = false;                   // kStopping for Stop, not a restart
  std::optional<Instant> restart_at_;             // kStopping for a liveness restart
  std::string kill_signal_;                       // the last signal sent while stopping
  std::vector<std::function<void()>> stop_done_;  // Stop callbacks to run once reaped
  net::TimerHandle poll_timer_;
  net::TimerHandle grace_timer_;
  net::TimerHandle restart_timer_;
};

}  // namespace baton::supervise
