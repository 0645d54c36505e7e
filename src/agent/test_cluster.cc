#include "agent/test_cluster.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/check.h"
#include "net/certs.h"

namespace baton::agent {
uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  BATON_CHECK(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BATON_CHECK(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  BATON_CHECK(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

TestCluster::TestCluster(int nodes, std::function<void(RaftServerOptions&)> options_fn) {
  char tmpl[] = "/tmp/baton-agent-test-XXXXXX";
  BATON_CHECK(mkdtemp(tmpl) != nullptr);
  root_ = tmpl;
  const std::string certs = root_ + "/certs";
  BATON_CHECK_OK(net::InitCa(certs));
  std::vector<MemberInfo> peers;
  for (int i = 0; i < nodes; ++i) {
    const std::string name = "n" + std::to_string(i + 1);
    BATON_CHECK_OK(net::IssueCert(certs, name, {}));
    peers.push_back({static_cast<uint64_t>(i + 1), name,
                     "127.0.0.1:" + std::to_string(FreeLoopbackPort()),
                     "127.0.0.1:" + std::to_string(FreeLoopbackPort())});
  }
  nodes_.resize(nodes);
  for (int i = 0; i < nodes; ++i) {
    RaftServerOptions& o = nodes_[i].options;
    o.self = peers[i];
    o.cluster_name = "test";
    o.initial_peers = peers;
    o.data_dir = root_ + "/" + peers[i].name;
    o.tick = Duration::Millis(10);
    o.election_ticks = 20;
    o.heartbeat_ticks = 2;
    o.tls = net::CertFilesFor(certs, peers[i].name);
    o.seed = 1000 + i;
    if (options_fn) options_fn(o);
  }
}

TestCluster::~TestCluster() {
  for (int i = 0; i < size(); ++i) Stop(i);
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

Status TestCluster::Start(int i) {
  Node& node = nodes_[i];
  BATON_CHECK(!node.raft) << "node " << i << " already runs";
  node.metrics = std::make_unique<admin::MetricsRegistry>();
  BATON_ASSIGN_OR_RETURN(node.raft,
                         RaftServer::Create(loop_, logger_, *node.metrics, node.options));
  node.store = std::make_unique<StoreService>(loop_, *node.raft);
  return Status::Ok();
}

void TestCluster::Stop(int i) {
  Node& node = nodes_[i];
  node.store.reset();
  node.raft.reset();
  node.metrics.reset();
}

bool TestCluster::WaitFor(const std::function<bool()>& done, Duration timeout) {
  if (done()) return true;
  return loop_.RunUntil(done, timeout);
}

std::optional<int> TestCluster::Leader() const {
  std::optional<int> leader;
  for (int i = 0; i < size(); ++i) {
    if (!nodes_[i].raft) continue;
    if (nodes_[i].raft->leading()) {
      if (leader) return std::nullopt;
      leader = i;
    }
  }
  if (!leader) return std::nullopt;
  const uint64_t id = nodes_[*leader].options.self.id;
  for (int i = 0; i < size(); ++i) {
    if (nodes_[i].raft && nodes_[i].raft->leader() != id) return std::nullopt;
  }
  return leader;
}

std::optional<int> TestCluster::WaitForLeader(Duration timeout) {
  WaitFor([this] { return Leader().has_value(); }, timeout);
  return Leader();
}

}  // namespace baton::agent
