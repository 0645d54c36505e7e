#include "probe/prober.h"

#include <utility>

#include "core/check.h"
#include "probe/internal/probes.h"

namespace baton::probe {

namespace internal {

ProbeOutcome Failed(const Status& status) {
  ProbeOutcome outcome;
  outcome.result.output = status.message();
  return outcome;
}

ProbeOutcome Passed(std::string output) {
  ProbeOutcome outcome;
  outcome.result.ok = true;
  outcome.result.output = std::move(output);
  return outcome;
}

}  // namespace internal

ProbeOutcome RunProbe(const ProbeSpec& spec, Duration timeout) {
  BATON_CHECK(timeout > Duration::Zero()) << "a probe needs a positive timeout";
  const internal::Deadline deadline(timeout);
  ProbeOutcome outcome = std::visit(
      [&deadline](const auto& s) -> ProbeOutcome {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, TcpSpec>) return internal::RunTcp(s, deadline);
        if constexpr (std::is_same_v<T, HttpSpec>) return internal::RunHttp(s, deadline);
        if constexpr (std::is_same_v<T, ExecSpec>) return internal::RunExec(s, deadline);
        if constexpr (std::is_same_v<T, RedisSpec>) return internal::RunRedis(s, deadline);
        if constexpr (std::is_same_v<T, PostgresSpec>) return internal::RunPostgres(s, deadline);
      },
      spec);
  outcome.result.latency = deadline.Elapsed();
  return outcome;
}

Prober::Prober(net::WorkerPool& pool, ProbeSpec spec)
    : pool_(pool), spec_(std::move(spec)), alive_(std::make_shared<const Prober*>(this)) {
  const Status valid = Validate(spec_);
  BATON_CHECK(valid.ok()) << Describe(spec_) << ": " << valid.ToString();
}

void Prober::Probe(Duration timeout, std::function<void(ProbeOutcome)> done) {
  BATON_CHECK(timeout > Duration::Zero()) << "a probe needs a positive timeout";
  std::weak_ptr<const Prober*> alive = alive_;
  pool_.Submit<ProbeOutcome>([spec = spec_, timeout] { return RunProbe(spec, timeout); },
                             [alive, done = std::move(done)](ProbeOutcome outcome) {
                               if (!alive.expired()) done(std::move(outcome));
                             });
}

}  // namespace baton::probe
