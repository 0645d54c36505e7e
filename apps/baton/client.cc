#include "client.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin/endpoint.h"
#include "agent/agent.h"
#include "commands.h"

namespace baton::cli {
namespace {

constexpr int kMaxRedirects = 3;
constexpr char kDefaultEndpoint[] = "127.0.0.1:7201";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

void AddClientFlags(CLI::App* cmd, ClientFlags* flags) {
  cmd->add_option("--endpoint", flags->endpoints,
                  "Admin endpoints host:port[,host:port...] (env BATON_ENDPOINT; default " +
                      std::string(kDefaultEndpoint) + ")");
  cmd->add_option("--token", flags->token, "Bearer token for mutating calls (env BATON_TOKEN)");
  cmd->add_option("--token-file", flags->token_file, "File holding the bearer token");
  cmd->add_option("--ca", flags->ca, "CA certificate: use https and verify the agents with it");
  cmd->add_option("--timeout", flags->timeout, "Give up after this long (default 10s)");
}

Result<AdminClient> AdminClient::Create(const ClientFlags& flags) {
  std::string list = flags.endpoints.empty() ? Env("BATON_ENDPOINT") : flags.endpoints;
  if (list.empty()) list = kDefaultEndpoint;
  std::vector<std::string> endpoints = admin::SplitEndpointList(list);
  if (endpoints.empty()) return Status::InvalidArgument("no endpoint given");
  for (const std::string& e : endpoints) {
    BATON_RETURN_IF_ERROR(admin::ParseEndpoint(e).status());
  }
  Duration timeout;
  if (!ParseDuration(flags.timeout, &timeout) || timeout <= Duration::Zero()) {
    return Status::InvalidArgument("--timeout: expected a duration such as 10s");
  }
  admin::HttpClientOptions options;
  options.token = flags.token.empty() ? Env("BATON_TOKEN") : flags.token;
  if (options.token.empty() && !flags.token_file.empty()) {
    BATON_ASSIGN_OR_RETURN(options.token, agent::ReadTokenFile(flags.token_file));
  }
  options.tls.ca_file = flags.ca;
  options.timeout = std::min(timeout, Duration::Seconds(5));
  return AdminClient(std::move(endpoints), !flags.ca.empty(), timeout, std::move(options));
}

AdminClient::AdminClient(std::vector<std::string> endpoints, bool tls, Duration timeout,
                         admin::HttpClientOptions options)
    : endpoints_(std::move(endpoints)), tls_(tls), timeout_(timeout), http_(std::move(options)) {}

std::string AdminClient::WithScheme(const std::string& endpoint) const {
  if (!tls_ || endpoint.find("://") != std::string::npos) return endpoint;
  return "https://" + endpoint;
}

Result<admin::HttpResponse> AdminClient::Call(admin::HttpMethod method, const std::string& path,
                                              const std::string& body) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout_.nanos());
  std::string errors;
  std::optional<admin::HttpResponse> last;
  while (true) {
    errors.clear();
    for (const std::string& start : endpoints_) {
      std::string endpoint = WithScheme(start);
      for (int redirect = 0; redirect <= kMaxRedirects; ++redirect) {
        Result<admin::HttpResponse> r = http_.Send(method, endpoint, path, body);
        if (!r.has_value()) {
          errors += "\n  " + endpoint + ": " + r.error().ToString();
          break;
        }
        if (r->status == 421) {
          auto j = nlohmann::json::parse(r->body, nullptr, false);
          last = *r;
          if (j.is_object() && j.contains("leader") && j["leader"].value("admin", "") != "") {
            endpoint = WithScheme(j["leader"]["admin"].get<std::string>());
            continue;
          }
          break;
        }
        if (r->status == 503) {
          last = *r;
          break;
        }
        return r;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (last) return *last;
  return Status::Unavailable("no endpoint answered:" + errors);
}

std::string PercentEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string ErrorMessage(const admin::HttpResponse& response) {
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  std::string message = j.is_object() && j.contains("error") && j["error"].is_string()
                            ? j["error"].get<std::string>()
                            : response.body;
  return "HTTP " + std::to_string(response.status) + ": " + message;
}

// Runs one call; prints the error and returns nullopt when it failed.
std::optional<nlohmann::json> CallJson(const ClientFlags& flags, admin::HttpMethod method,
                                       const std::string& path, const std::string& body,
                                       int* code) {
  Result<AdminClient> client = AdminClient::Create(flags);
  if (!client.has_value()) {
    std::cerr << "baton: " << client.error().message() << "\n";
    *code = kExitUsage;
    return std::nullopt;
  }
  Result<admin::HttpResponse> r = client->Call(method, path, body);
  if (!r.has_value()) {
    std::cerr << "baton: " << r.error().ToString() << "\n";
    *code = kExitFailed;
    return std::nullopt;
  }
  if (r->status != 200) {
    std::cerr << "baton: " << ErrorMessage(*r) << "\n";
    *code = kExitFailed;
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) {
    std::cerr << "baton: the agent answered with invalid JSON\n";
    *code = kExitFailed;
    return std::nullopt;
  }
  *code = kExitOk;
  return j;
}

}  // namespace baton::cli
