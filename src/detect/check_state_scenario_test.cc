// Scenario tests for CheckState, in the style of etcd-raft's datadriven
// tests: each testdata/check_state/*.txt file is a story of commands, each
// followed by "----" and the output it must produce. Run with
// BATON_REWRITE=1 to rewrite the expected outputs, then review the diff.
//
// Commands (times are offsets from the check's start, e.g. "1500ms"):
//   new [interval=D] [timeout=D] [rise=N] [fall=N] [jitter=D] [start_period=D]
//       [kind=liveness|readiness|deep] [seed=N]
//   tick at=D
//   result <probe-id> ok|fail at=D [latency=D] [output=WORD]
//   status
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "detect/check_state.h"
#include "testing/scenario_file.h"

namespace baton::detect {
namespace {

using scenario::CommandLine;
using scenario::ParseCommand;

std::string Format(Instant t) { return Duration::Nanos(t.nanos()).ToString(); }

std::string TransitionName(Transition t) {
  switch (t) {
    case Transition::kUnchanged:
      return "unchanged";
    case Transition::kChanged:
      return "changed";
    case Transition::kPending:
      return "pending";
  }
  return "invalid";
}

class Scenario {
 public:
  // Runs one command line; returns its output lines, or an "error: ..." line.
  std::vector<std::string> Run(const std::string& line) {
    CommandLine command = ParseCommand(line);
    const std::string& verb = command.verb;
    std::vector<std::string>& positional = command.words;
    std::map<std::string, std::string>& args = command.args;
    if (verb == "new") return New(args);
    if (!check_) return {"error: no check; use new first"};
    if (verb == "tick") return Tick(At(args["at"]));
    if (verb == "result") return Result(positional, args);
    if (verb == "status") return Status();
    return {"error: unknown command " + verb};
  }

 private:
  static Instant At(const std::string& text) {
    Duration d;
    EXPECT_TRUE(ParseDuration(text, &d)) << "bad duration: " << text;
    return Instant() + d;
  }

  std::vector<std::string> New(std::map<std::string, std::string>& args) {
    CheckConfig config;
    config.jitter = Duration::Zero();
    auto duration = [&](const char* key, Duration* field) {
      if (args.contains(key)) {
        EXPECT_TRUE(ParseDuration(args[key], field)) << key;
      }
    };
    duration("interval", &config.interval);
    duration("timeout", &config.timeout);
    duration("jitter", &config.jitter);
    duration("start_period", &config.start_period);
    if (args.contains("rise")) config.rise = std::stoi(args["rise"]);
    if (args.contains("fall")) config.fall = std::stoi(args["fall"]);
    if (args["kind"] == "liveness") config.kind = CheckKind::kLiveness;
    if (args["kind"] == "deep") config.kind = CheckKind::kDeep;
    const baton::Status valid = config.Validate();
    if (!valid.ok()) return {"error: " + valid.ToString()};
    rng_ = std::make_unique<Rng>(args.contains("seed") ? std::stoull(args["seed"]) : 1);
    check_ = std::make_unique<CheckState>("db-1", config, *rng_, Instant());
    return {"next probe at " + Format(check_->NextWakeup())};
  }

  std::vector<std::string> Tick(Instant now) {
    const TickResult tick = check_->Tick(now);
    std::vector<std::string> out;
    if (tick.transition != Transition::kUnchanged) {
      out.push_back("timeout: " + Judged(tick.transition));
    }
    if (tick.probe) {
      out.push_back("probe " + std::to_string(tick.probe->id) + " deadline " +
                    Format(tick.probe->deadline));
    }
    AppendEvents(out);
    if (out.empty()) out.push_back("nothing; next wakeup " + Format(check_->NextWakeup()));
    return out;
  }

  std::vector<std::string> Result(const std::vector<std::string>& positional,
                                  std::map<std::string, std::string>& args) {
    if (positional.size() != 2) return {"error: result <probe-id> ok|fail at=D"};
    ProbeResult result{.ok = positional[1] == "ok", .latency = {}, .output = args["output"]};
    if (args.contains("latency")) {
      EXPECT_TRUE(ParseDuration(args["latency"], &result.latency));
    }
    const uint64_t late_before = check_->stats().late_results;
    const Transition t = check_->OnResult(std::stoull(positional[0]), result, At(args["at"]));
    std::vector<std::string> out = {Judged(t)};
    if (check_->stats().late_results > late_before) out[0] += " (late result ignored)";
    AppendEvents(out);
    return out;
  }

  std::vector<std::string> Status() {
    const CheckStats& s = check_->stats();
    return {
        "health=" + std::string(HealthName(check_->health())) +
            " successes_in_row=" + std::to_string(check_->successes_in_row()) +
            " failures_in_row=" + std::to_string(check_->failures_in_row()) +
            " last_latency=" + check_->last_latency().ToString(),
        "probes=" + std::to_string(s.probes_started) + " successes=" + std::to_string(s.successes) +
            " failures=" + std::to_string(s.failures) + " timeouts=" + std::to_string(s.timeouts) +
            " late=" + std::to_string(s.late_results) +
            " ignored=" + std::to_string(s.ignored_failures)};
  }

  std::string Judged(Transition t) const {
    return TransitionName(t) + " health=" + std::string(HealthName(check_->health()));
  }

  void AppendEvents(std::vector<std::string>& out) {
    for (const Event& e : check_->TakeEvents()) {
      out.push_back("event at " + Format(e.time) + ": " + e.ToString());
    }
  }

  std::unique_ptr<Rng> rng_;
  std::unique_ptr<CheckState> check_;
};

TEST(CheckStateScenarioTest, AllScenariosProduceTheirExpectedOutput) {
  scenario::RunScenarioFiles(BATON_DETECT_TESTDATA "/check_state", [] {
    auto story = std::make_shared<Scenario>();
    return [story](const std::string& command) { return story->Run(command); };
  });
}

}  // namespace
}  // namespace baton::detect
