#include "spd_logger.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "admin/http_message.h"

namespace baton::cli {
namespace {

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

SpdLogger::SpdLogger(const std::string& node_name, LogLevel min_level, config::LogFormat format)
    : min_level_(min_level),
      format_(format),
      logger_(std::make_shared<spdlog::logger>("baton",
                                               std::make_shared<spdlog::sinks::stderr_sink_mt>())) {
  logger_->set_level(ToSpd(min_level));
  if (format == config::LogFormat::kJson) {
    logger_->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","node":)" +
                             admin::JsonQuote(node_name) + R"(,"msg":%v})",
                         spdlog::pattern_time_type::utc);
  } else {
    logger_->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l [" + node_name + "] %v",
                         spdlog::pattern_time_type::utc);
  }
  logger_->flush_on(spdlog::level::trace);
}

void SpdLogger::Log(LogLevel level, std::string_view message) {
  if (!Enabled(level)) return;
  if (format_ == config::LogFormat::kJson) {
    logger_->log(ToSpd(level), "{}", admin::JsonQuote(message));
  } else {
    logger_->log(ToSpd(level), "{}", message);
  }
}

}  // namespace baton::cli
