#include "agent/failover_service_setup.h"

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
      if (m.node != config.node.name) continue;
      const config::MemberSpec* member = spec.FindMember(m.name);
      if (!member) {
        return Status::InvalidArgument("groups." + spec.group.name + "." + m.name +
                                       ": no adapter settings");
      }
      Result<std::unique_ptr<adapters::Adapter>> adapter =
          MakeAdapter(spec.group, m, member->adapter);
      if (!adapter.has_value()) {
        return Status::InvalidArgument("groups." + spec.group.name + "." + m.name + ": " +
                                       adapter.error().message());
      }
      setup.adapters[m.name] = std::shared_ptr<adapters::Adapter>(std::move(*adapter));
      Result<adapters::ExecCommand> fence =
          adapters::WatchdogFenceCommand(member->adapter, {spec.group.name, m.name, m.address});
      if (fence.has_value()) {
        setup.watchdog_fence[m.name] = std::move(*fence);
      } else if (fence.error().code() != StatusCode::kNotFound) {
        return Status::InvalidArgument("groups." + spec.group.name + "." + m.name + ": " +
                                       fence.error().message());
      }
    }
    if (spec.fencing) setup.fence_hook = ExecFenceHook(*spec.fencing, spec.group);
    setup.notify = spec.notify;
    options.groups.push_back(std::move(setup));
  }
  options.remote_checks = RemoteChecksFromConfig(config);
  return options;
}

}  // namespace baton::agent
