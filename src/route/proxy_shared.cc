#include "route/proxy_shared.h"

#include <chrono>

namespace baton::route::internal {

Instant SteadyNow() {
  return Instant::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count());
}

Shared::Shared(ProxyConfig c, EventSink sink)
    : config(std::move(c)),
      sink_(std::move(sink)),
      table_(std::make_shared<ResolvedTable>()),
      outlier_(config.outlier) {}

bool Shared::Publish(const RoutingTable& table) {
  std::vector<detect::Event> unresolved;
  {
    std::lock_guard lock(mu_);
    if (table == last_ && version_.load() != 0) return false;
    last_ = table;
    auto resolved = std::make_shared<ResolvedTable>();
    resolved->epoch = table.epoch;
    resolved->active_active = table.active_active;
    auto resolve = [&](const Backend& b) -> std::optional<Target> {
      std::optional<Endpoint> ep = ResolveNumeric(b.address);
      if (!ep) {
        unresolved.push_back(
            detect::Event{"-route-member",
                          b.member,
                          SteadyNow(),
                          {{"reason", "address is not an IP literal"}, {"address", b.address}}});
        return std::nullopt;
      }
      auto& load = load_[b.member];
      if (!load) load = std::make_unique<std::atomic<int64_t>>(0);
      return Target{b, *ep, load.get()};
    };
    if (table.primary) resolved->primary = resolve(*table.primary);
    for (const Backend& b : table.pool) {
      if (std::optional<Target> t = resolve(b)) resolved->pool.push_back(std::move(*t));
    }
    table_ = std::move(resolved);
    version_.fetch_add(1, std::memory_order_release);
  }
  for (const detect::Event& e : unresolved) Emit(e);
  return true;
}

std::shared_ptr<const ResolvedTable> Shared::table() const {
  std::lock_guard lock(mu_);
  return table_;
}

void Shared::RecordFailure(const std::string& member) {
  std::optional<detect::Event> event;
  {
    std::lock_guard lock(mu_);
    event = outlier_.RecordFailure(member, SteadyNow());
  }
  if (event) {
    ejections_.fetch_add(1, std::memory_order_relaxed);
    Emit(*event);
  }
}

void Shared::RecordSuccess(const std::string& member) {
  std::lock_guard lock(mu_);
  outlier_.RecordSuccess(member);
}

std::vector<const Target*> Shared::Usable(const std::vector<const Target*>& candidates) {
  std::vector<const Target*> usable;
  std::vector<detect::Event> returned;
  {
    std::lock_guard lock(mu_);
    const Instant now = SteadyNow();
    for (const Target* t : candidates) {
      std::optional<detect::Event> back;
      if (!outlier_.IsEjected(t->backend.member, now, &back)) usable.push_back(t);
      if (back) returned.push_back(std::move(*back));
    }
  }
  for (const detect::Event& e : returned) Emit(e);
  return usable;
}

void Shared::Emit(const detect::Event& event) const {
  if (sink_) sink_(event);
}

}  // namespace baton::route::internal
