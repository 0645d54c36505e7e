// EventLoop: the agent's one event loop (an Asio io_context behind a pimpl).
//
// One thread owns the loop: the thread that calls Run() (or RunUntil()).
// Every callback given to the loop (posted work, timers, transport events)
// runs on that thread, one at a time, so the cores it drives need no locks.
// Post() and Stop() are thread-safe; every other method must be called from
// the owning thread, or before the loop first runs.
//
// Now() is the project's only monotonic clock reading (steady_clock); the
// cores receive it as a parameter. WatchSchedulingGaps() reports when the
// loop was starved, so the cores can enter TILT.
//
// Destroying the loop drops callbacks that have not run. Objects that
// schedule work on the loop must be destroyed before it.
#pragma once

#include <functional>
#include <memory>

#include "core/time.h"
#include "net/scheduling_gap.h"

namespace baton::net {

class EventLoop;

namespace internal {
struct LoopState;
struct TimerState;
// The Asio state behind a loop, for the driver's .cc files (internal/loop_state.h).
LoopState& StateOf(EventLoop& loop);
}  // namespace internal

// A handle to a one-shot or periodic timer. Copyable; destroying a handle
// does not cancel the timer. Loop thread only.
class TimerHandle {
 public:
  TimerHandle() = default;

  // Stops the timer: its callback will not run again. Idempotent; harmless
  // after a one-shot timer fired or on a default-constructed handle.
  void Cancel();
  // True while the timer may still run its callback.
  bool active() const;

 private:
  friend class EventLoop;
  explicit TimerHandle(std::weak_ptr<internal::TimerState> state) : state_(std::move(state)) {}
  std::weak_ptr<internal::TimerState> state_;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs callbacks on the calling thread until Stop(). Returns at once if
  // Stop() was called before and not yet consumed by a Run.
  void Run();
  // Runs callbacks until `done()` is true (checked after each callback) or
  // `timeout` has passed. Returns done(). For tests and command-line tools.
  bool RunUntil(const std::function<bool()>& done, Duration timeout);
  // Makes Run() return after the current callback. Thread-safe.
  void Stop();

  // Queues `fn` to run on the loop thread. Thread-safe.
  void Post(std::function<void()> fn);

  // Monotonic time from steady_clock.
  Instant Now() const;

  // Runs `fn` once after `delay`.
  TimerHandle RunAfter(Duration delay, std::function<void()> fn);
  // Runs `fn` every `period` (measured from the end of the previous run, so a
  // stalled loop does not fire a burst to catch up). REQUIRES: period > 0.
  TimerHandle RunEvery(Duration period, std::function<void()> fn);

  // Fires a timer every `period` and calls `on_gap` when two firings are more
  // than `period + tolerance` apart (see GapDetector).
  TimerHandle WatchSchedulingGaps(Duration period, Duration tolerance,
                                  std::function<void(const SchedulingGap&)> on_gap);

 private:
  friend internal::LoopState& internal::StateOf(EventLoop& loop);
  std::unique_ptr<internal::LoopState> state_;
};

}  // namespace baton::net
