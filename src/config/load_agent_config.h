// Reading an agent's YAML configuration file (schema v1, docs/configuration.md)
// into a validated AgentConfig.
//
// Every error is Status::InvalidArgument with a message that names the file,
// the 1-based line and the key path:
//
//   n1.yaml:12: timing.electon_timeout: unknown key (did you mean 'election_timeout'?)
//   n1.yaml:7: listen.peer: expected host:port, got "127.0.0.1"
//
// On success every rule of AgentConfig::Check() holds and relative file paths
// (data_dir, tls.*, admin.token_file) have been resolved against the directory
// of the config file. The files themselves are not opened here: the agent
// reads them when it starts. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "config/agent_config.h"
#include "core/result.h"

namespace baton::config {

// Parses `yaml_text`. `source_name` is the file path as the user gave it: it
// prefixes every error message, and its directory is the base for relative
// paths ("n1.yaml" leaves them relative to the working directory).
Result<AgentConfig> ParseAgentConfig(std::string_view yaml_text, std::string_view source_name);

// Reads the file at `path` and parses it. A file that cannot be read is
// IOError "<path>: <reason>".
Result<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace baton::config
