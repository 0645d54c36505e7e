#include "route/proxy_worker.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "core/check.h"

namespace baton::route::internal {
namespace {

constexpr uint64_t kTagShift = 62;
constexpr uint64_t kTagConn = 0;
constexpr uint64_t kTagListener = 1;
constexpr uint64_t kTagWake = 2;
constexpr uint32_t kGenerationMask = 0x3FFFFFFF;

uint64_t ConnData(uint32_t slot, uint32_t generation, int side) {
  return (kTagConn << kTagShift) | (static_cast<uint64_t>(generation & kGenerationMask) << 32) |
         (static_cast<uint64_t>(slot) << 1) | static_cast<uint64_t>(side);
}

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

}  // namespace

ProxyWorker::ProxyWorker(Shared& shared, WorkerCounters& counters)
    : shared_(shared),
      counters_(counters),
      buffer_bytes_(shared.config.buffer_bytes),
      scratch_(new char[shared.config.buffer_bytes]) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  BATON_CHECK(epoll_fd_ >= 0 && wake_fd_ >= 0) << "epoll/eventfd: " << std::strerror(errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTagWake << kTagShift;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

ProxyWorker::~ProxyWorker() {
  CloseAll();
  for (const ListenerFd& h : handed_) close(h.fd);  // handed over after this loop stopped
  for (const ListenerFd& l : listeners_) close(l.fd);
  close(wake_fd_);
  close(epoll_fd_);
}

Status ProxyWorker::Listen(ListenerKind kind, const Endpoint& at, uint16_t* port) {
  Result<int> fd = ListenReusePort(at, port);
  if (!fd) return fd.error();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = (kTagListener << kTagShift) | listeners_.size();
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, *fd, &ev);
  listeners_.push_back({*fd, kind});
  return Status::Ok();
}

void ProxyWorker::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

void ProxyWorker::Stop() {
  stopping_.store(true);
  Wake();
}

void ProxyWorker::Run() {
  ApplyTable();
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, WaitTimeoutMs(SteadyNow()));
    for (int i = 0; i < n; ++i) {
      const uint64_t data = events[i].data.u64;
      const uint64_t tag = data >> kTagShift;
      if (tag == kTagWake) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t r = read(wake_fd_, &count, sizeof(count));
        if (shared_.version() != table_version_) ApplyTable();
        AdoptHandedOver();
      } else if (tag == kTagListener) {
        const ListenerFd& l = listeners_[data & 0xFFFFFFFF];
        Accept(l.fd, l.kind);
      } else {
        const uint32_t slot = static_cast<uint32_t>(data & 0xFFFFFFFF) >> 1;
        const uint32_t generation = static_cast<uint32_t>(data >> 32) & kGenerationMask;
        if (slot >= conns_.size() || (conns_[slot].generation & kGenerationMask) != generation ||
            conns_[slot].state == State::kFree) {
          continue;  // closed earlier in this batch
        }
        OnEvent(slot, static_cast<int>(data & 1), events[i].events);
      }
    }
    if (!waiting_.empty() || !connecting_.empty()) ExpireDeadlines(SteadyNow());
  }
  CloseAll();
}

void ProxyWorker::CloseAll() {
  for (uint32_t slot = 0; slot < conns_.size(); ++slot) {
    if (conns_[slot].state != State::kFree) Close(slot);
  }
}

int ProxyWorker::WaitTimeoutMs(Instant now) const {
  std::optional<Instant> next;
  if (!waiting_.empty()) next = waiting_.front().at;
  if (!connecting_.empty() && (!next || connecting_.front().at < *next)) {
    next = connecting_.front().at;
  }
  if (!next) return -1;
  if (*next <= now) return 0;
  return static_cast<int>(std::min<int64_t>((*next - now).millis() + 1, INT_MAX));
}

uint32_t ProxyWorker::NewSlot() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  conns_.emplace_back();
  return static_cast<uint32_t>(conns_.size() - 1);
}

void ProxyWorker::Accept(int listener, ListenerKind kind) {
  for (int i = 0; i < 64; ++i) {  // bounded so one busy listener cannot starve the rest
    const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors: shed the pending connection with the reserve, or
      // the level-triggered listener would wake this loop forever.
      if (limits::IsDescriptorExhaustion(errno)) {
        shared_.descriptor_reserve.ShedOne(listener);
        shared_.refused_connections.fetch_add(1, std::memory_order_relaxed);
      }
      return;  // EAGAIN, or a connection that died in the queue
    }
    const auto max = static_cast<int64_t>(shared_.config.max_connections);
    if (shared_.open_connections.fetch_add(1, std::memory_order_relaxed) >= max) {
      shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
      shared_.refused_connections.fetch_add(1, std::memory_order_relaxed);
      close(fd);
      continue;
    }
    SetNoDelay(fd);
    ProxyWorker& owner = LeastLoaded();
    owner.owned_.fetch_add(1, std::memory_order_relaxed);
    if (&owner == this) {
      Adopt(fd, kind);
    } else {
      owner.HandOver(fd, kind);
    }
  }
}

