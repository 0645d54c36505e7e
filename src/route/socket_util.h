// Socket helpers for the proxy's event loops (Linux). Internal to src/route.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

#include "config/host_port.h"
#include "core/result.h"

namespace baton::route::internal {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

// "127.0.0.1:6379", "[::1]:6379" or "localhost:6379" (as 127.0.0.1). No DNS:
// the proxy resolves on the topology thread and must never block it.
std::optional<Endpoint> ResolveNumeric(const std::string& host, uint16_t port);
std::optional<Endpoint> ResolveNumeric(const std::string& host_port);

// A non-blocking listening socket with SO_REUSEADDR and SO_REUSEPORT, so each
// event loop binds its own socket on the same port and the kernel spreads
// connections. Returns the fd; *bound_port is the port bound (port 0 picks).
Result<int> ListenReusePort(const Endpoint& at, uint16_t* bound_port);

// Starts a non-blocking connect with TCP_NODELAY. Returns the fd (the connect
// may still be in progress), or an error Status.
Result<int> StartConnect(const Endpoint& to);

void SetNoDelay(int fd);

}  // namespace baton::route::internal
