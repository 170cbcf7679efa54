// The Redis Client: a few pipelined connections. With an IoPool each IO thread has its own
// connection(s), so a request, its Redis round trip and its reply stay on one thread.
#include <atomic>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/redis/connection.hpp"
#include "throome/adapters/redis/client.hpp"
#include "throome/common/io_pool.hpp"

namespace throome::redis {
namespace {

namespace asio = boost::asio;

template <class Executor>
class PoolClient final : public Client {
  using Conn = detail::Connection<Executor>;

 public:
  // groups[i] serves callers running on IoPool context i (a single group: everyone).
  explicit PoolClient(std::vector<std::vector<std::shared_ptr<Conn>>> groups)
      : groups_(std::move(groups)) {
    for (auto& g : groups_) {
      for (auto& c : g) c->start();
    }
  }

  ~PoolClient() override {
    for (auto& g : groups_) {
      for (auto& c : g) c->close();
    }
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
    for (const auto& g : groups_) {
      for (const auto& c : g) n += c->ready() ? 1 : 0;
    }
    return n;
  }

 private:
  // The caller's own group first (same thread, no hop); among its connections the ready one
  // with fewer requests in flight; another group's ready connection when none is; a
  // not-ready one only when nothing is ready (it fails fast).
  Conn& pick() {
    const int index = IoPool::current_index();
    const std::size_t home =
        (index >= 0 && static_cast<std::size_t>(index) < groups_.size()) ? index : 0;
    const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t k = 0; k < groups_.size(); ++k) {
      const auto& group = groups_[(home + k) % groups_.size()];
      Conn* best = nullptr;
      for (std::size_t j = 0; j < group.size(); ++j) {
        auto& c = *group[(start + j) % group.size()];
        if (!c.ready()) continue;
        if (best == nullptr || c.in_flight() < best->in_flight()) best = &c;
      }
      if (best != nullptr) return *best;
    }
    const auto& group = groups_[home];
    return *group[start % group.size()];
  }

  std::vector<std::vector<std::shared_ptr<Conn>>> groups_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace

ClientPtr make_client(asio::io_context& ioc, ClientOptions options) {
  using Conn = detail::Connection<detail::Strand>;
  std::vector<std::shared_ptr<Conn>> group;
  const std::size_t n = std::max<std::size_t>(1, options.connections);
  for (std::size_t i = 0; i < n; ++i) {
    group.push_back(std::make_shared<Conn>(asio::make_strand(ioc), options, i));
  }
  std::vector<std::vector<std::shared_ptr<Conn>>> groups;
  groups.push_back(std::move(group));
  return std::make_shared<PoolClient<detail::Strand>>(std::move(groups));
}

ClientPtr make_client(IoPool& pool, ClientOptions options) {
  using Conn = detail::Connection<detail::PlainExecutor>;
  const std::size_t per_thread =
      std::max<std::size_t>(1, (options.connections + pool.size() - 1) / pool.size());
  std::vector<std::vector<std::shared_ptr<Conn>>> groups;
  std::size_t index = 0;
  for (std::size_t t = 0; t < pool.size(); ++t) {
    std::vector<std::shared_ptr<Conn>> group;
    for (std::size_t i = 0; i < per_thread; ++i) {
      group.push_back(std::make_shared<Conn>(pool.context(t).get_executor(), options, index++));
    }
    groups.push_back(std::move(group));
  }
  return std::make_shared<PoolClient<detail::PlainExecutor>>(std::move(groups));
}

}  // namespace throome::redis