ProxyWorker& ProxyWorker::LeastLoaded() {
  ProxyWorker* least = this;
  for (ProxyWorker* loop : loops_) {
    if (loop->owned() < least->owned()) least = loop;
  }
  return *least;
}

void ProxyWorker::HandOver(int fd, ListenerKind kind) {
  {
    std::lock_guard lock(handed_mu_);
    handed_.push_back({fd, kind});
  }
  Wake();
}

void ProxyWorker::AdoptHandedOver() {
  std::vector<ListenerFd> handed;
  {
    std::lock_guard lock(handed_mu_);
    handed.swap(handed_);
  }
  for (const ListenerFd& h : handed) {
    if (stopping_.load(std::memory_order_relaxed)) {
      close(h.fd);
      owned_.fetch_sub(1, std::memory_order_relaxed);
      shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    } else {
      Adopt(h.fd, h.kind);
    }
  }
}

void ProxyWorker::Adopt(int fd, ListenerKind kind) {
  const uint32_t slot = NewSlot();
  Conn& conn = conns_[slot];
  conn.state = State::kWaiting;
  conn.kind = kind;
  conn.fd[0] = fd;
  Bump(counters_.connections_total, 1);
  Bump(counters_.connections_active, 1);
  Route(slot);
}

const Target* ProxyWorker::Pick(Conn& conn, bool* to_primary) {
  const ResolvedTable& table = *table_;
  *to_primary = false;
  if (conn.kind == ListenerKind::kReadWrite && !table.active_active) {
    *to_primary = table.primary.has_value();
    return table.primary ? &*table.primary : nullptr;
  }
  std::vector<const Target*> candidates;
  for (const Target& t : table.pool) {
    if (std::find(conn.tried.begin(), conn.tried.end(), t.backend.member) == conn.tried.end()) {
      candidates.push_back(&t);
    }
  }
  if (!candidates.empty()) candidates = shared_.Usable(candidates);
  if (candidates.empty()) {
    const bool can_fall_back =
        !table.active_active && shared_.config.fallback_to_primary && table.primary &&
        std::find(conn.tried.begin(), conn.tried.end(), table.primary->backend.member) ==
            conn.tried.end();
    *to_primary = can_fall_back;
    return can_fall_back ? &*table.primary : nullptr;
  }
  if (shared_.config.balance == Balance::kLeastConnections) {
    return *std::min_element(candidates.begin(), candidates.end(), [](auto* a, auto* b) {
      return a->active->load(std::memory_order_relaxed) <
             b->active->load(std::memory_order_relaxed);
    });
  }
  return candidates[round_robin_++ % candidates.size()];
}

void ProxyWorker::Route(uint32_t slot) {
  Conn& conn = conns_[slot];
  bool to_primary = false;
  if (const Target* target = Pick(conn, &to_primary)) {
    Connect(slot, *target, to_primary);
    return;
  }
  if (!conn.tried.empty()) {  // every usable member failed for this client
    Close(slot);
    return;
  }
  if (conn.deadline == Instant()) {  // first time without a route: start waiting
    conn.deadline = SteadyNow() + shared_.config.wait_for_primary;
    waiting_.push_back({conn.deadline, slot, conn.generation});
  }
}

void ProxyWorker::Connect(uint32_t slot, const Target& target, bool to_primary) {
  Conn& conn = conns_[slot];
  Result<int> fd = StartConnect(target.endpoint);
  conn.member = target.backend.member;
  conn.to_primary = to_primary;
  conn.epoch = table_->epoch;
  if (!fd) {
    Bump(counters_.connect_errors, 1);
    conn.tried.push_back(conn.member);
    Close(slot);
    return;
  }
  conn.state = State::kConnecting;
  conn.fd[1] = *fd;
  conn.member_active = target.active;
  conn.member_active->fetch_add(1, std::memory_order_relaxed);
  UpdateInterest(conn, slot, 1, EPOLLOUT);
  conn.connect_deadline = SteadyNow() + shared_.config.connect_timeout;
  connecting_.push_back({conn.connect_deadline, slot, conn.generation});
}

