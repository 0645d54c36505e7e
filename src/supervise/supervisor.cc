#include "supervise/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/check.h"
#include "probe/spawn.h"

namespace baton::supervise {
namespace {

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit " + std::to_string(WEXITSTATUS(wait_status));
  return std::string("signal ") + strsignal(WTERMSIG(wait_status));
}

}  // namespace

Status SupervisorConfig::Validate() const {
  if (member.empty()) return Status::InvalidArgument("supervisor needs a member name");
  if (command.empty() || command[0].empty()) {
    return Status::InvalidArgument("supervisor of " + member + " needs a command");
  }
  if (log_path.empty()) return Status::InvalidArgument("supervisor of " + member + " needs a log");
  if (stop_grace < Duration::Zero()) {
    return Status::InvalidArgument("supervisor stop_grace must be >= 0");
  }
  if (poll_interval <= Duration::Zero()) {
    return Status::InvalidArgument("supervisor poll_interval must be > 0");
  }
  return restart.Validate();
}

std::string_view ProcessStateName(ProcessState state) {
  switch (state) {
    case ProcessState::kStopped:
      return "stopped";
    case ProcessState::kRunning:
      return "running";
    case ProcessState::kStopping:
      return "stopping";
    case ProcessState::kBackoff:
      return "backoff";
    case ProcessState::kCrashLoop:
      return "crash-loop";
  }
  return "unknown";
}

Supervisor::Supervisor(net::EventLoop& loop, SupervisorConfig config, EventFn on_event)
    : loop_(loop),
      config_(std::move(config)),
      on_event_(std::move(on_event)),
      policy_(config_.member, config_.restart) {
  const Status valid = config_.Validate();
  BATON_CHECK(valid.ok()) << valid.ToString();
}

Supervisor::~Supervisor() {
  poll_timer_.Cancel();
  grace_timer_.Cancel();
  restart_timer_.Cancel();
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

Status Supervisor::Start() {
  if (state_ == ProcessState::kRunning || state_ == ProcessState::kStopping) {
    return Status::FailedPrecondition(config_.member + " is " +
                                      std::string(ProcessStateName(state_)));
  }
  restart_timer_.Cancel();
  const Status spawned = Spawn();
  if (!spawned.ok() && state_ == ProcessState::kBackoff) state_ = ProcessState::kStopped;
  return spawned;
}

Status Supervisor::Spawn() {
  const int log = open(config_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log < 0) {
    return Status::IOError("open " + config_.log_path + ": " + std::strerror(errno));
  }
  Result<pid_t> pid = probe::SpawnInNewGroup(config_.command, log, log);
  close(log);
  if (!pid.has_value()) {
    Emit("+start-failed", {{"error", pid.error().message()}});
    return pid.error();
  }
  pid_ = *pid;
  ++starts_;
  state_ = ProcessState::kRunning;
  policy_.OnStarted(loop_.Now());
  Emit("+started", {{"pid", std::to_string(pid_)}});
  poll_timer_.Cancel();
  poll_timer_ = loop_.RunEvery(config_.poll_interval, [this] { Poll(); });
  return Status::Ok();
}

void Supervisor::Poll() {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != pid_) {
    return;
  }
  // Not reaped yet, so the pid still names the group: end what it left.
  kill(-pid_, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
  }
  OnExit(wait_status);
}

void Supervisor::OnExit(int wait_status) {
  poll_timer_.Cancel();
  grace_timer_.Cancel();
  const pid_t pid = std::exchange(pid_, -1);
  if (state_ == ProcessState::kStopping) {
    Emit("+stopped", {{"pid", std::to_string(pid)}, {"signal", kill_signal_}});
    if (stop_requested_) {
      state_ = ProcessState::kStopped;
      stop_requested_ = false;
      for (auto& done : std::exchange(stop_done_, {})) done();
    } else if (restart_at_) {
      ScheduleRestart(*std::exchange(restart_at_, std::nullopt) - loop_.Now());
    } else {
      state_ = ProcessState::kCrashLoop;  // a liveness failure beyond the budget
    }
    return;
  }
  const std::string how = DescribeExit(wait_status);
  Emit("+exited", {{"pid", std::to_string(pid)}, {"status", how}});
  Fail("exited: " + how);
}

void Supervisor::Fail(std::string_view reason) {
  const detect::RestartDecision decision = policy_.OnFailure(loop_.Now(), reason);
  EmitPolicyEvents();
  if (!decision.restart) {
    state_ = ProcessState::kCrashLoop;
    return;
  }
  ScheduleRestart(decision.backoff);
}

void Supervisor::ScheduleRestart(Duration delay) {
  state_ = ProcessState::kBackoff;
  restart_timer_ = loop_.RunAfter(delay, [this] {
    const Status started = Spawn();
    if (!started.ok()) Fail(started.message());
  });
}

void Supervisor::OnLivenessFailed(std::string_view reason) {
  if (state_ != ProcessState::kRunning) return;
  const detect::RestartDecision decision =
      policy_.OnFailure(loop_.Now(), "liveness: " + std::string(reason));
  EmitPolicyEvents();
  if (decision.restart) restart_at_ = decision.restart_at;
  Terminate();
}

void Supervisor::Stop(std::function<void()> done) {
  restart_timer_.Cancel();
  restart_at_.reset();
  if (state_ != ProcessState::kRunning && state_ != ProcessState::kStopping) {
    if (state_ == ProcessState::kBackoff) state_ = ProcessState::kStopped;
    if (done) done();
    return;
  }
  stop_requested_ = true;
  if (done) stop_done_.push_back(std::move(done));
  if (state_ == ProcessState::kRunning) Terminate();
}

void Supervisor::Terminate() {
  state_ = ProcessState::kStopping;
  kill_signal_ = "SIGTERM";
  kill(-pid_, SIGTERM);
  grace_timer_ = loop_.RunAfter(config_.stop_grace, [this] {
    kill_signal_ = "SIGKILL";
    kill(-pid_, SIGKILL);
  });
}

void Supervisor::ClearCrashLoop() {
  policy_.ClearCrashLoop(loop_.Now());
  EmitPolicyEvents();
  if (state_ == ProcessState::kCrashLoop) state_ = ProcessState::kStopped;
}

void Supervisor::Emit(std::string name, std::vector<std::pair<std::string, std::string>> fields) {
  on_event_(detect::Event{.name = std::move(name),
                          .target = config_.member,
                          .time = loop_.Now(),
                          .fields = std::move(fields)});
}

void Supervisor::EmitPolicyEvents() {
  for (const detect::Event& event : policy_.TakeEvents()) on_event_(event);
}

}  // namespace baton::supervise
