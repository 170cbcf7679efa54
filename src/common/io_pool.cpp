#include "throome/common/io_pool.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <thread>

namespace throome {
namespace {
thread_local int tls_index = -1;
}

IoPool::IoPool(std::size_t threads) {
  threads = std::max<std::size_t>(1, threads);
  for (std::size_t i = 0; i < threads; ++i) {
    // Hint 1: each context is run by exactly one thread.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
  }
}

IoPool::~IoPool() = default;

boost::asio::io_context& IoPool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::run() {
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<Guard> guards;
  for (auto& c : contexts_) guards.emplace_back(c->get_executor());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([this, i] {
      tls_index = static_cast<int>(i);
      contexts_[i]->run();
      tls_index = -1;
    });
  }
  tls_index = 0;
  contexts_[0]->run();
  tls_index = -1;
  for (auto& t : threads) t.join();
}

void IoPool::stop() {
  for (auto& c : contexts_) c->stop();
}

int IoPool::current_index() noexcept { return tls_index; }

}  // namespace throome
