// kv_load: a closed-loop HTTP write load generator for bench/etcd_compare.py.
//
// N client threads each write as fast as their previous write is answered
// (closed loop) to one endpoint, for a warm-up (not recorded) and then a
// measured duration, and the program prints one JSON line: writes acknowledged
// (2xx), errors, throughput, and latency percentiles of the acknowledged writes.
//
//   baton: PUT /v1/kv/<prefix><n>            body = value, bearer token if given
//   etcd:  POST /v3/kv/put (v3 JSON gateway) {"key": base64, "value": base64}
//
// Both targets get the same client: by default each thread keeps one HTTP/1.1
// connection alive (reconnecting after an error), which is what a real client
// does. --connect-per-request uses admin::HttpClient instead, which opens one
// connection per call (the `baton` CLI's client); it measures connection set-up
// as well and is kept for comparison only.
//
// Usage:
//   kv_load --target=baton|etcd --endpoint=127.0.0.1:PORT [--clients=1]
//           [--duration_ms=5000] [--warmup_ms=1000] [--value_bytes=100]
//           [--keys=10000] [--token=T] [--prefix=bench/] [--connect-per-request]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "admin/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string target = "baton";
  std::string endpoint;
  int clients = 1;
  int64_t duration_ms = 5000;
  int64_t warmup_ms = 1000;
  size_t value_bytes = 100;
  uint64_t keys = 10000;
  std::string token;
  std::string prefix = "bench/";
  bool connect_per_request = false;
};

bool Flag(std::string_view arg, std::string_view name, std::string* value) {
  std::string prefix = "--" + std::string(name) + "=";
  if (arg.substr(0, prefix.size()) != prefix) return false;
  *value = std::string(arg.substr(prefix.size()));
  return true;
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "kv_load: %s\nusage: kv_load --target=baton|etcd --endpoint=HOST:PORT "
               "[--clients=N] [--duration_ms=MS] [--warmup_ms=MS] [--value_bytes=N] "
               "[--keys=N] [--token=T] [--prefix=P] [--connect-per-request]\n",
               why);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string v;
    if (Flag(arg, "target", &v)) {
      o.target = v;
    } else if (Flag(arg, "endpoint", &v)) {
      o.endpoint = v;
    } else if (Flag(arg, "clients", &v)) {
      o.clients = std::atoi(v.c_str());
    } else if (Flag(arg, "duration_ms", &v)) {
      o.duration_ms = std::atoll(v.c_str());
    } else if (Flag(arg, "warmup_ms", &v)) {
      o.warmup_ms = std::atoll(v.c_str());
    } else if (Flag(arg, "value_bytes", &v)) {
      o.value_bytes = std::strtoull(v.c_str(), nullptr, 10);
    } else if (Flag(arg, "keys", &v)) {
      o.keys = std::strtoull(v.c_str(), nullptr, 10);
    } else if (Flag(arg, "token", &v)) {
      o.token = v;
    } else if (Flag(arg, "prefix", &v)) {
      o.prefix = v;
    } else if (arg == "--connect-per-request") {
      o.connect_per_request = true;
    } else {
      Usage(("unknown argument " + std::string(arg)).c_str());
    }
  }
  if (o.target != "baton" && o.target != "etcd") Usage("--target must be baton or etcd");
  if (o.endpoint.empty()) Usage("--endpoint is required");
  if (o.clients < 1 || o.duration_ms < 1 || o.keys < 1) Usage("bad numbers");
  return o;
}

