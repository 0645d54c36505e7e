// `baton groups`, `baton switchover`, `baton failover`, `baton pause`,
// `baton resume` and `baton history` (docs/failover.md, "Admin API").
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "client.h"
#include "commands.h"

namespace baton::cli {
namespace {

using nlohmann::json;

struct GroupFlags {
  ClientFlags client;
  std::string group;
  std::string to;
  bool force = false;
  bool json = false;
  std::string wait = "60s";
};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// "r1, r3" (or "none") from a JSON array of names.
std::string Names(const json& names) {
  std::string out;
  for (const json& n : names) out += (out.empty() ? "" : ", ") + n.get<std::string>();
  return out.empty() ? "none" : out;
}

void PrintGroup(const json& g) {
  const bool active_active = Str(g, "mode") == "active-active";
  std::cout << "group " << Str(g, "name") << "  mode " << Str(g, "mode");
  if (active_active) {
    const json serving = g.value("serving", json());
    std::cout << "  serving epoch " << (serving.is_object() ? Str(serving, "epoch") : "0")
              << (g.value("paused", false) ? "  PAUSED" : "") << "\n  serving "
              << Names(serving.is_object() ? serving["members"] : json::array()) << "\n";
  } else {
    std::cout << "  epoch " << Str(g, "epoch") << "  primary " << Str(g, "primary") << "  state "
              << Str(g, "state") << (g.value("paused", false) ? "  PAUSED" : "") << "\n";
  }
  if (g.contains("lease") && g["lease"].is_object()) {
    std::cout << "  lease  " << Str(g["lease"], "member") << " on " << Str(g["lease"], "node")
              << " at epoch " << Str(g["lease"], "epoch") << "\n";
  } else if (!active_active) {  // active-active has no primary, so no lease
    std::cout << "  lease  none\n";
  }
  if (g.contains("coordinator") && g["coordinator"].is_object()) {
    const json& c = g["coordinator"];
    std::cout << "  coordinator " << Str(c, "state") << (c.value("tilt", false) ? "  TILT" : "")
              << (c.value("odown", false) ? "  ODOWN" : "") << "\n";
  }
  for (const json& m : g.value("members", json::array())) {
    std::cout << "  " << Str(m, "name") << "  node " << Str(m, "node") << "  " << Str(m, "address")
              << "  role " << Str(m, "role") << "  health " << Str(m, "health") << "  position "
              << Str(m, "position");
    if (m.contains("serving")) std::cout << (m.value("serving", false) ? "  serving" : "  out");
    if (m.contains("observed_down_by") && !m["observed_down_by"].empty()) {
      std::cout << "  down for " << m["observed_down_by"].dump();
    }
    std::cout << "\n";
  }
}

int RunGroups(const GroupFlags& flags) {
  int code = 0;
  const std::string path =
      flags.group.empty() ? "/v1/groups" : "/v1/groups/" + PercentEncode(flags.group);
  auto j = CallJson(flags.client, admin::HttpMethod::kGet, path, "", &code);
  if (!j) return code;
  if (flags.json) {
    std::cout << j->dump(2) << "\n";
    return kExitOk;
  }
  if (flags.group.empty()) {
    for (const json& g : j->value("groups", json::array())) PrintGroup(g);
  } else {
    PrintGroup(*j);
  }
  return kExitOk;
}

// POSTs `action` to the group's coordinator; prints the answer.
std::optional<json> Post(const GroupFlags& flags, const std::string& action, const json& body,
                         int* code) {
  return CallJson(flags.client, admin::HttpMethod::kPost,
                  "/v1/groups/" + PercentEncode(flags.group) + "/" + action,
                  (body.is_object() ? body : json::object()).dump(), code);
}

int RunSimple(const GroupFlags& flags, const std::string& action, const json& body) {
  int code = 0;
  auto j = Post(flags, action, body, &code);
  if (!j) return code;
  std::cout << flags.group << ": " << action << " accepted (epoch " << Str(*j, "epoch")
            << ", primary " << Str(*j, "primary") << (j->value("paused", false) ? ", paused" : "")
            << ")\n";
  return kExitOk;
}

// Polls the group until a primary of a later epoch (the target, when one was
// named) serves in state stable, printing each change; 1 at the deadline.
int WaitForChange(const GroupFlags& flags, uint64_t from_epoch, const std::string& target) {
  Duration wait;
  if (!ParseDuration(flags.wait, &wait)) {
    std::cerr << "--wait: not a duration: " << flags.wait << "\n";
    return kExitUsage;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(wait.nanos());
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    int code = 0;
    auto g = CallJson(flags.client, admin::HttpMethod::kGet,
                      "/v1/groups/" + PercentEncode(flags.group), "", &code);
    if (g) {
      std::string line = "epoch " + Str(*g, "epoch") + "  primary " + Str(*g, "primary") +
                         "  state " + Str(*g, "state");
      if ((*g)["coordinator"].is_object()) line += "  step " + Str((*g)["coordinator"], "state");
      if (line != last) std::cout << line << "\n" << std::flush;
      last = line;
      const uint64_t epoch = g->value("epoch", uint64_t{0});
      const std::string primary = g->value("primary", std::string());
      bool confirmed = false;
      for (const json& m : g->value("members", json::array())) {
        confirmed = confirmed || (m.value("name", "") == primary && Str(m, "role") == "primary" &&
                                  m.value("epoch_seen", uint64_t{0}) >= epoch);
      }
      if (epoch > from_epoch && Str(*g, "state") == "stable" && confirmed &&
          (target.empty() || primary == target)) {
        std::cout << "done: " << primary << " is primary at epoch " << epoch << "\n";
        return kExitOk;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cerr << flags.group << ": not done within " << flags.wait << "\n";
  return kExitFailed;
}

int RunChange(const GroupFlags& flags, const std::string& action, const json& body) {
  int code = 0;
  auto j = Post(flags, action, body, &code);
  if (!j) return code;
  std::cout << flags.group << ": " << action << " started from epoch " << Str(*j, "epoch")
            << " (primary " << Str(*j, "primary") << ")\n";
  return WaitForChange(flags, j->value("epoch", uint64_t{0}), flags.to);
}

// A divergence record's measurement, or why there is none.
std::string DivergenceText(const json& t) {
  const json d = t.value("divergence", json());
  if (!d.is_object()) return "NOT MEASURED: " + Str(t, "error");
  return "fork at " + Str(d, "fork_position") + ", " + Str(d, "lost_bytes") +
         " bytes only it had, saved copy " +
         (Str(d, "saved_copy").empty() ? "(none)" : Str(d, "saved_copy"));
}

// A timeline's acknowledged loss: known when it was chosen (sync modes,
// switchover), else what the old primary's divergence measured when it
// rejoined, else unknown - never a 0 nobody measured.
std::string AckedLossText(const json& t, const json& history) {
  const json known = t.value("acked_loss_bytes", json());
  if (known.is_number()) return known.dump() + " bytes";
  // The first time the old primary followed a primary of this epoch or later.
  const json* first = nullptr;
  const uint64_t to = t.value("to_epoch", uint64_t{0});
  for (const json& d : history) {
    if (!d.contains("member") || d.contains("cause") || Str(d, "member") != Str(t, "old_primary")) {
      continue;
    }
    const uint64_t epoch = d.value("epoch", uint64_t{0});
    if (epoch >= to && (!first || epoch < first->value("epoch", uint64_t{0}))) first = &d;
  }
  if (first)
    return "(measured when " + Str(t, "old_primary") + " rejoined) " + DivergenceText(*first);
  return "unknown (async: what " + Str(t, "old_primary") +
         " took past the fork is measured when it rejoins)";
}

int RunHistory(const GroupFlags& flags) {
  int code = 0;
  auto j = CallJson(flags.client, admin::HttpMethod::kGet,
                    "/v1/groups/" + PercentEncode(flags.group) + "/history", "", &code);
  if (!j) return code;
  if (flags.json) {
    std::cout << j->dump(2) << "\n";
    return kExitOk;
  }
  const json history = j->value("history", json::array());
  for (const json& t : history) {
    if (t.contains("serving_epoch")) {  // an active-active serving set
      std::cout << "serving epoch " << Str(t, "serving_epoch") << "  " << Names(t["members"])
                << "  joined " << Names(t.value("joined", json::array())) << "  left "
                << Names(t.value("left", json::array())) << "  (stored " << Str(t, "publish_ms")
                << " ms after the change)\n";
      continue;
    }
    if (t.contains("member") && !t.contains("cause")) {  // a former primary's divergence
      std::cout << "epoch " << Str(t, "epoch") << "  " << Str(t, "member") << " followed "
                << Str(t, "new_primary") << "  divergence " << DivergenceText(t) << "\n";
      continue;
    }
    std::cout << "epoch " << Str(t, "from_epoch") << " -> " << Str(t, "to_epoch") << "  "
              << Str(t, "old_primary") << " -> " << Str(t, "new_primary") << "  cause "
              << Str(t, "cause") << "  outcome " << Str(t, "outcome") << "\n  steps (ms after "
              << "detected) " << t.value("steps_ms", json::object()).dump() << "\n  loss bound "
              << Str(t, "loss_bound_bytes") << " bytes, acknowledged lost "
              << AckedLossText(t, history) << (t.value("forced", false) ? " (forced)" : "") << "\n";
  }
  return kExitOk;
}

CLI::App* GroupSubcommand(CLI::App& app, const std::string& name, const std::string& help,
                          GroupFlags* flags) {
  CLI::App* cmd = app.add_subcommand(name, help);
  AddClientFlags(cmd, &flags->client);
  cmd->add_option("group", flags->group, "The group")->required();
  return cmd;
}

}  // namespace

void AddGroupCommands(CLI::App& app, RunFn* run) {
  auto flags = std::make_shared<GroupFlags>();

  CLI::App* groups =
      app.add_subcommand("groups", "Show the groups: primary, epoch, lease, members");
  AddClientFlags(groups, &flags->client);
  groups->add_option("group", flags->group, "Only this group");
  groups->add_flag("--json", flags->json, "Print the JSON answer");
  groups->callback([flags, run] { *run = [flags] { return RunGroups(*flags); }; });

  CLI::App* switchover = GroupSubcommand(app, "switchover", "Planned primary change", flags.get());
  switchover->add_option("--to", flags->to, "The member to promote (default: the best replica)");
  switchover->add_option("--wait", flags->wait, "How long to follow progress (default 60s)");
  switchover->callback([flags, run] {
    *run = [flags] { return RunChange(*flags, "switchover", {{"to", flags->to}}); };
  });

  CLI::App* failover = GroupSubcommand(app, "failover", "Manual failover now", flags.get());
  failover->add_option("--to", flags->to, "The member to promote (default: the best)");
  failover->add_flag("--force", flags->force, "Promote even if acknowledged writes are lost");
  failover->add_option("--wait", flags->wait, "How long to follow progress (default 60s)");
  failover->callback([flags, run] {
    *run = [flags] {
      return RunChange(*flags, "failover", {{"to", flags->to}, {"force", flags->force}});
    };
  });

  CLI::App* pause =
      GroupSubcommand(app, "pause", "Maintenance: no automatic failover", flags.get());
  pause->callback([flags, run] { *run = [flags] { return RunSimple(*flags, "pause", {}); }; });
  CLI::App* resume = GroupSubcommand(app, "resume", "End maintenance", flags.get());
  resume->callback([flags, run] { *run = [flags] { return RunSimple(*flags, "resume", {}); }; });

  CLI::App* history = GroupSubcommand(app, "history", "Failover timelines", flags.get());
  history->add_flag("--json", flags->json, "Print the JSON answer");
  history->callback([flags, run] { *run = [flags] { return RunHistory(*flags); }; });
}

}  // namespace baton::cli
