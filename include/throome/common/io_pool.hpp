#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <vector>

namespace throome {

/// One io_context per IO thread (thread-per-core): a connection, its backend connections and
/// its coroutines stay on one thread, so the request path needs no strand, no lock and no
/// cross-thread wake-up. Other threads may still post to any context.
class IoPool {
 public:
  explicit IoPool(std::size_t threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  std::size_t size() const noexcept { return contexts_.size(); }
  boost::asio::io_context& context(std::size_t index) { return *contexts_.at(index); }
  /// The next context in round-robin order (for placing a new connection).
  boost::asio::io_context& next();

  /// Runs context i on thread i (the calling thread runs context 0) until stop().
  void run();
  /// Stops every context; run() returns once their threads have left.
  void stop();

  /// The index of the context the calling thread runs, or -1 outside the pool's threads.
  static int current_index() noexcept;

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace throome
