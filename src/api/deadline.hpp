#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "throome/common/error.hpp"

namespace throome::api::detail {

template <class T>
struct DeadlineRace {
  explicit DeadlineRace(const boost::asio::any_io_executor& executor) : timer(executor) {}
  std::optional<Result<T>> result;
  boost::asio::steady_timer timer;
};

template <class T>
boost::asio::awaitable<void> finish_race(std::shared_ptr<DeadlineRace<T>> race,
                                         boost::asio::awaitable<Result<T>> op) {
  Result<T> result = co_await std::move(op);
  race->result.emplace(std::move(result));
  race->timer.cancel();
}

/// Awaits `op`, but no longer than `limit`: past it, answers Errc::timeout with `what` and
/// leaves `op` to finish on its own (its result is dropped; a write it carries may still
/// happen). Both run on the caller's executor, which must be single-threaded (our IO threads
/// each run their own io_context), so the result and the timer need no lock.
template <class T>
boost::asio::awaitable<Result<T>> within(boost::asio::awaitable<Result<T>> op,
                                         std::chrono::milliseconds limit, std::string what) {
  auto executor = co_await boost::asio::this_coro::executor;
  auto race = std::make_shared<DeadlineRace<T>>(executor);
  race->timer.expires_after(limit);
  auto finisher = finish_race<T>(race, std::move(op));
  boost::asio::co_spawn(executor, std::move(finisher), boost::asio::detached);
  auto wait = race->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_await std::move(wait);
  if (race->result) co_return std::move(*race->result);
  co_return Error(Errc::timeout, std::move(what),
                  nlohmann::json{{"timeout_ms", static_cast<std::int64_t>(limit.count())}});
}

}  // namespace throome::api::detail
