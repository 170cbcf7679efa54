#include "throome/router/routing_backend_factory.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "throome/common/io_pool.hpp"

namespace throome::router {
namespace {

namespace asio = boost::asio;

// The active probes: Redis PING, PostgreSQL SELECT 1, Kafka metadata (the topic list).
asio::awaitable<Result<void>> probe(redis::Client& client, std::chrono::milliseconds) {
  std::vector<std::string> ping{"PING"};
  auto op = client.execute(std::move(ping));
  auto reply = co_await std::move(op);
  if (!reply) co_return reply.error();
  if (reply->is_error()) co_return Error(Errc::backend_error, reply->str);
  co_return Result<void>();
}

asio::awaitable<Result<void>> probe(postgres::Client& client, std::chrono::milliseconds timeout) {
  postgres::ExecOptions options;
  options.timeout = timeout;
  auto op = client.run(postgres::Statement{"SELECT 1", {}}, options);
  auto r = co_await std::move(op);
  if (!r) co_return r.error();
  co_return Result<void>();
}

asio::awaitable<Result<void>> probe(kafka::Client& client, std::chrono::milliseconds) {
  auto op = client.list_topics();
  auto r = co_await std::move(op);
  if (!r) co_return r.error();
  co_return Result<void>();
}

// One backend's active check every interval, and every second while it is down (marked so
// by checks or by failing calls), so that a recovered backend serves again within a second.
// Holds only weak references between checks, so a deleted cluster's backends go away; the
// loop ends at the next tick.
template <class Client>
asio::awaitable<void> health_loop(std::weak_ptr<Client> weak_client,
                                  std::weak_ptr<BackendState> weak_state,
                                  std::chrono::milliseconds interval,
                                  std::chrono::milliseconds timeout) {
  const auto tick = std::min(interval, std::chrono::milliseconds(1'000));
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  auto last_probe = std::chrono::steady_clock::now();
  while (true) {
    timer.expires_after(tick);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto client = weak_client.lock();
    auto state = weak_state.lock();
    if (!client || !state) co_return;
    const auto now = std::chrono::steady_clock::now();
    if (state->health().healthy() && now - last_probe < interval) continue;
    last_probe = now;
    auto op = probe(*client, timeout);
    auto result = co_await std::move(op);
    if (result) {
      state->health().on_success();
    } else {
      const Error& e = result.error();
      state->health().on_failure(e.message() +
                                 (e.details().is_null() ? "" : ": " + e.details().dump()));
    }
  }
}

}  // namespace

RoutingBackendFactory::RoutingBackendFactory(std::shared_ptr<cluster::BackendFactory> inner,
                                             IoPool& pool)
    : inner_(std::move(inner)), pool_(pool) {}

std::shared_ptr<cluster::Backends> RoutingBackendFactory::create(
    const config::ClusterConfig& resolved) {
  auto backends = inner_ ? inner_->create(resolved) : std::make_shared<cluster::Backends>();
  if (!backends) return backends;

  const auto& routing = resolved.routing;
  const CircuitBreaker::Options breaker{
      routing.circuit_breaker.enabled, routing.circuit_breaker.failure_threshold,
      std::chrono::seconds(routing.circuit_breaker.reset_timeout)};
  const HealthTracker::Options health{resolved.health.threshold};
  const auto weight_of = [&](const std::string& service) {
    const auto* svc = resolved.find_service(service);
    return svc != nullptr ? svc->weight : 1;
  };
  const auto new_state = [&](const std::string& name, int weight) {
    return std::make_shared<BackendState>(name, weight, breaker, health);
  };
  const auto interval = std::chrono::seconds(resolved.health.interval);
  const auto timeout = std::chrono::seconds(resolved.health.timeout);
  const auto watch = [&](const auto& client, const std::shared_ptr<BackendState>& state) {
    if (!resolved.health.enabled || !client) return;
    using Client = typename std::decay_t<decltype(client)>::element_type;
    asio::co_spawn(
        pool_.next(),
        health_loop<Client>(client, state, interval,
                            std::chrono::duration_cast<std::chrono::milliseconds>(timeout)),
        asio::detached);
  };

  if (!backends->redis.empty()) {
    std::vector<Upstream<redis::ClientPtr>::Member> members;
    std::vector<std::string> names;
    std::vector<int> weights;
    for (const auto& r : backends->redis) {
      const int weight = weight_of(r.service);
      members.push_back({r.service, r.client, new_state(r.service, weight)});
      names.push_back(r.service);
      weights.push_back(weight);
    }
    Upstream<redis::ClientPtr>::Policy policy;
    policy.failover = routing.failover_enabled;
    policy.retry.retries = routing.retry_attempts;
    policy.timeout = std::chrono::milliseconds(routing.timeout_ms);
    std::shared_ptr<Strategy> strategy = make_strategy(routing, resolved.ai, names, weights);
    backends->redis_upstream = std::make_shared<Upstream<redis::ClientPtr>>(
        resolved.cluster_id, "redis", members, std::move(strategy), policy);
    for (const auto& m : members) watch(m.client, m.state);
  }

  for (auto& pg : backends->postgres) {
    pg.state = new_state(pg.service, weight_of(pg.service));
    watch(pg.primary, pg.state);
    pg.replica_states.clear();
    for (std::size_t i = 0; i < pg.replicas.size(); ++i) {
      pg.replica_states.push_back(new_state(pg.service + "#replica" + std::to_string(i), 1));
      watch(pg.replicas[i], pg.replica_states.back());
    }
  }
  for (auto& k : backends->kafka) {
    k.state = new_state(k.service, weight_of(k.service));
    watch(k.client, k.state);
  }
  return backends;
}

}  // namespace throome::router
