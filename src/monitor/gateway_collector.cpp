#include "throome/monitor/gateway_collector.hpp"

#include <algorithm>

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
                         "Whether the backend is usable: it has a ready connection, passes its "
                         "health checks and its circuit is not open (1) or not (0).");
  auto circuit = gauge_family("throome_circuit_breaker_state",
                              "Circuit breaker of the backend: 0 closed, 1 half-open, 2 open.");
  auto pool = gauge_family("throome_pool_connections",
                           "Connections of the backend's pool by state (redis: ready, "
                           "postgres: idle, in_use, waiting calls as state=\"waiting\").");
  prometheus::MetricFamily retries;
  retries.name = "throome_retries_total";
  retries.help = "Backend calls attempted again after a failure (same or another backend).";
  retries.type = prometheus::MetricType::Counter;

  const auto router_view = [&](const cluster::Backends& b, const std::string& cluster,
                               const std::string& service, const char* type, bool connected) {
    const auto* state = b.state_of(service);
    const bool open =
        state != nullptr && state->breaker().state() == router::CircuitBreaker::State::open;
    const bool ok = connected && (state == nullptr || state->health().healthy()) && !open;
    const std::vector<prometheus::ClientMetric::Label> labels{
        {"cluster", cluster}, {"service", service}, {"type", type}};
    up.metric.push_back(gauge(ok ? 1 : 0, labels));
    if (state != nullptr) {
      double v = 0;
      switch (state->breaker().state()) {
        case router::CircuitBreaker::State::closed:
          v = 0;
          break;
        case router::CircuitBreaker::State::half_open:
          v = 1;
          break;
        case router::CircuitBreaker::State::open:
          v = 2;
          break;
      }
      circuit.metric.push_back(gauge(v, labels));
    }
  };
  for (const auto& entry : snapshot->clusters) {
    // Named, not a structured binding: clang 14 (the fuzz build) cannot capture bindings.
    const std::string& id = entry.first;
    const auto& c = entry.second;
    const auto& b = c->backends();
    for (const auto& r : b.redis) {
      const std::size_t ready = r.client ? r.client->ready_connections() : 0;
      router_view(b, id, r.service, "redis", ready > 0);
      pool.metric.push_back(gauge(static_cast<double>(ready),
                                  {{"cluster", id}, {"service", r.service}, {"state", "ready"}}));
    }
    if (b.redis_upstream) {
      prometheus::ClientMetric m;
      m.label = {{"cluster", id}, {"type", "redis"}};
      m.counter.value = static_cast<double>(b.redis_upstream->retries());
      retries.metric.push_back(std::move(m));
    }
    for (const auto& p : b.postgres) {
      if (!p.primary) continue;
      router_view(b, id, p.service, "postgres", p.primary->healthy());
      const auto stats = p.primary->stats();
      const auto add = [&](const char* state, std::size_t n) {
        pool.metric.push_back(gauge(static_cast<double>(n),
                                    {{"cluster", id}, {"service", p.service}, {"state", state}}));
      };
      add("idle", stats.idle);
      add("in_use", stats.open - std::min(stats.open, stats.idle));
      add("waiting", stats.waiting);
    }
    for (const auto& k : b.kafka) {
      if (k.client) router_view(b, id, k.service, "kafka", k.client->healthy());
    }
  }
  for (auto* f : {&up, &circuit, &pool, &retries}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }

  if (connections_) {
    auto conns = gauge_family("throome_http_connections", "Open client HTTP connections.");
    conns.metric.push_back(gauge(static_cast<double>(connections_()), {}));
    out.push_back(std::move(conns));
  }
  return out;
}

}  // namespace throome::monitor
