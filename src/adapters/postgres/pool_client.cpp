// The PostgreSQL Client: a handle on a connection pool whose worker threads run libpq.
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <string_view>

#include "adapters/postgres/pool.hpp"
#include "throome/adapters/postgres/client.hpp"

namespace throome::postgres {
namespace {

namespace asio = boost::asio;
using detail::Job;
using detail::Outcome;

// COPY switches the connection into a copy mode that a pipeline cannot carry.
bool starts_with_copy(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return false;
    } else if (sql.compare(i, 2, "/*") == 0) {
      i = sql.find("*/", i + 2);
      if (i == std::string_view::npos) return false;
      i += 2;
    } else if (sql.compare(i, 1, "(") == 0) {
      ++i;
    } else {
      break;
    }
  }
  if (sql.size() - i < 4) return false;
  std::string word;
  for (std::size_t k = i; k < i + 4; ++k) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[k]))));
  }
  return word == "COPY";
}

template <class Token>
auto async_submit(std::shared_ptr<detail::Pool> pool, std::shared_ptr<Job> job, Token&& token) {
  return asio::async_initiate<Token, void(Outcome)>(
      [](auto handler, std::shared_ptr<detail::Pool> p, std::shared_ptr<Job> j) {
        using Handler = std::decay_t<decltype(handler)>;
        j->completion = std::make_unique<detail::HandlerCompletion<Handler>>(std::move(handler));
        p->submit(std::move(j));
      },
      token, std::move(pool), std::move(job));
}

class PoolClient final : public Client {
 public:
  PoolClient(asio::io_context& ioc, ClientOptions options)
      : ticker_(std::make_shared<detail::Pool::Ticker>(ioc)),
        pool_(std::make_shared<detail::Pool>(ticker_, std::move(options))) {
    pool_->start();
  }
  ~PoolClient() override {
    pool_->close();
    pool_->wait_for_deliveries();
  }

  asio::awaitable<Result<StatementResult>> run(Statement statement, ExecOptions options) override {
    auto job = std::make_shared<Job>();
    job->pipelinable = !starts_with_copy(statement.sql);
    job->statements.push_back(std::move(statement));
    job->options = options;
    // The awaitable is built before co_await (g++ 12 and temporaries in co_await).
    auto op = async_submit(pool_, std::move(job), asio::use_awaitable);
    Outcome outcome = co_await std::move(op);
    if (!outcome) co_return outcome.error();
    co_return std::move(outcome->front());
  }

  asio::awaitable<Result<std::vector<StatementResult>>> transaction(
      std::vector<Statement> statements, TransactionOptions transaction,
      ExecOptions options) override {
    auto job = std::make_shared<Job>();
    job->statements = std::move(statements);
    job->transaction = true;
    job->transaction_options = transaction;
    job->options = options;
    auto op = async_submit(pool_, std::move(job), asio::use_awaitable);
    co_return co_await std::move(op);
  }

  bool healthy() const override { return pool_->healthy(); }
  PoolStats stats() const override { return pool_->stats(); }

 private:
  std::shared_ptr<detail::Pool::Ticker> ticker_;
  std::shared_ptr<detail::Pool> pool_;
};

}  // namespace

ClientPtr make_client(asio::io_context& ioc, ClientOptions options) {
  return std::make_shared<PoolClient>(ioc, std::move(options));
}

}  // namespace throome::postgres
