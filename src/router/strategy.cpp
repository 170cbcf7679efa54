#include "throome/router/strategy.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>

namespace throome::router {
namespace {

// A small, fast, seedable PRNG (xorshift64*), one per strategy, behind the strategy's mutex
// or used with relaxed tolerance for races where only statistics matter.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed != 0 ? seed : std::random_device{}() | 1ULL) {}
  std::uint64_t next() {
    std::uint64_t x = state_;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state_ = x;
    return x * 2685821657736338717ULL;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  std::uint64_t state_;
};

std::vector<std::size_t> usable_indices(std::span<const Candidate> c) {
  std::vector<std::size_t> out;
  out.reserve(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c[i].usable) out.push_back(i);
  }
  return out;
}

class RoundRobin final : public Strategy {
 public:
  std::optional<std::size_t> pick(std::span<const Candidate> c, std::string_view) override {
    const std::size_t n = c.size();
    if (n == 0) return std::nullopt;
    const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (start + k) % n;
      if (c[i].usable) return i;
    }
    return std::nullopt;
  }
  std::string_view name() const noexcept override { return "round_robin"; }

 private:
  std::atomic<std::size_t> next_{0};
};

// Smooth weighted round-robin (nginx): every pick adds each weight to its running total,
// takes the largest and subtracts the sum, so 5:1:1 gives a a b a c a a, not a a a a a b c.
class Weighted final : public Strategy {
 public:
  explicit Weighted(std::size_t n) : current_(n, 0) {}
  std::optional<std::size_t> pick(std::span<const Candidate> c, std::string_view) override {
    std::lock_guard lock(mu_);
    if (current_.size() != c.size()) current_.assign(c.size(), 0);
    std::int64_t total = 0;
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (!c[i].usable) continue;
      current_[i] += c[i].weight;
      total += c[i].weight;
      if (!best || current_[i] > current_[*best]) best = i;
    }
    if (best) current_[*best] -= total;
    return best;
  }
  nlohmann::json view(std::span<const Candidate> c) const override {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : c) out.push_back({{"weight", x.weight}});
    return out;
  }
  std::string_view name() const noexcept override { return "weighted"; }

 private:
  std::mutex mu_;
  std::vector<std::int64_t> current_;
};

// Fewest requests in flight; ties broken at random. Over large sets, the better of two random
// choices (power of two choices): near-optimal without scanning everything.
class LeastConnections final : public Strategy {
 public:
  explicit LeastConnections(std::uint64_t seed) : rng_(seed) {}
  std::optional<std::size_t> pick(std::span<const Candidate> c, std::string_view) override {
    auto usable = usable_indices(c);
    if (usable.empty()) return std::nullopt;
    std::lock_guard lock(mu_);
    if (usable.size() > kScanLimit) {
      // Two distinct random positions.
      const std::size_t p = rng_.below(usable.size());
      std::size_t q = rng_.below(usable.size() - 1);
      if (q >= p) ++q;
      const std::size_t a = usable[p];
      const std::size_t b = usable[q];
      if (c[a].in_flight != c[b].in_flight) return c[a].in_flight < c[b].in_flight ? a : b;
      return rng_.below(2) == 0 ? a : b;
    }
    std::size_t best = usable[0];
    std::size_t ties = 1;
    for (std::size_t k = 1; k < usable.size(); ++k) {
      const std::size_t i = usable[k];
      if (c[i].in_flight < c[best].in_flight) {
        best = i;
        ties = 1;
      } else if (c[i].in_flight == c[best].in_flight && rng_.below(++ties) == 0) {
        best = i;  // reservoir sampling: each tied candidate equally likely
      }
    }
    return best;
  }
  nlohmann::json view(std::span<const Candidate> c) const override {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : c) out.push_back({{"in_flight", x.in_flight}});
    return out;
  }
  std::string_view name() const noexcept override { return "least_connections"; }

 private:
  static constexpr std::size_t kScanLimit = 8;
  std::mutex mu_;
  Rng rng_;
};

// A hash ring with virtual nodes (160 per unit of weight). A key maps to the first point at or
// after its hash; when that backend is unusable the walk continues clockwise, so only the
// keys of a missing backend move (about 1/N of them).
class ConsistentHash final : public Strategy {
 public:
  ConsistentHash(const std::vector<std::string>& names, const std::vector<int>& weights) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      const int vnodes = kVirtualNodes * std::max(1, weights[i]);
      for (int v = 0; v < vnodes; ++v) {
        ring_.emplace_back(hash64(names[i] + "#" + std::to_string(v)), i);
      }
    }
    std::sort(ring_.begin(), ring_.end());
  }
  std::optional<std::size_t> pick(std::span<const Candidate> c, std::string_view key) override {
    if (key.empty()) return fallback_.pick(c, key);  // nothing to hash: spread evenly
    if (ring_.empty()) return std::nullopt;
    const std::uint64_t h = hash64(key);
    auto it = std::lower_bound(ring_.begin(), ring_.end(), std::make_pair(h, std::size_t{0}));
    for (std::size_t step = 0; step < ring_.size(); ++step, ++it) {
      if (it == ring_.end()) it = ring_.begin();
      if (it->second < c.size() && c[it->second].usable) return it->second;
    }
    return std::nullopt;
  }
  std::string_view name() const noexcept override { return "consistent_hash"; }

 private:
  static constexpr int kVirtualNodes = 160;
  std::vector<std::pair<std::uint64_t, std::size_t>> ring_;
  RoundRobin fallback_;
};

