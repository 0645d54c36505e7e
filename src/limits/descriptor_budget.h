// Descriptor budget: keeping listeners from using the descriptors the rest of
// the process needs (the durable log's files, a snapshot's temp file, peer
// dials, probes), and surviving EMFILE/ENFILE at accept.
//
//   - RaiseDescriptorLimit() lifts the soft RLIMIT_NOFILE to the hard one and
//     returns the soft limit in force.
//   - FitToDescriptors() lowers listeners' max_connections (and with it
//     max_unauthenticated) so that all of them together, at their cost in
//     descriptors per connection, leave `reserved` descriptors free.
//   - DescriptorReserve keeps one spare descriptor; when accept() fails with
//     EMFILE/ENFILE the listener spends it to accept and close the oldest
//     pending connection (so the kernel backlog does not wedge the listener)
//     and takes it back.
//   - ReleaseFreedMemory() hands free heap pages back to the system after
//     many connections closed (glibc keeps them otherwise).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "limits/listener_limits.h"

namespace baton::limits {

// Lifts the soft descriptor limit to the hard limit (best effort) and
// returns the soft limit now in force (SIZE_MAX when unlimited).
size_t RaiseDescriptorLimit();

struct ListenerBudget {
  std::string name;                       // for the returned description
  ListenerLimits* limits = nullptr;       // adjusted in place
  size_t descriptors_per_connection = 1;  // a proxied connection holds 2
};

// When the listeners' worst case exceeds descriptor_limit - reserved, scales
// every max_connections down by the same factor (at least 1 each) and
// clamps max_unauthenticated to it. Returns one line per listener changed
// ("admin max_connections 256 -> 120"), empty when nothing changed.
// REQUIRES: every limits pointer is non-null.
std::vector<std::string> FitToDescriptors(size_t descriptor_limit, size_t reserved,
                                          const std::vector<ListenerBudget>& listeners);

// True for the accept() errors that mean "out of descriptors".
bool IsDescriptorExhaustion(int error_number);

// Thread-safe.
class DescriptorReserve {
 public:
  DescriptorReserve();  // opens /dev/null (best effort)
  ~DescriptorReserve();
  DescriptorReserve(const DescriptorReserve&) = delete;
  DescriptorReserve& operator=(const DescriptorReserve&) = delete;

  // Closes the spare descriptor, accepts one pending connection on the
  // non-blocking or blocking listening socket `listen_fd` and closes it at
  // once, then takes the spare back. Returns whether a connection was shed.
  bool ShedOne(int listen_fd);

 private:
  std::mutex mu_;
  int spare_ = -1;  // guarded by mu_
};

// Returns freed heap memory to the system (glibc malloc_trim). Cheap enough
// to call after a burst of connections closed; not on every close.
void ReleaseFreedMemory();

// When to call ReleaseFreedMemory: after the open connections fell to half
// of their peak since the last trim, when that peak was at least kMinPeak.
// Thread-compatible.
class TrimPolicy {
 public:
  static constexpr size_t kMinPeak = 64;
  // The listener's open connections now; true when a trim is due.
  bool OnOpen(size_t open);

 private:
  size_t peak_ = 0;
};

}  // namespace baton::limits
