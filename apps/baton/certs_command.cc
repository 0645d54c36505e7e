// `baton certs init|issue`: the cluster CA and node certificates (net/certs.h).
#include <iostream>

#include "commands.h"
#include "net/certs.h"

namespace baton::cli {
namespace {

struct CertsFlags {
  std::string dir;
  std::string name;
  std::vector<std::string> hosts;
};

int Report(const Status& s, const std::string& what) {
  if (!s.ok()) {
    std::cerr << "baton certs: " << s.ToString() << "\n";
    return kExitFailed;
  }
  std::cout << what << "\n";
  return kExitOk;
}

}  // namespace

void AddCertsCommand(CLI::App& app, RunFn* run) {
  auto flags = std::make_shared<CertsFlags>();
  CLI::App* certs = app.add_subcommand("certs", "Create the cluster CA and node certificates");
  certs->require_subcommand(1);

  CLI::App* init = certs->add_subcommand("init", "Write a new CA (ca.pem, ca.key) into --dir");
  init->add_option("--dir", flags->dir, "Certificate directory")->required();
  init->callback([flags, run] {
    *run = [flags] {
      return Report(net::InitCa(flags->dir), "wrote " + flags->dir + "/ca.pem and ca.key");
    };
  });

  CLI::App* issue = certs->add_subcommand("issue", "Issue <name>.pem/.key signed by the CA");
  issue->add_option("--dir", flags->dir, "Certificate directory holding the CA")->required();
  issue->add_option("--name", flags->name, "Node name (CN and DNS SAN)")->required();
  issue->add_option("--host", flags->hosts, "Extra DNS name or IP address (repeatable)");
  issue->callback([flags, run] {
    *run = [flags] {
      return Report(net::IssueCert(flags->dir, flags->name, flags->hosts),
                    "wrote " + flags->dir + "/" + flags->name + ".pem and .key");
    };
  });
}

}  // namespace baton::cli
