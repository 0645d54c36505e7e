// `baton status [--json]` and `baton members list|add|remove`.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client.h"
#include "commands.h"

namespace baton::cli {
namespace {

using nlohmann::json;

struct StatusFlags {
  ClientFlags client;
  bool json = false;
};

struct MemberFlags {
  ClientFlags client;
  bool json = false;
  std::string name;
  uint64_t id = 0;
  std::string peer;
  std::string admin;
};

std::string Text(const json& j) {
  if (j.is_null()) return "-";
  if (j.is_string()) return j.get<std::string>();
  if (j.is_boolean()) return j.get<bool>() ? "yes" : "no";
  return j.dump();
}

std::string NodeLabel(const json& node) {
  if (!node.is_object()) return "none";
  return Text(node.value("name", json())) + " (id " + Text(node.value("id", json())) + ")";
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::ostringstream line;
    for (size_t i = 0; i < row.size(); ++i) {
      line << std::left << std::setw(static_cast<int>(width[i] + 2)) << row[i];
    }
    std::string text = line.str();
    text.erase(text.find_last_not_of(' ') + 1);
    std::cout << text << "\n";
  }
}

// "850ms", "12.3s", "4m": an age or latency for a table cell.
std::string Millis(double ms) {
  std::ostringstream out;
  if (ms < 1) {
    out << std::fixed << std::setprecision(2) << ms << "ms";
  } else if (ms < 1000) {
    out << static_cast<int64_t>(ms) << "ms";
  } else if (ms < 120000) {
    out << std::fixed << std::setprecision(1) << ms / 1000 << "s";
  } else {
    out << static_cast<int64_t>(ms / 60000) << "m";
  }
  return out.str();
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One row per check of every member in the store's health records.
void PrintChecks(const json& health) {
  if (!health.is_array() || health.empty()) return;
  const int64_t now = NowMillis();
  std::vector<std::vector<std::string>> rows = {
      {"MEMBER", "NODE", "HEALTH", "CHECK", "KIND", "STATE", "LAST RESULT", "LATENCY", "AGE"}};
  for (const json& m : health) {
    const std::string member =
        Text(m.value("group", json())) + "/" + Text(m.value("member", json()));
    std::string member_health = Text(m.value("health", json()));
    const json& process = m.value("process", json());
    if (process.is_object()) member_health += " (" + Text(process.value("state", json())) + ")";
    const json& checks = m.value("checks", json::array());
    if (checks.empty()) rows.push_back({member, Text(m.value("node", json())), member_health, "-"});
    for (const json& c : checks) {
      std::string result = "-";
      if (c.value("ok", json()).is_boolean()) {
        result = c["ok"].get<bool>() ? "ok" : "fail";
        const std::string output = Text(c.value("output", json("")));
        if (!output.empty() && output != "-") {
          std::string line = output.substr(0, output.find('\n'));
          if (line.size() > 60) line = line.substr(0, 57) + "...";
          result += ": " + line;
        }
      }
      const json& latency = c.value("latency_ms", json());
      const json& at = c.value("at_ms", json());
      rows.push_back({member, Text(m.value("node", json())), member_health,
                      Text(c.value("name", json())), Text(c.value("kind", json())),
                      Text(c.value("state", json())), result,
                      latency.is_number() ? Millis(latency.get<double>()) : "-",
                      at.is_number() ? Millis(static_cast<double>(now - at.get<int64_t>())) : "-"});
    }
  }
  std::cout << "\n";
  PrintTable(rows);
}

// Suspicion of each peer agent as this node's detector sees it.
void PrintPeers(const json& detection) {
  if (!detection.is_object() || detection.value("peers", json::array()).empty()) return;
  std::cout << "\ndetector " << Text(detection.value("detector", json())) << " (threshold "
            << Text(detection.value("threshold", json())) << ")\n";
  std::vector<std::vector<std::string>> rows = {{"PEER", "SUSPICION", "SUSPECTED", "SILENCE"}};
  for (const json& p : detection["peers"]) {
    std::ostringstream phi;
    phi << std::fixed << std::setprecision(2) << p.value("phi", 0.0);
    rows.push_back({Text(p.value("name", json())), phi.str(), Text(p.value("suspected", json())),
                    Millis(p.value("silence_ms", 0.0))});
  }
  PrintTable(rows);
}

// One row per failover group: its primary, or (active-active) its serving set.
void PrintGroups(const json& groups) {
  if (!groups.is_array() || groups.empty()) return;
  std::vector<std::vector<std::string>> rows = {{"GROUP", "MODE", "EPOCH", "SERVES", "STATE"}};
  for (const json& g : groups) {
    const json serving = g.value("serving", json());
    if (Text(g.value("mode", json())) == "active-active") {
      std::string members;
      for (const json& m : serving.is_object() ? serving["members"] : json::array()) {
        members += (members.empty() ? "" : ",") + Text(m);
      }
      rows.push_back({Text(g.value("name", json())), "active-active",
                      serving.is_object() ? Text(serving["epoch"]) : "0",
                      members.empty() ? "none" : members,
                      g.value("paused", false) ? "paused" : "serving"});
    } else {
      const std::string primary = Text(g.value("primary", json()));
      rows.push_back(
          {Text(g.value("name", json())), Text(g.value("mode", json())),
           Text(g.value("epoch", json())), primary.empty() ? "none" : primary,
           Text(g.value("state", json())) + (g.value("paused", false) ? ", paused" : "")});
    }
  }
  std::cout << "\n";
  PrintTable(rows);
}

int RunStatus(const StatusFlags& flags) {
  int code = 0;
  auto j = CallJson(flags.client, admin::HttpMethod::kGet, "/v1/status", "", &code);
  if (!j) return code;
  if (flags.json) {
    std::cout << j->dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "node     " << NodeLabel((*j)["node"]) << "\n"
            << "role     " << Text((*j)["role"]) << "\n"
            << "term     " << Text((*j)["term"]) << "\n"
            << "leader   " << NodeLabel((*j)["leader"]) << "\n"
            << "commit   " << Text((*j)["commit"]) << "\n"
            << "applied  " << Text((*j)["applied"]) << "\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "ROLE", "MATCH", "LAST CONTACT", "CONNECTED", "PEER", "ADMIN"}};
  for (const json& m : (*j)["members"]) {
    const json& contact = m["last_contact_ms"];
    rows.push_back({Text(m["id"]), Text(m["name"]), Text(m["role"]), Text(m["match"]),
                    contact.is_null() ? "-" : Text(contact) + "ms", Text(m["connected"]),
                    Text(m["peer"]), Text(m["admin"])});
  }
  PrintTable(rows);
  PrintPeers(j->value("detection", json()));
  PrintChecks(j->value("health", json()));
  int groups_code = 0;
  auto groups = CallJson(flags.client, admin::HttpMethod::kGet, "/v1/groups", "", &groups_code);
  if (groups) PrintGroups(groups->value("groups", json::array()));
  return kExitOk;
}

int RunMembersList(const MemberFlags& flags) {
  int code = 0;
  auto j = CallJson(flags.client, admin::HttpMethod::kGet, "/v1/members", "", &code);
  if (!j) return code;
  if (flags.json) {
    std::cout << j->dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "ROLE", "PEER", "ADMIN"}};
  for (const json& m : (*j)["members"]) {
    rows.push_back(
        {Text(m["id"]), Text(m["name"]), Text(m["role"]), Text(m["peer"]), Text(m["admin"])});
  }
  PrintTable(rows);
  return kExitOk;
}

int RunMembersAdd(const MemberFlags& flags) {
  json body = {
      {"id", flags.id}, {"name", flags.name}, {"peer", flags.peer}, {"admin", flags.admin}};
  int code = 0;
  auto j = CallJson(flags.client, admin::HttpMethod::kPost, "/v1/members", body.dump(), &code);
  if (!j) return code;
  std::cout << "added " << flags.name << " (id " << flags.id
            << ") as a learner; it becomes a voter once caught up\n";
  return kExitOk;
}

int RunMembersRemove(const MemberFlags& flags) {
  int code = 0;
  auto j = CallJson(flags.client, admin::HttpMethod::kDelete,
                    "/v1/members/" + std::to_string(flags.id), "", &code);
  if (!j) return code;
  std::cout << "removed node " << flags.id << "\n";
  return kExitOk;
}

}  // namespace

void AddStatusCommand(CLI::App& app, RunFn* run) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand("status", "Show the cluster as one agent sees it");
  AddClientFlags(cmd, &flags->client);
  cmd->add_flag("--json", flags->json, "Print the raw JSON status");
  cmd->callback([flags, run] { *run = [flags] { return RunStatus(*flags); }; });
}

