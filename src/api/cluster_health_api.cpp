#include "throome/api/cluster_health_api.hpp"

#include <cmath>
#include <optional>

#include "throome/http/error_response.hpp"
#include "throome/monitor/backend_metrics.hpp"
#include "throome/monitor/metrics.hpp"

namespace throome::api {

using http::Access;
using http::Request;
using http::Response;
using nlohmann::json;

ClusterHealthApi::ClusterHealthApi(cluster::Registry& registry,
                                   std::shared_ptr<monitor::Metrics> metrics)
    : registry_(registry), metrics_(std::move(metrics)) {}

void ClusterHealthApi::register_routes(http::RouteTable& routes) {
  routes.add("GET", "/api/v1/clusters/{id}/health", Access::operate,
             [this](Request& req) { return health(req); });
}

boost::asio::awaitable<Response> ClusterHealthApi::health(Request& req) {
  const auto& id = req.param("id");
  auto cluster = registry_.find(id);
  if (!cluster) {
    co_return http::error_response(req, Error(Errc::not_found, "cluster \"" + id + "\" not found"));
  }
  json services = json::object();
  int healthy = 0;
  int unhealthy = 0;
  for (const auto& svc : cluster->config().services) {
    json s = {{"type", std::string(config::to_string(svc.type))},
              {"healthy", nullptr},
              {"response_time", nullptr},
              {"error_message", nullptr}};
    // The adapter's own view (a ready connection), then the router's (health checks, breaker).
    std::optional<bool> connected;
    const auto& backends = cluster->backends();
    for (const auto& r : backends.redis) {
      if (r.service == svc.name && r.client) connected = r.client->ready_connections() > 0;
    }
    for (const auto& p : backends.postgres) {
      if (p.service == svc.name && p.primary) connected = p.primary->healthy();
    }
    for (const auto& k : backends.kafka) {
      if (k.service == svc.name && k.client) connected = k.client->healthy();
    }
    if (!connected) {
      s["error_message"] = "not checked: the gateway has no live " +
                           std::string(config::to_string(svc.type)) + " adapter";
      services[svc.name] = std::move(s);
      continue;
    }
    const router::BackendState* state = backends.state_of(svc.name);
    const bool checks_ok = state == nullptr || state->health().healthy();
    const bool circuit_open =
        state != nullptr && state->breaker().state() == router::CircuitBreaker::State::open;
    const bool ok = *connected && checks_ok && !circuit_open;
    s["healthy"] = ok;
    ++(ok ? healthy : unhealthy);
    auto handle = metrics_ ? metrics_->find_backend(cluster->id(), svc.name) : nullptr;
    if (handle) {
      if (auto latency = handle->last_latency()) {
        s["response_time"] = std::round(static_cast<double>(latency->count()) / 1e3) / 1e3;
      }
    }
    if (!ok) {
      std::string why;
      if (!checks_ok) {
        why = "health checks failing: " + state->health().last_error();
      } else if (circuit_open) {
        why = "circuit breaker open";
      } else {
        why = "no ready connection";
        const std::string last = handle ? handle->last_error() : std::string();
        if (!last.empty()) why += "; last error: " + last;
      }
      s["error_message"] = why;
    }
    services[svc.name] = std::move(s);
  }
  const char* status = unhealthy == 0 ? (healthy > 0 ? "healthy" : "unknown")
                                      : (healthy > 0 ? "degraded" : "unhealthy");
  co_return Response::json(200,
                           {{"cluster_id", cluster->id()},
                            {"status", status},
                            {"services", std::move(services)},
                            {"timestamp", std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count()}});
}

}  // namespace throome::api
