// The blocking body of each probe kind: runs on a worker thread, returns
// within `deadline` (name resolution excepted), never throws. Latency is
// filled in by the caller (RunProbe). Private to src/probe.
#pragma once

#include "core/status.h"
#include "probe/internal/io.h"
#include "probe/probe_spec.h"

namespace baton::probe::internal {

ProbeOutcome RunTcp(const TcpSpec& spec, const Deadline& deadline);
ProbeOutcome RunHttp(const HttpSpec& spec, const Deadline& deadline);
ProbeOutcome RunExec(const ExecSpec& spec, const Deadline& deadline);
ProbeOutcome RunRedis(const RedisSpec& spec, const Deadline& deadline);
ProbeOutcome RunPostgres(const PostgresSpec& spec, const Deadline& deadline);

// A failed outcome whose output is the status message.
ProbeOutcome Failed(const Status& status);
// A passed outcome with `output`.
ProbeOutcome Passed(std::string output);

}  // namespace baton::probe::internal
