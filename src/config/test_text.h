// Helpers for config tests that edit a known-good YAML text and parse it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/load_agent_config.h"

namespace baton::config {

// `text` with the first occurrence of `from` replaced by `to`.
inline std::string Replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

// The error message for `text` parsed as "n1.yaml", or "" if it parses.
inline std::string ErrorFor(std::string_view text) {
  Result<AgentConfig> config = ParseAgentConfig(text, "n1.yaml");
  if (config.has_value()) return "";
  EXPECT_TRUE(config.error().IsInvalidArgument()) << config.error().ToString();
  return config.error().message();
}

}  // namespace baton::config
