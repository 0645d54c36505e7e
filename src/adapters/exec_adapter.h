// ExecAdapter: drives a member through commands the operator configures, so
// any service can be managed with scripts (docs/adapters.md, "The exec
// adapter"). Each Adapter method runs its command once, with the time left
// until the deadline as its timeout; the command gets its arguments as
// BATON_* environment variables and reports through its exit status (and,
// for observe and divergence, `key=value` words on stdout).
//
// Results: exit 0 is OK; exit 69 (EX_UNAVAILABLE) is Unavailable (the service
// does not answer); any other exit is FailedPrecondition; a command still
// running at the deadline is killed with its process group and gives
// Timeout. Error messages read "exec adapter <group>/<member> <operation>:
// <what happened>: <the last 512 bytes of stderr>". An operation without a
// configured command is NotSupported.
//
// WaitUntilGone watches the pid in `pid_file` (a pidfd, so the exit is seen
// at once) or runs the `watch` command, which must block while the member
// lives; with neither it is NotSupported at once.
//
// Thread-safety: every method may run on its own thread; the object holds
// only constant settings.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "core/result.h"

namespace baton::adapters {

// Who the adapter drives; passed to every command as BATON_GROUP,
// BATON_MEMBER and BATON_MEMBER_ADDRESS.
struct MemberIdentity {
  std::string group;
  std::string member;
  std::string address;  // host:port the member serves on
};

// A command ready to run: argv plus the variables to set for it.
struct ExecCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

class ExecAdapter final : public Adapter {
 public:
  // Operation name ("promote", ...) -> argv; from MakeExecAdapter.
  ExecAdapter(MemberIdentity identity, std::map<std::string, std::vector<std::string>> commands,
              std::string pid_file);

  Status Start(Instant deadline) override;
  Status Stop(Instant deadline) override;
  Status Promote(failover::Epoch epoch, Instant deadline) override;
  Status Demote(failover::Epoch epoch, Instant deadline) override;
  Status Fence(Instant deadline) override;
  Status Follow(const std::string& primary_address, failover::Epoch epoch,
                Instant deadline) override;
  Status PauseWrites(Instant deadline) override;
  Status ResumeWrites(Instant deadline) override;
  Result<MemberState> Observe(Instant deadline) override;
  Result<Divergence> MeasureDivergence(const std::string& new_primary_address,
                                       Instant deadline) override;
  Status WaitUntilGone(const std::atomic<bool>& cancel) override;

  // The fence command with its environment, for a process that fences on
  // its own (the watchdog). BATON_DEADLINE_MS is not set.
  ExecCommand FenceCommand() const;

 private:
  using Env = std::map<std::string, std::string>;
  // Runs `operation`'s command until `deadline`; its stdout on success.
  Result<std::string> Run(const std::string& operation, Env env, Instant deadline) const;
  Status RunStatus(const std::string& operation, Env env, Instant deadline) const;
  Env BaseEnv(const std::string& operation) const;
  Status WaitForPid(const std::atomic<bool>& cancel) const;
  Status WaitForWatch(const std::atomic<bool>& cancel) const;
  std::string What(const std::string& operation) const;

  const MemberIdentity identity_;
  const std::map<std::string, std::vector<std::string>> commands_;
  const std::string pid_file_;
};

// Builds an ExecAdapter from a member's `adapter:` settings (kind "exec").
// Keys: the commands start, stop, promote, demote, fence, follow,
// pause_writes, resume_writes, observe, divergence, watch, and pid_file.
// promote, demote, fence, follow and observe are required; watch and
// pid_file exclude each other. InvalidArgument naming the key and its line:
// "exec adapter: unknown key `promte` (line 14)", "exec adapter: missing
// key `fence` (adapter settings from line 12)", a malformed command.
Result<std::unique_ptr<Adapter>> MakeExecAdapter(const AdapterConfig& config,
                                                 const MemberIdentity& identity);

// The command a watchdog runs to fence the member of `config` without the
// agent: exec's `fence`, or for any kind a `watchdog_fence` setting (a
// command in the same syntax). NotFound when there is none; InvalidArgument
// for a malformed one.
Result<ExecCommand> WatchdogFenceCommand(const AdapterConfig& config,
                                         const MemberIdentity& identity);

}  // namespace baton::adapters
