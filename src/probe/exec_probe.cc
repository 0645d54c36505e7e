#include <string>

#include "probe/internal/probes.h"
#include "probe/run_command.h"

namespace baton::probe::internal {

ProbeOutcome RunExec(const ExecSpec& spec, const Deadline& deadline) {
  CommandSpec command;
  command.argv =
      spec.shell ? std::vector<std::string>{"/bin/sh", "-c", spec.command.at(0)} : spec.command;
  command.output_limit_bytes = spec.output_limit_bytes;
  Result<CommandOutcome> ran = RunCommand(command, deadline.Remaining());
  if (!ran.has_value()) return Failed(ran.error());

  ProbeOutcome outcome;
  outcome.stdout_text = std::move(ran->stdout_text);
  outcome.stderr_text = std::move(ran->stderr_text);
  if (ran->signal == 0) outcome.exit_code = ran->exit_code;
  const std::string output = outcome.stdout_text + outcome.stderr_text;
  if (ran->succeeded()) {
    outcome.result.ok = true;
    outcome.result.output = output;
    return outcome;
  }
  outcome.result.output = "exec: " + ran->Summary(deadline.timeout());
  if (!output.empty()) outcome.result.output += "\n" + output;
  return outcome;
}

}  // namespace baton::probe::internal
