#pragma once

// The Throome C++ SDK in one include:
//   throome::Client       blocking, one keep-alive connection; cache(), db(), queue(), cluster()
//   throome::AsyncClient  the same API as boost::asio::awaitable coroutines
// Errors are values: every call returns throome::client::ClientResult<T>
// (boost::system::result<T, ClientError>). CMake: find_package(throome CONFIG) and link
// throome::client.

#include "throome/client/async_client.hpp"
#include "throome/client/client.hpp"
#include "throome/client/client_error.hpp"
#include "throome/client/client_options.hpp"
#include "throome/client/data.hpp"
#include "throome/client/views.hpp"

namespace throome {

using client::AsyncClient;
using client::Client;
using client::ClientError;
using client::ClientOptions;
using client::ClientResult;
using client::TlsOptions;

}  // namespace throome
