#include "limits/descriptor_budget.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "core/check.h"

namespace baton::limits {

size_t RaiseDescriptorLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(rl.rlim_cur);
}

std::vector<std::string> FitToDescriptors(size_t descriptor_limit, size_t reserved,
                                          const std::vector<ListenerBudget>& listeners) {
  size_t wanted = 0;
  for (const ListenerBudget& l : listeners) {
    BATON_CHECK(l.limits != nullptr && l.descriptors_per_connection > 0);
    wanted += l.limits->max_connections * l.descriptors_per_connection;
  }
  const size_t available = descriptor_limit > reserved ? descriptor_limit - reserved : 0;
  std::vector<std::string> changes;
  if (wanted <= available) return changes;
  for (const ListenerBudget& l : listeners) {
    const size_t before = l.limits->max_connections;
    // before * available / wanted, in 128-bit-safe steps: both factors are
    // at most a million times a few descriptors.
    size_t after = static_cast<size_t>(static_cast<unsigned __int128>(before) * available / wanted);
    if (after < 1) after = 1;
    if (after == before) continue;
    l.limits->max_connections = after;
    if (l.limits->max_unauthenticated > after) l.limits->max_unauthenticated = after;
    changes.push_back(l.name + " max_connections " + std::to_string(before) + " -> " +
                      std::to_string(after));
  }
  return changes;
}

bool IsDescriptorExhaustion(int error_number) {
  return error_number == EMFILE || error_number == ENFILE;
}

DescriptorReserve::DescriptorReserve() { spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

DescriptorReserve::~DescriptorReserve() {
  if (spare_ >= 0) ::close(spare_);
}

bool DescriptorReserve::ShedOne(int listen_fd) {
  std::lock_guard lock(mu_);
  if (spare_ >= 0) {
    ::close(spare_);
    spare_ = -1;
  }
  // Only when a connection is pending: the listener may be a blocking socket.
  pollfd p{listen_fd, POLLIN, 0};
  int fd = -1;
  if (::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0) {
    fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  if (fd >= 0) ::close(fd);
  spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd >= 0;
}

void ReleaseFreedMemory() { malloc_trim(0); }

bool TrimPolicy::OnOpen(size_t open) {
  peak_ = std::max(peak_, open);
  if (peak_ < kMinPeak || open > peak_ / 2) return false;
  peak_ = open;
  return true;
}

}  // namespace baton::limits
