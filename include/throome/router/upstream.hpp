#pragma once

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "throome/common/error.hpp"
#include "throome/router/backend_state.hpp"
#include "throome/router/retry_policy.hpp"
#include "throome/router/strategy.hpp"

namespace throome::router {

/// The candidates of one backend type in one cluster (every service of that type, and their
/// replicas), their live state and the cluster's strategy and failure policy. Built with the
/// cluster snapshot; thread-safe.
template <class ClientPtr>
class Upstream {
 public:
  struct Member {
    std::string service;
    ClientPtr client;
    std::shared_ptr<BackendState> state;
  };
  struct Policy {
    bool failover = true;
    RetryPolicy retry;
    std::chrono::milliseconds timeout{5'000};
  };

  Upstream(std::string cluster_id, std::string type, std::vector<Member> members,
           std::shared_ptr<Strategy> strategy, Policy policy)
      : cluster_id_(std::move(cluster_id)),
        type_(std::move(type)),
        members_(std::move(members)),
        strategy_(std::move(strategy)),
        policy_(policy) {}

  const std::vector<Member>& members() const noexcept { return members_; }
  const Strategy& strategy() const noexcept { return *strategy_; }
  const Policy& policy() const noexcept { return policy_; }
  /// Attempts made again after a failed one (on the same or another member).
  std::uint64_t retries() const noexcept { return retries_.load(std::memory_order_relaxed); }

  /// The strategy's candidates right now (`tried` members are not usable again).
  std::vector<Candidate> candidates(const std::vector<bool>& tried) const {
    std::vector<Candidate> out(members_.size());
    for (std::size_t i = 0; i < members_.size(); ++i) {
      const auto& s = *members_[i].state;
      const auto m = s.model();
      out[i] = {s.weight(),   s.in_flight(),  m.latency_s,
                m.error_rate, m.observations, s.selectable() && !(i < tried.size() && tried[i])};
    }
    return out;
  }

  /// Chooses a member for `key` (or the one called `pinned`).
  /// @return its index, or Errc::not_found (unknown pinned service) / Errc::backend_unavailable
  ///         (nothing usable; the message says which backends are down and why).
  Result<std::size_t> choose(std::string_view key, std::string_view pinned,
                             const std::vector<bool>& tried) {
    if (!pinned.empty()) {
      for (std::size_t i = 0; i < members_.size(); ++i) {
        if (members_[i].service != pinned) continue;
        if (i < tried.size() && tried[i]) break;
        if (!members_[i].state->available()) return unavailable();
        return i;
      }
      for (const auto& m : members_) {
        if (m.service == pinned) return unavailable();
      }
      return Error(Errc::not_found, "service \"" + std::string(pinned) +
                                        "\" not found in cluster \"" + cluster_id_ + "\"");
    }
    for (int round = 0; round < 2; ++round) {
      auto c = candidates(tried);
      auto picked = strategy_->pick(c, key);
      if (!picked) break;
      // available() takes the half-open trial slot; a lost race means: pick again.
      if (members_[*picked].state->available()) return *picked;
    }
    return unavailable();
  }

  /// Runs `attempt(member)` (a coroutine returning Result<R>) on a chosen member; on a
  /// backend failure of an idempotent operation tries again (another member when failover is
  /// on) with backoff, never past the deadline. Breakers, health and the model learn from
  /// every attempt. The deadline is the policy's timeout, or `timeout` when that is shorter
  /// (a request's own timeout_ms). @return the first success, or the last failure (504 past
  /// the deadline).
  template <class R, class Attempt>
  boost::asio::awaitable<Result<R>> call(std::string_view key, std::string_view pinned,
                                         bool idempotent, Attempt attempt,
                                         std::optional<std::chrono::milliseconds> timeout = {}) {
    const auto deadline = std::chrono::steady_clock::now() +
                          (timeout ? std::min(*timeout, policy_.timeout) : policy_.timeout);
    std::vector<bool> tried(members_.size(), false);
    thread_local std::mt19937_64 rng{std::random_device{}()};
    Error last(Errc::backend_unavailable, "no " + type_ + " backend available");
    for (int attempt_no = 1;; ++attempt_no) {
      auto chosen = choose(key, pinned, tried);
      if (!chosen) {
        if (attempt_no == 1 || chosen.error().code() == Errc::not_found) co_return chosen.error();
        co_return last;  // every candidate failed: report the real failure
      }
      Member& member = members_[*chosen];
      member.state->begin();
      const auto started = std::chrono::steady_clock::now();
      auto op = attempt(member);
      Result<R> result = co_await std::move(op);
      const auto took = std::chrono::steady_clock::now() - started;
      const bool backend_failed = !result && RetryPolicy::retryable(result.error().code());
      member.state->end(!backend_failed, took);
      if (!backend_failed) co_return result;

      last = result.error();
      if (policy_.failover && pinned.empty()) tried[*chosen] = true;
      const auto left = deadline - std::chrono::steady_clock::now();
      const auto delay =
          policy_.retry.backoff(attempt_no, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
      if (!policy_.retry.should_retry(last.code(), idempotent, attempt_no, left, delay)) {
        if (left <= std::chrono::nanoseconds::zero() && last.code() != Errc::timeout) {
          co_return Error(Errc::timeout, type_ + " request exceeded its deadline", last.message());
        }
        co_return last;
      }
      retries_.fetch_add(1, std::memory_order_relaxed);
      if (delay.count() > 0) {
        auto executor = co_await boost::asio::this_coro::executor;
        boost::asio::steady_timer timer(executor);
        timer.expires_after(delay);
        co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      }
    }
  }

 private:
  Error unavailable() const {
    nlohmann::json backends = nlohmann::json::array();
    for (const auto& m : members_) {
      const auto& s = *m.state;
      backends.push_back({{"service", m.service},
                          {"healthy", s.health().healthy()},
                          {"circuit", CircuitBreaker::to_string(s.breaker().state())},
                          {"last_error", s.health().last_error()}});
    }
    return Error(Errc::backend_unavailable,
                 "no " + type_ + " backend available in cluster \"" + cluster_id_ + "\"",
                 std::move(backends));
  }

  std::string cluster_id_;
  std::string type_;
  std::vector<Member> members_;
  std::shared_ptr<Strategy> strategy_;
  Policy policy_;
  std::atomic<std::uint64_t> retries_{0};
};

}  // namespace throome::router
