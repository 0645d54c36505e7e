// TopologyGate: a TopologySource in front of another that names no primary
// while it is closed. An agent that has lost the store, or regained it but
// not yet caught up with what the cluster decided meanwhile, must not send
// clients to a primary the others may have replaced: its proxies then hold
// new connections (wait_for_primary) instead of handing them to a fenced or
// former primary. Open, it passes every topology on unchanged; closing and
// opening re-publish each group's topology. Not thread-safe: the source's
// thread only.
#pragma once

#include <map>
#include <string>

#include "failover/topology.h"
#include "failover/topology_feed.h"

namespace baton::failover {

class TopologyGate final : public TopologySource {
 public:
  // `source` must outlive the gate.
  explicit TopologyGate(TopologySource& source);
  ~TopologyGate() override;
  TopologyGate(const TopologyGate&) = delete;
  TopologyGate& operator=(const TopologyGate&) = delete;

  int Subscribe(Listener listener) override;
  void Unsubscribe(int id) override;

  void SetOpen(bool open);
  bool open() const { return open_; }

 private:
  Topology Gated(const Topology& topology) const;

  TopologySource& source_;
  std::map<std::string, Topology> latest_;  // from the source, ungated
  TopologyFeed out_;
  bool open_ = true;
  int subscription_ = 0;
};

}  // namespace baton::failover
