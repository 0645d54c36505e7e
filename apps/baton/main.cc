// baton: the agent and its command-line client.
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"baton: a high-availability failover manager"};
  app.require_subcommand(1);
  baton::cli::RunFn run;
  baton::cli::AddAgentCommand(app, &run);
  baton::cli::AddCertsCommand(app, &run);
  baton::cli::AddStatusCommand(app, &run);
  baton::cli::AddMembersCommand(app, &run);
  baton::cli::AddKvCommand(app, &run);
  baton::cli::AddGroupCommands(app, &run);
  baton::cli::AddWatchdogCommand(app, &run);
  baton::cli::AddFenceRedisCommand(app, &run);
  baton::cli::AddProxyCommand(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? baton::cli::kExitOk : baton::cli::kExitUsage;
  }
  return run ? run() : baton::cli::kExitUsage;
}
