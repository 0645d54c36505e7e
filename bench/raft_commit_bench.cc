// Raft commit throughput: three RawNodes in one process, each persisting to
// its own DurableLog (real files, real fdatasync) in a temp directory, with
// messages passed in memory through the wire codec.
//
// The driver loop follows the Ready rule: per iteration every node takes one
// Ready, writes it, and all its entries share one fdatasync (group commit)
// before any of its messages is sent; then committed entries are applied and
// the Ready is Advance()d. P proposers each keep one proposal in flight: a
// proposer proposes its next entry once the leader has applied the previous
// one. For P = 1, 8 and 64 the program measures commits/s and commit latency
// (propose -> applied on the leader) and prints one table row per P.
//
// Usage: raft_commit_bench [--seconds=3] [--dir=/tmp]
// Exit status 1 if 64 proposers do not reach 10x the throughput of one.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/coding.h"
#include "core/logger.h"
#include "core/rng.h"
#include "raft/codec.h"
#include "raft/raw_node.h"
#include "storage/durable_log.h"

namespace baton::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kNodes = 3;
constexpr size_t kPayloadBytes = 64;
constexpr int kElectionIterationsMax = 1000;
constexpr Clock::duration kWarmup = std::chrono::milliseconds(300);

struct Node {
  explicit Node(uint64_t seed) : rng(seed) {}
  Rng rng;
  NullLogger logger;
  std::unique_ptr<storage::DurableLog> log;
  std::unique_ptr<raft::RawNode> raft;
  std::deque<std::string> inbox;  // encoded messages
};

struct Proposer {
  bool in_flight = false;
  uint64_t seq = 0;
  Clock::time_point sent;
};

struct Outcome {
  size_t proposers = 0;
  double commits_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  double entries_per_sync = 0;  // on the leader
  double sync_avg_us = 0;       // on the leader
};

class Cluster {
 public:
  explicit Cluster(const std::string& root) : root_(root) {}
  ~Cluster() {
    nodes_.clear();  // close the logs before removing their files
    std::filesystem::remove_all(root_);
  }

  void Start() {
    const std::vector<raft::NodeId> voters = {1, 2, 3};
    for (raft::NodeId id : voters) {
      auto node = std::make_unique<Node>(id * 7919);
      Result<std::unique_ptr<storage::DurableLog>> log =
          storage::DurableLog::Open(root_ + "/node" + std::to_string(id), node->logger);
      BATON_CHECK(log.has_value()) << log.error().ToString();
      node->log = std::move(*log);
      raft::Config config;
      config.id = id;
      config.election_ticks = 100;  // one tick per driver iteration
      config.heartbeat_ticks = 10;
      Result<std::unique_ptr<raft::RawNode>> raft =
          raft::RawNode::Bootstrap(config, voters, node->rng, node->logger);
      BATON_CHECK(raft.has_value()) << raft.error().ToString();
      node->raft = std::move(*raft);
      nodes_.push_back(std::move(node));
    }
    leader().raft->Campaign();
    for (int i = 0; i < kElectionIterationsMax && !LeaderReady(); ++i) RunIteration(nullptr);
    BATON_CHECK(LeaderReady()) << "node 1 did not become leader";
  }

  Node& leader() { return *nodes_[0]; }

  // One driver iteration. Entries the leader applied go to `applied`.
  void RunIteration(std::vector<raft::Entry>* applied) {
    for (auto& node : nodes_) {
      while (!node->inbox.empty()) {
        Result<raft::Message> message = raft::DecodeMessage(node->inbox.front());
        node->inbox.pop_front();
        BATON_CHECK(message.has_value()) << message.error().ToString();
        BATON_CHECK_OK(node->raft->Step(*message));
      }
      node->raft->Tick();
    }
    std::array<std::optional<raft::Ready>, kNodes> readies;
    for (size_t i = 0; i < kNodes; ++i) {
      Node& node = *nodes_[i];
      if (!node.raft->HasReady()) continue;
      readies[i] = node.raft->TakeReady();
      BATON_CHECK_OK(node.log->Write(*readies[i]));
    }
    // Group commit: one fdatasync per node covers everything it wrote.
    for (size_t i = 0; i < kNodes; ++i) {
      if (readies[i] && readies[i]->must_sync) BATON_CHECK_OK(nodes_[i]->log->Sync());
    }
    for (size_t i = 0; i < kNodes; ++i) {
      if (!readies[i]) continue;
      for (const raft::Message& m : readies[i]->messages) {
        BATON_CHECK(m.to >= 1 && m.to <= kNodes) << "message to unknown node " << m.to;
        nodes_[m.to - 1]->inbox.push_back(raft::EncodeMessage(m));
      }
      if (i == 0 && applied != nullptr) {
        for (raft::Entry& e : readies[i]->committed_entries) applied->push_back(std::move(e));
      }
      nodes_[i]->raft->Advance(*readies[i]);
    }
  }

 private:
  bool LeaderReady() {
    const raft::RawNode& raft = *leader().raft;
    return raft.role() == raft::Role::kLeader && raft.applied_index() == raft.last_index();
  }

