#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>
#include <vector>

namespace throome::testing {

/// An io_context with worker threads, for driving coroutine APIs from a test.
class IoThreads {
 public:
  explicit IoThreads(int threads = 2) : guard_(ioc_.get_executor()) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~IoThreads() {
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  boost::asio::io_context& context() { return ioc_; }

  /// Runs the coroutine on the io_context and waits for its result.
  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    return boost::asio::co_spawn(ioc_, std::move(aw), boost::asio::use_future).get();
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

}  // namespace throome::testing
