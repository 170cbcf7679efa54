#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "throome/adapters/redis/client.hpp"

namespace throome::testing {

/// A redis::Client that answers from a scripted queue (default: "+OK"), records what it was
/// sent, and reports a settable number of ready connections. Thread-safe.
class FakeRedisClient final : public redis::Client {
 public:
  void push(Result<redis::Reply> next) {
    std::lock_guard lock(mu_);
    replies_.push_back(std::move(next));
  }
  void set_ready(std::size_t n) { ready_ = n; }

  boost::asio::awaitable<Result<redis::Reply>> execute(std::vector<std::string> argv) override {
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(argv));
    if (replies_.empty()) co_return redis::Reply::make_status("OK");
    auto r = std::move(replies_.front());
    replies_.pop_front();
    co_return r;
  }

  boost::asio::awaitable<Result<std::vector<redis::Reply>>> execute_all(
      std::vector<std::vector<std::string>> commands) override {
    std::vector<redis::Reply> out;
    {
      std::lock_guard lock(mu_);
      for (auto& c : commands) {
        sent_.push_back(std::move(c));
        out.push_back(redis::Reply::make_status("QUEUED"));
      }
    }
    out.back() = redis::Reply::make_array({redis::Reply::make_status("OK")});
    co_return out;
  }

  std::size_t ready_connections() const override { return ready_; }

  std::vector<std::vector<std::string>> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result<redis::Reply>> replies_;
  std::vector<std::vector<std::string>> sent_;
  std::atomic<std::size_t> ready_{1};
};

}  // namespace throome::testing
