// LeaderWriter: the failover service's path to the store leader. On the
// leader, every call goes to the local StoreService. Elsewhere, writes,
// transactions and lease calls are forwarded to the leader's admin API
// (POST /v1/txn for transactions, the /v1/lease routes for leases, whose
// keep-alive the leader acknowledges only after a ReadIndex round), one at a
// time and in order on a worker thread, bounded by `timeout`; the answer
// comes back on the loop. Reads and watches are always local.
// Errors: Unavailable when no leader is known or it cannot be reached,
// NotFound for an unknown lease. Loop thread only.
#pragma once

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
  // The leader's admin endpoint, or nullopt.
  std::optional<std::string> LeaderEndpoint() const;
  // Sends one request to the leader on the worker; `done` gets the response.
  void Forward(admin::HttpMethod method, std::string path, std::string body,
               std::function<void(Result<admin::HttpResponse>)> done);

  RaftServer& raft_;
  StoreService& local_;
  const LeaderWriterOptions options_;
  admin::HttpClient http_;
  net::WorkerPool pool_;  // one thread: forwarded writes stay in order
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// The hex text of `bytes` and back (the /v1/txn body carries a command so).
std::string HexEncode(std::string_view bytes);
bool HexDecode(std::string_view hex, std::string* out);

}  // namespace baton::agent