  std::string root_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

std::string ProposalData(size_t proposer, uint64_t seq) {
  std::string data;
  PutFixed64(&data, proposer);
  PutFixed64(&data, seq);
  data.resize(kPayloadBytes, 'p');
  return data;
}

double Percentile(std::vector<double>* sorted_us, double p) {
  if (sorted_us->empty()) return 0;
  const auto at = static_cast<size_t>(p * static_cast<double>(sorted_us->size() - 1));
  return (*sorted_us)[at];
}

Outcome Measure(const std::string& dir, size_t proposer_count, Clock::duration duration) {
  std::string root_template = dir + "/baton_raft_bench_XXXXXX";
  BATON_CHECK(mkdtemp(root_template.data()) != nullptr) << "mkdtemp in " << dir;
  Cluster cluster(root_template);
  cluster.Start();
  Node& leader = cluster.leader();

  std::vector<Proposer> proposers(proposer_count);
  std::vector<double> latencies_us;
  std::vector<raft::Entry> applied;
  uint64_t commits = 0;
  const Clock::time_point begin = Clock::now();
  const Clock::time_point measure_from = begin + kWarmup;
  const Clock::time_point end = measure_from + duration;
  storage::StorageMetrics metrics_at_start;
  bool measuring = false;
  Clock::time_point now = begin;
  while (now < end) {
    if (!measuring && now >= measure_from) {
      measuring = true;
      metrics_at_start = leader.log->metrics();
    }
    for (size_t p = 0; p < proposers.size(); ++p) {
      if (proposers[p].in_flight) continue;
      proposers[p].in_flight = true;
      proposers[p].sent = Clock::now();
      BATON_CHECK_OK(leader.raft->Propose(ProposalData(p, ++proposers[p].seq)));
    }
    applied.clear();
    cluster.RunIteration(&applied);
    now = Clock::now();
    for (const raft::Entry& e : applied) {
      if (e.type != raft::EntryType::kNormal || e.data.size() != kPayloadBytes) continue;
      const uint64_t p = DecodeFixed64(e.data.data());
      BATON_CHECK(p < proposers.size() && DecodeFixed64(e.data.data() + 8) == proposers[p].seq);
      proposers[p].in_flight = false;
      if (!measuring) continue;
      ++commits;
      latencies_us.push_back(
          std::chrono::duration<double, std::micro>(now - proposers[p].sent).count());
    }
  }
  const storage::StorageMetrics& m = leader.log->metrics();
  const uint64_t syncs = m.syncs - metrics_at_start.syncs;
  const uint64_t entries = m.entries_written - metrics_at_start.entries_written;
  std::sort(latencies_us.begin(), latencies_us.end());
  Outcome out;
  out.proposers = proposer_count;
  out.commits_per_second =
      static_cast<double>(commits) / std::chrono::duration<double>(duration).count();
  out.p50_us = Percentile(&latencies_us, 0.50);
  out.p99_us = Percentile(&latencies_us, 0.99);
  out.entries_per_sync = syncs == 0 ? 0 : static_cast<double>(entries) / static_cast<double>(syncs);
  out.sync_avg_us = syncs == 0 ? 0
                               : (m.sync_total - metrics_at_start.sync_total).micros() /
                                     static_cast<double>(syncs);
  return out;
}

int Main(int argc, char** argv) {
  double seconds = 3;
  std::string dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--seconds=", 0) == 0) {
      seconds = std::atof(arg.c_str() + 10);
    } else if (arg.rfind("--dir=", 0) == 0) {
      dir = arg.substr(6);
    } else {
      std::fprintf(stderr, "usage: %s [--seconds=3] [--dir=/tmp]\n", argv[0]);
      return 2;
    }
  }
  const auto duration =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::printf(
      "Raft commit throughput: 3 nodes in-process, real fdatasync under %s, %.1f s each\n\n",
      dir.c_str(), seconds);
  std::printf(
      "| proposers | commits/s | p50 | p99 | ratio to 1 | leader entries/fsync | leader fsync avg "
      "|\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
  double baseline = 0;
  double ratio_64 = 0;
  for (size_t proposers : {1, 8, 64}) {
    const Outcome o = Measure(dir, proposers, duration);
    if (proposers == 1) baseline = o.commits_per_second;
    const double ratio = baseline > 0 ? o.commits_per_second / baseline : 0;
    if (proposers == 64) ratio_64 = ratio;
    std::printf("| %zu | %.0f | %.2f ms | %.2f ms | %.1fx | %.1f | %.0f us |\n", o.proposers,
                o.commits_per_second, o.p50_us / 1000, o.p99_us / 1000, ratio, o.entries_per_sync,
                o.sync_avg_us);
    std::fflush(stdout);
  }
  const bool ok = ratio_64 >= 10;
  std::printf("\n64 proposers reach %.1fx the throughput of 1 (requirement: >= 10x): %s\n",
              ratio_64, ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace baton::bench

int main(int argc, char** argv) { return baton::bench::Main(argc, argv); }
