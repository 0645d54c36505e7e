#include "route/socket_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baton::route::internal {

std::optional<Endpoint> ResolveNumeric(const std::string& host, uint16_t port) {
  Endpoint ep;
  const std::string literal = host == "localhost" ? "127.0.0.1" : host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ep.addr);
  if (inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    ep.len = sizeof(sockaddr_in);
    return ep;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ep.addr);
  if (inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    ep.len = sizeof(sockaddr_in6);
    return ep;
  }
  return std::nullopt;
}

std::optional<Endpoint> ResolveNumeric(const std::string& host_port) {
  std::optional<config::HostPort> hp = config::ParseHostPort(host_port);
  if (!hp) return std::nullopt;
  return ResolveNumeric(hp->host, hp->port);
}

namespace {

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

}  // namespace

Result<int> ListenReusePort(const Endpoint& at, uint16_t* bound_port) {
  const int fd = socket(at.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  Endpoint local = at;
  if (local.addr.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&local.addr)->sin_port = htons(*bound_port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&local.addr)->sin6_port = htons(*bound_port);
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&local.addr), local.len) != 0 ||
      listen(fd, SOMAXCONN) != 0) {
    Status error = Errno("bind/listen");
    close(fd);
    return error;
  }
  sockaddr_storage got{};
  socklen_t len = sizeof(got);
  getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len);
  *bound_port = ntohs(got.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&got)->sin_port
                                               : reinterpret_cast<sockaddr_in6*>(&got)->sin6_port);
  return fd;
}

void SetNoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

Result<int> StartConnect(const Endpoint& to) {
  const int fd = socket(to.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  SetNoDelay(fd);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to.addr), to.len) != 0 &&
      errno != EINPROGRESS) {
    Status error = Errno("connect");
    close(fd);
    return error;
  }
  return fd;
}

}  // namespace baton::route::internal
