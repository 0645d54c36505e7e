#include "probe/probe_spec.h"

#include <type_traits>

namespace baton::probe {
namespace {

std::string HostPort(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

Status ValidateEndpoint(std::string_view kind, const std::string& host, uint16_t port) {
  if (host.empty()) return Status::InvalidArgument(std::string(kind) + " check needs a host");
  if (port == 0) return Status::InvalidArgument(std::string(kind) + " check needs a port");
  return Status::Ok();
}

}  // namespace

std::string_view KindName(const ProbeSpec& spec) {
  static constexpr std::string_view kNames[] = {"tcp", "http", "exec", "redis", "postgres"};
  return kNames[spec.index()];
}

std::string Describe(const ProbeSpec& spec) {
  return std::visit(
      [](const auto& s) -> std::string {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, ExecSpec>) {
          std::string text = s.shell ? "exec sh -c" : "exec";
          for (const std::string& arg : s.command) text += " " + arg;
          return text;
        } else if constexpr (std::is_same_v<T, HttpSpec>) {
          return "http " + HostPort(s.host, s.port) + s.path;
        } else if constexpr (std::is_same_v<T, TcpSpec>) {
          return "tcp " + HostPort(s.host, s.port);
        } else if constexpr (std::is_same_v<T, RedisSpec>) {
          return "redis " + HostPort(s.host, s.port);
        } else {
          return "postgres " + HostPort(s.host, s.port) + "/" + s.dbname;
        }
      },
      spec);
}

Status Validate(const ProbeSpec& spec) {
  return std::visit(
      [](const auto& s) -> Status {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, ExecSpec>) {
          if (s.command.empty() || s.command[0].empty()) {
            return Status::InvalidArgument("exec check needs a command");
          }
          if (s.shell && s.command.size() != 1) {
            return Status::InvalidArgument("exec check with shell takes one command string");
          }
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, HttpSpec>) {
          BATON_RETURN_IF_ERROR(ValidateEndpoint("http", s.host, s.port));
          if (s.path.empty() || s.path[0] != '/') {
            return Status::InvalidArgument("http check path must start with '/'");
          }
          if (s.expected_status.empty()) {
            return Status::InvalidArgument("http check needs at least one expected status");
          }
          for (const StatusRange& r : s.expected_status) {
            if (r.lo < 100 || r.hi > 599 || r.lo > r.hi) {
              return Status::InvalidArgument("http expected status " + std::to_string(r.lo) + "-" +
                                             std::to_string(r.hi) +
                                             " is not a range within 100-599");
            }
          }
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, PostgresSpec>) {
          BATON_RETURN_IF_ERROR(ValidateEndpoint("postgres", s.host, s.port));
          if (s.user.empty() || s.dbname.empty()) {
            return Status::InvalidArgument("postgres check needs a user and a dbname");
          }
          return Status::Ok();
        } else {
          return ValidateEndpoint(KindName(ProbeSpec(s)), s.host, s.port);
        }
      },
      spec);
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPrimary:
      return "primary";
    case Role::kReplica:
      return "replica";
    case Role::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace baton::probe
