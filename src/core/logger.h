// Logger: where the cores write debug text. The cores never write to a sink
// themselves; decisions are reported as structured events in their Ready
// output, and Logger carries only human-oriented detail. Production wraps
// spdlog; the simulator keeps lines in memory stamped with simulated time.
#pragma once

#include <string>
#include <string_view>

namespace baton {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

std::string_view LogLevelName(LogLevel level);

class Logger {
 public:
  virtual ~Logger() = default;
  virtual bool Enabled(LogLevel level) const = 0;
  virtual void Log(LogLevel level, std::string_view message) = 0;
};

// Discards everything. For tests and benchmarks that do not read logs.
class NullLogger final : public Logger {
 public:
  bool Enabled(LogLevel) const override { return false; }
  void Log(LogLevel, std::string_view) override {}
};

// Writes "LEVEL message" lines to stderr at or above a level.
class StderrLogger final : public Logger {
 public:
  explicit StderrLogger(LogLevel min_level = LogLevel::kInfo) : min_level_(min_level) {}
  bool Enabled(LogLevel level) const override { return level >= min_level_; }
  void Log(LogLevel level, std::string_view message) override;

 private:
  LogLevel min_level_;
};

}  // namespace baton
