// Blocking POSIX I/O bounded by a deadline, for the probes that run on a
// worker thread. Private to src/probe. Every function returns within the
// deadline (name resolution excepted: getaddrinfo cannot be bounded), and
// reports failures as a Status whose message starts with the failed step:
// "resolve: <host>: ...", "connect: <host>:<port>: ...", "<what>: timed out".
// Thread-compatible: each probe uses its own objects.
#pragma once

#include <netdb.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"
#include "core/time.h"

namespace baton::probe::internal {

// A fixed instant, `timeout` after construction, on steady_clock.
class Deadline {
 public:
  explicit Deadline(Duration timeout);

  Duration Elapsed() const;
  // Time left, never negative.
  Duration Remaining() const;
  bool Expired() const { return Remaining() == Duration::Zero(); }
  // Time left in whole milliseconds, rounded up: a poll() timeout.
  int PollMillis() const;
  Duration timeout() const { return timeout_; }

 private:
  std::chrono::steady_clock::time_point start_;
  Duration timeout_;
};

// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int Release();

 private:
  int fd_ = -1;
};

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};
using AddrList = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// TCP addresses for host:port. Error: "resolve: <host>: <reason>".
Result<AddrList> Resolve(const std::string& host, uint16_t port);

// The numeric form of an address ("127.0.0.1", "::1").
std::string NumericHost(const addrinfo& ai);

// A connected non-blocking TCP socket to the first address that accepts.
// Errors: "resolve: ...", "connect: <host>:<port>: <reason>" or
// "connect: <host>:<port>: timed out after <timeout>".
Result<Fd> ConnectTcp(const std::string& host, uint16_t port, const Deadline& deadline);

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT). Error: Timeout
// "<what>: timed out after <timeout>", or IOError.
Status WaitFd(int fd, short events, const Deadline& deadline, std::string_view what);

// Writes all of `data` to non-blocking `fd`.
Status SendAll(int fd, std::string_view data, const Deadline& deadline, std::string_view what);

// "<what>: timed out after <timeout>" as a Timeout status.
Status TimedOut(std::string_view what, const Deadline& deadline);

// strerror(err) as a std::string.
std::string ErrnoText(int err);

}  // namespace baton::probe::internal
