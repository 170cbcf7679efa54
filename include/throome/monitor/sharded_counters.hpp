#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace throome::monitor {

/// Cells per sharded value: threads are spread over them round-robin (an IO thread keeps its
/// cell), so IO threads do not contend on one cache line.
inline constexpr std::size_t kMetricShards = 16;

/// The cell of the calling thread (assigned on its first call, round-robin).
std::size_t metric_shard() noexcept;

/// N counters split into per-thread cells of one cache line each: add() is a relaxed atomic
/// add on the calling thread's cell; total() sums the cells (a scrape). Thread-safe.
template <std::size_t N>
class ShardedCounters {
 public:
  void add(std::size_t i, std::uint64_t n = 1) noexcept {
    cells_[metric_shard()].v[i].fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t total(std::size_t i) const noexcept {
    std::uint64_t sum = 0;
    for (const auto& c : cells_) sum += c.v[i].load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(64) Cell {
    std::array<std::atomic<std::uint64_t>, N> v{};
  };
  std::array<Cell, kMetricShards> cells_{};
};

/// A gauge that goes up and down, sharded like ShardedCounters (cells may go negative when a
/// call ends on another thread than it started; the sum is right).
class ShardedGauge {
 public:
  void add(std::int64_t n) noexcept {
    cells_[metric_shard()].v.fetch_add(n, std::memory_order_relaxed);
  }
  std::int64_t value() const noexcept {
    std::int64_t sum = 0;
    for (const auto& c : cells_) sum += c.v.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(64) Cell {
    std::atomic<std::int64_t> v{0};
  };
  std::array<Cell, kMetricShards> cells_{};
};

}  // namespace throome::monitor
