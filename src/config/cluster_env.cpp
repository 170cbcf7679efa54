#include <string>
#include <vector>

#include "config/document_checker.hpp"
#include "throome/config/cluster_codec.hpp"

namespace throome::config {
namespace {

/// Resolves the references of one cluster, collecting a problem per failing field.
class EnvResolver {
 public:
  explicit EnvResolver(const EnvLookup& env) : env_(env) {}

  /// Replaces `value` by its interpolation; records "<path>: <reason>" on failure.
  void resolve(const std::string& path, std::string& value) {
    if (!has_env_reference(value) && value.find("$${") == std::string::npos) return;
    auto resolved = interpolate_env(value, env_);
    if (!resolved) {
      issues_.push_back({path, resolved.error().message()});
      return;
    }
    value = std::move(*resolved);
  }

  /// Like resolve(), and the result must not be empty (a host).
  void resolve_required(const std::string& path, std::string& value) {
    const bool had_reference = has_env_reference(value);
    const std::size_t before = issues_.size();
    resolve(path, value);
    if (had_reference && issues_.size() == before && value.empty()) {
      issues_.push_back({path, "is empty after environment interpolation"});
    }
  }

  /// Resolves every string inside free-form options (values only, not keys).
  void resolve_json(const std::string& path, nlohmann::json& value) {
    if (value.is_string()) {
      resolve(path, value.get_ref<std::string&>());
    } else if (value.is_object()) {
      for (auto& [key, item] : value.items()) resolve_json(detail::join_path(path, key), item);
    } else if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        resolve_json(detail::index_path(path, i), value[i]);
      }
    }
  }

  const std::vector<ConfigIssue>& issues() const noexcept { return issues_; }

 private:
  const EnvLookup& env_;
  std::vector<ConfigIssue> issues_;
};

}  // namespace

Result<ClusterConfig> resolve_env(const ClusterConfig& cluster, const EnvLookup& env) {
  ClusterConfig out = cluster;
  EnvResolver resolver(env);
  for (ServiceConfig& service : out.services) {
    const std::string path = detail::join_path("services", service.name);
    resolver.resolve_required(path + ".host", service.host);
    resolver.resolve(path + ".username", service.username);
    resolver.resolve(path + ".password", service.password);
    resolver.resolve(path + ".database", service.database);
    resolver.resolve(path + ".tls.ca_file", service.tls.ca_file);
    resolver.resolve(path + ".tls.cert_file", service.tls.cert_file);
    resolver.resolve(path + ".tls.key_file", service.tls.key_file);
    for (std::size_t i = 0; i < service.replicas.size(); ++i) {
      resolver.resolve_required(detail::index_path(path + ".replicas", i) + ".host",
                                service.replicas[i].host);
    }
    resolver.resolve_json(path + ".options", service.options);
  }
  if (!resolver.issues().empty()) {
    return Error(Errc::validation_failed, resolver.issues().front().to_string(),
                 detail::issues_to_json(resolver.issues()));
  }
  return out;
}

}  // namespace throome::config
