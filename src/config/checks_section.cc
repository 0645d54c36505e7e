#include "config/checks_section.h"

#include <cctype>

namespace baton::config {
namespace {

// "200" or "200-299".
bool ParseStatusRange(const std::string& text, probe::StatusRange* out) {
  const size_t dash = text.find('-');
  int lo = 0;
  int hi = 0;
  if (!ScalarTraits<int>::Parse(text.substr(0, dash), &lo)) return false;
  hi = lo;
  if (dash != std::string::npos && !ScalarTraits<int>::Parse(text.substr(dash + 1), &hi)) {
    return false;
  }
  *out = probe::StatusRange{lo, hi};
  return true;
}

void BindHttp(MapReader& m, probe::HttpSpec* http) {
  m.Required("host", &http->host);
  m.Required("port", &http->port);
  m.Optional("path", &http->path);
  std::vector<probe::StatusRange> ranges;
  m.BindScalarList("expect_status", Presence::kOptional, "a status code or a range \"200-299\"",
                   [&ranges](const std::string& text) {
                     return ParseStatusRange(text, &ranges.emplace_back());
                   });
  if (m.Has("expect_status")) http->expected_status = ranges;
  m.Optional("body_contains", &http->body_contains);
}

void BindExec(MapReader& m, probe::ExecSpec* exec) {
  std::string shell;
  m.List("command", Presence::kOptional, &exec->command);
  m.Optional("shell", &shell);
  uint64_t limit = exec->output_limit_bytes;
  m.Optional("output_limit", &limit);
  exec->output_limit_bytes = limit;
  if (m.Has("command") == m.Has("shell")) {
    m.Reject("command", "give exactly one of command and shell");
  } else if (m.Has("shell")) {
    exec->command = {shell};
    exec->shell = true;
  }
}

// The probe mapping keys, in the order the docs list them.
constexpr std::string_view kProbeKinds[] = {"tcp", "http", "exec", "redis", "postgres"};

}  // namespace

void BindCheck(MapReader& m, CheckSpec* check) {
  check->line = m.line();
  detect::CheckConfig& c = check->config;
  m.Required("name", &check->name);
  m.OptionalEnum("kind", &c.kind,
                 {{"liveness", detect::CheckKind::kLiveness},
                  {"readiness", detect::CheckKind::kReadiness},
                  {"deep", detect::CheckKind::kDeep}});
  m.Optional("interval", &c.interval);
  m.Optional("timeout", &c.timeout);
  m.Optional("rise", &c.rise);
  m.Optional("fall", &c.fall);
  m.Optional("jitter", &c.jitter);
  m.Optional("start_period", &c.start_period);

  int probes = 0;
  for (std::string_view kind : kProbeKinds) probes += m.Has(kind) ? 1 : 0;
  if (probes != 1) {
    m.Reject("", probes == 0 ? "needs one probe: tcp, http, exec, redis or postgres"
                             : "has more than one probe; give exactly one of tcp, http, exec, "
                               "redis or postgres");
  }
  m.Section("tcp", Presence::kOptional, [check](MapReader& s) {
    probe::TcpSpec& tcp = check->probe.emplace<probe::TcpSpec>();
    s.Required("host", &tcp.host);
    s.Required("port", &tcp.port);
  });
  m.Section("http", Presence::kOptional,
            [check](MapReader& s) { BindHttp(s, &check->probe.emplace<probe::HttpSpec>()); });
  m.Section("exec", Presence::kOptional,
            [check](MapReader& s) { BindExec(s, &check->probe.emplace<probe::ExecSpec>()); });
  m.Section("redis", Presence::kOptional, [check](MapReader& s) {
    probe::RedisSpec& redis = check->probe.emplace<probe::RedisSpec>();
    s.Required("host", &redis.host);
    s.Optional("port", &redis.port);
    s.Optional("password_file", &check->password_file);
  });
  m.Section("postgres", Presence::kOptional, [check](MapReader& s) {
    probe::PostgresSpec& pg = check->probe.emplace<probe::PostgresSpec>();
    s.Required("host", &pg.host);
    s.Optional("port", &pg.port);
    s.Optional("user", &pg.user);
    s.Optional("dbname", &pg.dbname);
    s.Optional("password_file", &check->password_file);
  });
}

void BindSupervise(MapReader& m, const std::string& member, supervise::SupervisorConfig* config) {
  config->member = member;
  m.List("command", Presence::kRequired, &config->command);
  m.Required("log_path", &config->log_path);
  m.Optional("stop_grace", &config->stop_grace);
  m.Optional("poll_interval", &config->poll_interval);
  m.Section("restart", Presence::kOptional, [config](MapReader& r) {
    detect::RestartConfig& restart = config->restart;
    r.Optional("initial_backoff", &restart.initial_backoff);
    r.Optional("max_backoff", &restart.max_backoff);
    r.Optional("multiplier", &restart.multiplier);
    r.Optional("stable_after", &restart.stable_after);
    r.Optional("max_restarts", &restart.max_restarts);
    r.Optional("budget_window", &restart.budget_window);
  });
}

Violation BlameField(const std::string& at, const Status& status, std::string_view prefix,
                     std::initializer_list<std::string_view> fields) {
  std::string_view message = status.message();
  if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
  size_t end = 0;
  while (end < message.size() && (std::islower(static_cast<unsigned char>(message[end])) ||
                                  message[end] == '_' || message[end] == '.')) {
    ++end;
  }
  const std::string_view token = message.substr(0, end);
  for (std::string_view field : fields) {
    const bool match = field.ends_with('.') ? token.starts_with(field) : token == field;
    if (match && !token.empty()) return Violation{at + "." + std::string(token), status.message()};
  }
  return Violation{at, status.message()};
}

std::optional<Violation> CheckChecks(const std::string& at, const std::vector<CheckSpec>& checks) {
  for (size_t i = 0; i < checks.size(); ++i) {
    const CheckSpec& check = checks[i];
    const std::string path = at + ".checks[" + std::to_string(i) + "]";
    if (check.name.empty()) return Violation{path + ".name", "must not be empty"};
    for (size_t j = 0; j < i; ++j) {
      if (checks[j].name == check.name) {
        return Violation{path + ".name", "'" + check.name + "' is also " + at + ".checks[" +
                                             std::to_string(j) + "].name"};
      }
    }
    if (Status s = check.config.Validate(); !s.ok()) {
      return BlameField(path, s, "check ",
                        {"interval", "timeout", "rise", "fall", "jitter", "start_period"});
    }
    if (Status s = probe::Validate(check.probe); !s.ok()) {
      return Violation{path + "." + std::string(probe::KindName(check.probe)), s.message()};
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckSupervise(const std::string& at,
                                        const supervise::SupervisorConfig& config) {
  if (Status s = config.restart.Validate(); !s.ok()) {
    return BlameField(at + ".restart", s, "restart ",
                      {"initial_backoff", "max_backoff", "multiplier", "stable_after",
                       "max_restarts", "budget_window"});
  }
  if (config.command.empty()) return Violation{at + ".command", "must name a program"};
  if (Status s = config.Validate(); !s.ok()) {
    return BlameField(at, s, "supervisor ", {"stop_grace", "poll_interval"});
  }
  return std::nullopt;
}

}  // namespace baton::config
