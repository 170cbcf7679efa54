#include "throome/daemon/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace throome::daemon {
namespace {

// %* : the message, escaped for a JSON string.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char ch : msg.payload) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (c < 0x20) {
            const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
            dest.append(esc, esc + sizeof esc);
          } else {
            dest.push_back(ch);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

spdlog::level::level_enum configured_level(const config::LoggingConfig& cfg) {
  return cfg.level == "warn" || cfg.level == "warning" ? spdlog::level::warn
                                                       : spdlog::level::from_str(cfg.level);
}

}  // namespace

void setup_logging(const config::LoggingConfig& cfg) {
  auto logger = std::make_shared<spdlog::logger>("throome",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (cfg.format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc,
                                                                 std::string("\n"));
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","thread":%t,"msg":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_level(configured_level(cfg));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

void toggle_debug_level(const config::LoggingConfig& cfg) {
  auto logger = spdlog::default_logger();
  const auto configured = configured_level(cfg);
  const bool to_debug = logger->level() != spdlog::level::debug;
  const auto next = to_debug ? spdlog::level::debug : configured;
  // Logged while the level is debug, so the line is always visible.
  if (to_debug) logger->set_level(next);
  logger->info("SIGUSR1: log level is now {} (configured: {})", spdlog::level::to_string_view(next),
               spdlog::level::to_string_view(configured));
  if (!to_debug) logger->set_level(next);
}

}  // namespace throome::daemon
