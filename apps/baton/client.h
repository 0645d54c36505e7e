// AdminClient: how the client subcommands reach the agents' admin API.
//
// Endpoints come from --endpoint (comma-separated), else $BATON_ENDPOINT,
// else 127.0.0.1:7201. With --ca, endpoints without a scheme use https. The
// token comes from --token, $BATON_TOKEN or --token-file.
//
// Call() tries the endpoints in order: a connection failure moves to the
// next one; a 421 "not leader" answer is followed to the leader's admin
// address; a 503 (no leader yet) moves on, and the whole list is retried
// until the timeout. Not thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin/http_client.h"
#include "admin/http_message.h"
#include "core/result.h"

namespace baton::cli {

struct ClientFlags {
  std::string endpoints;
  std::string token;
  std::string token_file;
  std::string ca;
  std::string timeout = "10s";
};

// Adds --endpoint, --token, --token-file, --ca and --timeout to `cmd`.
void AddClientFlags(CLI::App* cmd, ClientFlags* flags);

class AdminClient {
 public:
  // InvalidArgument for a bad timeout; IOError for an unreadable token file.
  static Result<AdminClient> Create(const ClientFlags& flags);

  Result<admin::HttpResponse> Call(admin::HttpMethod method, const std::string& path,
                                   const std::string& body = "") const;

 private:
  AdminClient(std::vector<std::string> endpoints, bool tls, Duration timeout,
              admin::HttpClientOptions options);
  std::string WithScheme(const std::string& endpoint) const;

  std::vector<std::string> endpoints_;
  bool tls_ = false;
  Duration timeout_;
  admin::HttpClient http_;
};

// `text` percent-encoded for a request path (unreserved characters kept).
std::string PercentEncode(std::string_view text);

// The "error" field of a JSON error body, or the body itself.
std::string ErrorMessage(const admin::HttpResponse& response);

// Runs one call and parses its 200 JSON answer. Otherwise prints why to
// stderr, sets *code (2: bad flags, 1: failed) and returns nullopt.
std::optional<nlohmann::json> CallJson(const ClientFlags& flags, admin::HttpMethod method,
                                       const std::string& path, const std::string& body, int* code);

}  // namespace baton::cli
