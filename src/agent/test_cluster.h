// TestCluster: N RaftServers (each with its StoreService and metrics) on one
// EventLoop in the test's thread, talking mutual TLS over 127.0.0.1 with
// certificates made at construction in a temporary directory, each with a
// real DurableLog in its own data directory. Test-only; loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/metrics.h"
#include "agent/raft_server.h"
#include "agent/store_service.h"
#include "core/logger.h"
#include "net/event_loop.h"

namespace baton::agent {

// A port that was free a moment ago on 127.0.0.1.
uint16_t FreeLoopbackPort();

class TestCluster {
 public:
  // `options_fn` may adjust each node's options before it starts.
  explicit TestCluster(int nodes, std::function<void(RaftServerOptions&)> options_fn = nullptr);
  ~TestCluster();

  // Starts node i (0-based) from its data directory.
  Status Start(int i);
  void Stop(int i);
  bool running(int i) const { return nodes_[i].raft != nullptr; }

  RaftServer& raft(int i) { return *nodes_[i].raft; }
  const RaftServerOptions& options(int i) const { return nodes_[i].options; }
  admin::MetricsRegistry& metrics(int i) { return *nodes_[i].metrics; }
  StoreService& store(int i) { return *nodes_[i].store; }
  net::EventLoop& loop() { return loop_; }
  int size() const { return static_cast<int>(nodes_.size()); }

  // Runs the loop until `done` or `timeout`; returns done().
  bool WaitFor(const std::function<bool()>& done, Duration timeout = Duration::Seconds(10));
  // The running node every running node agrees leads, or nullopt.
  std::optional<int> Leader() const;
  // Waits for an agreed leader and returns it (or nullopt after the timeout).
  std::optional<int> WaitForLeader(Duration timeout = Duration::Seconds(10));

  // Runs an asynchronous Store call to completion (bounded by `timeout`).
  template <typename T>
  std::optional<Result<T>> Await(const std::function<void(std::function<void(Result<T>)>)>& start,
                                 Duration timeout = Duration::Seconds(10)) {
    std::optional<Result<T>> out;
    start([&out](Result<T> r) { out.emplace(std::move(r)); });
    WaitFor([&] { return out.has_value(); }, timeout);
    return out;
  }

 private:
  struct Node {
    RaftServerOptions options;
    std::unique_ptr<admin::MetricsRegistry> metrics;
    std::unique_ptr<RaftServer> raft;
    std::unique_ptr<StoreService> store;
  };

  std::string root_;
  NullLogger logger_;
  net::EventLoop loop_;
  std::vector<Node> nodes_;
};

}  // namespace baton::agent