void AddMembersCommand(CLI::App& app, RunFn* run) {
  auto flags = std::make_shared<MemberFlags>();
  CLI::App* members = app.add_subcommand("members", "List, add or remove cluster members");
  members->require_subcommand(1);

  CLI::App* list = members->add_subcommand("list", "List the members");
  AddClientFlags(list, &flags->client);
  list->add_flag("--json", flags->json, "Print the raw JSON");
  list->callback([flags, run] { *run = [flags] { return RunMembersList(*flags); }; });

  CLI::App* add = members->add_subcommand("add", "Add a node (as a learner, then a voter)");
  AddClientFlags(add, &flags->client);
  add->add_option("--name", flags->name, "The node's name")->required();
  add->add_option("--id", flags->id, "The node's id")->required()->check(CLI::PositiveNumber);
  add->add_option("--peer", flags->peer, "The node's peer address host:port")->required();
  add->add_option("--admin", flags->admin, "The node's admin address host:port");
  add->callback([flags, run] { *run = [flags] { return RunMembersAdd(*flags); }; });

  CLI::App* remove = members->add_subcommand("remove", "Remove a node by id");
  AddClientFlags(remove, &flags->client);
  remove->add_option("id", flags->id, "The node's id")->required()->check(CLI::PositiveNumber);
  remove->callback([flags, run] { *run = [flags] { return RunMembersRemove(*flags); }; });
}

}  // namespace baton::cli
