#include "throome/api/cluster_view.hpp"

#include "throome/config/cluster_codec.hpp"

namespace throome::api {
namespace {

// Health tracking arrives with the router; until a backend has been checked its health is
// unknown, reported as null (which existing clients read as "not healthy").
nlohmann::json health_of(const cluster::Cluster&, const config::ServiceConfig&) { return nullptr; }

}  // namespace

nlohmann::json cluster_summary(const cluster::Cluster& c) {
  const auto& cfg = c.config();
  nlohmann::json services = nlohmann::json::array();
  for (const auto& svc : cfg.services) {
    services.push_back({{"name", svc.name},
                        {"type", config::to_string(svc.type)},
                        {"host", svc.host},
                        {"port", svc.port},
                        {"username", svc.username},
                        {"database", svc.database},
                        {"healthy", health_of(c, svc)}});
  }
  return {{"id", cfg.cluster_id},
          {"name", cfg.name},
          {"created_at", cfg.created_at},
          {"updated_at", cfg.updated_at},
          {"services", std::move(services)}};
}

nlohmann::json cluster_detail(const cluster::Cluster& c) {
  const auto& cfg = c.config();
  nlohmann::json full = config::to_json(cfg);
  nlohmann::json services = full.value("services", nlohmann::json::object());
  for (const auto& svc : cfg.services) {
    if (services.contains(svc.name)) services[svc.name]["healthy"] = health_of(c, svc);
  }
  nlohmann::json config_view = {{"services", std::move(services)},
                                {"routing", full.value("routing", nlohmann::json::object())},
                                {"health", full.value("health", nlohmann::json::object())},
                                {"ai", full.value("ai", nlohmann::json::object())}};
  return {{"id", cfg.cluster_id},           {"name", cfg.name},
          {"description", cfg.description}, {"created_at", cfg.created_at},
          {"updated_at", cfg.updated_at},   {"config", std::move(config_view)}};
}

nlohmann::json service_detail(const cluster::Cluster& c, const config::ServiceConfig& svc) {
  nlohmann::json full = config::to_json(c.config());
  nlohmann::json out = full["services"].value(svc.name, nlohmann::json::object());
  out["name"] = svc.name;
  out["cluster_id"] = c.id();
  out["healthy"] = health_of(c, svc);
  return out;
}

}  // namespace throome::api
