#include "agent/failover_service_writer.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace baton::agent {
namespace {

// How soon a pending request learns that its leader changed: a few Raft
// ticks, far below any lease_ttl.
constexpr Duration kLeaderCheck = Duration::Millis(10);

using admin::HttpMethod;
using nlohmann::json;

admin::HttpClientOptions ClientOptions(const LeaderWriterOptions& o) {
  admin::HttpClientOptions c;
  c.timeout = o.timeout;
  c.token = o.token;
  c.tls.ca_file = o.ca_file;
  return c;
}

// A non-200 answer as a Status.
Status ResponseError(const Result<admin::HttpResponse>& r) {
  if (!r.has_value()) return r.error();
  if (r->status == 200) return Status::Ok();
  const std::string what = "store leader answered " + std::to_string(r->status) + ": " + r->body;
  if (r->status == 404) return Status::NotFound(what);
  return Status::Unavailable(what);
}

Result<json> Body(const Result<admin::HttpResponse>& r) {
  if (Status s = ResponseError(r); !s.ok()) return s;
  json j = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Unavailable("store leader sent a malformed answer");
  return j;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2) return false;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

LeaderWriter::LeaderWriter(net::EventLoop& loop, RaftServer& raft, StoreService& local,
                           LeaderWriterOptions options)
    : loop_(loop),
      raft_(raft),
      local_(local),
      options_(std::move(options)),
      http_(ClientOptions(options_)) {}

LeaderWriter::~LeaderWriter() { leader_check_.Cancel(); }

std::optional<std::string> LeaderWriter::Endpoint(uint64_t leader) const {
  if (leader == 0) return std::nullopt;
  std::optional<MemberInfo> info = raft_.Member(leader);
  if (!info || info->admin_address.empty()) return std::nullopt;
  return (options_.ca_file.empty() ? "" : "https://") + info->admin_address;
}

void LeaderWriter::Forward(HttpMethod method, std::string path, std::string body, Done done) {
  const uint64_t leader = raft_.leader();
  std::optional<std::string> endpoint = Endpoint(leader);
  if (!endpoint) return done(Status::Unavailable("no store leader known"));
  const uint64_t n = next_request_++;
  auto abandoned = std::make_shared<std::atomic<bool>>(false);
  pending_.emplace(n, Pending{leader, std::move(done), abandoned});
  if (!leader_check_.active()) {
    leader_check_ = loop_.RunEvery(kLeaderCheck, [this] { AbandonDeposed(); });
  }
  std::unique_ptr<net::WorkerPool>& pool = pools_[leader];
  if (!pool) pool = std::make_unique<net::WorkerPool>(loop_, 1);
  std::weak_ptr<int> alive = alive_;
  pool->Submit<Result<admin::HttpResponse>>(
      [this, abandoned, method, endpoint = *endpoint, path = std::move(path),
       body = std::move(body)]() -> Result<admin::HttpResponse> {
        if (*abandoned) return Status::Unavailable("store leader changed");  // answered already
        return http_.Send(method, endpoint, path, body);
      },
      [this, alive, n](Result<admin::HttpResponse> r) {
        if (alive.expired()) return;
        auto it = pending_.find(n);
        if (it == pending_.end()) return;  // abandoned: its caller has its answer
        Done done = std::move(it->second.done);
        pending_.erase(it);
        done(std::move(r));
      });
}

void LeaderWriter::AbandonDeposed() {
  const uint64_t leader = raft_.leader();
  std::vector<std::pair<uint64_t, Done>> failed;  // answered after the loop: they may Forward
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.leader == leader) {
      ++it;
      continue;
    }
    *it->second.abandoned = true;
    failed.emplace_back(it->second.leader, std::move(it->second.done));
    it = pending_.erase(it);
  }
  if (pending_.empty()) leader_check_.Cancel();
  for (auto& [was, done] : failed) {
    done(Status::Unavailable("store leader changed: node " + std::to_string(was) +
                             " no longer leads"));
  }
}

void LeaderWriter::Range(std::string key, bool prefix, Callback<store::RangeResponse> done) {
  local_.Range(std::move(key), prefix, std::move(done));
}

