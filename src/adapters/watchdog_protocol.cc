#include "adapters/watchdog_protocol.h"

#include <nlohmann/json.hpp>

namespace baton::adapters::watchdog {

std::string Encode(const Request& request) {
  nlohmann::json json = {{"op", request.op == Request::Op::kArm ? "arm" : "disarm"},
                         {"member", request.member}};
  if (request.op == Request::Op::kArm) {
    json["deadline_ns"] = request.deadline.nanos();
    json["command"] = request.command;
    json["env"] = request.env;
    json["timeout_ms"] = request.timeout.millis();
  }
  return json.dump() + "\n";
}

Result<Request> Decode(const std::string& line) {
  const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Status::InvalidArgument("not a JSON object");
  Request request;
  const auto text = [&](const char* key) -> const nlohmann::json* {
    const auto it = json.find(key);
    return it != json.end() && it->is_string() ? &*it : nullptr;
  };
  if (text("op") == nullptr || text("member") == nullptr || json["member"] == "") {
    return Status::InvalidArgument("needs op and member");
  }
  request.member = json["member"];
  if (json["op"] == "disarm") {
    request.op = Request::Op::kDisarm;
    return request;
  }
  if (json["op"] != "arm") return Status::InvalidArgument("unknown op");
  const auto deadline = json.find("deadline_ns");
  const auto timeout = json.find("timeout_ms");
  const auto command = json.find("command");
  const auto env = json.find("env");
  if (deadline == json.end() || !deadline->is_number_integer() || timeout == json.end() ||
      !timeout->is_number_integer() || *timeout <= 0 || command == json.end() ||
      !command->is_array() || command->empty() || env == json.end() || !env->is_object()) {
    return Status::InvalidArgument("arm needs deadline_ns, timeout_ms > 0, command and env");
  }
  for (const nlohmann::json& arg : *command) {
    if (!arg.is_string()) return Status::InvalidArgument("command items must be strings");
    request.command.push_back(arg);
  }
  for (const auto& [key, value] : env->items()) {
    if (!value.is_string()) return Status::InvalidArgument("env values must be strings");
    request.env[key] = value;
  }
  request.deadline = Instant::FromNanos(deadline->get<int64_t>());
  request.timeout = Duration::Millis(timeout->get<int64_t>());
  return request;
}

}  // namespace baton::adapters::watchdog
