// SignalStopper: blocks SIGINT and SIGTERM in every thread started after it
// and stops an event loop from a watcher thread when one arrives. Construct
// it on the main thread before starting any other thread.
#pragma once

#include <signal.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "net/event_loop.h"

namespace baton::cli {

class SignalStopper {
 public:
  explicit SignalStopper(net::EventLoop& loop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, &loop] {
      const timespec wait{0, 200 * 1000 * 1000};
      while (!finished_.load()) {
        const int sig = sigtimedwait(&set_, nullptr, &wait);
        if (sig == SIGINT || sig == SIGTERM) {
          signal_ = sig;
          loop.Stop();
          return;
        }
      }
    });
  }
  ~SignalStopper() {
    finished_.store(true);
    thread_.join();
  }
  int signal() const { return signal_; }

 private:
  sigset_t set_;
  std::atomic<bool> finished_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

}  // namespace baton::cli
