#include "agent/failover_service_history.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "agent/http_json.h"
#include "failover/schema.h"

namespace baton::agent {
namespace {

int64_t UnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string EpochPrefix(const std::string& group, failover::Epoch epoch) {
  char padded[32];
  std::snprintf(padded, sizeof(padded), "%020llu", static_cast<unsigned long long>(epoch));
  return failover::GroupPrefix(group) + "history/" + padded + "-" + std::to_string(UnixMillis());
}

}  // namespace

std::string HistoryKey(const failover::Timeline& t) {
  return EpochPrefix(t.group, t.to_epoch ? t.to_epoch : t.from_epoch);
}

std::string DivergenceKey(const std::string& group, failover::Epoch epoch,
                          const std::string& member) {
  return EpochPrefix(group, epoch) + "-divergence-" + member;
}

std::string ServingHistoryKey(const failover::ServingChange& change) {
  return EpochPrefix(change.group, change.record.epoch) + "-serving";
}

std::string ServingChangeJson(const failover::ServingChange& c) {
  nlohmann::json j = {{"group", c.group},
                      {"serving_epoch", c.record.epoch},
                      {"members", c.record.members},
                      {"joined", c.joined},
                      {"left", c.left},
                      {"publish_ms", (c.published - c.decided).millis()},
                      {"closed_at_unix_ms", UnixMillis()}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string DivergenceJson(const std::string& group, failover::Epoch epoch,
                           const std::string& member, const std::string& new_primary,
                           const Result<adapters::Divergence>& divergence) {
  nlohmann::json j = {{"group", group},        {"epoch", epoch},
                      {"member", member},      {"new_primary", new_primary},
                      {"divergence", nullptr}, {"closed_at_unix_ms", UnixMillis()}};
  if (divergence.has_value()) {
    j["divergence"] = {{"fork_position", divergence->fork_position},
                       {"lost_bytes", divergence->lost_bytes},
                       {"saved_copy", divergence->saved_copy}};
  } else {
    j["error"] = divergence.error().ToString();
  }
  return Dump(j);
}

std::string TimelineJson(const failover::Timeline& t) {
  nlohmann::json steps = nlohmann::json::object();
  auto step = [&](const char* name, const std::optional<Instant>& at) {
    if (at && t.detected) steps[name] = (*at - *t.detected).millis();
  };
  step("detected", t.detected);
  step("confirmed", t.confirmed);
  step("fenced", t.fenced);
  step("promoted", t.promoted);
  step("repointed", t.repointed);
  step("routed", t.routed);
  step("closed", t.closed);
  nlohmann::json events = nlohmann::json::array();
  for (const detect::Event& e : t.events) events.push_back(e.ToString());
  nlohmann::json j = {{"group", t.group},
                      {"cause", t.cause},
                      {"from_epoch", t.from_epoch},
                      {"to_epoch", t.to_epoch},
                      {"old_primary", t.old_primary},
                      {"new_primary", t.new_primary},
                      {"forced", t.forced},
                      {"steps_ms", steps},
                      {"old_primary_position", t.old_primary_position},
                      {"old_primary_acked", t.old_primary_acked},
                      {"new_primary_position", t.new_primary_position},
                      {"acked_loss_bytes", t.acked_loss_bytes ? nlohmann::json(*t.acked_loss_bytes)
                                                              : nlohmann::json(nullptr)},
                      {"loss_bound_bytes", t.loss_bound_bytes},
                      {"outcome", t.outcome},
                      {"events", events},
                      {"closed_at_unix_ms", UnixMillis()}};
  return Dump(j);
}

}  // namespace baton::agent
