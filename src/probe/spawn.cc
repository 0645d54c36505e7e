#include "probe/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/check.h"

extern char** environ;

namespace baton::probe {

namespace {

// This process's environment with `overrides` replacing or adding variables.
std::vector<std::string> MergedEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [key, value] : overrides) replaced = replaced || key == name;
    if (!replaced) merged.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) merged.push_back(key + "=" + value);
  return merged;
}

}  // namespace

Result<pid_t> SpawnInNewGroup(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd) {
  SpawnOptions options;
  options.stdout_fd = stdout_fd;
  options.stderr_fd = stderr_fd;
  return SpawnInNewGroup(argv, options);
}

Result<pid_t> SpawnInNewGroup(const std::vector<std::string>& argv, const SpawnOptions& options) {
  BATON_CHECK(!argv.empty()) << "SpawnInNewGroup needs a command";
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, options.stdin_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, options.stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, options.stderr_fd, 2);
  // Nothing else of the agent's: an inherited listening socket (Asio's are
  // not close-on-exec) held by a watchdog or service that outlives the agent
  // kept its restart from binding the port (the fault campaign's seed 2026).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (!options.env.empty()) {
    env_strings = MergedEnvironment(options.env);
    for (std::string& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
  }

  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(),
                              options.env.empty() ? environ : envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == 0) return pid;
  if (rc == ENOENT) return Status::NotFound("exec: no such file: " + argv[0]);
  if (rc == EACCES) return Status::PermissionDenied("exec: permission denied: " + argv[0]);
  char buf[256];
  return Status::IOError("exec: " + argv[0] + ": " + strerror_r(rc, buf, sizeof buf));
}

}  // namespace baton::probe
