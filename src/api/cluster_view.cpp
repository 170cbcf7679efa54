#include "throome/api/cluster_view.hpp"

#include "throome/config/cluster_codec.hpp"

namespace throome::api {
namespace {

// The router's view of a backend (health checks, passive failures, breaker); null when the
// cluster was built without a router.
const router::BackendState* state_of(const cluster::Cluster& c, const config::ServiceConfig& svc) {
  return c.backends().state_of(svc.name);
}

nlohmann::json health_of(const cluster::Cluster& c, const config::ServiceConfig& svc) {
  const auto* s = state_of(c, svc);
  if (s == nullptr) return nullptr;
  return s->health().healthy() && s->breaker().state() != router::CircuitBreaker::State::open;
}

// A provisioned kafka service is librdkafka's in-process mock cluster: development only.
bool is_dev_broker(const config::ServiceConfig& svc) {
  return svc.provision && svc.type == config::ServiceType::kafka;
}

}  // namespace

nlohmann::json cluster_summary(const cluster::Cluster& c) {
  const auto& cfg = c.config();
  nlohmann::json services = nlohmann::json::array();
  for (const auto& svc : cfg.services) {
    nlohmann::json entry = {{"name", svc.name},
                            {"type", config::to_string(svc.type)},
                            {"host", svc.host},
                            {"port", svc.port},
                            {"username", svc.username},
                            {"database", svc.database},
                            {"healthy", health_of(c, svc)}};
    if (svc.provision) entry["provision"] = true;
    if (is_dev_broker(svc)) entry["dev_broker"] = true;
    services.push_back(std::move(entry));
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
    if (!services.contains(svc.name)) continue;
    services[svc.name]["healthy"] = health_of(c, svc);
    if (is_dev_broker(svc)) services[svc.name]["dev_broker"] = true;
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
  if (is_dev_broker(svc)) out["dev_broker"] = true;
  if (const auto* s = state_of(c, svc)) {
    const auto model = s->model();
    out["router"] = {
        {"strategy", c.config().routing.strategy},
        {"circuit", std::string(router::CircuitBreaker::to_string(s->breaker().state()))},
        {"health_checks_failed", s->health().consecutive_failures()},
        {"last_error", s->health().last_error()},
        {"in_flight", s->in_flight()},
        {"weight", s->weight()},
        {"latency_ewma_ms", model.latency_s * 1000.0},
        {"error_rate_ewma", model.error_rate},
        {"observations", model.observations}};
  }
  return out;
}

}  // namespace throome::api
