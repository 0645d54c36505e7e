#include "agent/failover_service_setup.h"

#include <algorithm>
#include <optional>

#include "adapters/exec_adapter.h"
#include "adapters/hooks.h"
#include "adapters/redis_adapter.h"

namespace baton::agent {
namespace {

Result<std::unique_ptr<adapters::Adapter>> MakeAdapter(const failover::GroupConfig& group,
                                                       const failover::MemberConfig& member,
                                                       const adapters::AdapterConfig& config) {
  if (config.kind == "exec") {
    return adapters::MakeExecAdapter(config, {group.name, member.name, member.address});
  }
  if (config.kind == "redis") return adapters::MakeRedisAdapter(config, member.address, group);
  return Status::InvalidArgument("adapter kind `" + config.kind + "` is not supported");
}

// The command the watchdog runs for a member: the adapter's own (exec's
// fence, a `watchdog_fence` setting), else for Redis `baton fence-redis`
// (the data-plane fence, on without any setting). NotFound when the adapter
// has none.
Result<adapters::ExecCommand> WatchdogFence(const failover::GroupConfig& group,
                                            const failover::MemberConfig& member,
                                            const adapters::AdapterConfig& config) {
  Result<adapters::ExecCommand> own =
      adapters::WatchdogFenceCommand(config, {group.name, member.name, member.address});
  if (own.has_value() || own.error().code() != StatusCode::kNotFound || config.kind != "redis") {
    return own;
  }
  Result<adapters::RedisAdapterOptions> o =
      adapters::ParseRedisAdapterConfig(config, member.address, group);
  if (!o.has_value()) return o.error();
  adapters::ExecCommand command;
  // The watchdog gives its fence drift_margin in all; half of it waits for
  // the server's answer before the server counts as hung.
  const Duration total = std::max(group.drift_margin, Duration::Millis(20));
  command.argv = {"/proc/self/exe",   "fence-redis",
                  "--address",        o->endpoint.Address(),
                  "--max-lag",        std::to_string(o->min_replicas_max_lag),
                  "--answer-timeout", std::to_string(total.millis() / 2) + "ms",
                  "--timeout",        std::to_string(total.millis()) + "ms"};
  command.env = {{"BATON_GROUP", group.name},
                 {"BATON_MEMBER", member.name},
                 {"BATON_MEMBER_ADDRESS", member.address},
                 {"BATON_FENCED_BY", "watchdog"}};
  if (!o->endpoint.password.empty()) command.env["BATON_REDIS_PASSWORD"] = o->endpoint.password;
  return command;
}

// An adapter that fences `member` from this node through the service's own
// protocol (Redis: min-replicas-to-write), for the coordinator's remote
// fence; nullopt for adapters that cannot (exec: its commands act locally).
std::optional<std::shared_ptr<adapters::Adapter>> RemoteFencer(
    const failover::GroupConfig& group, const failover::MemberConfig& member,
    const adapters::AdapterConfig& config) {
  if (config.kind != "redis") return std::nullopt;
  Result<adapters::RedisAdapterOptions> o =
      adapters::ParseRedisAdapterConfig(config, member.address, group);
  if (!o.has_value()) return std::nullopt;
  o->local = false;  // its pid means nothing on this node: never kill
  return std::make_shared<adapters::RedisAdapter>(*o);
}

FenceHook ExecFenceHook(const adapters::FencingHookSpec& hook, const failover::GroupConfig& group) {
  return [hook, group](const failover::FenceOrder& order, Instant) -> Status {
    const failover::MemberConfig* member = group.FindMember(order.member);
    return adapters::RunFencingHook(
        hook, {group.name, order.member, member ? member->address : "", order.epoch});
  };
}

}  // namespace

Result<FailoverServiceOptions> FailoverOptionsFromConfig(const config::AgentConfig& config) {
  FailoverServiceOptions options;
  options.node = config.node.name;
  options.watchdog_argv = {"/proc/self/exe", "watchdog"};
  options.watchdog_log = config.data_dir + "/watchdog.log";
  for (const config::GroupSpec& spec : config.groups) {
    GroupSetup setup;
    setup.config = spec.group;
    for (const failover::MemberConfig& m : spec.group.members) {
      const config::MemberSpec* member = spec.FindMember(m.name);
      if (!member) {
        return Status::InvalidArgument("groups." + spec.group.name + "." + m.name +
                                       ": no adapter settings");
      }
      if (auto fencer = RemoteFencer(spec.group, m, member->adapter)) {
        setup.remote_fencers[m.name] = std::move(*fencer);
      }
      if (m.node != config.node.name) continue;
      Result<std::unique_ptr<adapters::Adapter>> adapter =
          MakeAdapter(spec.group, m, member->adapter);
      if (!adapter.has_value()) {
        return Status::InvalidArgument("groups." + spec.group.name + "." + m.name + ": " +
                                       adapter.error().message());
      }
      setup.adapters[m.name] = std::shared_ptr<adapters::Adapter>(std::move(*adapter));
      Result<adapters::ExecCommand> fence = WatchdogFence(spec.group, m, member->adapter);
      if (fence.has_value()) {
        setup.watchdog_fence[m.name] = std::move(*fence);
      } else if (fence.error().code() != StatusCode::kNotFound || !spec.fencing) {
        // Safe by default: without a fence that works while this agent is
        // dead or paused, its member could write beside a new primary.
        return Status::InvalidArgument(
            "groups." + spec.group.name + "." + m.name + ": " + fence.error().message() +
            (spec.fencing ? ""
                          : " and the group has no `fencing` hook: nothing would fence it "
                            "while its agent is dead or paused"));
      }
    }
    setup.config.remote_fence = setup.remote_fencers.size() == spec.group.members.size();
    if (spec.fencing) setup.fence_hook = ExecFenceHook(*spec.fencing, spec.group);
    setup.notify = spec.notify;
    options.groups.push_back(std::move(setup));
  }
  options.remote_checks = RemoteChecksFromConfig(config);
  return options;
}

}  // namespace baton::agent
