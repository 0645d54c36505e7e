// `baton kv get|put|del|watch|lease`.
#include <iostream>

#include "client.h"
#include "commands.h"

namespace baton::cli {
namespace {

using nlohmann::json;

struct KvFlags {
  ClientFlags client;
  std::string key;
  std::string value;
  bool prefix = false;
  bool json = false;
  uint64_t lease = 0;
  uint64_t from = 0;
  uint64_t count = 0;
  std::string ttl;
};

std::string KeyPath(const std::string& route, const std::string& key) {
  return route + PercentEncode(key);
}

int RunGet(const KvFlags& f) {
  int code = 0;
  auto j = CallJson(f.client, admin::HttpMethod::kGet,
                    KeyPath("/v1/kv/", f.key) + (f.prefix ? "?prefix=1" : ""), "", &code);
  if (!j) return code;
  if (f.json) {
    std::cout << j->dump(2) << "\n";
  } else if (f.prefix) {
    for (const json& kv : (*j)["kvs"]) {
      std::cout << kv["key"].get<std::string>() << "=" << kv["value"].get<std::string>() << "\n";
    }
  } else {
    std::cout << (*j)["kvs"][0]["value"].get<std::string>() << "\n";
  }
  return kExitOk;
}

int RunPut(const KvFlags& f) {
  int code = 0;
  std::string path = KeyPath("/v1/kv/", f.key);
  if (f.lease != 0) path += "?lease=" + std::to_string(f.lease);
  auto j = CallJson(f.client, admin::HttpMethod::kPut, path, f.value, &code);
  if (!j) return code;
  std::cout << (f.json ? j->dump(2) : "OK revision " + (*j)["revision"].dump()) << "\n";
  return kExitOk;
}

int RunDel(const KvFlags& f) {
  int code = 0;
  auto j = CallJson(f.client, admin::HttpMethod::kDelete,
                    KeyPath("/v1/kv/", f.key) + (f.prefix ? "?prefix=1" : ""), "", &code);
  if (!j) return code;
  std::cout << (f.json ? j->dump(2) : "deleted " + (*j)["deleted"].dump()) << "\n";
  return kExitOk;
}

int RunWatch(const KvFlags& f) {
  uint64_t next = f.from;
  uint64_t seen = 0;
  ClientFlags client = f.client;
  client.timeout = "75s";
  while (true) {
    int code = 0;
    auto j = CallJson(client, admin::HttpMethod::kGet,
                      KeyPath("/v1/watch/", f.key) + "?timeout=30s&from=" + std::to_string(next),
                      "", &code);
    if (!j) return code;
    for (const json& e : (*j)["events"]) {
      if (f.json) {
        std::cout << e.dump() << "\n";
      } else if (e["type"] == "put") {
        std::cout << "PUT " << e["kv"]["key"].get<std::string>() << " "
                  << e["kv"]["value"].get<std::string>() << "\n";
      } else {
        std::cout << "DELETE " << e["kv"]["key"].get<std::string>() << "\n";
      }
      std::cout.flush();
      if (f.count != 0 && ++seen >= f.count) return kExitOk;
    }
    next = (*j)["next"].get<uint64_t>();
  }
}

int RunLeaseGrant(const KvFlags& f) {
  int code = 0;
  auto j =
      CallJson(f.client, admin::HttpMethod::kPost, "/v1/lease", json{{"ttl", f.ttl}}.dump(), &code);
  if (!j) return code;
  std::cout << (f.json ? j->dump(2) : (*j)["id"].dump()) << "\n";
  return kExitOk;
}

int RunLeaseKeepAlive(const KvFlags& f) {
  int code = 0;
  auto j = CallJson(f.client, admin::HttpMethod::kPost,
                    "/v1/lease/" + std::to_string(f.lease) + "/keepalive", "", &code);
  if (!j) return code;
  std::cout << (f.json ? j->dump(2) : "OK ttl_ms " + (*j)["ttl_ms"].dump()) << "\n";
  return kExitOk;
}

int RunLeaseRevoke(const KvFlags& f) {
  int code = 0;
  auto j = CallJson(f.client, admin::HttpMethod::kDelete, "/v1/lease/" + std::to_string(f.lease),
                    "", &code);
  if (!j) return code;
  std::cout << (f.json ? j->dump(2) : "revoked, deleted " + (*j)["deleted"].dump()) << "\n";
  return kExitOk;
}

void AddLeaseCommand(CLI::App& kv, const std::shared_ptr<KvFlags>& f, RunFn* run) {
  CLI::App* lease = kv.add_subcommand("lease", "Grant, keep alive or revoke a lease");
  lease->require_subcommand(1);

  CLI::App* grant = lease->add_subcommand("grant", "Grant a lease; prints its id");
  AddClientFlags(grant, &f->client);
  grant->add_option("ttl", f->ttl, "Time to live, e.g. 10s")->required();
  grant->add_flag("--json", f->json, "Print the raw JSON");
  grant->callback([f, run] { *run = [f] { return RunLeaseGrant(*f); }; });

  CLI::App* keepalive = lease->add_subcommand("keepalive", "Renew a lease for its full TTL");
  AddClientFlags(keepalive, &f->client);
  keepalive->add_option("id", f->lease, "The lease id")->required();
  keepalive->add_flag("--json", f->json, "Print the raw JSON");
  keepalive->callback([f, run] { *run = [f] { return RunLeaseKeepAlive(*f); }; });

  CLI::App* revoke = lease->add_subcommand("revoke", "Revoke a lease and delete its keys");
  AddClientFlags(revoke, &f->client);
  revoke->add_option("id", f->lease, "The lease id")->required();
  revoke->add_flag("--json", f->json, "Print the raw JSON");
  revoke->callback([f, run] { *run = [f] { return RunLeaseRevoke(*f); }; });
}

}  // namespace

void AddKvCommand(CLI::App& app, RunFn* run) {
  auto f = std::make_shared<KvFlags>();
  CLI::App* kv = app.add_subcommand("kv", "Read and write the cluster store");
  kv->require_subcommand(1);

  CLI::App* get = kv->add_subcommand("get", "Read a key (linearizable)");
  AddClientFlags(get, &f->client);
  get->add_option("key", f->key, "The key (or prefix with --prefix)")->required();
  get->add_flag("--prefix", f->prefix, "Every key under the prefix, as key=value lines");
  get->add_flag("--json", f->json, "Print the raw JSON");
  get->callback([f, run] { *run = [f] { return RunGet(*f); }; });

  CLI::App* put = kv->add_subcommand("put", "Write a key");
  AddClientFlags(put, &f->client);
  put->add_option("key", f->key, "The key")->required();
  put->add_option("value", f->value, "The value")->required();
  put->add_option("--lease", f->lease, "Attach the key to this lease id");
  put->add_flag("--json", f->json, "Print the raw JSON");
  put->callback([f, run] { *run = [f] { return RunPut(*f); }; });

  CLI::App* del = kv->add_subcommand("del", "Delete a key");
  AddClientFlags(del, &f->client);
  del->add_option("key", f->key, "The key (or prefix with --prefix)")->required();
  del->add_flag("--prefix", f->prefix, "Every key under the prefix");
  del->add_flag("--json", f->json, "Print the raw JSON");
  del->callback([f, run] { *run = [f] { return RunDel(*f); }; });

  CLI::App* watch = kv->add_subcommand("watch", "Print changes under a prefix as they happen");
  AddClientFlags(watch, &f->client);
  watch->add_option("prefix", f->key, "The key prefix")->required();
  watch->add_option("--from", f->from, "Start at this revision (default: the next change)");
  watch->add_option("--count", f->count, "Exit after this many events");
  watch->add_flag("--json", f->json, "One JSON event per line");
  watch->callback([f, run] { *run = [f] { return RunWatch(*f); }; });

  AddLeaseCommand(*kv, f, run);
}

}  // namespace baton::cli
