// `baton agent --config FILE [--join]`: runs one agent until SIGINT/SIGTERM.
#include <iostream>

#include "agent/agent.h"
#include "commands.h"
#include "config/load_agent_config.h"
#include "net/event_loop.h"
#include "signal_stopper.h"
#include "spd_logger.h"

namespace baton::cli {
namespace {

struct AgentFlags {
  std::string config_path;
  bool join = false;
};

int RunAgent(const AgentFlags& flags) {
  Result<config::AgentConfig> config = config::LoadAgentConfig(flags.config_path);
  if (!config.has_value()) {
    std::cerr << "baton agent: " << config.error().message() << "\n";
    return kExitUsage;
  }
  SpdLogger logger(config->node.name, config->log.level, config->log.format);
  if (config->tls.insecure_plaintext) {
    logger.Log(LogLevel::kWarn,
               "tls.insecure_plaintext: peer traffic is unencrypted and unauthenticated");
  }
  if (config->admin.token_file.empty()) {
    logger.Log(LogLevel::kWarn, "no admin.token_file: the admin API is read-only");
  }
  net::EventLoop loop;
  SignalStopper stopper(loop);
  Status fatal;
  agent::AgentOptions options;
  options.join = flags.join;
  options.on_fatal = [&loop, &fatal](const Status& s) {
    fatal = s;
    loop.Stop();
  };
  Result<std::unique_ptr<agent::Agent>> agent =
      agent::Agent::Create(loop, logger, *config, std::move(options));
  if (!agent.has_value()) {
    logger.Log(LogLevel::kError, "cannot start: " + agent.error().ToString());
    return kExitFailed;
  }
  logger.Log(LogLevel::kInfo,
             "agent " + config->node.name + " (id " + std::to_string(config->node.id) +
                 ") serving: peer " + config->listen.peer.ToString() + ", admin " +
                 config->listen.admin.ToString() + (flags.join ? ", joining" : ""));
  loop.Run();
  logger.Log(LogLevel::kInfo, fatal.ok() ? "stopping" : "stopping after a fatal error");
  agent->reset();
  return fatal.ok() ? kExitOk : kExitFailed;
}

}  // namespace

void AddAgentCommand(CLI::App& app, RunFn* run) {
  auto flags = std::make_shared<AgentFlags>();
  CLI::App* cmd = app.add_subcommand("agent", "Run the baton agent of this node");
  cmd->add_option("--config", flags->config_path, "Agent configuration file (YAML)")->required();
  cmd->add_flag("--join", flags->join,
                "With an empty data dir: wait to be added by the cluster (baton members add) "
                "instead of bootstrapping with the configured peers");
  cmd->callback([flags, run] { *run = [flags] { return RunAgent(*flags); }; });
}

}  // namespace baton::cli
