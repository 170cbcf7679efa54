#include "throome/provision/local_provisioner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "provision/child_process.hpp"
#include "provision/local_server.hpp"
#include "provision/secrets.hpp"

namespace throome::provision {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDefaultPostgresName = "throome";  // role and database when unset

std::string fingerprint_of(const config::ServiceConfig& resolved) {
  std::string out{config::to_string(resolved.type)};
  for (const auto* part : {&resolved.username, &resolved.password, &resolved.database}) {
    out += '\n' + std::to_string(part->size()) + ':' + *part;
  }
  return out + '\n' + std::to_string(resolved.port);
}

bool loopback_host(const std::string& host) { return host == "127.0.0.1" || host == "localhost"; }

}  // namespace

bool has_provisioned_services(const config::ClusterConfig& cfg) noexcept {
  for (const auto& s : cfg.services) {
    if (s.provision) return true;
  }
  return false;
}

LocalProvisioner::LocalProvisioner(LocalOptions options)
    : options_(std::move(options)), spawner_(std::make_unique<Spawner>()) {
  const char* path = std::getenv("PATH");
  path_var_ = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
}

LocalProvisioner::~LocalProvisioner() { stop_all(); }

fs::path LocalProvisioner::service_dir(std::string_view cluster_id,
                                       std::string_view service) const {
  return options_.state_dir / std::string(cluster_id) / std::string(service);
}

Result<std::vector<Started>> LocalProvisioner::start(config::ClusterConfig& written,
                                                     config::ClusterConfig& resolved) {
  if (written.services.size() != resolved.services.size()) {
    return Error(Errc::internal, "provision: written and resolved configs differ");
  }
  // Settings the provisioner cannot honour are rejected before anything starts.
  nlohmann::json issues = nlohmann::json::array();
  for (const auto& svc : written.services) {
    if (svc.provision && !loopback_host(svc.host)) {
      issues.push_back(
          {{"path", "services." + svc.name + ".host"},
           {"message", "a provisioned service listens on 127.0.0.1 (got \"" + svc.host + "\")"}});
    }
    if (svc.provision && !svc.replicas.empty()) {
      issues.push_back({{"path", "services." + svc.name + ".replicas"},
                        {"message", "a provisioned service has no replicas"}});
    }
  }
  if (!issues.empty()) {
    return Error(Errc::validation_failed,
                 issues.front()["path"].get<std::string>() + ": " +
                     issues.front()["message"].get<std::string>(),
                 issues);
  }
  if (!has_provisioned_services(written)) return std::vector<Started>{};
  std::error_code ec;
  fs::create_directories(options_.state_dir, ec);
  if (ec) {
    return Error(Errc::internal, "cannot create the state dir " + options_.state_dir.string() +
                                     ": " + ec.message());
  }
  const StartContext ctx{options_, *spawner_, path_var_};

  std::lock_guard lock(mu_);
  const std::string id = written.cluster_id;
  auto& servers = clusters_[id];
  std::vector<Started> started;
  for (std::size_t i = 0; i < written.services.size(); ++i) {
    auto& w = written.services[i];
    auto& r = resolved.services[i];
    if (!w.provision) continue;
    w.host = r.host = "127.0.0.1";
    auto running = servers.find(w.name);
    const bool same_type = running != servers.end() && running->second.type == w.type;
    if (same_type) {
      // A PUT that leaves out what the provisioner chose keeps it.
      if (w.port == 0) w.port = r.port = running->second.server->port();
      if (w.password.empty() && w.type != config::ServiceType::kafka) {
        w.password = running->second.written_password;
        r.password = running->second.resolved_password;
      }
    }
    if (w.type == config::ServiceType::postgres) {
      if (w.username.empty()) w.username = r.username = kDefaultPostgresName;
      if (w.database.empty()) w.database = r.database = kDefaultPostgresName;
    }
    if (w.type != config::ServiceType::kafka && w.password.empty()) {
      w.password = r.password = detail::generate_password();
    }
    if (same_type && running->second.fingerprint == fingerprint_of(r)) continue;  // as it runs
    if (running != servers.end()) {
      spdlog::info("provision: {}/{} changed; restarting it", id, w.name);
      stop_locked(id, servers, w.name, !same_type);
    }
    std::error_code exists_ec;
    const auto dir = service_dir(id, w.name);
    const bool fresh = !fs::exists(dir, exists_ec);
    ServiceSpec spec{id, w.name, dir, r.port, r.username, r.password, r.database};
    Result<std::unique_ptr<LocalServer>> server = Error(Errc::internal, "unknown service type");
    switch (w.type) {
      case config::ServiceType::redis:
        server = start_redis(ctx, spec);
        break;
      case config::ServiceType::postgres:
        server = start_postgres(ctx, spec);
        break;
      case config::ServiceType::kafka:
        server = start_dev_kafka(ctx, spec);
        break;
    }
    if (!server) {
      if (fresh) fs::remove_all(dir, exists_ec);
      rollback_locked(id, servers, started);
      if (servers.empty()) clusters_.erase(id);
      return server.error();
    }
    w.port = r.port = (*server)->port();
    Running entry;
    entry.type = w.type;
    entry.server = std::move(*server);
    entry.fingerprint = fingerprint_of(r);
    entry.written_password = w.password;
    entry.resolved_password = r.password;
    servers[w.name] = std::move(entry);
    started.push_back({w.name, fresh});
  }
  return started;
}

