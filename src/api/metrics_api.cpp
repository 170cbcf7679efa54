#include "throome/api/metrics_api.hpp"

#include "throome/http/error_response.hpp"
#include "throome/monitor/cluster_metrics.hpp"
#include "throome/monitor/metrics.hpp"

namespace throome::api {

using http::Access;
using http::Request;
using http::Response;

MetricsApi::MetricsApi(cluster::Registry& registry, Monitoring monitoring)
    : registry_(registry), monitoring_(std::move(monitoring)) {}

void MetricsApi::register_routes(http::RouteTable& routes) {
  auto bind = [this](auto method) {
    return [this, method](Request& req) { return (this->*method)(req); };
  };
  if (!monitoring_.metrics_path.empty()) {
    routes.add("GET", monitoring_.metrics_path, Access::metrics, bind(&MetricsApi::prometheus));
  }
  routes.add("GET", "/api/v1/clusters/{id}/metrics", Access::operate,
             bind(&MetricsApi::cluster_metrics));
}

boost::asio::awaitable<Response> MetricsApi::prometheus(Request& req) {
  if (!monitoring_.metrics) {
    co_return http::error_response(
        req, Error(Errc::not_found, "metrics are disabled", "monitoring.enabled is false"));
  }
  co_return Response::raw(200, monitoring_.metrics->scrape(), monitor::Metrics::kContentType);
}

boost::asio::awaitable<Response> MetricsApi::cluster_metrics(Request& req) {
  const auto& id = req.param("id");
  auto cluster = registry_.find(id);
  if (!cluster) {
    co_return http::error_response(req, Error(Errc::not_found, "cluster \"" + id + "\" not found"));
  }
  if (!monitoring_.metrics) {
    co_return http::error_response(
        req, Error(Errc::not_found, "metrics are disabled", "monitoring.enabled is false"));
  }
  co_return Response::json(200, monitor::cluster_metrics_json(*cluster, *monitoring_.metrics));
}

}  // namespace throome::api
