// `baton status [--json]` and `baton members list|add|remove`.
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
