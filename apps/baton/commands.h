// The `baton` subcommands. Each Add*Command registers its CLI11 subcommand
// on `app` and stores in *run what to do when it was chosen; run returns the
// process exit code: 0 success, 1 the operation failed, 2 usage.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace baton::cli {

using RunFn = std::function<int()>;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

void AddAgentCommand(CLI::App& app, RunFn* run);
void AddCertsCommand(CLI::App& app, RunFn* run);
void AddStatusCommand(CLI::App& app, RunFn* run);
void AddMembersCommand(CLI::App& app, RunFn* run);
void AddKvCommand(CLI::App& app, RunFn* run);
// groups, switchover, failover, pause, resume, history
void AddGroupCommands(CLI::App& app, RunFn* run);
void AddWatchdogCommand(CLI::App& app, RunFn* run);
void AddFenceRedisCommand(CLI::App& app, RunFn* run);
void AddProxyCommand(CLI::App& app, RunFn* run);

}  // namespace baton::cli
