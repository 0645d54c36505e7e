// SpdLogger: baton::Logger on spdlog, writing one line per message to stderr
// as text or as a JSON object. Thread-safe (spdlog's _mt sink).
#pragma once

#include <memory>
#include <string>

#include "config/agent_config.h"
#include "core/logger.h"

namespace spdlog {
class logger;
}

namespace baton::cli {

class SpdLogger final : public Logger {
 public:
  SpdLogger(const std::string& node_name, LogLevel min_level, config::LogFormat format);
  bool Enabled(LogLevel level) const override { return level >= min_level_; }
  void Log(LogLevel level, std::string_view message) override;

 private:
  LogLevel min_level_;
  config::LogFormat format_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace baton::cli
