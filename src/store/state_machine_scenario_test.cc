// Scenario tests for the StateMachine and WatchHub, in the style of
// etcd-raft's datadriven tests: each testdata/state_machine/*.txt file is a
// story of commands, each followed by "----" and the output it must produce.
// Run with BATON_REWRITE=1 to rewrite the expected outputs, then review the
// diff.
//
// Commands (one entry each, applied at the next index):
//   put <key> <value> [lease=<id>]      del <key>       del-prefix <prefix>
//   grant <id> ttl=<duration>           revoke <id>     compact <revision>
//   txn <compare>... then <op>... else <op>...
//     compare: value(k)=v  version(k)!=n  create(k)<n  mod(k)>n  absent(k)
//     op:      put(k,v)  del(k)  del-prefix(p)  get(k)  range(p)
// Reads and watches (no entry):
//   get <key>        range <prefix>       history <prefix> from=<revision>
//   watch <id> <prefix> [from=<revision>]   ack <id> <count>   cancel <id>
// After each entry the output shows the result, the events, and what each
// watcher received (the hub's bound is 3 pending events).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "store/state_machine.h"
#include "store/watch_hub.h"
#include "testing/scenario_file.h"

namespace baton::store {
namespace {

using scenario::CommandLine;
using scenario::ParseCommand;

std::string Describe(const KeyValue& kv) {
  return kv.key + "=" + kv.value + " create=" + std::to_string(kv.create_revision) +
         " mod=" + std::to_string(kv.mod_revision) + " version=" + std::to_string(kv.version) +
         (kv.lease == kNoLease ? "" : " lease=" + std::to_string(kv.lease));
}

std::string Describe(const Event& event) {
  if (event.type == EventType::kDelete) {
    return "delete " + event.kv.key + " rev=" + std::to_string(event.revision());
  }
  return "put " + Describe(event.kv);
}

// Splits "name(a,b)rest" into name, the arguments and rest; false if malformed.
bool SplitCall(const std::string& token, std::string* name, std::vector<std::string>* args,
               std::string* rest) {
  const size_t open = token.find('('), close = token.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  *name = token.substr(0, open);
  std::stringstream inner(token.substr(open + 1, close - open - 1));
  for (std::string arg; std::getline(inner, arg, ',');) args->push_back(arg);
  *rest = token.substr(close + 1);
  return true;
}

bool ParseCompare(const std::string& token, Compare* out) {
  std::string name, rest;
  std::vector<std::string> args;
  if (!SplitCall(token, &name, &args, &rest) || args.size() != 1) return false;
  if (name == "absent") {
    *out = Compare::Absent(args[0]);
    return rest.empty();
  }
  static const std::vector<std::pair<std::string, CompareOp>> kOps = {{"!=", CompareOp::kNotEqual},
                                                                      {"=", CompareOp::kEqual},
                                                                      {"<", CompareOp::kLess},
                                                                      {">", CompareOp::kGreater}};
  for (const auto& [text, op] : kOps) {
    if (rest.rfind(text, 0) != 0) continue;
    const std::string operand = rest.substr(text.size());
    if (name == "value") *out = Compare::Value(args[0], op, operand);
    if (name == "version") *out = Compare::Version(args[0], op, std::stoull(operand));
    if (name == "create") *out = Compare::CreateRevision(args[0], op, std::stoull(operand));
    if (name == "mod") *out = Compare::ModRevision(args[0], op, std::stoull(operand));
    return name == "value" || name == "version" || name == "create" || name == "mod";
  }
  return false;
}

bool ParseOp(const std::string& token, TxnOp* out) {
  std::string name, rest;
  std::vector<std::string> args;
  if (!SplitCall(token, &name, &args, &rest) || !rest.empty()) return false;
  const size_t n = args.size();
  if (name == "put" && n == 2) {
    *out = Put{args[0], args[1]};
  } else if (name == "del" && n == 1) {
    *out = Delete{args[0]};
  } else if (name == "del-prefix" && n == 1) {
    *out = DeleteRange{args[0]};
  } else if ((name == "get" || name == "range") && n == 1) {
    *out = Range{args[0], name == "range"};
  } else {
    return false;
  }
  return true;
}

class Scenario {
 public:
  std::vector<std::string> Run(const std::string& line) {
    CommandLine command = ParseCommand(line);
    const std::string& verb = command.verb;
    const std::vector<std::string>& words = command.words;
    std::map<std::string, std::string>& args = command.args;
    auto arg = [&](size_t i) { return i < words.size() ? words[i] : std::string(); };
    if (verb == "put") return Apply(Put{arg(0), arg(1), std::stoull(Or(args["lease"], "0"))});
    if (verb == "del") return Apply(Delete{arg(0)});
    if (verb == "del-prefix") return Apply(DeleteRange{arg(0)});
    if (verb == "grant") return Grant(arg(0), args["ttl"]);
    if (verb == "revoke") return Apply(LeaseRevoke{std::stoull(arg(0))});
    if (verb == "refresh") return Apply(LeaseRefresh{std::stoull(arg(0))});
    if (verb == "compact") return Apply(Compact{std::stoull(arg(0))});
    if (verb == "txn") return TxnCommand(words);
    if (verb == "get") return Reads(state_.Range(arg(0), false));
    if (verb == "range") return Reads(state_.Range(arg(0), true));
    if (verb == "history") return History(arg(0), std::stoull(Or(args["from"], "0")));
    if (verb == "watch") return Watch(arg(0), arg(1), std::stoull(Or(args["from"], "0")));
    if (verb == "ack") {
      hub_.Acknowledge(std::stoull(arg(0)), std::stoull(arg(1)));
      return {"pending=" + std::to_string(hub_.pending(std::stoull(arg(0))))};
    }
    if (verb == "cancel") return {hub_.Cancel(std::stoull(arg(0))) ? "cancelled" : "unknown"};
    return {"error: unknown command " + verb};
  }

