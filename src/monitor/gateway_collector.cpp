#include "throome/monitor/gateway_collector.hpp"

namespace throome::monitor {
namespace {

prometheus::MetricFamily gauge_family(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  return f;
}

prometheus::ClientMetric gauge(double value, std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

}  // namespace

GatewayCollector::GatewayCollector(const cluster::Registry& registry,
                                   std::function<std::size_t()> connections)
    : registry_(registry), connections_(std::move(connections)) {}

std::vector<prometheus::MetricFamily> GatewayCollector::Collect() const {
  const auto snapshot = registry_.snapshot();
  std::vector<prometheus::MetricFamily> out;

  auto clusters = gauge_family("throome_clusters", "Clusters currently served.");
  clusters.metric.push_back(gauge(static_cast<double>(snapshot->clusters.size()), {}));
  out.push_back(std::move(clusters));

  auto up = gauge_family("throome_backend_up",
                         "Whether the backend has at least one ready connection (1) or not (0).");
  for (const auto& [id, c] : snapshot->clusters) {
    for (const auto& r : c->backends().redis) {
      const bool ready = r.client && r.client->ready_connections() > 0;
      up.metric.push_back(
          gauge(ready ? 1 : 0, {{"cluster", id}, {"service", r.service}, {"type", "redis"}}));
    }
  }
  if (!up.metric.empty()) out.push_back(std::move(up));

  if (connections_) {
    auto conns = gauge_family("throome_http_connections", "Open client HTTP connections.");
    conns.metric.push_back(gauge(static_cast<double>(connections_()), {}));
    out.push_back(std::move(conns));
  }
  return out;
}

}  // namespace throome::monitor
