#include "throome/api/cluster_health_api.hpp"

#include <cmath>

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
    const cluster::Backends::Redis* backend = nullptr;
    for (const auto& r : cluster->backends().redis) {
      if (r.service == svc.name && r.client) backend = &r;
    }
    if (backend == nullptr) {
      s["error_message"] = "not checked: the gateway has no live " +
                           std::string(config::to_string(svc.type)) + " adapter";
      services[svc.name] = std::move(s);
      continue;
    }
    const bool ready = backend->client->ready_connections() > 0;
    s["healthy"] = ready;
    ++(ready ? healthy : unhealthy);
    auto handle = metrics_ ? metrics_->find_backend(cluster->id(), svc.name) : nullptr;
    if (handle) {
      if (auto latency = handle->last_latency()) {
        s["response_time"] = std::round(static_cast<double>(latency->count()) / 1e3) / 1e3;
      }
    }
    if (!ready) {
      std::string last = handle ? handle->last_error() : std::string();
      s["error_message"] =
          last.empty() ? "no ready connection" : "no ready connection; last error: " + last;
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
