#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>
#include <utility>

namespace throome {

/// Runs the blocking callable `f` on `pool` and resumes the calling coroutine on its own
/// executor with the result. The IO thread is free while `f` runs. Exceptions propagate.
template <class F, class R = std::invoke_result_t<F&>>
boost::asio::awaitable<R> run_blocking(boost::asio::thread_pool& pool, F f) {
  // g++ 12 miscompiles temporaries with non-trivial destructors inside a co_await
  // expression: every callable is a named local before it is awaited.
  if constexpr (std::is_void_v<R>) {
    auto job = [fn = std::move(f)]() mutable -> boost::asio::awaitable<void> {
      fn();
      co_return;
    };
    auto op =
        boost::asio::co_spawn(pool.get_executor(), std::move(job), boost::asio::use_awaitable);
    co_await std::move(op);
  } else {
    // std::optional: co_spawn needs a default-constructible result type.
    auto job = [fn = std::move(f)]() mutable -> boost::asio::awaitable<std::optional<R>> {
      co_return std::optional<R>(fn());
    };
    auto op =
        boost::asio::co_spawn(pool.get_executor(), std::move(job), boost::asio::use_awaitable);
    auto out = co_await std::move(op);
    co_return std::move(*out);
  }
}

}  // namespace throome
