// Test helpers: raw POSIX sockets on 127.0.0.1 for sending bytes no HTTP
// client would send (garbage, half requests, pipelined requests), and for
// endpoints that refuse or never answer. Every wait is bounded by a deadline.
//
// Test-only; each object is used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.h"

namespace baton::admin::testing {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port);  // connected() says whether it worked
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False when the bytes could not all be written (e.g. the peer closed).
  bool Send(std::string_view bytes);
  // Half-closes: the peer reads end-of-stream.
  void CloseWrite();
  // One whole HTTP response (headers plus Content-Length body), or "" when it
  // does not arrive within `deadline`. Bytes after it are kept for the next.
  std::string ReadResponse(Duration deadline);
  // True when the peer closes within `deadline`; whatever it sent before
  // closing is appended to `received`.
  bool WaitClosed(Duration deadline, std::string* received);

 private:
  // Reads what is available within `deadline`; false on timeout, EOF or error.
  bool ReadMore(Duration deadline, bool* closed);

  int fd_ = -1;
  std::string pending_;
};

// A loopback port nobody listens on: connecting to it is refused.
uint16_t RefusingPort();

// A loopback listener that never accepts: connections complete (the kernel
// queues them) but nothing is ever read or written.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace baton::admin::testing