void LocalProvisioner::stop_locked(std::string_view cluster_id, ClusterServers& servers,
                                   const std::string& name, bool remove_data) {
  auto it = servers.find(name);
  if (it == servers.end()) return;
  it->second.server->stop();
  servers.erase(it);
  if (remove_data) {
    std::error_code ec;
    fs::remove_all(service_dir(cluster_id, name), ec);
    if (ec)
      spdlog::error("provision: cannot remove data of {}/{}: {}", cluster_id, name, ec.message());
  }
}

void LocalProvisioner::rollback_locked(std::string_view cluster_id, ClusterServers& servers,
                                       const std::vector<Started>& started) {
  for (auto it = started.rbegin(); it != started.rend(); ++it) {
    stop_locked(cluster_id, servers, it->service, it->fresh);
  }
  remove_cluster_dir_if_empty(cluster_id);
}

void LocalProvisioner::rollback(std::string_view cluster_id, const std::vector<Started>& started) {
  std::lock_guard lock(mu_);
  auto it = clusters_.find(cluster_id);
  if (it == clusters_.end()) return;
  rollback_locked(cluster_id, it->second, started);
  if (it->second.empty()) clusters_.erase(it);
}

void LocalProvisioner::retain(std::string_view cluster_id, const std::vector<std::string>& keep,
                              bool remove_data) {
  std::lock_guard lock(mu_);
  auto it = clusters_.find(cluster_id);
  if (it != clusters_.end()) {
    std::vector<std::string> names;
    for (const auto& [name, running] : it->second) {
      if (std::find(keep.begin(), keep.end(), name) == keep.end()) names.push_back(name);
    }
    for (const auto& name : names) stop_locked(cluster_id, it->second, name, remove_data);
    if (it->second.empty()) clusters_.erase(it);
  }
  if (remove_data && keep.empty()) {
    // The whole cluster is gone: also data of services that were not running.
    std::error_code ec;
    fs::remove_all(options_.state_dir / std::string(cluster_id), ec);
  } else if (remove_data) {
    remove_cluster_dir_if_empty(cluster_id);
  }
}

void LocalProvisioner::stop_all() {
  std::lock_guard lock(mu_);
  for (auto& [id, servers] : clusters_) {
    for (auto& [name, running] : servers) running.server->stop();
  }
  clusters_.clear();
}

std::shared_ptr<kafka::DevBroker> LocalProvisioner::dev_broker(std::string_view cluster_id,
                                                               std::string_view service) const {
  std::lock_guard lock(mu_);
  auto c = clusters_.find(cluster_id);
  if (c == clusters_.end()) return nullptr;
  auto s = c->second.find(service);
  return s == c->second.end() ? nullptr : s->second.server->dev_broker();
}

void LocalProvisioner::remove_cluster_dir_if_empty(std::string_view cluster_id) const {
  std::error_code ec;
  const auto dir = options_.state_dir / std::string(cluster_id);
  if (fs::is_directory(dir, ec) && fs::is_empty(dir, ec)) fs::remove(dir, ec);
}

}  // namespace throome::provision
