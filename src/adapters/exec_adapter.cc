#include "adapters/exec_adapter.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <set>

#include "adapters/command_status.h"
#include "adapters/script_output.h"
#include "probe/run_command.h"

namespace baton::adapters {
namespace {

const std::set<std::string>& CommandKeys() {
  static const std::set<std::string> keys = {
      "start",        "stop",          "promote", "demote",     "fence", "follow",
      "pause_writes", "resume_writes", "observe", "divergence", "watch", "watchdog_fence"};
  return keys;
}
const std::set<std::string>& RequiredKeys() {
  static const std::set<std::string> keys = {"promote", "demote", "fence", "follow", "observe"};
  return keys;
}

Instant Now() {
  return Instant::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count());
}

int FirstLine(const AdapterConfig& config) {
  int line = 0;
  for (const auto& [key, setting] : config.settings) {
    if (line == 0 || (setting.line > 0 && setting.line < line)) line = setting.line;
  }
  return line;
}

std::string LineOf(const AdapterSetting& setting) {
  return " (line " + std::to_string(setting.line) + ")";
}

Result<std::vector<std::string>> CommandAt(const AdapterConfig& config, const std::string& key) {
  const AdapterSetting& setting = config.settings.at(key);
  Result<std::vector<std::string>> argv = ParseCommandSetting(setting.value);
  if (!argv.has_value()) {
    return Status::InvalidArgument(config.kind + " adapter: `" + key + "`" + LineOf(setting) +
                                   ": " + argv.error().message());
  }
  return argv;
}

std::map<std::string, std::string> IdentityEnv(const MemberIdentity& identity,
                                               const std::string& operation) {
  return {{"BATON_OPERATION", operation},
          {"BATON_GROUP", identity.group},
          {"BATON_MEMBER", identity.member},
          {"BATON_MEMBER_ADDRESS", identity.address}};
}

}  // namespace

ExecAdapter::ExecAdapter(MemberIdentity identity,
                         std::map<std::string, std::vector<std::string>> commands,
                         std::string pid_file)
    : identity_(std::move(identity)),
      commands_(std::move(commands)),
      pid_file_(std::move(pid_file)) {}

std::string ExecAdapter::What(const std::string& operation) const {
  return "exec adapter " + identity_.group + "/" + identity_.member + " " + operation;
}

ExecAdapter::Env ExecAdapter::BaseEnv(const std::string& operation) const {
  return IdentityEnv(identity_, operation);
}

Result<std::string> ExecAdapter::Run(const std::string& operation, Env env,
                                     Instant deadline) const {
  const auto it = commands_.find(operation);
  if (it == commands_.end()) {
    return Status::NotSupported(What(operation) + ": no `" + operation + "` command configured");
  }
  const Duration timeout = std::max(deadline - Now(), Duration::Zero());
  probe::CommandSpec spec;
  spec.argv = it->second;
  for (const auto& [key, value] : BaseEnv(operation)) env.emplace(key, value);
  env["BATON_DEADLINE_MS"] = std::to_string(timeout.millis());
  spec.env.assign(env.begin(), env.end());
  Result<probe::CommandOutcome> ran = probe::RunCommand(spec, timeout);
  Status status = CommandStatus(What(operation), ran, timeout);
  if (!status.ok()) return status;
  return std::move(ran->stdout_text);
}

Status ExecAdapter::RunStatus(const std::string& operation, Env env, Instant deadline) const {
  return Run(operation, std::move(env), deadline).status();
}

Status ExecAdapter::Start(Instant deadline) { return RunStatus("start", {}, deadline); }
Status ExecAdapter::Stop(Instant deadline) { return RunStatus("stop", {}, deadline); }

Status ExecAdapter::Promote(failover::Epoch epoch, Instant deadline) {
  return RunStatus("promote", {{"BATON_EPOCH", std::to_string(epoch)}}, deadline);
}

Status ExecAdapter::Demote(failover::Epoch epoch, Instant deadline) {
  return RunStatus("demote", {{"BATON_EPOCH", std::to_string(epoch)}}, deadline);
}

Status ExecAdapter::Fence(Instant deadline) { return RunStatus("fence", {}, deadline); }

Status ExecAdapter::Follow(const std::string& primary_address, failover::Epoch epoch,
                           Instant deadline) {
  return RunStatus(
      "follow",
      {{"BATON_EPOCH", std::to_string(epoch)}, {"BATON_PRIMARY_ADDRESS", primary_address}},
      deadline);
}

Status ExecAdapter::PauseWrites(Instant deadline) {
  return RunStatus("pause_writes", {}, deadline);
}
Status ExecAdapter::ResumeWrites(Instant deadline) {
  return RunStatus("resume_writes", {}, deadline);
}

Result<MemberState> ExecAdapter::Observe(Instant deadline) {
  Result<std::string> out = Run("observe", {}, deadline);
  if (!out.has_value()) return out.error();
  Result<MemberState> state = ParseObserveOutput(*out);
  if (!state.has_value()) return state.error().WithContext(What("observe") + ": output");
  return state;
}