store::WatchId LeaderWriter::Watch(std::string prefix, store::Revision start_revision,
                                   WatchCallback on_events) {
  return local_.Watch(std::move(prefix), start_revision, std::move(on_events));
}

void LeaderWriter::Cancel(store::WatchId id) { local_.Cancel(id); }

void LeaderWriter::Commit(store::Txn txn, Callback<store::TxnResponse> done) {
  if (raft_.leading()) return local_.Commit(std::move(txn), std::move(done));
  const std::string body =
      json{{"command", HexEncode(store::EncodeCommand(store::Command(std::move(txn))))}}.dump();
  Forward(HttpMethod::kPost, "/v1/txn", body, [done](Result<admin::HttpResponse> r) {
    Result<json> j = Body(r);
    if (!j.has_value()) return done(j.error());
    store::TxnResponse out;
    out.succeeded = j->value("succeeded", false);
    out.revision = j->value("revision", uint64_t{0});
    done(out);
  });
}

void LeaderWriter::Put(std::string key, std::string value, store::LeaseId lease,
                       Callback<store::PutResponse> done) {
  if (raft_.leading()) return local_.Put(std::move(key), std::move(value), lease, done);
  store::Txn txn;
  txn.then_ops.push_back(store::Put{std::move(key), std::move(value), lease});
  Commit(std::move(txn), [done](Result<store::TxnResponse> r) {
    if (!r.has_value()) return done(r.error());
    store::PutResponse out;
    out.revision = r->revision;
    done(out);
  });
}

void LeaderWriter::Delete(std::string key, Callback<store::DeleteResponse> done) {
  if (raft_.leading()) return local_.Delete(std::move(key), std::move(done));
  store::Txn txn;
  txn.then_ops.push_back(store::Delete{std::move(key)});
  Commit(std::move(txn), [done](Result<store::TxnResponse> r) {
    if (!r.has_value()) return done(r.error());
    store::DeleteResponse out;
    out.revision = r->revision;
    done(out);
  });
}

void LeaderWriter::DeleteRange(std::string prefix, Callback<store::DeleteResponse> done) {
  if (raft_.leading()) return local_.DeleteRange(std::move(prefix), std::move(done));
  store::Txn txn;
  txn.then_ops.push_back(store::DeleteRange{std::move(prefix)});
  Commit(std::move(txn), [done](Result<store::TxnResponse> r) {
    if (!r.has_value()) return done(r.error());
    store::DeleteResponse out;
    out.revision = r->revision;
    done(out);
  });
}

void LeaderWriter::LeaseGrant(Duration ttl, Callback<store::LeaseGrantResponse> done) {
  if (raft_.leading()) return local_.LeaseGrant(ttl, std::move(done));
  const std::string body = json{{"ttl_ms", ttl.millis()}}.dump();
  Forward(HttpMethod::kPost, "/v1/lease", body, [done](Result<admin::HttpResponse> r) {
    Result<json> j = Body(r);
    if (!j.has_value()) return done(j.error());
    store::LeaseGrantResponse out;
    out.id = j->value("id", store::kNoLease);
    out.ttl = Duration::Millis(j->value("ttl_ms", int64_t{0}));
    if (out.id == store::kNoLease) return done(Status::Unavailable("lease grant without an id"));
    done(out);
  });
}

void LeaderWriter::LeaseKeepAlive(store::LeaseId id, Callback<Duration> done) {
  if (raft_.leading()) return local_.LeaseKeepAlive(id, std::move(done));
  Forward(HttpMethod::kPost, "/v1/lease/" + std::to_string(id) + "/keepalive", "",
          [done](Result<admin::HttpResponse> r) {
            Result<json> j = Body(r);
            if (!j.has_value()) return done(j.error());
            done(Duration::Millis(j->value("ttl_ms", int64_t{0})));
          });
}

void LeaderWriter::LeaseRevoke(store::LeaseId id, Callback<store::DeleteResponse> done) {
  if (raft_.leading()) return local_.LeaseRevoke(id, std::move(done));
  Forward(HttpMethod::kDelete, "/v1/lease/" + std::to_string(id), "",
          [done](Result<admin::HttpResponse> r) {
            if (Status s = ResponseError(r); !s.ok()) return done(s);
            done(store::DeleteResponse{});
          });
}

}  // namespace baton::agent
