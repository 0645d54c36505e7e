#include "sentinel/sentinel_view.h"

#include <algorithm>

namespace baton::sentinel {
namespace {

using failover::MemberRole;
using failover::MemberView;

const MemberView* FindMember(const failover::Topology& t, const std::string& name) {
  for (const MemberView& m : t.members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const MemberView* MemberAt(const failover::Topology& t, const std::string& address) {
  for (const MemberView& m : t.members) {
    if (m.address == address) return &m;
  }
  return nullptr;
}

bool Down(const MemberView* m) { return m != nullptr && m->health == detect::Health::kUnhealthy; }

bool WasPrimary(MemberRole role) {
  return role == MemberRole::kPrimary || role == MemberRole::kFenced ||
         role == MemberRole::kWritesPaused;
}

// Sentinel's "<type> <name> <ip> <port> @ <master> <master-ip> <master-port>".
std::string MasterDetail(const std::string& group, const std::string& address) {
  auto [ip, port] = SplitHostPort(address);
  return "master " + group + " " + ip + " " + port;
}
std::string ReplicaDetail(const std::string& address, const std::string& group,
                          const std::string& master_address) {
  auto [ip, port] = SplitHostPort(address);
  auto [mip, mport] = SplitHostPort(master_address);
  return "slave " + address + " " + ip + " " + port + " @ " + group + " " + mip + " " + mport;
}

// An instance's state as Sentinel lists it: field/value pairs, flattened.
using Fields = std::vector<std::pair<std::string, std::string>>;

// The fields every instance has; timings Sentinel measures itself are 0 here
// (baton's own checks run in the agents).
Fields InstanceFields(const std::string& name, const std::string& address, const std::string& flags,
                      const std::string& role) {
  auto [ip, port] = SplitHostPort(address);
  return {{"name", name},
          {"ip", ip},
          {"port", port},
          {"runid", ""},
          {"flags", flags},
          {"link-pending-commands", "0"},
          {"link-refcount", "1"},
          {"last-ping-sent", "0"},
          {"last-ok-ping-reply", "0"},
          {"last-ping-reply", "0"},
          {"down-after-milliseconds", "0"},
          {"info-refresh", "0"},
          {"role-reported", role},
          {"role-reported-time", "0"}};
}

std::string Encode(const Fields& fields) {
  std::vector<std::string> flat;
  for (const auto& [key, value] : fields) {
    flat.push_back(key);
    flat.push_back(value);
  }
  return BulkArray(flat);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::pair<std::string, std::string> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return {address, "0"};
  return {address.substr(0, colon), address.substr(colon + 1)};
}

SentinelView::SentinelView(std::string myid) : myid_(std::move(myid)) {}

std::vector<Published> SentinelView::OnTopology(const failover::Topology& t) {
  const bool confirmed = t.mode == failover::GroupMode::kActivePassive && t.primary_confirmed &&
                         !t.primary_address.empty();
  auto it = groups_.find(t.group);
  if (it == groups_.end()) {
    groups_.emplace(t.group, Group{.topology = t, .announced = confirmed ? t.primary_address : ""});
    return {};
  }
  Group& g = it->second;
  const failover::Topology old = g.topology;
  std::vector<Published> out;
  if (t.epoch > old.epoch) out.push_back({"+new-epoch", std::to_string(t.epoch)});

  for (const MemberView& m : t.members) {
    const bool down = Down(&m);
    if (down == Down(FindMember(old, m.name))) continue;
    if (!g.announced.empty() && m.address == g.announced) {
      const std::string detail = MasterDetail(t.group, m.address);
      out.push_back({down ? "+sdown" : "-sdown", detail});
      out.push_back({down ? "+odown" : "-odown", detail});
    } else {
      out.push_back({down ? "+sdown" : "-sdown", ReplicaDetail(m.address, t.group, g.announced)});
    }
  }

  if (confirmed && t.primary_address != g.announced) {
    const std::string from = g.announced.empty() ? t.primary_address : g.announced;
    const std::string& to = t.primary_address;
    auto [oip, oport] = SplitHostPort(from);
    auto [nip, nport] = SplitHostPort(to);
    out.push_back({"+promoted-slave", ReplicaDetail(to, t.group, from)});
    out.push_back({"+failover-end", MasterDetail(t.group, from)});
    out.push_back({"+switch-master", t.group + " " + oip + " " + oport + " " + nip + " " + nport});
    g.announced = to;
  }

  for (const MemberView& m : t.members) {
    if (m.role != MemberRole::kReplica || m.address == g.announced) continue;
    const MemberView* before = FindMember(old, m.name);
    if (before != nullptr && before->role == MemberRole::kReplica) continue;
    const bool converted = before != nullptr && WasPrimary(before->role);
    out.push_back({converted ? "+convert-to-slave" : "+slave",
                   ReplicaDetail(m.address, t.group, g.announced)});
  }
  g.topology = t;
  return out;
}

size_t SentinelView::ReplicaCount(const Group& g) {
  return static_cast<size_t>(
      std::count_if(g.topology.members.begin(), g.topology.members.end(),
                    [&](const MemberView& m) { return m.address != g.announced; }));
}

const SentinelView::Group* SentinelView::Find(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

bool SentinelView::PrimaryUnusable(const Group& g) const {
  return !in_contact_ || g.announced.empty() || Down(MemberAt(g.topology, g.announced));
}

std::string SentinelView::MasterFields(const Group& g) const {
  const failover::Topology& t = g.topology;
  std::string flags = "master";
  if (PrimaryUnusable(g)) flags += ",s_down,o_down";
  if (t.state != failover::GroupState::kStable) flags += ",failover_in_progress";
  Fields fields = InstanceFields(t.group, g.announced, flags, "master");
  fields.insert(fields.end(), {{"config-epoch", std::to_string(t.epoch)},
                               {"num-slaves", std::to_string(ReplicaCount(g))},
                               {"num-other-sentinels", "0"},
                               {"quorum", "1"},
                               {"failover-timeout", "0"},
                               {"parallel-syncs", "1"}});
  return Encode(fields);
}

std::string SentinelView::ReplicaList(const Group& g) const {
  std::vector<std::string> replicas;
  auto [mip, mport] = SplitHostPort(g.announced);
  for (const MemberView& m : g.topology.members) {
    if (m.address == g.announced) continue;
    const bool linked = m.role == MemberRole::kReplica && !Down(&m);
    Fields fields =
        InstanceFields(m.address, m.address, Down(&m) ? "slave,s_down" : "slave", "slave");
    fields.insert(fields.end(), {{"master-link-down-time", "0"},
                                 {"master-link-status", linked ? "ok" : "err"},
                                 {"master-host", mip},
                                 {"master-port", mport},
                                 {"slave-priority", "100"},
                                 {"slave-repl-offset", "0"},
                                 {"replica-announced", "1"}});
    replicas.push_back(Encode(fields));
  }
  std::string out = ArrayHeader(replicas.size());
  for (const std::string& r : replicas) out += r;
  return out;
}

std::string SentinelView::Sentinel(const Command& args) const {
  if (args.size() < 2) return Error("ERR wrong number of arguments for 'sentinel' command");
  const std::string sub = Lower(args[1]);
  const auto arity = [&](size_t n) { return args.size() == n; };
  const std::string wrong = "ERR wrong number of arguments for 'sentinel|" + sub + "' command";
  const std::string no_master = "ERR No such master with that name";
  if (sub == "get-master-addr-by-name") {
    if (!arity(3)) return Error(wrong);
    const Group* g = Find(args[2]);
    if (g == nullptr || g->announced.empty() || !in_contact_) return NullArray();
    auto [ip, port] = SplitHostPort(g->announced);
    return BulkArray({ip, port});
  }
  if (sub == "master") {
    if (!arity(3)) return Error(wrong);
    const Group* g = Find(args[2]);
    return g == nullptr ? Error(no_master) : MasterFields(*g);
  }
  if (sub == "masters") {
    if (!arity(2)) return Error(wrong);
    std::string out = ArrayHeader(groups_.size());
    for (const auto& [name, g] : groups_) out += MasterFields(g);
    return out;
  }
  if (sub == "replicas" || sub == "slaves") {
    if (!arity(3)) return Error(wrong);
    const Group* g = Find(args[2]);
    return g == nullptr ? Error(no_master) : ReplicaList(*g);
  }
  if (sub == "sentinels") {
    if (!arity(3)) return Error(wrong);
    // Other agents' endpoints are not in the topology; clients list only this one.
    return Find(args[2]) == nullptr ? Error(no_master) : ArrayHeader(0);
  }
  if (sub == "myid") return arity(2) ? Bulk(myid_) : Error(wrong);
  if (sub == "ckquorum") {
    if (!arity(3)) return Error(wrong);
    if (Find(args[2]) == nullptr) return Error(no_master);
    return SimpleString("OK baton decides failover by its own quorum");
  }
  if (sub == "help") {
    return BulkArray(
        {"SENTINEL <subcommand>. Supported by baton:", "GET-MASTER-ADDR-BY-NAME <name>",
         "MASTER <name>", "MASTERS", "REPLICAS <name>", "SLAVES <name>", "SENTINELS <name>", "MYID",
         "CKQUORUM <name>", "HELP"});
  }
  return Error("ERR unknown subcommand '" + args[1] + "'. Try SENTINEL HELP.");
}

std::string SentinelView::Role() const {
  std::vector<std::string> names;
  for (const auto& [name, g] : groups_) names.push_back(name);
  return ArrayHeader(2) + Bulk("sentinel") + BulkArray(names);
}

std::string SentinelView::Info() const {
  std::string text = "# Server\r\nredis_version:7.0.0\r\nredis_mode:sentinel\r\nrun_id:" + myid_ +
                     "\r\n\r\n# Sentinel\r\nsentinel_masters:" + std::to_string(groups_.size()) +
                     "\r\nsentinel_tilt:0\r\n";
  int i = 0;
  for (const auto& [name, g] : groups_) {
    const bool down = PrimaryUnusable(g);
    text += "master" + std::to_string(i++) + ":name=" + name +
            ",status=" + (down ? "odown" : "ok") + ",address=" + g.announced +
            ",slaves=" + std::to_string(ReplicaCount(g)) + ",sentinels=1\r\n";
  }
  return Bulk(text);
}

}  // namespace baton::sentinel
