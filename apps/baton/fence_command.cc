// `baton fence-redis`: the data-plane fence the watchdog runs for a Redis
// member when no `watchdog_fence` command is configured (docs/adapters.md,
// "Watchdog"). It is RedisAdapter::Fence, run from a process of its own:
// refuse every write (min-replicas-to-write), keep that across a restart
// (CONFIG REWRITE), close the clients' connections; a server that gives no
// answer within --answer-timeout is killed by the process the agent last
// observed (BATON_MEMBER_PROCESS, "pid:start"). The password comes from
// BATON_REDIS_PASSWORD so it never shows in a process listing.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "adapters/redis_adapter.h"
#include "commands.h"
#include "config/host_port.h"
#include "core/time.h"

namespace baton::cli {
namespace {

struct FenceRedisArgs {
  std::string address;
  int max_lag_seconds = 10;
  std::string answer_timeout = "200ms";
  std::string timeout = "2s";
};

int RunFenceRedis(const FenceRedisArgs& args) {
  adapters::RedisAdapterOptions options;
  const std::optional<config::HostPort> hp = config::ParseHostPort(args.address);
  if (!hp) {
    std::cerr << "fence-redis: --address: expected host:port, got " << args.address << "\n";
    return kExitUsage;
  }
  options.endpoint.host = hp->host;
  options.endpoint.port = hp->port;
  Duration answer, total;
  if (!ParseDuration(args.answer_timeout, &answer) || !ParseDuration(args.timeout, &total)) {
    std::cerr << "fence-redis: --answer-timeout and --timeout take durations such as 200ms\n";
    return kExitUsage;
  }
  options.fence_timeout = answer;
  options.endpoint.connect_timeout = answer;
  options.min_replicas_max_lag = args.max_lag_seconds;
  if (const char* password = std::getenv("BATON_REDIS_PASSWORD")) {
    options.endpoint.password = password;
  }
  if (const char* process = std::getenv("BATON_MEMBER_PROCESS"); process && *process) {
    Result<adapters::ProcessIdentity> p = adapters::ParseProcessIdentity(process);
    if (p.has_value()) options.server_process = *p;
  }
  adapters::RedisAdapter adapter(options);
  const Status s = adapter.Fence(adapters::SteadyNow() + total);
  if (!s.ok()) {
    std::cerr << "fence-redis " << args.address << ": " << s.ToString() << "\n";
    return kExitFailed;
  }
  std::cerr << "fence-redis " << args.address << ": fenced\n";
  return kExitOk;
}

}  // namespace

void AddFenceRedisCommand(CLI::App& app, RunFn* run) {
  auto args = std::make_shared<FenceRedisArgs>();
  CLI::App* cmd = app.add_subcommand(
      "fence-redis", "Refuse writes on a redis-server (the watchdog's default Redis fence)");
  cmd->add_option("--address", args->address, "host:port of the redis-server")->required();
  cmd->add_option("--max-lag", args->max_lag_seconds, "min-replicas-max-lag to set (seconds)");
  cmd->add_option("--answer-timeout", args->answer_timeout,
                  "no answer by then: the server is hung and is killed");
  cmd->add_option("--timeout", args->timeout, "the whole fence's bound");
  cmd->callback([run, args] { *run = [args] { return RunFenceRedis(*args); }; });
}

}  // namespace baton::cli