// The "ai" strategy, made honest: an online model per backend predicts the cost of the next
// request from the features the cluster names:
//   cost = latency_ewma × (1 + in_flight)  ÷ max(0.05, 1 − error_rate_ewma)
// (a feature left out of `features` drops its factor). It picks the lowest predicted cost,
// except that a usable backend not picked in the last kRevisitPicks picks (or for
// kRevisitTime) gets the next request, so that a backend that got better (or recovered) is
// measured again while the slow one costs at most 1 request in kRevisitPicks. Until
// `min_data_points` observations exist across the backends it behaves as round-robin; a
// backend never observed is tried first.
class Ai final : public Strategy {
 public:
  Ai(const config::AiConfig& ai, std::uint64_t)
      : min_points_(static_cast<std::uint64_t>(std::max(1, ai.min_data_points))) {
    for (const auto& f : ai.features) {
      use_latency_ |= f == "latency";
      use_load_ |= f == "load";
      use_errors_ |= f == "error_rate";
    }
  }

  double predicted_cost(const Candidate& c) const {
    double cost = use_latency_ ? std::max(c.latency_s, 1e-6) : 1.0;
    if (use_load_) cost *= 1.0 + c.in_flight;
    if (use_errors_) cost /= std::max(0.05, 1.0 - c.error_rate);
    return cost;
  }

  std::optional<std::size_t> pick(std::span<const Candidate> c, std::string_view key) override {
    auto usable = usable_indices(c);
    if (usable.empty()) return std::nullopt;
    std::uint64_t total = 0;
    for (auto i : usable) total += c[i].observations;
    if (total < min_points_) return warmup_.pick(c, key);
    for (auto i : usable) {
      if (c[i].observations == 0) return i;
    }
    std::size_t best = usable[0];
    double best_cost = predicted_cost(c[best]);
    for (std::size_t k = 1; k < usable.size(); ++k) {
      const double cost = predicted_cost(c[usable[k]]);
      if (cost < best_cost) {
        best = usable[k];
        best_cost = cost;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (last_.size() != c.size()) last_.assign(c.size(), Last{seq_, now});
    ++seq_;
    std::size_t chosen = best;
    for (auto i : usable) {
      if (i != best &&
          (seq_ - last_[i].seq >= kRevisitPicks || now - last_[i].time >= kRevisitTime)) {
        chosen = i;  // due for a new measurement
        break;
      }
    }
    last_[chosen] = Last{seq_, now};
    return chosen;
  }

  nlohmann::json view(std::span<const Candidate> c) const override {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : c) {
      out.push_back({{"predicted_latency_ms", x.latency_s * 1000.0},
                     {"predicted_cost", predicted_cost(x)},
                     {"error_rate", x.error_rate},
                     {"observations", x.observations},
                     {"in_flight", x.in_flight}});
    }
    return out;
  }
  std::string_view name() const noexcept override { return "ai"; }

  static constexpr std::uint64_t kRevisitPicks = 200;
  static constexpr std::chrono::seconds kRevisitTime{5};

 private:
  struct Last {
    std::uint64_t seq;
    std::chrono::steady_clock::time_point time;
  };
  std::uint64_t min_points_;
  bool use_latency_ = false, use_load_ = false, use_errors_ = false;
  std::mutex mu_;
  std::uint64_t seq_ = 0;
  std::vector<Last> last_;  // when each backend was last picked
  RoundRobin warmup_;
};

}  // namespace

nlohmann::json Strategy::view(std::span<const Candidate>) const { return nlohmann::json::array(); }

std::uint64_t hash64(std::string_view data) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char ch : data) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

std::unique_ptr<Strategy> make_strategy(const config::RoutingConfig& routing,
                                        const config::AiConfig& ai,
                                        const std::vector<std::string>& names,
                                        const std::vector<int>& weights, std::uint64_t seed) {
  const auto& s = routing.strategy;
  if (s == "weighted") return std::make_unique<Weighted>(names.size());
  if (s == "least_connections") return std::make_unique<LeastConnections>(seed);
  if (s == "consistent_hash") return std::make_unique<ConsistentHash>(names, weights);
  if (s == "ai") return std::make_unique<Ai>(ai, seed);
  return std::make_unique<RoundRobin>();
}

}  // namespace throome::router
