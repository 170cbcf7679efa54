#include "throome/config/config_error.hpp"

#include <utility>

namespace throome::config {
namespace {

std::string describe(const std::string& source, const std::string& key, const std::string& reason) {
  std::string text = source;
  if (!key.empty()) {
    text += text.empty() ? key : ": " + key;
  }
  if (!text.empty()) text += ": ";
  return text + reason;
}

}  // namespace

ConfigError::ConfigError(std::string source, std::string key, std::string reason)
    : std::runtime_error(describe(source, key, reason)),
      source_(std::move(source)),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

}  // namespace throome::config
