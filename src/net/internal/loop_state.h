// The Asio io_context behind an EventLoop. Private to src/net: only .cc files
// that do socket or timer work include it, so Asio stays out of every public
// header. Same thread rules as EventLoop.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "net/event_loop.h"

namespace baton::net::internal {

struct LoopState {
  boost::asio::io_context io{1};
  // Keeps Run() from returning when no work is pending.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(io);
};

}  // namespace baton::net::internal
