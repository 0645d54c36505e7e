#include "adapters/hooks.h"

#include <nlohmann/json.hpp>

#include "adapters/command_status.h"
#include "adapters/wall_clock.h"
#include "admin/http_client.h"
#include "probe/run_command.h"

namespace baton::adapters {
namespace {

// Runs a hook command; OK on exit 0.
Status RunHook(const std::string& what, const probe::CommandSpec& spec, Duration timeout) {
  return CommandStatus(what, probe::RunCommand(spec, timeout), timeout);
}

}  // namespace

Status RunFencingHook(const FencingHookSpec& spec, const FenceTarget& target) {
  probe::CommandSpec command;
  command.argv = spec.command;
  command.env = {{"BATON_GROUP", target.group},
                 {"BATON_MEMBER", target.member},
                 {"BATON_MEMBER_ADDRESS", target.address},
                 {"BATON_EPOCH", std::to_string(target.epoch)}};
  return RunHook("fencing hook for " + target.group + "/" + target.member, command, spec.timeout);
}

std::string EventJson(const std::string& group, const detect::Event& event) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [key, value] : event.fields) fields[key] = value;
  nlohmann::json json = {{"group", group},
                         {"event", event.name},
                         {"target", event.target},
                         {"fields", fields},
                         {"time", WallClockNow()}};
  return json.dump();
}

Status PostWebhook(const std::string& url, std::string_view json, Duration timeout) {
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("webhook " + url + ": not an http:// or https:// URL");
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  const std::string endpoint = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  admin::HttpClientOptions options;
  options.timeout = timeout;
  Result<admin::HttpResponse> response = admin::HttpClient(options).Post(endpoint, path, json);
  if (!response.has_value()) return response.error().WithContext("webhook " + url);
  if (response->status < 200 || response->status > 299) {
    return Status::Unavailable("webhook " + url + ": HTTP " + std::to_string(response->status));
  }
  return Status::Ok();
}

Status Notify(const NotifySpec& spec, const std::string& group, const detect::Event& event) {
  const std::string json = EventJson(group, event);
  Status first;
  if (!spec.command.empty()) {
    probe::CommandSpec command;
    command.argv = spec.command;
    command.env = {{"BATON_GROUP", group}, {"BATON_EVENT", event.name}};
    command.input = json + "\n";
    first = RunHook("notify command for " + group, command, spec.timeout);
  }
  if (!spec.webhook.empty()) {
    Status posted = PostWebhook(spec.webhook, json, spec.timeout);
    if (first.ok()) first = posted;
  }
  return first;
}

}  // namespace baton::adapters
