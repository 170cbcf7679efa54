// The Redis Client: a few pipelined connections; each request goes to the least busy ready one.
#include <atomic>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/redis/connection.hpp"
#include "throome/adapters/redis/client.hpp"

namespace throome::redis {
namespace {

namespace asio = boost::asio;

class PoolClient final : public Client {
 public:
  PoolClient(asio::io_context& ioc, ClientOptions options) {
    const std::size_t n = std::max<std::size_t>(1, options.connections);
    for (std::size_t i = 0; i < n; ++i) {
      auto c = std::make_shared<detail::Connection>(asio::make_strand(ioc), options, i);
      c->start();
      connections_.push_back(std::move(c));
    }
  }

  ~PoolClient() override {
    for (auto& c : connections_) c->close();
  }

  asio::awaitable<Result<Reply>> execute(std::vector<std::string> argv) override {
    detail::Commands commands;
    commands.push_back(std::move(argv));
    auto& conn = pick();
    // The awaitable is built before co_await (g++ 12 and temporaries in co_await).
    auto op = conn.async_run(std::move(commands), asio::use_awaitable);
    auto result = co_await std::move(op);
    if (!result) co_return result.error();
    co_return std::move(result->front());
  }

  asio::awaitable<Result<std::vector<Reply>>> execute_all(
      std::vector<std::vector<std::string>> commands) override {
    auto& conn = pick();
    auto op = conn.async_run(std::move(commands), asio::use_awaitable);
    co_return co_await std::move(op);
  }

  std::size_t ready_connections() const override {
    std::size_t n = 0;
    for (const auto& c : connections_) n += c->ready() ? 1 : 0;
    return n;
  }

 private:
  // Round-robin start, then the ready connection with the fewest requests in flight among
  // two candidates; a not-ready connection only when none is ready (it fails fast).
  detail::Connection& pick() {
    const std::size_t n = connections_.size();
    if (n == 1) return *connections_[0];
    const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
    detail::Connection* best = nullptr;
    for (std::size_t k = 0; k < n; ++k) {
      auto& c = *connections_[(start + k) % n];
      if (!c.ready()) continue;
      if (best == nullptr || c.in_flight() < best->in_flight()) best = &c;
      if (k >= 1 && best != nullptr) break;
    }
    return best != nullptr ? *best : *connections_[start % n];
  }

  std::vector<std::shared_ptr<detail::Connection>> connections_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace

ClientPtr make_client(asio::io_context& ioc, ClientOptions options) {
  return std::make_shared<PoolClient>(ioc, std::move(options));
}

}  // namespace throome::redis