void ProxyWorker::ConnectDone(uint32_t slot, bool ok) {
  Conn& conn = conns_[slot];
  if (ok) {
    int error = 0;
    socklen_t len = sizeof(error);
    ok = getsockopt(conn.fd[1], SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
  }
  if (ok) {
    if (!conn.to_primary) shared_.RecordSuccess(conn.member);
    conn.state = State::kOpen;
    UpdateInterest(conn, slot, 1, EPOLLIN);
    UpdateInterest(conn, slot, 0, EPOLLIN);
    return;
  }
  Bump(counters_.connect_errors, 1);
  if (conn.to_primary) {  // the controller, not the proxy, judges the primary
    Close(slot);
    return;
  }
  shared_.RecordFailure(conn.member);
  UpdateInterest(conn, slot, 1, 0);
  close(conn.fd[1]);
  conn.fd[1] = -1;
  conn.member_active->fetch_sub(1, std::memory_order_relaxed);
  conn.member_active = nullptr;
  conn.tried.push_back(conn.member);
  conn.state = State::kWaiting;
  Route(slot);  // another pool member, or close
}

void ProxyWorker::OnEvent(uint32_t slot, int side, uint32_t events) {
  Conn& conn = conns_[slot];
  if (conn.state == State::kConnecting) {
    if (side == 1) ConnectDone(slot, (events & EPOLLERR) == 0);
    return;
  }
  if (events & EPOLLERR) {
    Close(slot);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP)) {
    if (conn.interest[side] & EPOLLIN) {
      Forward(slot, side);
    } else if (events & EPOLLHUP) {
      Close(slot);  // both directions of this side are gone
      return;
    }
  }
  if (conns_[slot].state == State::kOpen && (events & EPOLLOUT) &&
      (conn.interest[side] & EPOLLOUT)) {
    Flush(slot, 1 - side);
  }
  if (conns_[slot].state == State::kOpen) AfterIo(slot);
}

ProxyWorker::Half& ProxyWorker::EnsurePipe(Half& half) {
  if (half.pipe[0] < 0) {
    BATON_CHECK(pipe2(half.pipe, O_NONBLOCK | O_CLOEXEC) == 0) << "pipe2: " << std::strerror(errno);
    fcntl(half.pipe[1], F_SETPIPE_SZ, static_cast<int>(buffer_bytes_));
  }
  return half;
}

// Reads what side h has (at most buffer_bytes) and passes it to side 1-h at
// once; what the peer does not take stays in the half and stops reading h
// until it is flushed (back-pressure).
void ProxyWorker::Forward(uint32_t slot, int h) {
  Conn& conn = conns_[slot];
  Half& half = conn.half[h];
  const int src = conn.fd[h];
  const int dst = conn.fd[1 - h];
  ssize_t n;
  if (shared_.config.splice) {
    EnsurePipe(half);
    n = splice(src, nullptr, half.pipe[1], nullptr, buffer_bytes_,
               SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) half.in_pipe = static_cast<size_t>(n);
  } else {
    n = recv(src, scratch_.get(), buffer_bytes_, 0);
  }
  if (n < 0) {
    if (!WouldBlock()) Close(slot);
    return;
  }
  if (n == 0) {
    half.eof = true;
    return;  // AfterIo shuts the peer's write side once nothing is pending
  }
  Bump(counters_.bytes[h], n);
  if (shared_.config.splice) {
    Flush(slot, h);
    return;
  }
  ssize_t sent = send(dst, scratch_.get(), static_cast<size_t>(n), MSG_NOSIGNAL);
  if (sent < 0) {
    if (!WouldBlock()) {
      Close(slot);
      return;
    }
    sent = 0;
  }
  if (sent < n) {
    if (!half.buf) half.buf.reset(new char[buffer_bytes_]);
    half.off = 0;
    half.len = static_cast<size_t>(n - sent);
    std::memcpy(half.buf.get(), scratch_.get() + sent, half.len);
    Bump(counters_.buffered_bytes, static_cast<int64_t>(half.len));
  }
}

