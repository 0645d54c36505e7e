#include "config/load_agent_config.h"

#include <filesystem>

#include "config/group_section.h"
#include "config/yaml_reader.h"

namespace baton::config {
namespace {

void BindPeer(MapReader& m, PeerConfig* peer) {
  m.Required("name", &peer->name);
  m.Required("id", &peer->id);
  m.Required("address", &peer->address);
}

void BindTiming(MapReader& m, TimingConfig* timing) {
  m.Optional("tick", &timing->tick);
  m.Optional("heartbeat", &timing->heartbeat);
  m.Optional("election_timeout", &timing->election_timeout);
  m.Optional("clock_drift_margin", &timing->clock_drift_margin);
}

void BindTls(MapReader& m, TlsConfig* tls) {
  m.Optional("ca", &tls->ca);
  m.Optional("cert", &tls->cert);
  m.Optional("key", &tls->key);
  m.Optional("insecure_plaintext", &tls->insecure_plaintext);
}

void BindLog(MapReader& m, LogConfig* log) {
  m.OptionalEnum("level", &log->level,
                 {{"debug", LogLevel::kDebug},
                  {"info", LogLevel::kInfo},
                  {"warn", LogLevel::kWarn},
                  {"error", LogLevel::kError}});
  m.OptionalEnum("format", &log->format, {{"text", LogFormat::kText}, {"json", LogFormat::kJson}});
}

void BindDetection(MapReader& m, DetectionConfig* d) {
  m.Optional("heartbeat_interval", &d->heartbeat_interval);
  m.OptionalEnum("detector", &d->detector,
                 {{"phi", DetectorKind::kPhi}, {"fixed", DetectorKind::kFixed}});
  double threshold = 0;
  m.Optional("threshold", &threshold);
  if (m.Has("threshold")) d->threshold = threshold;
  m.Optional("acceptable_pause", &d->acceptable_pause);
  m.Optional("min_stddev", &d->min_stddev);
  m.Optional("health_refresh", &d->health_refresh);
}

void BindAgentConfig(MapReader& root, AgentConfig* c) {
  root.Section("node", Presence::kRequired, [c](MapReader& m) {
    m.Required("name", &c->node.name);
    m.Required("id", &c->node.id);
  });
  root.Section("cluster", Presence::kRequired,
               [c](MapReader& m) { m.Required("name", &c->cluster.name); });
  root.Section("listen", Presence::kRequired, [c](MapReader& m) {
    m.Required("peer", &c->listen.peer);
    m.Required("admin", &c->listen.admin);
  });
  root.Sequence("peers", Presence::kRequired,
                [c](MapReader& m) { BindPeer(m, &c->peers.emplace_back()); });
  root.Required("data_dir", &c->data_dir);
  root.Section("timing", Presence::kOptional, [c](MapReader& m) { BindTiming(m, &c->timing); });
  root.Section("tls", Presence::kOptional, [c](MapReader& m) { BindTls(m, &c->tls); });
  root.Section("admin", Presence::kOptional,
               [c](MapReader& m) { m.Optional("token_file", &c->admin.token_file); });
  root.Section("log", Presence::kOptional, [c](MapReader& m) { BindLog(m, &c->log); });
  root.Section("detection", Presence::kOptional,
               [c](MapReader& m) { BindDetection(m, &c->detection); });
  root.Section("store", Presence::kOptional, [c](MapReader& m) {
    m.Optional("history_revisions", &c->store.history_revisions);
    m.Optional("history_bytes", &c->store.history_bytes);
  });
  root.Section("sentinel", Presence::kOptional,
               [c](MapReader& m) { m.Required("listen", &c->sentinel.emplace()); });
  root.Section("limits", Presence::kOptional, [c](MapReader& m) { BindLimits(m, &c->limits); });
  root.Sequence("groups", Presence::kOptional,
                [c](MapReader& m) { BindGroup(m, &c->groups.emplace_back()); });
}

// Makes a relative, non-empty `path` relative to `base` instead.
void ResolveAgainst(const std::filesystem::path& base, std::string* path) {
  if (path->empty() || std::filesystem::path(*path).is_absolute()) return;
  *path = (base / *path).lexically_normal().string();
}

void ResolvePaths(const std::filesystem::path& base, AgentConfig* c) {
  for (std::string* path :
       {&c->data_dir, &c->tls.ca, &c->tls.cert, &c->tls.key, &c->admin.token_file}) {
    ResolveAgainst(base, path);
  }
  for (GroupSpec& group : c->groups) {
    for (auto& [name, member] : group.members) {
      if (member.supervise) ResolveAgainst(base, &member.supervise->log_path);
      for (CheckSpec& check : member.checks) ResolveAgainst(base, &check.password_file);
    }
  }
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(std::string_view yaml_text, std::string_view source_name) {
  BATON_ASSIGN_OR_RETURN(YamlDocument document, YamlDocument::Parse(yaml_text, source_name));
  AgentConfig config;
  BATON_RETURN_IF_ERROR(document.Read([&](MapReader& root) { BindAgentConfig(root, &config); }));
  if (std::optional<Violation> violation = config.Check()) return document.ErrorAt(*violation);
  ResolvePaths(std::filesystem::path(source_name).parent_path(), &config);
  return config;
}

Result<AgentConfig> LoadAgentConfig(const std::string& path) {
  Result<std::string> text = ReadConfigFile(path);
  if (!text.has_value()) return text.error();
  return ParseAgentConfig(*text, path);
}

}  // namespace baton::config
