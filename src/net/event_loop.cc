#include "net/event_loop.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "core/check.h"
#include "net/internal/loop_state.h"

namespace baton::net {

namespace internal {

LoopState& StateOf(EventLoop& loop) { return *loop.state_; }

struct TimerState {
  explicit TimerState(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::function<void()> fn;
  Duration period;  // zero for a one-shot timer
  bool active = true;
};

}  // namespace internal

namespace {

std::chrono::nanoseconds ToChrono(Duration d) {
  return std::chrono::nanoseconds(std::max<int64_t>(d.nanos(), 0));
}

void Arm(const std::shared_ptr<internal::TimerState>& state, Duration delay) {
  state->timer.expires_after(ToChrono(delay));
  state->timer.async_wait([state](const boost::system::error_code& ec) {
    if (ec || !state->active) return;
    if (state->period == Duration::Zero()) state->active = false;
    state->fn();
    if (state->active && state->period > Duration::Zero()) Arm(state, state->period);
  });
}

}  // namespace

void TimerHandle::Cancel() {
  if (auto state = state_.lock()) {
    state->active = false;
    state->timer.cancel();
  }
}

bool TimerHandle::active() const {
  auto state = state_.lock();
  return state != nullptr && state->active;
}

EventLoop::EventLoop() : state_(std::make_unique<internal::LoopState>()) {}

EventLoop::~EventLoop() = default;

void EventLoop::Run() {
  if (state_->io.stopped()) {
    state_->io.restart();
    return;
  }
  state_->io.run();
}

bool EventLoop::RunUntil(const std::function<bool()>& done, Duration timeout) {
  const Instant deadline = Now() + timeout;
  if (state_->io.stopped()) state_->io.restart();
  while (!done()) {
    const Duration left = deadline - Now();
    if (left <= Duration::Zero()) return done();
    state_->io.run_one_for(ToChrono(std::min(left, Duration::Millis(50))));
    if (state_->io.stopped()) state_->io.restart();
  }
  return true;
}

void EventLoop::Stop() { state_->io.stop(); }

void EventLoop::Post(std::function<void()> fn) { boost::asio::post(state_->io, std::move(fn)); }

Instant EventLoop::Now() const {
  return Instant::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count());
}

TimerHandle EventLoop::RunAfter(Duration delay, std::function<void()> fn) {
  auto state = std::make_shared<internal::TimerState>(state_->io);
  state->fn = std::move(fn);
  Arm(state, delay);
  return TimerHandle(state);
}

TimerHandle EventLoop::RunEvery(Duration period, std::function<void()> fn) {
  BATON_CHECK(period > Duration::Zero()) << "RunEvery needs a positive period";
  auto state = std::make_shared<internal::TimerState>(state_->io);
  state->fn = std::move(fn);
  state->period = period;
  Arm(state, period);
  return TimerHandle(state);
}

TimerHandle EventLoop::WatchSchedulingGaps(Duration period, Duration tolerance,
                                           std::function<void(const SchedulingGap&)> on_gap) {
  auto detector = std::make_shared<GapDetector>(period, tolerance);
  detector->Observe(Now());
  return RunEvery(period, [this, detector, on_gap = std::move(on_gap)] {
    if (auto gap = detector->Observe(Now())) on_gap(*gap);
  });
}

}  // namespace baton::net
