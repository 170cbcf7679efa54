#include "throome/auth/key_ring.hpp"

#include <algorithm>

#include "throome/config/config_error.hpp"

namespace throome::auth {

bool Key::covers(std::string_view id) const {
  return all_clusters || std::find(clusters.begin(), clusters.end(), id) != clusters.end();
}

KeyRing KeyRing::from_config(const config::AuthConfig& auth, const config::EnvLookup& env) {
  KeyRing ring;
  ring.keys_.reserve(auth.api_keys.size());
  for (std::size_t i = 0; i < auth.api_keys.size(); ++i) {
    const auto& c = auth.api_keys[i];
    const std::string path = "auth.api_keys[" + std::to_string(i) + "]";
    Key key;
    key.name = c.name;
    key.role = c.role == "admin"      ? Role::admin
               : c.role == "operator" ? Role::operator_
                                      : Role::client;
    if (!c.key_env.empty()) {
      auto value = env(c.key_env);
      if (!value || value->empty()) {
        throw config::ConfigError("environment", path + ".key_env",
                                  "variable " + c.key_env + " is not set");
      }
      if (value->size() < kMinKeyLength) {
        throw config::ConfigError("environment", path + ".key_env",
                                  "variable " + c.key_env + " holds a key shorter than " +
                                      std::to_string(kMinKeyLength) + " characters");
      }
      key.digest = digest_of(*value);
    } else {
      auto digest = parse_digest_hex(c.key_sha256);
      if (!digest) {
        throw config::ConfigError("config", path + ".key_sha256", "must be 64 hex digits");
      }
      key.digest = *digest;
    }
    for (const auto& id : c.clusters) {
      if (id == "*") {
        key.all_clusters = true;
      } else {
        key.clusters.push_back(id);
      }
    }
    key.read_only = c.read_only;
    if (c.rate_limit.enabled()) {
      key.rate =
          std::make_unique<RateLimiter>(c.rate_limit.requests_per_second, c.rate_limit.burst);
    }
    for (std::size_t j = 0; j < ring.keys_.size(); ++j) {
      if (same_digest(ring.keys_[j].digest, key.digest)) {
        throw config::ConfigError("environment", path,
                                  "is the same key as auth.api_keys[" + std::to_string(j) + "]");
      }
    }
    ring.keys_.push_back(std::move(key));
  }
  return ring;
}

const Key* KeyRing::find(std::string_view presented) const noexcept {
  const KeyDigest digest = digest_of(presented);
  const Key* found = nullptr;
  for (const auto& key : keys_) {
    // Every key is compared; the branch-free select keeps the loop's time independent of
    // the position of the match.
    const bool match = same_digest(key.digest, digest);
    found = match ? &key : found;
  }
  return found;
}

}  // namespace throome::auth
