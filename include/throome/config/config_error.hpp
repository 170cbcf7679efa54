#pragma once

#include <stdexcept>
#include <string>

namespace throome::config {

/// Thrown while loading throome.yaml or applying overrides: names the source (file path or
/// "environment"/"flags"), the key (dotted path) and the reason. Start-up stops on it.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string source, std::string key, std::string reason);

  const std::string& source() const noexcept { return source_; }
  const std::string& key() const noexcept { return key_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string source_;
  std::string key_;
  std::string reason_;
};

}  // namespace throome::config
