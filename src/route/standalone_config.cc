#include "route/standalone_config.h"

#include <filesystem>
#include <set>

#include "admin/endpoint.h"
#include "config/yaml_reader.h"

namespace baton::route {
namespace {

using config::MapReader;
using config::Presence;

void BindGroup(MapReader& m, std::set<std::string>* names, StandaloneConfig* c) {
  std::string name;
  m.Required("name", &name);
  if (!name.empty() && !names->insert(name).second) m.Reject("name", "group named twice");
  ProxySettings settings;
  m.Section("proxy", Presence::kRequired, [&settings](MapReader& p) {
    p.RemainingScalars([&settings](const std::string& key, const std::string& value, int line) {
      settings[key] = adapters::AdapterSetting{value, line};
    });
  });
  if (!m.Has("proxy")) return;  // reported as missing
  Result<ProxyConfig> proxy = ParseProxySettings(settings);
  if (!proxy) {
    m.Reject("proxy", proxy.error().message());
    return;
  }
  proxy->group = name;
  c->groups.push_back(std::move(*proxy));
}

void Bind(MapReader& root, StandaloneConfig* c) {
  root.List("agents", Presence::kRequired, &c->agents);
  for (const std::string& agent : c->agents) {
    if (Result<admin::Endpoint> e = admin::ParseEndpoint(agent); !e) {
      root.Reject("agents", e.error().message());
    }
  }
  if (root.Has("agents") && c->agents.empty()) root.Reject("agents", "name at least one agent");
  root.Optional("ca", &c->ca_file);
  config::HostPort admin;
  root.Optional("admin", &admin);
  if (root.Has("admin")) c->admin = admin;
  root.Optional("refresh", &c->refresh);
  if (c->refresh < Duration::Millis(100) || c->refresh > Duration::Seconds(3)) {
    root.Reject("refresh", "must be between 100ms and 3s");
  }
  std::set<std::string> names;
  root.Sequence("groups", Presence::kRequired,
                [&names, c](MapReader& g) { BindGroup(g, &names, c); });
  if (root.Has("groups") && names.empty()) root.Reject("groups", "name at least one group");
}

}  // namespace

Result<StandaloneConfig> ParseStandaloneConfig(std::string_view yaml_text,
                                               std::string_view source_name) {
  BATON_ASSIGN_OR_RETURN(config::YamlDocument document,
                         config::YamlDocument::Parse(yaml_text, source_name));
  StandaloneConfig c;
  BATON_RETURN_IF_ERROR(document.Read([&c](MapReader& root) { Bind(root, &c); }));
  if (!c.ca_file.empty() && std::filesystem::path(c.ca_file).is_relative()) {
    c.ca_file = (std::filesystem::path(source_name).parent_path() / c.ca_file).string();
  }
  return c;
}

Result<StandaloneConfig> LoadStandaloneConfig(const std::string& path) {
  Result<std::string> text = config::ReadConfigFile(path);
  if (!text.has_value()) return text.error();
  return ParseStandaloneConfig(*text, path);
}

}  // namespace baton::route
