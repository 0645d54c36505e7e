#include "admin/test_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "core/check.h"

namespace baton::admin::testing {
namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Binds a fresh socket to 127.0.0.1:0 and returns it with its port.
int BindEphemeral(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BATON_CHECK(fd >= 0) << "socket()";
  sockaddr_in addr = Loopback(0);
  BATON_CHECK(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) << "bind()";
  socklen_t len = sizeof(addr);
  BATON_CHECK(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

using Clock = std::chrono::steady_clock;

int RemainingMillis(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

Clock::time_point DeadlineAfter(Duration d) {
  return Clock::now() + std::chrono::nanoseconds(d.nanos());
}

// Length of the first whole response in `data`, or 0 when it is incomplete.
size_t ResponseLength(const std::string& data) {
  const size_t header_end = data.find("\r\n\r\n");
  if (header_end == std::string::npos) return 0;
  std::string headers = data.substr(0, header_end);
  for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t body = 0;
  const size_t at = headers.find("\r\ncontent-length:");
  if (at != std::string::npos) body = std::strtoul(headers.c_str() + at + 17, nullptr, 10);
  const size_t total = header_end + 4 + body;
  return data.size() >= total ? total : 0;
}

}  // namespace

RawConnection::RawConnection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  BATON_CHECK(fd_ >= 0) << "socket()";
  const sockaddr_in addr = Loopback(port);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void RawConnection::CloseWrite() { ::shutdown(fd_, SHUT_WR); }

bool RawConnection::ReadMore(Duration deadline, bool* closed) {
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(deadline.millis())) <= 0) return false;
  char buf[4096];
  const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) {
    *closed = true;
    return false;
  }
  pending_.append(buf, static_cast<size_t>(n));
  return true;
}

std::string RawConnection::ReadResponse(Duration deadline) {
  const auto until = DeadlineAfter(deadline);
  bool closed = false;
  while (ResponseLength(pending_) == 0) {
    if (!ReadMore(Duration::Millis(RemainingMillis(until)), &closed)) return "";
  }
  const size_t n = ResponseLength(pending_);
  std::string response = pending_.substr(0, n);
  pending_.erase(0, n);
  return response;
}

bool RawConnection::WaitClosed(Duration deadline, std::string* received) {
  const auto until = DeadlineAfter(deadline);
  bool closed = false;
  while (!closed && RemainingMillis(until) > 0) {
    ReadMore(Duration::Millis(RemainingMillis(until)), &closed);
  }
  received->append(pending_);
  pending_.clear();
  return closed;
}

uint16_t RefusingPort() {
  uint16_t port = 0;
  ::close(BindEphemeral(&port));
  return port;
}

SilentListener::SilentListener() {
  fd_ = BindEphemeral(&port_);
  BATON_CHECK(::listen(fd_, 16) == 0) << "listen()";
}

SilentListener::~SilentListener() { ::close(fd_); }

}  // namespace baton::admin::testing
