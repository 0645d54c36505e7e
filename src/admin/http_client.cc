#include "admin/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <optional>
#include <utility>

#include "admin/endpoint.h"
#include "core/check.h"

namespace baton::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using Outcome = std::optional<Result<HttpResponse>>;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

HttpResponse ToResponse(http::response<http::string_body> msg) {
  HttpResponse response;
  response.status = static_cast<int>(msg.result_int());
  response.content_type = std::string(msg[http::field::content_type]);
  for (const auto& field : msg) {
    std::string name = LowercaseAscii(field.name_string());
    response.headers[std::move(name)] = std::string(field.value());
  }
  response.body = std::move(msg.body());
  return response;
}

template <class Stream>
asio::awaitable<void> Exchange(Stream& stream, http::request<http::string_body>& request,
                               size_t max_response_bytes, const std::string& what, Outcome& out) {
  const auto [write_ec, written] = co_await http::async_write(stream, request, kAwait);
  if (write_ec) {
    out = Status::Unavailable(what + ": write: " + write_ec.message());
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_response_bytes);
  const auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kAwait);
  if (read_ec) {
    out = Status::Unavailable(what + ": read: " + read_ec.message());
    co_return;
  }
  out = ToResponse(parser.release());
}

asio::awaitable<void> Call(const Endpoint& endpoint, http::request<http::string_body>& request,
                           ssl::context* tls, size_t max_response_bytes, const std::string& what,
                           Outcome& out) {
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  const auto [resolve_ec, addresses] =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kAwait);
  if (resolve_ec) {
    out = Status::Unavailable(what + ": resolve: " + resolve_ec.message());
    co_return;
  }
  beast::tcp_stream socket(executor);
  const auto [connect_ec, connected] = co_await socket.async_connect(addresses, kAwait);
  if (connect_ec) {
    out = Status::Unavailable(what + ": connect: " + connect_ec.message());
    co_return;
  }
  if (tls == nullptr) {
    co_await Exchange(socket, request, max_response_bytes, what, out);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
  beast::error_code not_an_ip;
  asio::ip::make_address(endpoint.host, not_an_ip);
  if (not_an_ip) SSL_set_tlsext_host_name(stream.native_handle(), endpoint.host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(endpoint.host));
  const auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, kAwait);
  if (handshake_ec) {
    out = Status::Unavailable(what + ": TLS handshake: " + handshake_ec.message());
    co_return;
  }
  co_await Exchange(stream, request, max_response_bytes, what, out);
}

Status LoadClientTls(const TlsConfig& config, ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (config.ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
    if (ec) return Status::InvalidArgument("TLS system trust store: " + ec.message());
  } else {
    ctx.load_verify_file(config.ca_file, ec);
    if (ec) return Status::InvalidArgument("TLS CA " + config.ca_file + ": " + ec.message());
  }
  if (!config.cert_file.empty()) {
    ctx.use_certificate_chain_file(config.cert_file, ec);
    if (ec) {
      return Status::InvalidArgument("TLS certificate " + config.cert_file + ": " + ec.message());
    }
    ctx.use_private_key_file(config.key_file, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("TLS key " + config.key_file + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {}

Result<HttpResponse> HttpClient::Send(HttpMethod method, std::string_view endpoint_text,
                                      std::string_view path, std::string_view body) const {
  BATON_CHECK(method != HttpMethod::kOther) << "HttpClient::Send needs a concrete method";
  BATON_ASSIGN_OR_RETURN(const Endpoint endpoint, ParseEndpoint(endpoint_text));
  const std::string host =
      endpoint.host.find(':') == std::string::npos ? endpoint.host : "[" + endpoint.host + "]";
  const std::string authority = host + ":" + std::to_string(endpoint.port);
  const std::string what = std::string(HttpMethodName(method)) +
                           (endpoint.tls ? " https://" : " http://") + authority +
                           std::string(path);

  std::optional<ssl::context> tls;
  if (endpoint.tls) {
    tls.emplace(ssl::context::tls_client);
    BATON_RETURN_IF_ERROR(LoadClientTls(options_.tls, *tls));
  }
  http::request<http::string_body> request(http::string_to_verb(HttpMethodName(method)),
                                           std::string(path), 11);
  request.set(http::field::host, authority);
  request.set(http::field::user_agent, "baton");
  if (!options_.token.empty()) request.set(http::field::authorization, "Bearer " + options_.token);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = std::string(body);
  request.keep_alive(false);
  request.prepare_payload();

  Outcome out;
  asio::io_context ioc(1);  // destroyed first: it owns the coroutine that refers to the above
  asio::co_spawn(
      ioc, Call(endpoint, request, tls ? &*tls : nullptr, options_.max_response_bytes, what, out),
      [&](std::exception_ptr error) {
        if (error && !out) out = Status::Unavailable(what + ": unexpected exception");
      });
  ioc.run_for(std::chrono::nanoseconds(options_.timeout.nanos()));
  if (!out) return Status::Timeout(what + ": no response within " + options_.timeout.ToString());
  return std::move(*out);
}

Result<HttpResponse> HttpClient::Get(std::string_view endpoint, std::string_view path) const {
  return Send(HttpMethod::kGet, endpoint, path);
}

Result<HttpResponse> HttpClient::Post(std::string_view endpoint, std::string_view path,
                                      std::string_view body) const {
  return Send(HttpMethod::kPost, endpoint, path, body);
}

Result<HttpResponse> HttpClient::Put(std::string_view endpoint, std::string_view path,
                                     std::string_view body) const {
  return Send(HttpMethod::kPut, endpoint, path, body);
}

Result<HttpResponse> HttpClient::Delete(std::string_view endpoint, std::string_view path) const {
  return Send(HttpMethod::kDelete, endpoint, path);
}

Result<HttpResponse> HttpClient::SendToFirst(const std::vector<std::string>& endpoints,
                                             HttpMethod method, std::string_view path,
                                             std::string_view body) const {
  if (endpoints.empty()) return Status::InvalidArgument("no endpoints to try");
  std::string failures;
  for (const std::string& endpoint : endpoints) {
    Result<HttpResponse> response = Send(method, endpoint, path, body);
    if (response.has_value()) return response;
    if (!failures.empty()) failures += "; ";
    failures += response.error().ToString();
  }
  return Status::Unavailable("no endpoint answered: " + failures);
}

}  // namespace baton::admin
