// Link: one peer connection (TCP, optionally TLS) that reads and writes
// whole frames, with a watchdog that closes it when its deadline passes.
// Private to src/net; included only by peer_transport.cc, so its Asio SSL
// headers are compiled once. Loop thread only.
#pragma once

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "net/frame.h"

namespace baton::net::internal {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Completion token: errors come back as values, never as exceptions.
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

inline std::chrono::nanoseconds ToChrono(Duration d) {
  return std::chrono::nanoseconds(std::max<int64_t>(d.nanos(), 0));
}

inline bool IsEndOfStream(const error_code& ec) {
  return ec == asio::error::eof || ec == ssl::error::stream_truncated;
}

// A frame that passed every check of DecodeFrameHeader and CheckFramePayload.
struct Frame {
  FrameType type = FrameType::kData;
  std::string payload;
};

// Bytes of a frame's payload read (and allocated) at a time.
inline constexpr size_t kPayloadChunkBytes = 64 * 1024;

class Link {
 public:
  Link(asio::io_context& io, ssl::context& ctx, bool tls)
      : stream_(io, ctx), watchdog_(io), tls_(tls) {}

  tcp::socket& socket() { return stream_.next_layer(); }
  SSL* ssl() { return stream_.native_handle(); }
  bool closed() const { return closed_; }
  // Whether the watchdog closed it (its deadline passed).
  bool timed_out() const { return timed_out_; }
  // The listener's ConnectionTable id of an accepted link; 0 for a dialled one.
  uint64_t connection_id = 0;
  std::string remote() {
    error_code ec;
    const tcp::endpoint ep = socket().remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  // Runs once after Close(), for whoever waits on this link.
  void OnClose(std::function<void()> fn) { on_close_ = std::move(fn); }

  void Close() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
    watchdog_.cancel();
    if (auto fn = std::exchange(on_close_, nullptr)) fn();
  }

  // Closes the link unless ExtendDeadline is called again within `d`.
  void ExtendDeadline(Duration d) { watchdog_.expires_after(ToChrono(d)); }

  static asio::awaitable<void> Watchdog(std::shared_ptr<Link> self) {
    while (!self->closed_) {
      co_await self->watchdog_.async_wait(kUse);
      if (!self->closed_ && self->watchdog_.expiry() <= asio::steady_timer::clock_type::now()) {
        self->timed_out_ = true;
        self->Close();
      }
    }
  }

  asio::awaitable<error_code> Handshake(ssl::stream_base::handshake_type type) {
    auto [ec] = co_await stream_.async_handshake(type, kUse);
    co_return ec;
  }

  asio::awaitable<std::tuple<error_code, size_t>> Write(const std::vector<std::string>& frames) {
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(frames.size());
    for (const std::string& f : frames) buffers.push_back(asio::buffer(f));
    if (tls_) co_return co_await asio::async_write(stream_, buffers, kUse);
    co_return co_await asio::async_write(socket(), buffers, kUse);
  }

  // Reads one frame. Unavailable: closed cleanly between frames; Corruption:
  // malformed or truncated; IOError: anything else (including Close()).
  asio::awaitable<Result<Frame>> Read(uint32_t max_payload_bytes) {
    char header[kFrameHeaderSize];
    auto [ec, n] = co_await ReadExactly(asio::buffer(header));
    if (ec) {
      if (IsEndOfStream(ec) && n == 0) co_return Status::Unavailable("closed by peer");
      if (IsEndOfStream(ec)) co_return Status::Corruption("truncated frame header");
      co_return Status::IOError(ec.message());
    }
    Result<FrameHeader> h = DecodeFrameHeader({header, sizeof header}, max_payload_bytes);
    if (!h.has_value()) co_return h.error();
    Frame frame;
    frame.type = h->type;
    // The payload grows as its bytes arrive, one chunk at a time: a claimed
    // length (up to max_payload_bytes) costs nothing until it is really sent.
    size_t have = 0;
    while (have < h->length) {
      const size_t chunk = std::min<size_t>(h->length - have, kPayloadChunkBytes);
      frame.payload.resize(have + chunk);
      auto [pec, pn] = co_await ReadExactly(asio::buffer(frame.payload.data() + have, chunk));
      have += pn;
      if (IsEndOfStream(pec)) co_return Status::Corruption("truncated frame payload");
      if (pec) co_return Status::IOError(pec.message());
    }
    if (Status s = CheckFramePayload(*h, frame.payload); !s.ok()) co_return s;
    co_return frame;
  }

 private:
  asio::awaitable<std::tuple<error_code, size_t>> ReadExactly(asio::mutable_buffer buf) {
    if (tls_) co_return co_await asio::async_read(stream_, buf, kUse);
    co_return co_await asio::async_read(socket(), buf, kUse);
  }

  ssl::stream<tcp::socket> stream_;
  asio::steady_timer watchdog_;
  const bool tls_;
  bool closed_ = false;
  bool timed_out_ = false;
  std::function<void()> on_close_;
};

}  // namespace baton::net::internal
