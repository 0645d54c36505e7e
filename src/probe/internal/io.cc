#include "probe/internal/io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baton::probe::internal {

Deadline::Deadline(Duration timeout)
    : start_(std::chrono::steady_clock::now()), timeout_(timeout) {}

Duration Deadline::Elapsed() const {
  return Duration::Nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now() - start_)
                             .count());
}

Duration Deadline::Remaining() const {
  const Duration left = timeout_ - Elapsed();
  return left > Duration::Zero() ? left : Duration::Zero();
}

int Deadline::PollMillis() const {
  const int64_t ns = Remaining().nanos();
  return static_cast<int>((ns + 999'999) / 1'000'000);
}

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

int Fd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof buf);
}

Status TimedOut(std::string_view what, const Deadline& deadline) {
  return Status::Timeout(std::string(what) + ": timed out after " + deadline.timeout().ToString());
}

Result<AddrList> Resolve(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  if (rc != 0) {
    const std::string reason = rc == EAI_SYSTEM ? ErrnoText(errno) : gai_strerror(rc);
    return Status::NotFound("resolve: " + host + ": " + reason);
  }
  return AddrList(list);
}

std::string NumericHost(const addrinfo& ai) {
  char buf[NI_MAXHOST] = {};
  getnameinfo(ai.ai_addr, ai.ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST);
  return buf;
}

Status WaitFd(int fd, short events, const Deadline& deadline, std::string_view what) {
  for (;;) {
    if (deadline.Expired()) return TimedOut(what, deadline);
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int rc = poll(&p, 1, deadline.PollMillis());
    if (rc > 0) return Status::Ok();
    if (rc < 0 && errno != EINTR) {
      return Status::IOError(std::string(what) + ": poll: " + ErrnoText(errno));
    }
  }
}

Status SendAll(int fd, std::string_view data, const Deadline& deadline, std::string_view what) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      BATON_RETURN_IF_ERROR(WaitFd(fd, POLLOUT, deadline, what));
    } else if (n < 0 && errno != EINTR) {
      return Status::IOError(std::string(what) + ": " + ErrnoText(errno));
    }
  }
  return Status::Ok();
}

Result<Fd> ConnectTcp(const std::string& host, uint16_t port, const Deadline& deadline) {
  BATON_ASSIGN_OR_RETURN(AddrList list, Resolve(host, port));
  const std::string endpoint = "connect: " + host + ":" + std::to_string(port);
  std::string last_error = "no address";
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    Fd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) {
      last_error = ErrnoText(errno);
      continue;
    }
    if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) {
      last_error = ErrnoText(errno);
      continue;
    }
    BATON_RETURN_IF_ERROR(WaitFd(fd.get(), POLLOUT, deadline, endpoint));
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0) return fd;
    last_error = ErrnoText(err);
  }
  return Status::Unavailable(endpoint + ": " + last_error);
}

}  // namespace baton::probe::internal
