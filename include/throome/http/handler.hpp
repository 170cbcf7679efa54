#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "throome/http/request.hpp"
#include "throome/http/response.hpp"

namespace throome::http {

/// A route handler: a coroutine on an IO thread. It must not block; expected failures are
/// returned as error responses (http::error_response), never thrown.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

}  // namespace throome::http
