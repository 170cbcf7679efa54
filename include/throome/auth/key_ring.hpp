#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "throome/auth/api_key.hpp"
#include "throome/auth/rate_limiter.hpp"
#include "throome/config/app_config.hpp"
#include "throome/config/env.hpp"

namespace throome::auth {

enum class Role { admin, operator_, client };

/// One configured API key, as the gateway checks it: only the digest is kept.
struct Key {
  std::string name;
  Role role = Role::client;
  KeyDigest digest{};
  std::vector<std::string> clusters;  // client scope
  bool all_clusters = false;          // "*" in clusters
  bool read_only = false;
  std::unique_ptr<RateLimiter> rate;  // nullptr: unlimited

  /// @return true when this key's scope covers the cluster `id`.
  bool covers(std::string_view id) const;
};

/// The configured API keys. Built once at start-up; read-only afterwards (thread-safe).
class KeyRing {
 public:
  /// Resolves `key_env` references through `env` and keeps only digests.
  /// @throws config::ConfigError{"environment", auth.api_keys[i].key_env, reason} when a
  ///         variable is unset or holds a key shorter than kMinKeyLength.
  static KeyRing from_config(const config::AuthConfig& auth, const config::EnvLookup& env);

  /// Shortest key accepted from the environment.
  static constexpr std::size_t kMinKeyLength = 16;

  /// @return the key whose digest matches `presented`, or nullptr. Hashes `presented` once
  ///         and compares with every key's digest in constant time, without stopping at the
  ///         first match: the time does not depend on which key matched or on any prefix.
  const Key* find(std::string_view presented) const noexcept;

  std::size_t size() const noexcept { return keys_.size(); }

 private:
  std::vector<Key> keys_;
};

}  // namespace throome::auth
