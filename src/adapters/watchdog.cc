#include "adapters/watchdog.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <string>

#include "adapters/command_status.h"
#include "adapters/wall_clock.h"
#include "adapters/watchdog_protocol.h"
#include "probe/run_command.h"

namespace baton::adapters {
namespace {

constexpr int kFenceAttempts = 3;

Instant MonotonicNow() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Instant::FromNanos(int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec);
}

class Watchdog {
 public:
  Watchdog(int control_fd, std::FILE* log) : fd_(control_fd), log_(log) {}

  int Run() {
    Log("started pid=" + std::to_string(getpid()));
    while (connected_ || !armed_.empty()) {
      FireExpired();
      if (!connected_ && armed_.empty()) break;
      pollfd p = {.fd = connected_ ? fd_ : -1, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, WaitMillis()) > 0) ReadRequests();
    }
    Log("exiting: agent gone and nothing armed");
    return 0;
  }

 private:
  // Milliseconds until the earliest deadline, rounded up so a fence never
  // runs before it; -1 (forever) when nothing is armed.
  int WaitMillis() const {
    if (armed_.empty()) return -1;
    Instant earliest = armed_.begin()->second.deadline;
    for (const auto& [member, request] : armed_) earliest = std::min(earliest, request.deadline);
    const int64_t ns = (earliest - MonotonicNow()).nanos();
    if (ns <= 0) return 0;
    return static_cast<int>(std::min<int64_t>((ns + 999'999) / 1'000'000, 60'000));
  }

  void FireExpired() {
    for (auto it = armed_.begin(); it != armed_.end();) {
      const Instant now = MonotonicNow();
      if (now < it->second.deadline) {
        ++it;
        continue;
      }
      Fence(it->second, now);
      it = armed_.erase(it);
    }
  }

  void Fence(const watchdog::Request& armed, Instant now) {
    Log("fencing member=" + armed.member + " late_by=" + (now - armed.deadline).ToString() +
        (connected_ ? "" : " (agent gone)"));
    probe::CommandSpec spec;
    spec.argv = armed.command;
    spec.env.assign(armed.env.begin(), armed.env.end());
    for (int attempt = 1; attempt <= kFenceAttempts; ++attempt) {
      const Status fenced = CommandStatus("fence " + armed.member,
                                          probe::RunCommand(spec, armed.timeout), armed.timeout);
      if (fenced.ok()) {
        Log("fenced member=" + armed.member + " attempt=" + std::to_string(attempt));
        return;
      }
      Log("fence failed member=" + armed.member + " attempt=" + std::to_string(attempt) + ": " +
          fenced.ToString());
    }
  }

  void ReadRequests() {
    char buf[4096];
    const ssize_t n = read(fd_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      connected_ = false;
      Log("agent gone; keeping " + std::to_string(armed_.size()) + " armed deadline(s)");
      return;
    }
    pending_.append(buf, static_cast<size_t>(n));
    for (size_t eol = pending_.find('\n'); eol != std::string::npos; eol = pending_.find('\n')) {
      const std::string line = pending_.substr(0, eol);
      pending_.erase(0, eol + 1);
      Answer(Apply(line));
    }
    if (pending_.size() > kMaxLineBytes) {
      pending_.clear();
      Answer(Status::InvalidArgument("request line too long"));
    }
  }

  Status Apply(const std::string& line) {
    Result<watchdog::Request> request = watchdog::Decode(line);
    if (!request.has_value()) {
      Log("bad request: " + request.error().message());
      return request.error();
    }
    if (request->op == watchdog::Request::Op::kDisarm) {
      if (armed_.erase(request->member) > 0) Log("disarmed member=" + request->member);
      return Status::Ok();
    }
    if (!armed_.contains(request->member)) {
      Log("armed member=" + request->member +
          " in=" + (request->deadline - MonotonicNow()).ToString());
    }
    armed_[request->member] = std::move(*request);
    return Status::Ok();
  }

  void Answer(const Status& status) {
    const std::string line = status.ok() ? "ok\n" : "error " + status.message() + "\n";
    // MSG_NOSIGNAL: an agent that went away must not kill us with SIGPIPE.
    // (A failed send needs no handling: the next read sees the end of stream.)
    (void)send(fd_, line.data(), line.size(), MSG_NOSIGNAL);
  }

  void Log(const std::string& message) {
    std::fprintf(log_, "%s watchdog: %s\n", WallClockNow().c_str(), message.c_str());
    std::fflush(log_);
  }

  static constexpr size_t kMaxLineBytes = 1024 * 1024;
  const int fd_;
  std::FILE* const log_;
  bool connected_ = true;
  std::string pending_;
  std::map<std::string, watchdog::Request> armed_;
};

}  // namespace

int RunWatchdog(int control_fd, std::FILE* log) { return Watchdog(control_fd, log).Run(); }

}  // namespace baton::adapters
