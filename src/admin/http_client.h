// HttpClient: blocking HTTP/1.1 requests to baton admin endpoints, for the
// `baton` CLI. Every call opens one connection (plaintext, or TLS for
// "https://" endpoints), sends one request, reads the whole response and
// closes. The timeout bounds the whole call: resolve, connect, handshake,
// write and read.
//
// Errors: InvalidArgument for a bad endpoint or TLS file; Unavailable when
// the endpoint cannot be reached or the exchange fails; Timeout when it does
// not finish in time. Any HTTP status, 4xx and 5xx included, is a response.
//
// Thread-safety: const methods may run concurrently; each call uses its own
// io_context.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "admin/http_message.h"
#include "admin/tls_config.h"
#include "core/result.h"
#include "core/time.h"

namespace baton::admin {

struct HttpClientOptions {
  // Bound on each call, from start to the last byte of the response.
  Duration timeout = Duration::Seconds(5);
  // Sent as "Authorization: Bearer <token>" when not empty.
  std::string token{};
  // For "https://" endpoints: ca_file verifies the server (system store when
  // empty); cert_file and key_file present a client certificate.
  TlsConfig tls{};
  // Larger response bodies fail the call with Unavailable.
  size_t max_response_bytes = 64 * 1024 * 1024;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});

  // `endpoint` is "host:port" or "https://host:port" (see ParseEndpoint);
  // `path` is the request target, query included ("/v1/status?x=1").
  Result<HttpResponse> Send(HttpMethod method, std::string_view endpoint, std::string_view path,
                            std::string_view body = {}) const;
  Result<HttpResponse> Get(std::string_view endpoint, std::string_view path) const;
  Result<HttpResponse> Post(std::string_view endpoint, std::string_view path,
                            std::string_view body) const;
  Result<HttpResponse> Put(std::string_view endpoint, std::string_view path,
                           std::string_view body) const;
  Result<HttpResponse> Delete(std::string_view endpoint, std::string_view path) const;

  // Tries `endpoints` in order and returns the first response. Each endpoint
  // gets the full timeout. Unavailable, naming every endpoint's error, when
  // none answers; InvalidArgument when the list is empty.
  Result<HttpResponse> SendToFirst(const std::vector<std::string>& endpoints, HttpMethod method,
                                   std::string_view path, std::string_view body = {}) const;

 private:
  HttpClientOptions options_;
};

}  // namespace baton::admin