std::string Base64(std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += kTable[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// One write: method, path and body for the target.
struct Write {
  const char* method;
  std::string path;
  std::string body;
  const char* content_type;
};

Write MakeWrite(const Options& o, uint64_t key, const std::string& value) {
  std::string k = o.prefix + std::to_string(key);
  if (o.target == "baton") {
    return {"PUT", "/v1/kv/" + k, value, "application/octet-stream"};
  }
  return {"POST", "/v3/kv/put",
          "{\"key\":\"" + Base64(k) + "\",\"value\":\"" + Base64(value) + "\"}",
          "application/json"};
}

// A blocking HTTP/1.1 connection that is kept alive between requests.
class KeepAliveConnection {
 public:
  KeepAliveConnection(std::string host, uint16_t port, std::string token)
      : host_(std::move(host)), port_(port), token_(std::move(token)) {}
  ~KeepAliveConnection() { Close(); }

  // The HTTP status, or nullopt when the exchange failed (connection closed).
  std::optional<int> Send(const Write& w) {
    if (fd_ < 0 && !Connect()) return std::nullopt;
    std::string req;
    req.reserve(256 + w.body.size());
    req += w.method;
    req += ' ';
    req += w.path;
    req += " HTTP/1.1\r\nHost: ";
    req += host_ + ":" + std::to_string(port_);
    req += "\r\nContent-Type: ";
    req += w.content_type;
    req += "\r\nContent-Length: " + std::to_string(w.body.size()) + "\r\n";
    if (!token_.empty()) req += "Authorization: Bearer " + token_ + "\r\n";
    req += "\r\n";
    req += w.body;
    size_t off = 0;
    while (off < req.size()) {
      ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        Close();
        return std::nullopt;
      }
      off += size_t(n);
    }
    return ReadResponse();
  }

 private:
  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    buf_.clear();
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

  bool Fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, size_t(n));
    return true;
  }

  static std::string Lower(std::string s) {
    for (char& c : s) c = char(std::tolower(uint8_t(c)));
    return s;
  }

  std::optional<int> ReadResponse() {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > 65536 || !Fill()) {
        Close();
        return std::nullopt;
      }
    }
    std::string head = Lower(buf_.substr(0, end));
    buf_.erase(0, end + 4);
    int status = 0;
    if (std::sscanf(head.c_str(), "http/1.%*d %d", &status) != 1) {
      Close();
      return std::nullopt;
    }
    bool close_after = head.find("\r\nconnection: close") != std::string::npos;
    size_t cl = head.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      size_t len = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
      while (buf_.size() < len) {
        if (!Fill()) {
          Close();
          return std::nullopt;
        }
      }
      buf_.erase(0, len);
    } else if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill()) {
            Close();
            return std::nullopt;
          }
        }
        size_t chunk = std::strtoull(buf_.c_str(), nullptr, 16);
        buf_.erase(0, eol + 2);
        while (buf_.size() < chunk + 2) {
          if (!Fill()) {
            Close();
            return std::nullopt;
          }
        }
        buf_.erase(0, chunk + 2);
        if (chunk == 0) break;
      }
    } else {
      close_after = true;  // body runs to the end of the connection
    }
    if (close_after) Close();
    return status;
  }

  std::string host_;
  uint16_t port_;
  std::string token_;
  int fd_ = -1;
  std::string buf_;
};

struct ThreadResult {
  uint64_t ok = 0;
  uint64_t errors = 0;
  std::vector<double> latencies_ms;  // acknowledged writes in the measured window
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = size_t(p * double(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  size_t colon = o.endpoint.rfind(':');
  if (colon == std::string::npos) Usage("--endpoint must be HOST:PORT");
  std::string host = o.endpoint.substr(0, colon);
  uint16_t port = uint16_t(std::atoi(o.endpoint.c_str() + colon + 1));
  std::string value(o.value_bytes, 'v');

  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + std::chrono::milliseconds(o.warmup_ms);
  const Clock::time_point stop = measure_from + std::chrono::milliseconds(o.duration_ms);
  std::vector<ThreadResult> results(size_t(o.clients));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.clients; ++t) {
    threads.emplace_back([&, t] {
      ThreadResult& r = results[size_t(t)];
      KeepAliveConnection conn(host, port, o.token);
      baton::admin::HttpClientOptions copts;
      copts.token = o.token;
      baton::admin::HttpClient client(copts);
      uint64_t n = uint64_t(t);
      for (;;) {
        Clock::time_point t0 = Clock::now();
        if (t0 >= stop) break;
        Write w = MakeWrite(o, n % o.keys, value);
        n += uint64_t(o.clients);
        int status = 0;
        if (o.connect_per_request) {
          auto method = o.target == "baton" ? baton::admin::HttpMethod::kPut
                                            : baton::admin::HttpMethod::kPost;
          auto resp = client.Send(method, o.endpoint, w.path, w.body);
          status = resp ? resp.value().status : 0;
        } else {
          status = conn.Send(w).value_or(0);
        }
        Clock::time_point t1 = Clock::now();
        if (t0 < measure_from) continue;
        if (status >= 200 && status < 300) {
          if (t1 <= stop) {
            ++r.ok;
            r.latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
          }
        } else {
          ++r.errors;
          if (status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  ThreadResult all;
  for (auto& r : results) {
    all.ok += r.ok;
    all.errors += r.errors;
    all.latencies_ms.insert(all.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  double seconds = double(o.duration_ms) / 1000.0;
  std::printf(
      "{\"target\":\"%s\",\"endpoint\":\"%s\",\"clients\":%d,\"seconds\":%.3f,\"ok\":%" PRIu64
      ",\"errors\":%" PRIu64
      ",\"throughput\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
      "\"client\":\"%s\"}\n",
      o.target.c_str(), o.endpoint.c_str(), o.clients, seconds, all.ok, all.errors,
      double(all.ok) / seconds, Percentile(all.latencies_ms, 0.50),
      Percentile(all.latencies_ms, 0.90), Percentile(all.latencies_ms, 0.99),
      all.latencies_ms.empty() ? 0.0 : all.latencies_ms.back(),
      o.connect_per_request ? "connect-per-request" : "keep-alive");
  return all.ok > 0 ? 0 : 1;
}
