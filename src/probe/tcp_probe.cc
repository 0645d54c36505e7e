#include "probe/internal/probes.h"

namespace baton::probe::internal {

ProbeOutcome RunTcp(const TcpSpec& spec, const Deadline& deadline) {
  Result<Fd> fd = ConnectTcp(spec.host, spec.port, deadline);
  if (!fd.has_value()) return Failed(fd.error());
  return Passed("connected to " + spec.host + ":" + std::to_string(spec.port));
}

}  // namespace baton::probe::internal
