#include "throome/router/routing_backend_factory.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "throome/common/io_pool.hpp"

namespace throome::router {
namespace {

namespace asio = boost::asio;

// One backend's active check: PING every interval. Holds only weak references between
// checks, so a deleted cluster's backends go away; the loop ends at the next tick.
asio::awaitable<void> redis_health_loop(std::weak_ptr<redis::Client> weak_client,
                                        std::weak_ptr<BackendState> weak_state,
                                        std::chrono::milliseconds interval) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  while (true) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto client = weak_client.lock();
    auto state = weak_state.lock();
    if (!client || !state) co_return;
    std::vector<std::string> ping{"PING"};
    auto op = client->execute(std::move(ping));
    auto reply = co_await std::move(op);
    if (reply && !reply->is_error()) {
      state->health().on_success();
    } else {
      const Error e = reply ? Error(Errc::backend_error, reply->str) : reply.error();
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
  if (!backends || backends->redis.empty()) return backends;

  const auto& routing = resolved.routing;
  const CircuitBreaker::Options breaker{
      routing.circuit_breaker.enabled, routing.circuit_breaker.failure_threshold,
      std::chrono::seconds(routing.circuit_breaker.reset_timeout)};
  const HealthTracker::Options health{resolved.health.threshold};
  std::vector<Upstream<redis::ClientPtr>::Member> members;
  std::vector<std::string> names;
  std::vector<int> weights;
  for (const auto& r : backends->redis) {
    const auto* svc = resolved.find_service(r.service);
    const int weight = svc != nullptr ? svc->weight : 1;
    members.push_back(
        {r.service, r.client, std::make_shared<BackendState>(r.service, weight, breaker, health)});
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

  if (resolved.health.enabled) {
    const auto interval = std::chrono::seconds(resolved.health.interval);
    for (const auto& m : members) {
      asio::co_spawn(pool_.next(), redis_health_loop(m.client, m.state, interval), asio::detached);
    }
  }
  return backends;
}

}  // namespace throome::router
