#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "admin/admin_server.h"
#include "admin/http_client.h"

namespace baton::admin {
namespace {

// A self-signed certificate for 127.0.0.1 and localhost, made by the openssl
// command-line tool in a fresh temporary directory for each test.
class AdminTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/baton_admin_tls_XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    cert_ = dir_ + "/cert.pem";
    key_ = dir_ + "/key.pem";
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
        " -keyout " +
        key_ + " -out " + cert_ + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AdminServer> StartServer(TlsConfig tls) {
    auto server = std::make_unique<AdminServer>(AdminServerConfig{.tls = std::move(tls)}, logger_);
    server->Handle(HttpMethod::kGet, "/hello", [](HttpRequest, Responder reply) {
      reply(HttpResponse::Text(200, "secure hello"));
    });
    const Status status = server->Start();
    EXPECT_TRUE(status.ok()) << status.ToString();
    return server;
  }

  static HttpClientOptions ClientOptions(TlsConfig tls) {
    return {.timeout = Duration::Seconds(5), .tls = std::move(tls)};
  }

  NullLogger logger_;
  std::string dir_, cert_, key_;
};

TEST_F(AdminTlsTest, RoundTripWithTheServerVerifiedAgainstItsCa) {
  auto server = StartServer({.cert_file = cert_, .key_file = key_});
  HttpClient client(ClientOptions({.ca_file = cert_}));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    Result<HttpResponse> r =
        client.Get("https://" + host + ":" + std::to_string(server->port()), "/hello");
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "secure hello");
  }
}

TEST_F(AdminTlsTest, AnUntrustedServerCertificateFailsTheHandshake) {
  auto server = StartServer({.cert_file = cert_, .key_file = key_});
  HttpClient client(ClientOptions({}));  // system trust store: does not know our CA
  Result<HttpResponse> r =
      client.Get("https://127.0.0.1:" + std::to_string(server->port()), "/hello");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsUnavailable()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("TLS handshake"), std::string::npos) << r.error().ToString();
}

TEST_F(AdminTlsTest, PlaintextToATlsServerGetsNoResponseAndTheServerSurvives) {
  auto server = StartServer({.cert_file = cert_, .key_file = key_});
  const std::string port = std::to_string(server->port());
  Result<HttpResponse> plain = HttpClient(ClientOptions({})).Get("127.0.0.1:" + port, "/hello");
  EXPECT_FALSE(plain.has_value());
  Result<HttpResponse> tls =
      HttpClient(ClientOptions({.ca_file = cert_})).Get("https://127.0.0.1:" + port, "/hello");
  ASSERT_TRUE(tls.has_value()) << tls.error().ToString();
  EXPECT_EQ(tls->status, 200);
}

TEST_F(AdminTlsTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  auto server = StartServer({.ca_file = cert_, .cert_file = cert_, .key_file = key_});
  const std::string endpoint = "https://127.0.0.1:" + std::to_string(server->port());
  Result<HttpResponse> anonymous =
      HttpClient(ClientOptions({.ca_file = cert_})).Get(endpoint, "/hello");
  EXPECT_FALSE(anonymous.has_value());
  Result<HttpResponse> known =
      HttpClient(ClientOptions({.ca_file = cert_, .cert_file = cert_, .key_file = key_}))
          .Get(endpoint, "/hello");
  ASSERT_TRUE(known.has_value()) << known.error().ToString();
  EXPECT_EQ(known->body, "secure hello");
}

TEST_F(AdminTlsTest, MissingCertificateFilesFailStartAndCallsNamingTheFile) {
  AdminServer server({.tls = {.cert_file = dir_ + "/absent.pem", .key_file = key_}}, logger_);
  const Status status = server.Start();
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_NE(status.message().find("absent.pem"), std::string::npos) << status.ToString();

  Result<HttpResponse> r = HttpClient(ClientOptions({.ca_file = dir_ + "/absent-ca.pem"}))
                               .Get("https://127.0.0.1:1", "/hello");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument());
  EXPECT_NE(r.error().message().find("absent-ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace baton::admin
