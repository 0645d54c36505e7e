// ProxyWorker: one event loop thread of a proxy (raw epoll, level-triggered).
// It owns its listening sockets (SO_REUSEPORT: every worker binds the same
// ports), its client connections and their member connections. Nothing it
// owns is touched by another thread; the routing table comes from Shared and
// a Wake() makes the loop re-read it.
//
// Balance: the kernel's SO_REUSEPORT hash splits connections unevenly (50
// connections over two loops land 30/20 or worse one time in five), so a
// loop that accepts a connection hands it to the loop that owns the fewest
// (itself on a tie), as HAProxy's listener multi-queue does. Owned counts of
// any two loops then differ by at most one plus the connections closed since.
// Internal to src/route.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "route/proxy_shared.h"

namespace baton::route::internal {

enum class ListenerKind { kReadWrite, kReadOnly };

class ProxyWorker {
 public:
  ProxyWorker(Shared& shared, WorkerCounters& counters);
  ~ProxyWorker();
  ProxyWorker(const ProxyWorker&) = delete;
  ProxyWorker& operator=(const ProxyWorker&) = delete;

  // Before Run(): binds a listener. *port 0 picks one and returns it.
  Status Listen(ListenerKind kind, const Endpoint& at, uint16_t* port);
  // Before Run(): every loop of the proxy, this one included, in one order.
  void SetLoops(std::vector<ProxyWorker*> loops) { loops_ = std::move(loops); }
  // Client connections this loop owns now (or is being handed). Thread-safe.
  int64_t owned() const { return owned_.load(std::memory_order_relaxed); }
  // The loop; returns after Stop(). Closes every connection on the way out.
  void Run();
  // Thread-safe: makes the loop re-read the routing table.
  void Wake();
  // Thread-safe: makes Run() return.
  void Stop();

 private:
  enum class State { kFree, kWaiting, kConnecting, kOpen };
  // One direction of a connection: bytes read from side `h` go to side 1-h.
  struct Half {
    std::unique_ptr<char[]> buf;  // copy mode: what the peer did not take yet
    size_t off = 0;
    size_t len = 0;
    int pipe[2] = {-1, -1};  // splice mode
    size_t in_pipe = 0;
    bool eof = false;   // side h reached end of stream
    bool shut = false;  // shutdown(side 1-h, SHUT_WR) done
    size_t pending() const { return len - off + in_pipe; }
  };
  struct Conn {
    State state = State::kFree;
    uint32_t generation = 0;
    ListenerKind kind = ListenerKind::kReadWrite;
    int fd[2] = {-1, -1};  // [0] client, [1] member
    uint32_t interest[2] = {0, 0};
    Half half[2];
    std::string member;
    std::atomic<int64_t>* member_active = nullptr;
    bool to_primary = false;
    failover::Epoch epoch = 0;
    std::vector<std::string> tried;  // members that failed for this client
    Instant deadline;                // end of the wait for a route
    Instant connect_deadline;        // end of the current connect attempt
  };
  struct Deadline {
    Instant at;
    uint32_t slot;
    uint32_t generation;
  };

  void Accept(int listener, ListenerKind kind);
  ProxyWorker& LeastLoaded();
  // Thread-safe: queues an accepted client connection for this loop.
  void HandOver(int fd, ListenerKind kind);
  void AdoptHandedOver();
  void Adopt(int fd, ListenerKind kind);
  void Route(uint32_t slot);
  const Target* Pick(Conn& conn, bool* to_primary);
  void Connect(uint32_t slot, const Target& target, bool to_primary);
  void ConnectDone(uint32_t slot, bool ok);
  void OnEvent(uint32_t slot, int side, uint32_t events);
  void Forward(uint32_t slot, int h);
  void Flush(uint32_t slot, int h);
  void AfterIo(uint32_t slot);
  void UpdateInterest(Conn& conn, uint32_t slot, int side, uint32_t want);
  void Close(uint32_t slot);
  void CloseAll();
  void ApplyTable();
  bool StillRouted(const Conn& conn) const;
  void ExpireDeadlines(Instant now);
  int WaitTimeoutMs(Instant now) const;
  uint32_t NewSlot();
  Half& EnsurePipe(Half& half);

  Shared& shared_;
  WorkerCounters& counters_;
  const size_t buffer_bytes_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  struct ListenerFd {
    int fd;
    ListenerKind kind;
  };
  std::vector<ListenerFd> listeners_;
  std::vector<ProxyWorker*> loops_;
  alignas(64) std::atomic<int64_t> owned_{0};
  std::mutex handed_mu_;
  std::vector<ListenerFd> handed_;  // guarded by handed_mu_: accepted fds for this loop
  std::deque<Conn> conns_;          // a deque: growing it keeps references valid
  std::vector<uint32_t> free_slots_;
  std::deque<Deadline> waiting_;     // FIFO: every wait has the same length
  std::deque<Deadline> connecting_;  // FIFO: every connect has the same timeout
  std::shared_ptr<const ResolvedTable> table_;
  uint64_t table_version_ = 0;
  uint64_t round_robin_ = 0;
  std::unique_ptr<char[]> scratch_;
};

}  // namespace baton::route::internal