// Passes what half h holds to side 1-h.
void ProxyWorker::Flush(uint32_t slot, int h) {
  Conn& conn = conns_[slot];
  Half& half = conn.half[h];
  const int dst = conn.fd[1 - h];
  while (half.pending() > 0) {
    ssize_t sent;
    if (half.in_pipe > 0) {
      sent = splice(half.pipe[0], nullptr, dst, nullptr, half.in_pipe,
                    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    } else {
      sent = send(dst, half.buf.get() + half.off, half.len - half.off, MSG_NOSIGNAL);
    }
    if (sent < 0) {
      if (!WouldBlock()) Close(slot);
      return;
    }
    if (half.in_pipe > 0) {
      half.in_pipe -= static_cast<size_t>(sent);
    } else {
      half.off += static_cast<size_t>(sent);
      Bump(counters_.buffered_bytes, -sent);
      if (half.off == half.len) half.off = half.len = 0;
    }
    if (sent == 0) return;
  }
}

// After any I/O: propagate half-closes, close when both directions are done,
// and set each side's interest from what is pending.
void ProxyWorker::AfterIo(uint32_t slot) {
  Conn& conn = conns_[slot];
  for (int h = 0; h < 2; ++h) {
    Half& half = conn.half[h];
    if (half.eof && !half.shut && half.pending() == 0) {
      shutdown(conn.fd[1 - h], SHUT_WR);
      half.shut = true;
    }
  }
  if (conn.half[0].shut && conn.half[1].shut) {
    Close(slot);
    return;
  }
  for (int side = 0; side < 2; ++side) {
    uint32_t want = 0;
    // Read a side only while its bytes have somewhere to go.
    if (!conn.half[side].eof && conn.half[side].pending() == 0) want |= EPOLLIN;
    if (conn.half[1 - side].pending() > 0) want |= EPOLLOUT;
    UpdateInterest(conn, slot, side, want);
  }
}

// Registers only the events wanted; a side with none is taken out of epoll
// so a hung-up socket does not keep waking the loop.
void ProxyWorker::UpdateInterest(Conn& conn, uint32_t slot, int side, uint32_t want) {
  if (conn.interest[side] == want) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = ConnData(slot, conn.generation, side);
  if (want == 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn.fd[side], nullptr);
  } else {
    epoll_ctl(epoll_fd_, conn.interest[side] == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, conn.fd[side],
              &ev);
  }
  conn.interest[side] = want;
}

void ProxyWorker::Close(uint32_t slot) {
  Conn& conn = conns_[slot];
  for (int side = 0; side < 2; ++side) {
    if (conn.fd[side] >= 0) close(conn.fd[side]);  // also leaves epoll
    Half& half = conn.half[side];
    Bump(counters_.buffered_bytes, -static_cast<int64_t>(half.len - half.off));
    for (int p : half.pipe) {
      if (p >= 0) close(p);
    }
  }
  if (conn.member_active) conn.member_active->fetch_sub(1, std::memory_order_relaxed);
  Bump(counters_.connections_active, -1);
  owned_.fetch_sub(1, std::memory_order_relaxed);
  shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  const uint32_t next_generation = conn.generation + 1;
  conn = Conn();
  conn.generation = next_generation;
  free_slots_.push_back(slot);
}

bool ProxyWorker::StillRouted(const Conn& conn) const {
  const ResolvedTable& table = *table_;
  if (conn.to_primary) {
    return table.primary && table.primary->backend.member == conn.member &&
           table.epoch == conn.epoch;
  }
  return std::any_of(table.pool.begin(), table.pool.end(),
                     [&](const Target& t) { return t.backend.member == conn.member; });
}

// A new table: connections whose member is no longer where their listener
// leads (a former primary, a member gone unhealthy) are closed at once, and
// waiting connections are routed if they now can be.
void ProxyWorker::ApplyTable() {
  table_version_ = shared_.version();
  table_ = shared_.table();
  for (uint32_t slot = 0; slot < conns_.size(); ++slot) {
    Conn& conn = conns_[slot];
    if (conn.state == State::kOpen || conn.state == State::kConnecting) {
      if (!StillRouted(conn)) {
        Bump(counters_.cutover_closed, 1);
        Close(slot);
      }
    } else if (conn.state == State::kWaiting) {
      Route(slot);
    }
  }
}

void ProxyWorker::ExpireDeadlines(Instant now) {
  while (!waiting_.empty() && waiting_.front().at <= now) {
    const Deadline d = waiting_.front();
    waiting_.pop_front();
    Conn& conn = conns_[d.slot];
    if (conn.generation == d.generation && conn.state == State::kWaiting) {
      Bump(counters_.wait_timeouts, 1);
      Close(d.slot);
    }
  }
  while (!connecting_.empty() && connecting_.front().at <= now) {
    const Deadline d = connecting_.front();
    connecting_.pop_front();
    Conn& conn = conns_[d.slot];
    if (conn.generation == d.generation && conn.state == State::kConnecting &&
        conn.connect_deadline == d.at) {
      ConnectDone(d.slot, false);
    }
  }
}

}  // namespace baton::route::internal
