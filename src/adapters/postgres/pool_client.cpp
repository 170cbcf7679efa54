// The PostgreSQL Client: a connection pool whose connections are lent to the IO threads for
// single statements (non-blocking pipeline mode: a call never leaves its thread) and used by
// worker threads for everything else.
#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <string_view>

#include "adapters/postgres/pipeline_group.hpp"
#include "adapters/postgres/pool.hpp"
#include "throome/adapters/postgres/client.hpp"
#include "throome/common/io_pool.hpp"

namespace throome::postgres {
namespace {

namespace asio = boost::asio;
using detail::Job;
using detail::Outcome;

// The first keyword of a statement, upper case ("" when there is none).
std::string first_keyword(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return "";
    } else if (sql.compare(i, 2, "/*") == 0) {
      i = sql.find("*/", i + 2);
      if (i == std::string_view::npos) return "";
      i += 2;
    } else if (sql.compare(i, 1, "(") == 0) {
      ++i;
    } else {
      break;
    }
  }
  std::string word;
  for (; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])) && word.size() < 16;
       ++i) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i]))));
  }
  return word;
}

// Statements that change the session (transaction blocks, settings, prepared statements,
// listeners) run on a worker, which resets the connection after them; COPY needs a mode a
// pipeline cannot carry.
bool changes_session(const std::string& keyword) {
  static const char* const kWords[] = {
      "BEGIN",   "START", "COMMIT", "END",     "ROLLBACK",   "ABORT",  "SAVEPOINT", "RELEASE",
      "PREPARE", "SET",   "RESET",  "DISCARD", "DEALLOCATE", "LISTEN", "UNLISTEN",  "COPY"};
  return std::find(std::begin(kWords), std::end(kWords), keyword) != std::end(kWords);
}

// Statements that may follow set_config in one implicit transaction (a call with its own
// timeout on a pipeline). Others (VACUUM, CREATE INDEX CONCURRENTLY, CALL with COMMIT, ...)
// must be the only statement of their transaction: with their own timeout they take a worker.
bool runs_after_set_config(const std::string& keyword) {
  static const char* const kWords[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH",
                                       "VALUES", "TABLE",  "MERGE",  "SHOW",   "EXPLAIN"};
  return std::find(std::begin(kWords), std::end(kWords), keyword) != std::end(kWords);
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

// Runs `job` on the pipelines of `group`'s thread; completes on the caller's executor.
template <class Token>
auto async_pipeline(std::shared_ptr<detail::PipelineGroup> group, std::shared_ptr<Job> job,
                    Token&& token) {
  return asio::async_initiate<Token, void(Outcome)>(
      [](auto handler, std::shared_ptr<detail::PipelineGroup> g, std::shared_ptr<Job> j) {
        using Handler = std::decay_t<decltype(handler)>;
        j->completion = std::make_unique<detail::HandlerCompletion<Handler>>(std::move(handler));
        // Inline when the caller already runs on the group's thread (the IoPool case).
        const asio::any_io_executor executor = g->executor();
        asio::dispatch(executor,
                       [g = std::move(g), j = std::move(j)]() mutable { g->submit(std::move(j)); });
      },
      token, std::move(group), std::move(job));
}

class PoolClient final : public Client {
 public:
  // One pipeline group per executor: groups_[i] serves callers on IoPool context i.
  PoolClient(asio::io_context& ticker_context, std::vector<asio::any_io_executor> executors,
             ClientOptions options)
      : ticker_(std::make_shared<detail::Pool::Ticker>(ticker_context)),
        // Pipelines need named statements, and TLS keeps decrypted bytes where the socket
        // watch cannot see them: those connections are used by workers only.
        pipelines_(options.pipeline_depth > 0 && options.statement_cache_size > 0 &&
                   options.sslmode == "disable"),
        default_timeout_(options.default_timeout),
        pool_(std::make_shared<detail::Pool>(ticker_, std::move(options))) {
    const std::size_t max = std::max<std::size_t>(1, pool_->options().max_connections);
    const std::size_t share = (max + executors.size() - 1) / executors.size();
    for (auto& ex : executors) {
      groups_.push_back(std::make_shared<detail::PipelineGroup>(ex, pool_, share));
    }
    std::vector<std::weak_ptr<detail::PipelineGroup>> weak(groups_.begin(), groups_.end());
    pool_->on_exhausted([weak] {
      for (const auto& w : weak) {
        if (auto g = w.lock()) g->reclaim();
      }
    });
    pool_->start();
  }
  ~PoolClient() override {
    for (auto& g : groups_) g->close();
    pool_->close();
    pool_->wait_for_deliveries();
  }

  asio::awaitable<Result<StatementResult>> run(Statement statement, ExecOptions options) override {
    auto job = std::make_shared<Job>();
    const std::string keyword = first_keyword(statement.sql);
    job->pipelinable = keyword != "COPY";
    const bool fast = pipelines_ && !changes_session(keyword) &&
                      (options.timeout == default_timeout_ || runs_after_set_config(keyword));
    job->statements.push_back(std::move(statement));
    job->options = options;
    if (fast) {
      // The awaitable is built before co_await (g++ 12 and temporaries in co_await).
      auto op = async_pipeline(pick(), std::move(job), asio::use_awaitable);
      Outcome outcome = co_await std::move(op);
      if (!outcome) co_return outcome.error();
      co_return std::move(outcome->front());
    }
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
  // The caller's own thread's group (no hop); callers elsewhere take turns.
  std::shared_ptr<detail::PipelineGroup> pick() {
    const int index = IoPool::current_index();
    if (index >= 0 && static_cast<std::size_t>(index) < groups_.size()) return groups_[index];
    return groups_[next_.fetch_add(1, std::memory_order_relaxed) % groups_.size()];
  }

  std::shared_ptr<detail::Pool::Ticker> ticker_;
  bool pipelines_;
  std::chrono::milliseconds default_timeout_;
  std::shared_ptr<detail::Pool> pool_;
  std::vector<std::shared_ptr<detail::PipelineGroup>> groups_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace

ClientPtr make_client(asio::io_context& ioc, ClientOptions options) {
  // The context may be run by several threads: the pipelines live on a strand.
  std::vector<asio::any_io_executor> executors{asio::make_strand(ioc)};
  return std::make_shared<PoolClient>(ioc, std::move(executors), std::move(options));
}

ClientPtr make_client(IoPool& io, ClientOptions options) {
  std::vector<asio::any_io_executor> executors;
  for (std::size_t i = 0; i < io.size(); ++i) executors.push_back(io.context(i).get_executor());
  return std::make_shared<PoolClient>(io.next(), std::move(executors), std::move(options));
}

}  // namespace throome::postgres
