#include <gtest/gtest.h>

#include "probe/prober.h"
#include "probe/test_util.h"

namespace baton::probe {
namespace {

HttpSpec At(uint16_t port) {
  return HttpSpec{.host = "127.0.0.1", .port = port, .path = "/health"};
}

TEST(HttpProbeTest, PassesOnA2xxAndKeepsTheStatus) {
  testing::HttpServer server(200, "all good");
  ProbeOutcome outcome = RunProbe(At(server.port()), Duration::Seconds(2));
  EXPECT_TRUE(outcome.result.ok) << outcome.result.output;
  EXPECT_EQ(outcome.http_status, 200);
  EXPECT_EQ(outcome.result.output, "http: status 200");
}

TEST(HttpProbeTest, WrongStatusFails) {
  testing::HttpServer server(503, "down");
  ProbeOutcome outcome = RunProbe(At(server.port()), Duration::Seconds(2));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output, "http: status 503 not in 200-399");
}

TEST(HttpProbeTest, ExpectedStatusListAndRanges) {
  testing::HttpServer server(503, "down");
  HttpSpec spec = At(server.port());
  spec.expected_status = {{200, 200}, {500, 503}};
  EXPECT_TRUE(RunProbe(spec, Duration::Seconds(2)).result.ok);
  spec.expected_status = {{200, 200}, {204, 204}};
  EXPECT_EQ(RunProbe(spec, Duration::Seconds(2)).result.output, "http: status 503 not in 200,204");
}

TEST(HttpProbeTest, BodySubstring) {
  testing::HttpServer server(200, "{\"state\":\"running\"}");
  HttpSpec spec = At(server.port());
  spec.body_contains = "\"running\"";
  EXPECT_TRUE(RunProbe(spec, Duration::Seconds(2)).result.ok);
  spec.body_contains = "\"stopped\"";
  ProbeOutcome outcome = RunProbe(spec, Duration::Seconds(2));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output, "http: body does not contain \"\"stopped\"\"");
}

TEST(HttpProbeTest, HungServerFailsAtTheTimeout) {
  testing::HttpServer server(200, "", /*hang=*/true);
  ProbeOutcome outcome = RunProbe(At(server.port()), Duration::Millis(300));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output, "http: waiting for the response: timed out after 300ms");
  EXPECT_GE(outcome.result.latency, Duration::Millis(300));
  EXPECT_LT(outcome.result.latency, Duration::Millis(600));
}

TEST(HttpProbeTest, ClosedPortAndUnresolvableHost) {
  EXPECT_EQ(RunProbe(At(testing::FreePort()), Duration::Seconds(1))
                    .result.output.find("Connection refused") == std::string::npos,
            false);
  HttpSpec spec{.host = "no-such-host.invalid", .port = 80};
  EXPECT_EQ(RunProbe(spec, Duration::Seconds(5)).result.output.rfind("resolve: ", 0), 0u);
}

}  // namespace
}  // namespace baton::probe
