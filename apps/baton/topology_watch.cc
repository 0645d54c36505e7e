#include "topology_watch.h"

#include <algorithm>
#include <chrono>

#include "failover/schema.h"

namespace baton::cli {
namespace {

using nlohmann::json;

constexpr char kGroupsPrefix[] = "/baton/groups/";

// The enum value whose name is `name` among the first `count` values.
template <typename E, typename NameFn>
bool EnumFromName(const std::string& name, int count, NameFn name_of, E* out) {
  for (int i = 0; i < count; ++i) {
    if (name_of(static_cast<E>(i)) == name) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

std::string Text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

uint64_t Number(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

}  // namespace

Result<failover::Topology> TopologyFromGroupJson(const json& g) {
  if (!g.is_object() || Text(g, "name").empty()) {
    return Status::InvalidArgument("group: not an object with a name");
  }
  failover::GroupConfig config;
  config.name = Text(g, "name");
  if (!EnumFromName(Text(g, "mode"), 2, failover::GroupModeName, &config.mode)) {
    return Status::InvalidArgument("group " + config.name + ": unknown mode");
  }
  failover::GroupRecord record;
  record.epoch = Number(g, "epoch");
  record.primary = Text(g, "primary");
  if (!EnumFromName(Text(g, "state"), 3, failover::GroupStateName, &record.state)) {
    return Status::InvalidArgument("group " + config.name + ": unknown state");
  }
  std::map<std::string, failover::MemberRecord> members;
  for (const json& m : g.value("members", json::array())) {
    failover::MemberConfig& member = config.members.emplace_back();
    member.name = Text(m, "name");
    member.address = Text(m, "address");
    if (member.name.empty() || member.address.empty()) {
      return Status::InvalidArgument("group " + config.name + ": a member without name/address");
    }
    failover::MemberRecord r;
    r.member = member.name;
    r.epoch_seen = Number(m, "epoch_seen");
    if (!EnumFromName(Text(m, "role"), 6, failover::MemberRoleName, &r.role) ||
        !EnumFromName(Text(m, "health"), 3, detect::HealthName, &r.health)) {
      return Status::InvalidArgument("group " + config.name + ": member " + member.name +
                                     ": unknown role or health");
    }
    members.emplace(member.name, std::move(r));
  }
  std::optional<failover::ServingRecord> serving;
  if (const auto it = g.find("serving"); it != g.end() && it->is_object()) {
    serving.emplace();
    serving->epoch = Number(*it, "epoch");
    for (const json& name : it->value("members", json::array())) {
      if (name.is_string()) serving->members.push_back(name.get<std::string>());
    }
  }
  return failover::BuildTopology(config, record, members, serving);
}

TopologyWatch::TopologyWatch(AdminClient client, std::vector<std::string> groups, Duration refresh,
                             Publish publish, Problem problem)
    : client_(std::move(client)),
      groups_(std::move(groups)),
      refresh_(refresh),
      publish_(std::move(publish)),
      problem_(std::move(problem)) {}

TopologyWatch::~TopologyWatch() { Stop(); }

void TopologyWatch::Start() {
  thread_ = std::thread([this] { Run(); });
}

void TopologyWatch::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void TopologyWatch::Run() {
  uint64_t next = 0;
  while (!stopping_.load()) {
    const bool ok = Refresh() && Poll(&next);
    if (!ok) {  // every agent failed: keep the last topology, try again soon
      next = 0;
      for (int i = 0; i < 5 && !stopping_.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
}

bool TopologyWatch::Refresh() {
  Result<admin::HttpResponse> r = client_.Call(admin::HttpMethod::kGet, "/v1/groups");
  if (!r.has_value() || r->status != 200) {
    problem_("GET /v1/groups: " + (r.has_value() ? ErrorMessage(*r) : r.error().ToString()));
    return false;
  }
  const json body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    problem_("GET /v1/groups: not a JSON object");
    return false;
  }
  std::vector<std::string> missing = groups_;
  for (const json& g : body.value("groups", json::array())) {
    Result<failover::Topology> topology = TopologyFromGroupJson(g);
    if (!topology.has_value()) {
      problem_("GET /v1/groups: " + topology.error().message());
      return false;
    }
    auto it = std::find(missing.begin(), missing.end(), topology->group);
    if (it == missing.end()) continue;  // a group this proxy does not serve
    missing.erase(it);
    publish_(*topology);
  }
  for (const std::string& group : missing) problem_("the agents know no group " + group);
  return true;
}

bool TopologyWatch::Poll(uint64_t* next) {
  const std::string path = "/v1/watch/" + PercentEncode(kGroupsPrefix) +
                           "?timeout=" + std::to_string(refresh_.millis()) +
                           "ms&from=" + std::to_string(*next);
  Result<admin::HttpResponse> r = client_.Call(admin::HttpMethod::kGet, path);
  if (r.has_value() && r->status == 410) {  // compacted past *next: start over
    *next = 0;
    return true;
  }
  if (!r.has_value() || r->status != 200) {
    problem_("watch: " + (r.has_value() ? ErrorMessage(*r) : r.error().ToString()));
    return false;
  }
  const json body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("next") || !body["next"].is_number_unsigned()) {
    problem_("watch: an answer without next");
    return false;
  }
  *next = body["next"].get<uint64_t>();
  return true;
}

}  // namespace baton::cli
