// SentinelView: what baton's Sentinel-compatible endpoint knows — the last
// Topology of every group — and how it looks through Redis Sentinel's API.
// Each group is a Sentinel "master" named after the group; its address is
// the last *confirmed* primary (as Sentinel keeps answering the old master
// until +switch-master), the other members are its "slaves". Pure; not
// thread-safe (the server uses it from its network thread only).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "failover/topology.h"
#include "sentinel/resp.h"

namespace baton::sentinel {

// One pub/sub message: Sentinel publishes each event on a channel named
// after it ("+switch-master") with the event's text as the payload.
struct Published {
  std::string channel;
  std::string message;
};

class SentinelView {
 public:
  // `myid`: the 40-hex-character id SENTINEL MYID and HELLO report.
  explicit SentinelView(std::string myid);

  // A group's topology changed (or was first seen): remember it and return
  // the Sentinel events it means, in the order Sentinel sends them:
  // +new-epoch, +sdown/-sdown, +odown/-odown, +promoted-slave, +failover-end,
  // +switch-master (when a new primary is confirmed), then +slave or
  // +convert-to-slave for members that became replicas. The first topology
  // of a group publishes nothing.
  std::vector<Published> OnTopology(const failover::Topology& topology);

  // Whether this agent is in contact with the store's majority (it knows a
  // store leader). Without contact its last topology may be out of date (a
  // new primary may be elected on the other side), so it names no primary:
  // get-master-addr-by-name answers null and every master is flagged
  // s_down,o_down, and Sentinel clients move on to another agent.
  void SetStoreContact(bool in_contact) { in_contact_ = in_contact; }
  bool store_contact() const { return in_contact_; }

  // The RESP reply to a SENTINEL command (args[0] is "SENTINEL").
  std::string Sentinel(const Command& args) const;
  // The INFO reply (sections Server and Sentinel).
  std::string Info() const;
  // The ROLE reply: ["sentinel", [group names]].
  std::string Role() const;
  const std::string& myid() const { return myid_; }

 private:
  struct Group {
    failover::Topology topology;
    std::string announced;  // address of the last confirmed primary ("" = none yet)
  };
  std::string MasterFields(const Group& group) const;
  std::string ReplicaList(const Group& group) const;
  const Group* Find(const std::string& name) const;
  // No primary clients may use: none known, it is down, or the view is stale.
  bool PrimaryUnusable(const Group& group) const;
  static size_t ReplicaCount(const Group& group);

  const std::string myid_;
  std::map<std::string, Group> groups_;
  bool in_contact_ = true;
};

// Splits "host:port" (the last colon); port "0" when there is none.
std::pair<std::string, std::string> SplitHostPort(const std::string& address);

}  // namespace baton::sentinel
