#include "probe/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "probe/internal/io.h"
#include "probe/spawn.h"

namespace baton::probe {
namespace {

using internal::Deadline;
using internal::ErrnoText;
using internal::Fd;

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

// An in-memory file holding `input`, positioned at its start.
Result<Fd> InputFile(const std::string& input) {
  Fd fd(memfd_create("baton-input", MFD_CLOEXEC));
  if (!fd) return Status::IOError("exec: memfd_create: " + ErrnoText(errno));
  size_t written = 0;
  while (written < input.size()) {
    const ssize_t n = write(fd.get(), input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("exec: writing stdin: " + ErrnoText(errno));
    written += static_cast<size_t>(n);
  }
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

int WaitMillis(const Deadline& deadline, bool unbounded, bool poll_often) {
  int ms = unbounded ? -1 : deadline.PollMillis();
  if (poll_often) ms = ms < 0 ? 50 : std::min(ms, 50);
  return ms;
}

}  // namespace

std::string CommandOutcome::Summary(Duration timeout) const {
  if (timed_out) return "timed out after " + timeout.ToString() + " (process group killed)";
  if (cancelled) return "cancelled";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit " + std::to_string(exit_code);
}

Result<CommandOutcome> RunCommand(const CommandSpec& spec, Duration timeout) {
  const bool unbounded = timeout == Duration::Max();
  const Deadline deadline(unbounded ? Duration::Zero() : timeout);
  Capture out(spec.output_limit_bytes);
  Capture err(spec.output_limit_bytes);
  Fd out_w;
  Fd err_w;
  Status piped = MakePipe(&out.fd, &out_w);
  if (piped.ok()) piped = MakePipe(&err.fd, &err_w);
  if (!piped.ok()) return piped;
  Fd in;
  if (!spec.input.empty()) {
    Result<Fd> file = InputFile(spec.input);
    if (!file.has_value()) return file.error();
    in = std::move(*file);
  }

  SpawnOptions options;
  options.stdin_fd = in.get();
  options.stdout_fd = out_w.get();
  options.stderr_fd = err_w.get();
  options.env = spec.env;
  Result<pid_t> spawned = SpawnInNewGroup(spec.argv, options);
  if (!spawned.has_value()) return spawned.error();
  const pid_t pid = *spawned;
  out_w = Fd();
  err_w = Fd();
  in = Fd();
  Fd exit_fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));

  CommandOutcome outcome;
  bool exited = false;
  while (!exited) {
    if (!unbounded && deadline.Expired()) {
      outcome.timed_out = true;
      break;
    }
    if (spec.cancel != nullptr && spec.cancel->load()) {
      outcome.cancelled = true;
      break;
    }
    pollfd fds[3] = {{.fd = exit_fd.get(), .events = POLLIN, .revents = 0},
                     {.fd = out.fd.get(), .events = POLLIN, .revents = 0},
                     {.fd = err.fd.get(), .events = POLLIN, .revents = 0}};
    // Without a pidfd (kernel < 5.3), look for the exit every 50 ms.
    const int wait_ms = WaitMillis(deadline, unbounded, spec.cancel != nullptr || !exit_fd);
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
  outcome.stdout_text = std::move(out.kept);
  outcome.stderr_text = std::move(err.kept);
  if (WIFEXITED(wait_status)) outcome.exit_code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) outcome.signal = WTERMSIG(wait_status);
  return outcome;
}

}  // namespace baton::probe
