#include "route/proxy.h"

#include <algorithm>

#include "route/proxy_shared.h"
#include "route/proxy_worker.h"
#include "route/routing_table.h"

namespace baton::route {

Proxy::Proxy(ProxyConfig config, EventSink sink)
    : shared_(std::make_unique<internal::Shared>(std::move(config), std::move(sink))) {}

Proxy::~Proxy() { Stop(); }

Status Proxy::Start() {
  const ProxyConfig& config = shared_->config;
  int threads = config.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < threads; ++i) {
    counters_.push_back(std::make_unique<internal::WorkerCounters>());
    workers_.push_back(std::make_unique<internal::ProxyWorker>(*shared_, *counters_.back()));
  }
  std::vector<internal::ProxyWorker*> loops;
  for (auto& worker : workers_) loops.push_back(worker.get());
  for (auto& worker : workers_) worker->SetLoops(loops);
  auto listen = [&](const std::optional<config::HostPort>& at, internal::ListenerKind kind,
                    uint16_t* port, const char* key) -> Status {
    if (!at) return Status::Ok();
    std::optional<internal::Endpoint> ep = internal::ResolveNumeric(at->host, at->port);
    if (!ep)
      return Status::InvalidArgument(std::string("proxy.") + key + ": " + at->ToString() +
                                     " is not an IP address");
    *port = at->port;
    for (auto& worker : workers_) {  // the first bind fixes the port for the others
      Status s = worker->Listen(kind, *ep, port);
      if (!s.ok()) {
        return Status::IOError(std::string("proxy.") + key + " " + at->ToString() + ": " +
                               s.ToString());
      }
    }
    return Status::Ok();
  };
  Status s = listen(config.read_write, internal::ListenerKind::kReadWrite, &read_write_port_,
                    "read_write");
  if (s.ok()) {
    s = listen(config.read_only, internal::ListenerKind::kReadOnly, &read_only_port_, "read_only");
  }
  if (!s.ok()) {
    workers_.clear();
    return s;
  }
  for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->Run(); });
  return Status::Ok();
}

void Proxy::Stop() {
  if (source_) {
    source_->Unsubscribe(subscription_);
    source_ = nullptr;
  }
  for (auto& worker : workers_) worker->Stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();  // the workers stay (and keep their listeners) until destruction
}

void Proxy::Follow(failover::TopologySource& source) {
  source_ = &source;
  subscription_ = source.Subscribe([this](const failover::Topology& t) { OnTopology(t); });
}

void Proxy::OnTopology(const failover::Topology& topology) {
  if (topology.group != shared_->config.group) return;
  const RoutingTable table = BuildRoutingTable(topology);
  if (!shared_->Publish(table)) return;
  routing_changes_.fetch_add(1, std::memory_order_relaxed);
  shared_->Emit(detect::Event{"+route-change",
                              shared_->config.group,
                              internal::SteadyNow(),
                              {{"routes", Describe(table)}}});
  for (auto& worker : workers_) worker->Wake();
}

ProxyStats Proxy::Stats() const {
  ProxyStats s;
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  for (const auto& c : counters_) {
    s.connections_active += get(c->connections_active);
    s.connections_total += get(c->connections_total);
    s.bytes_client_to_server += get(c->bytes[0]);
    s.bytes_server_to_client += get(c->bytes[1]);
    s.connect_errors += get(c->connect_errors);
    s.cutover_closed += get(c->cutover_closed);
    s.wait_timeouts += get(c->wait_timeouts);
    s.buffered_bytes += get(c->buffered_bytes);
  }
  for (const auto& worker : workers_) {
    s.connections_per_loop.push_back(static_cast<uint64_t>(std::max<int64_t>(0, worker->owned())));
  }
  s.routing_changes = routing_changes_.load(std::memory_order_relaxed);
  s.ejections = shared_->ejections();
  s.connections_refused = shared_->refused_connections.load(std::memory_order_relaxed);
  return s;
}

}  // namespace baton::route
