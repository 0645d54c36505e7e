// ParseLeaseTtl: the body of POST /v1/lease, {"ttl":"10s"}, {"ttl":10}
// (seconds) or {"ttl_ms":10000}, checked for overflow and bounds.
//
// A ttl must lie in [min_ttl, kMaxLeaseTtl]. min_ttl is the caller's: the
// agent passes its Raft election timeout, since a lease shorter than one
// election would expire during any leader change (its keep-alives cannot
// commit meanwhile). Numbers that do not fit (18446744074 seconds) are
// refused, never wrapped. Pure; thread-safe.
#pragma once

#include <string>

#include "core/result.h"
#include "core/time.h"

namespace baton::agent {

// About a year: far beyond any failover lease, far below Instant's range.
inline constexpr Duration kMaxLeaseTtl = Duration::Seconds(366LL * 24 * 3600);

// InvalidArgument naming the accepted shapes, or the bound broken.
Result<Duration> ParseLeaseTtl(const std::string& body, Duration min_ttl);

}  // namespace baton::agent