 private:
  static std::string Or(const std::string& s, const char* fallback) {
    return s.empty() ? fallback : s;
  }

  std::vector<std::string> Grant(const std::string& id, const std::string& ttl_text) {
    Duration ttl;
    if (!ParseDuration(ttl_text, &ttl)) return {"error: bad ttl " + ttl_text};
    return Apply(LeaseGrant{std::stoull(id), ttl});
  }

  std::vector<std::string> TxnCommand(const std::vector<std::string>& words) {
    Txn txn;
    int section = 0;  // 0: compares, 1: then, 2: else
    for (const std::string& word : words) {
      if (word == "then" || word == "else") {
        section = word == "then" ? 1 : 2;
        continue;
      }
      Compare compare;
      TxnOp op;
      if (section == 0 && ParseCompare(word, &compare)) {
        txn.compares.push_back(compare);
      } else if (section > 0 && ParseOp(word, &op)) {
        (section == 1 ? txn.then_ops : txn.else_ops).push_back(op);
      } else {
        return {"error: cannot parse " + word};
      }
    }
    return Apply(txn);
  }

  std::vector<std::string> Apply(const Command& command) {
    ApplyResult result = state_.Apply(state_.applied_index() + 1, EncodeCommand(command));
    if (!result.status.ok()) return {"error: " + result.status.ToString()};
    std::vector<std::string> out = {"rev=" + std::to_string(result.revision)};
    if (std::holds_alternative<Txn>(command)) out[0] += result.succeeded ? " then" : " else";
    for (const OpResult& op : result.ops) {
      for (const KeyValue& kv : op.kvs) out.push_back("read " + Describe(kv));
    }
    for (const Event& event : result.events) out.push_back("event " + Describe(event));
    WatchOutput fanout = hub_.OnApplied(result.events);
    for (const WatchBatch& batch : fanout.batches) {
      for (const Event& event : batch.events) {
        out.push_back("watch " + std::to_string(batch.watcher) + ": " + Describe(event));
      }
    }
    for (const WatchCancel& cancel : fanout.cancelled) {
      out.push_back("watch " + std::to_string(cancel.watcher) +
                    " cancelled: " + cancel.reason.ToString() + "; resume from " +
                    std::to_string(cancel.resume_revision));
    }
    return out;
  }

  static std::vector<std::string> Reads(const std::vector<KeyValue>& kvs) {
    std::vector<std::string> out;
    for (const KeyValue& kv : kvs) out.push_back(Describe(kv));
    if (out.empty()) out.push_back("(none)");
    return out;
  }

  static std::vector<std::string> Events(const std::vector<Event>& events) {
    std::vector<std::string> out;
    for (const Event& event : events) out.push_back(Describe(event));
    if (out.empty()) out.push_back("(no events)");
    return out;
  }

  std::vector<std::string> History(const std::string& prefix, Revision from) {
    Result<std::vector<Event>> events = state_.WatchFrom(prefix, from);
    if (!events.has_value()) return {"error: " + events.error().ToString()};
    return Events(*events);
  }

  std::vector<std::string> Watch(const std::string& id, const std::string& prefix, Revision from) {
    Result<std::vector<Event>> backlog = hub_.Watch(std::stoull(id), prefix, from, state_);
    if (!backlog.has_value()) return {"error: " + backlog.error().ToString()};
    return Events(*backlog);
  }

  StateMachine state_;
  WatchHub hub_{3};
};

TEST(StateMachineScenarioTest, AllScenariosProduceTheirExpectedOutput) {
  scenario::RunScenarioFiles(BATON_STORE_TESTDATA "/state_machine", [] {
    auto story = std::make_shared<Scenario>();
    return [story](const std::string& command) { return story->Run(command); };
  });
}

}  // namespace
}  // namespace baton::store