Result<Divergence> ExecAdapter::MeasureDivergence(const std::string& new_primary_address,
                                                  Instant deadline) {
  Result<std::string> out =
      Run("divergence", {{"BATON_PRIMARY_ADDRESS", new_primary_address}}, deadline);
  if (!out.has_value()) return out.error();
  Result<Divergence> divergence = ParseDivergenceOutput(*out);
  if (!divergence.has_value()) {
    return divergence.error().WithContext(What("divergence") + ": output");
  }
  return divergence;
}

Status ExecAdapter::WaitUntilGone(const std::atomic<bool>& cancel) {
  if (!pid_file_.empty()) return WaitForPid(cancel);
  if (commands_.contains("watch")) return WaitForWatch(cancel);
  return Status::NotSupported(What("watch") + ": neither `pid_file` nor `watch` configured");
}

Status ExecAdapter::WaitForPid(const std::atomic<bool>& cancel) const {
  std::ifstream in(pid_file_);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) {
    return Status::Unavailable(What("watch") + ": no pid in " + pid_file_);
  }
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
  if (fd < 0) {
    return Status::Unavailable(What("watch") + ": process " + std::to_string(pid) + " from " +
                               pid_file_ + " is not running");
  }
  Status gone = Status::Aborted(What("watch") + ": cancelled");
  while (!cancel.load()) {
    pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 50) > 0) {
      gone = Status::Unavailable(What("watch") + ": process " + std::to_string(pid) + " exited");
      break;
    }
  }
  close(fd);
  return gone;
}

Status ExecAdapter::WaitForWatch(const std::atomic<bool>& cancel) const {
  probe::CommandSpec spec;
  spec.argv = commands_.at("watch");
  for (const auto& entry : BaseEnv("watch")) spec.env.push_back(entry);
  spec.cancel = &cancel;
  Result<probe::CommandOutcome> ran = probe::RunCommand(spec, Duration::Max());
  if (!ran.has_value()) return ran.error().WithContext(What("watch"));
  if (ran->cancelled) return Status::Aborted(What("watch") + ": cancelled");
  return Status::Unavailable(
      What("watch") + ": the watch command ended (" + ran->Summary(Duration::Max()) + ")" +
      (StderrTail(ran->stderr_text).empty() ? "" : ": " + StderrTail(ran->stderr_text)));
}

ExecCommand ExecAdapter::FenceCommand() const {
  ExecCommand command;
  const auto it = commands_.find("watchdog_fence");
  command.argv = it != commands_.end() ? it->second : commands_.at("fence");
  command.env = BaseEnv("fence");
  command.env["BATON_FENCED_BY"] = "watchdog";
  return command;
}

Result<std::unique_ptr<Adapter>> MakeExecAdapter(const AdapterConfig& config,
                                                 const MemberIdentity& identity) {
  std::map<std::string, std::vector<std::string>> commands;
  std::string pid_file;
  for (const auto& [key, setting] : config.settings) {
    if (key == "pid_file") {
      if (setting.value.empty()) {
        return Status::InvalidArgument("exec adapter: `pid_file`" + LineOf(setting) +
                                       ": empty path");
      }
      pid_file = setting.value;
    } else if (CommandKeys().contains(key)) {
      Result<std::vector<std::string>> argv = CommandAt(config, key);
      if (!argv.has_value()) return argv.error();
      commands[key] = std::move(*argv);
    } else {
      return Status::InvalidArgument("exec adapter: unknown key `" + key + "`" + LineOf(setting));
    }
  }
  for (const std::string& key : RequiredKeys()) {
    if (!commands.contains(key)) {
      return Status::InvalidArgument("exec adapter: missing key `" + key +
                                     "` (adapter settings from line " +
                                     std::to_string(FirstLine(config)) + ")");
    }
  }
  if (!pid_file.empty() && commands.contains("watch")) {
    return Status::InvalidArgument("exec adapter: `watch`" + LineOf(config.settings.at("watch")) +
                                   " and `pid_file` exclude each other");
  }
  return std::unique_ptr<Adapter>(
      std::make_unique<ExecAdapter>(identity, std::move(commands), std::move(pid_file)));
}

Result<ExecCommand> WatchdogFenceCommand(const AdapterConfig& config,
                                         const MemberIdentity& identity) {
  if (config.kind == "exec") {
    Result<std::unique_ptr<Adapter>> adapter = MakeExecAdapter(config, identity);
    if (!adapter.has_value()) return adapter.error();
    return static_cast<const ExecAdapter&>(**adapter).FenceCommand();
  }
  if (!config.settings.contains("watchdog_fence")) {
    return Status::NotFound(config.kind + " adapter of " + identity.member +
                            ": no `watchdog_fence` command");
  }
  Result<std::vector<std::string>> argv = CommandAt(config, "watchdog_fence");
  if (!argv.has_value()) return argv.error();
  ExecCommand command;
  command.argv = std::move(*argv);
  command.env = IdentityEnv(identity, "fence");
  command.env["BATON_FENCED_BY"] = "watchdog";
  return command;
}

}  // namespace baton::adapters
