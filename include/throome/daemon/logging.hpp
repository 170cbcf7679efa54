#pragma once

#include "throome/config/app_config.hpp"

namespace throome::daemon {

/// Configures the default spdlog logger (stderr) from `logging.level` and `logging.format`
/// (text, or json: one JSON object per line with ts, level, msg).
void setup_logging(const config::LoggingConfig& cfg);

/// SIGUSR1: switches the default logger between the configured level and `debug` (one line
/// at warn says which is now in force). Nothing changes when the configured level is debug.
void toggle_debug_level(const config::LoggingConfig& cfg);

}  // namespace throome::daemon
