// LeaderWriter: the failover service's path to the store leader. On the
// leader, every call goes to the local StoreService. Elsewhere, writes,
// transactions and lease calls are forwarded to the leader's admin API
// (POST /v1/txn for transactions, the /v1/lease routes for leases, whose
// keep-alive the leader acknowledges once its refresh entry is applied), bounded
// by `timeout`; the answer comes back on the loop. Reads and watches are
// always local.
//
// Requests to one leader run one at a time and in order, on a worker thread
// of that leader's own. When this node learns of another leader (or loses
// the one it knew), every request still pending with the old one fails at
// once with Unavailable, and those not yet sent are never sent: a request
// hung on a leader that was cut off (up to `timeout`) must not hold up the
// requests to its successor, nor keep its caller waiting (a new primary's
// lease acquisition stuck behind it came back after its lease view had
// ended, and the new primary fenced itself). Such a request may still have
// been applied by the old leader before it lost office, as with a timeout.
// Only a request already in flight to a node delays later ones to the same
// node, should it lead again within `timeout`.
//
// Errors: Unavailable when no leader is known, it cannot be reached or it
// changed, NotFound for an unknown lease. Loop thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "admin/http_client.h"
#include "agent/raft_server.h"
#include "agent/store_service.h"
#include "net/worker_pool.h"

namespace baton::agent {

struct LeaderWriterOptions {
  std::string token;    // the admin bearer token (mutating routes need it)
  std::string ca_file;  // set: the leader's admin API speaks TLS
  Duration timeout = Duration::Seconds(3);
};

class LeaderWriter final : public store::Store {
 public:
  LeaderWriter(net::EventLoop& loop, RaftServer& raft, StoreService& local,
               LeaderWriterOptions options);
  ~LeaderWriter() override;

  void Range(std::string key, bool prefix, Callback<store::RangeResponse> done) override;
  void Put(std::string key, std::string value, store::LeaseId lease,
           Callback<store::PutResponse> done) override;
  void Delete(std::string key, Callback<store::DeleteResponse> done) override;
  void DeleteRange(std::string prefix, Callback<store::DeleteResponse> done) override;
  void Commit(store::Txn txn, Callback<store::TxnResponse> done) override;
  void LeaseGrant(Duration ttl, Callback<store::LeaseGrantResponse> done) override;
  void LeaseKeepAlive(store::LeaseId id, Callback<Duration> done) override;
  void LeaseRevoke(store::LeaseId id, Callback<store::DeleteResponse> done) override;
  store::WatchId Watch(std::string prefix, store::Revision start_revision,
                       WatchCallback on_events) override;
  void Cancel(store::WatchId id) override;

 private:
  using Done = std::function<void(Result<admin::HttpResponse>)>;
  struct Pending {
    uint64_t leader = 0;  // the node it was sent to
    Done done;
    std::shared_ptr<std::atomic<bool>> abandoned;  // set: its worker skips it
  };

  // Node `leader`'s admin endpoint, or nullopt.
  std::optional<std::string> Endpoint(uint64_t leader) const;
  // Sends one request to the leader on its worker; `done` gets the response.
  void Forward(admin::HttpMethod method, std::string path, std::string body, Done done);
  // Fails every pending request sent to a node that no longer leads.
  void AbandonDeposed();

  net::EventLoop& loop_;
  RaftServer& raft_;
  StoreService& local_;
  const LeaderWriterOptions options_;
  admin::HttpClient http_;
  // One thread per leader node: its requests stay in order. Declared after
  // http_, which their jobs use until the pools are joined.
  std::map<uint64_t, std::unique_ptr<net::WorkerPool>> pools_;
  std::map<uint64_t, Pending> pending_;  // by request number
  uint64_t next_request_ = 1;
  net::TimerHandle leader_check_;  // runs while requests are pending
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// The hex text of `bytes` and back (the /v1/txn body carries a command so).
std::string HexEncode(std::string_view bytes);
bool HexDecode(std::string_view hex, std::string* out);

}  // namespace baton::agent
