#include "adapters/watchdog_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "adapters/watchdog_protocol.h"
#include "probe/spawn.h"

namespace baton::adapters {
namespace {

std::chrono::steady_clock::time_point After(Duration d) {
  return std::chrono::steady_clock::now() + std::chrono::nanoseconds(d.nanos());
}

int MillisLeft(std::chrono::steady_clock::time_point end) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count() + 1));
}

}  // namespace

Result<std::unique_ptr<WatchdogClient>> WatchdogClient::Start(const std::vector<std::string>& argv,
                                                              const std::string& log_path,
                                                              Duration ack_timeout) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::IOError(std::string("watchdog: socketpair: ") + std::strerror(errno));
  }
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    close(fds[0]);
    close(fds[1]);
    return Status::IOError("watchdog: open " + log_path + ": " + std::strerror(errno));
  }
  probe::SpawnOptions options;
  options.stdin_fd = fds[1];
  options.stdout_fd = fds[1];
  options.stderr_fd = log_fd;
  Result<pid_t> spawned = probe::SpawnInNewGroup(argv, options);
  close(fds[1]);
  close(log_fd);
  if (!spawned.has_value()) {
    close(fds[0]);
    return spawned.error().WithContext("watchdog");
  }
  return std::unique_ptr<WatchdogClient>(new WatchdogClient(*spawned, fds[0], ack_timeout));
}

WatchdogClient::~WatchdogClient() {
  close(fd_);
  int status = 0;
  waitpid(pid_, &status, WNOHANG);
}

Status WatchdogClient::Arm(const std::string& member, const ExecCommand& fence,
                           Duration fence_timeout, Instant deadline) {
  if (member.empty() || fence.argv.empty()) {
    return Status::InvalidArgument("watchdog: Arm needs a member and a fence command");
  }
  watchdog::Request request;
  request.op = watchdog::Request::Op::kArm;
  request.member = member;
  request.deadline = deadline;
  request.command = fence.argv;
  request.env = fence.env;
  request.timeout = fence_timeout;
  return Exchange(watchdog::Encode(request));
}

Status WatchdogClient::Disarm(const std::string& member) {
  if (member.empty()) return Status::InvalidArgument("watchdog: Disarm needs a member");
  watchdog::Request request;
  request.op = watchdog::Request::Op::kDisarm;
  request.member = member;
  return Exchange(watchdog::Encode(request));
}

Status WatchdogClient::Exchange(const std::string& line) {
  std::lock_guard lock(mu_);
  if (broken_) return Status::Unavailable("watchdog: an earlier answer was late; start a new one");
  const auto end = After(ack_timeout_);
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Unavailable(std::string("watchdog: send: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  while (received_.find('\n') == std::string::npos) {
    pollfd p = {.fd = fd_, .events = POLLIN, .revents = 0};
    const int ready = poll(&p, 1, MillisLeft(end));
    if (ready == 0) {
      broken_ = true;  // a late answer would be taken for the next request's
      return Status::Unavailable("watchdog: no answer within " + ack_timeout_.ToString());
    }
    if (ready < 0 && errno == EINTR) continue;
    char buf[512];
    const ssize_t n = ready > 0 ? read(fd_, buf, sizeof buf) : -1;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("watchdog: the watchdog process has gone");
    received_.append(buf, static_cast<size_t>(n));
  }
  const size_t eol = received_.find('\n');
  const std::string answer = received_.substr(0, eol);
  received_.erase(0, eol + 1);
  if (answer == "ok") return Status::Ok();
  return Status::InvalidArgument("watchdog: " + answer);
}

}  // namespace baton::adapters
