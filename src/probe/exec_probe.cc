#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "probe/internal/probes.h"
#include "probe/spawn.h"

namespace baton::probe::internal {
namespace {

// One output pipe of the child: the read end and the bytes kept from it.
struct Capture {
  explicit Capture(size_t limit_bytes) : limit(limit_bytes) {}

  Fd fd;
  std::string kept;
  const size_t limit;

  // Reads what is available now; closes the pipe at end of stream.
  void Drain() {
    char buf[4096];
    while (fd) {
      const ssize_t n = read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        const size_t room = limit - std::min(limit, kept.size());
        kept.append(buf, std::min(room, static_cast<size_t>(n)));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
        fd = Fd();
      } else if (errno != EINTR) {
        return;
      }
    }
  }
};

Status MakePipe(Fd* read_end, Fd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::IOError("exec: pipe: " + ErrnoText(errno));
  *read_end = Fd(fds[0]);
  *write_end = Fd(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  return Status::Ok();
}

std::string Summary(int wait_status) {
  if (WIFEXITED(wait_status)) return "exec: exit " + std::to_string(WEXITSTATUS(wait_status));
  return "exec: killed by signal " + std::to_string(WTERMSIG(wait_status));
}

}  // namespace

ProbeOutcome RunExec(const ExecSpec& spec, const Deadline& deadline) {
  const std::vector<std::string> argv =
      spec.shell ? std::vector<std::string>{"/bin/sh", "-c", spec.command.at(0)} : spec.command;
  Capture out(spec.output_limit_bytes);
  Capture err(spec.output_limit_bytes);
  Fd out_w;
  Fd err_w;
  Status piped = MakePipe(&out.fd, &out_w);
  if (piped.ok()) piped = MakePipe(&err.fd, &err_w);
  if (!piped.ok()) return Failed(piped);

  Result<pid_t> spawned = SpawnInNewGroup(argv, out_w.get(), err_w.get());
  if (!spawned.has_value()) return Failed(spawned.error());
  const pid_t pid = *spawned;
  out_w = Fd();
  err_w = Fd();
  Fd exit_fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));

  bool exited = false;
  while (!exited && !deadline.Expired()) {
    pollfd fds[3] = {{.fd = exit_fd.get(), .events = POLLIN, .revents = 0},
                     {.fd = out.fd.get(), .events = POLLIN, .revents = 0},
                     {.fd = err.fd.get(), .events = POLLIN, .revents = 0}};
    // Without a pidfd (kernel < 5.3), look for the exit every 10 ms.
    const int wait_ms = exit_fd ? deadline.PollMillis() : std::min(deadline.PollMillis(), 10);
    if (poll(fds, 3, wait_ms) < 0 && errno != EINTR) break;
    out.Drain();
    err.Drain();
    siginfo_t info{};
    exited = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
             info.si_pid == pid;
  }
  // The child is not reaped yet, so its pid still names its process group.
  kill(-pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  out.Drain();
  err.Drain();

  ProbeOutcome outcome;
  outcome.stdout_text = std::move(out.kept);
  outcome.stderr_text = std::move(err.kept);
  if (WIFEXITED(wait_status)) outcome.exit_code = WEXITSTATUS(wait_status);
  const std::string output = outcome.stdout_text + outcome.stderr_text;
  if (!exited) {
    outcome.result.output = TimedOut("exec", deadline).message() + " (process group killed)";
  } else if (outcome.exit_code == 0) {
    outcome.result.ok = true;
    outcome.result.output = output;
    return outcome;
  } else {
    outcome.result.output = Summary(wait_status);
  }
  if (!output.empty()) outcome.result.output += "\n" + output;
  return outcome;
}

}  // namespace baton::probe::internal
