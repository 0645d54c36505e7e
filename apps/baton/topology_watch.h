// TopologyWatch: how `baton proxy` follows the groups' topologies from
// outside any agent. A long-poll watch on the store's group records
// (GET /v1/watch/%2Fbaton%2Fgroups%2F) wakes it at every change, and at the
// latest after `refresh`; each wake reads GET /v1/groups and turns each
// followed group into a failover::Topology with BuildTopology, the function
// the agents use. AdminClient moves on to the next agent when one fails (and
// follows "not leader" answers). While no agent answers nothing is
// published, so the proxies keep routing by the last topology the store
// gave: never by a guess of their own.
//
// One thread (Start/Stop from the owner's thread); `publish` and `problem`
// run on it.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "client.h"
#include "core/result.h"
#include "failover/topology.h"

namespace baton::cli {

// The topology of one group object of GET /v1/groups (agent/group_routes.cc).
// InvalidArgument naming the field when the object is malformed.
Result<failover::Topology> TopologyFromGroupJson(const nlohmann::json& group);

class TopologyWatch {
 public:
  using Publish = std::function<void(const failover::Topology&)>;
  using Problem = std::function<void(const std::string& what)>;

  // `client`'s timeout must exceed `refresh` (a poll lasts up to refresh).
  TopologyWatch(AdminClient client, std::vector<std::string> groups, Duration refresh,
                Publish publish, Problem problem);
  ~TopologyWatch();  // Stop()s
  TopologyWatch(const TopologyWatch&) = delete;
  TopologyWatch& operator=(const TopologyWatch&) = delete;

  void Start();
  // Returns once the thread has ended (after at most one poll).
  void Stop();

 private:
  void Run();
  // Reads /v1/groups and publishes the followed groups; false on failure.
  bool Refresh();
  // Waits for a change after *next (0: from now) or `refresh_`.
  bool Poll(uint64_t* next);

  AdminClient client_;
  const std::vector<std::string> groups_;
  const Duration refresh_;
  const Publish publish_;
  const Problem problem_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace baton::cli
