// Proxy: one group's TCP proxy. It follows the group's Topology (from a
// failover::TopologySource) and nothing else:
//  - read_write leads to the confirmed primary (active-passive) or spreads
//    over the serving set (active-active);
//  - read_only spreads over healthy replicas (falling back to the primary
//    when configured), or over the serving set in active-active mode.
// Epoch cut-over: a read-write connection lives only while its member is
// the confirmed primary at the epoch it was opened in; when a new topology
// says otherwise, the connection is closed before any further byte moves
// (each loop applies the table before its next event). While a listener has
// nowhere to go, new connections wait up to wait_for_primary, then close.
//
// Threads: config.threads event loops (one per core by default), each with
// its own SO_REUSEPORT listeners; an accepted connection goes to the loop
// that owns the fewest. Raw epoll, non-blocking sockets, at most
// buffer_bytes buffered per direction per connection.
//
// Events ("+route-change", "+ejected", "-ejected", "-route-member") go to the
// sink from the thread that decided them (a loop thread or the source's);
// the sink must be thread-safe. Public methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/status.h"
#include "detect/event.h"
#include "failover/topology.h"
#include "route/proxy_config.h"
#include "route/proxy_stats.h"

namespace baton::route {

namespace internal {
class Shared;
class ProxyWorker;
struct WorkerCounters;
}  // namespace internal

class Proxy {
 public:
  using EventSink = std::function<void(const detect::Event&)>;

  Proxy(ProxyConfig config, EventSink sink);
  ~Proxy();  // Stop()s, closing every connection
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Binds the listeners (port 0 picks a free port, see *_port()) and starts
  // the event loops. Until a topology arrives every listener has nowhere to
  // go. Error: the listener that could not be bound.
  Status Start();
  // Unsubscribes, stops the loops and closes every connection. Idempotent.
  void Stop();

  // Subscribes to `source` (unsubscribed by Stop()); REQUIRES: `source`
  // outlives this proxy's Stop().
  void Follow(failover::TopologySource& source);
  // A new topology; other groups' are ignored.
  void OnTopology(const failover::Topology& topology);

  uint16_t read_write_port() const { return read_write_port_; }
  uint16_t read_only_port() const { return read_only_port_; }
  ProxyStats Stats() const;

 private:
  std::unique_ptr<internal::Shared> shared_;
  std::vector<std::unique_ptr<internal::WorkerCounters>> counters_;
  std::vector<std::unique_ptr<internal::ProxyWorker>> workers_;
  std::vector<std::thread> threads_;
  failover::TopologySource* source_ = nullptr;
  int subscription_ = -1;
  uint16_t read_write_port_ = 0;
  uint16_t read_only_port_ = 0;
  std::atomic<uint64_t> routing_changes_{0};
};

}  // namespace baton::route
