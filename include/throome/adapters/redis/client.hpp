#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "throome/adapters/redis/reply.hpp"
#include "throome/common/error.hpp"

namespace throome {
class IoPool;
}

namespace throome::redis {

/// Where and how to connect to one Redis backend.
struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // ACL user (Redis 6+); empty = the default user
  std::string password;  // AUTH when non-empty; never logged
  int db = 0;            // SELECT when non-zero
  std::size_t connections = 2;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds command_timeout{5'000};
  std::size_t max_in_flight = 4'096;  // per connection; beyond it requests get Errc::overloaded
  std::string name;                   // for logs, e.g. "shop/cache"
};

/// A Redis backend: a small pool of pipelined connections driven by the io_context.
/// Thread-safe. Destroying it closes its connections.
class Client {
 public:
  virtual ~Client() = default;

  /// Runs one command ({"GET","user:42"}); resumes on the caller's executor.
  /// @return the reply (a Redis error is a Reply of type error, not a failure), or
  ///         Errc::backend_unavailable (not connected / connection lost), Errc::timeout
  ///         (no reply within command_timeout), Errc::overloaded. Never throws on I/O.
  virtual boost::asio::awaitable<Result<Reply>> execute(std::vector<std::string> argv) = 0;

  /// Runs several commands back to back on one connection (MULTI/EXEC, WATCH), replies in
  /// order. Same failures as execute().
  virtual boost::asio::awaitable<Result<std::vector<Reply>>> execute_all(
      std::vector<std::vector<std::string>> commands) = 0;

  /// Connections currently ready.
  virtual std::size_t ready_connections() const = 0;
};

using ClientPtr = std::shared_ptr<Client>;

/// The hiredis-on-Asio implementation on one io_context run by any number of threads
/// (connections on strands). Connects in the background; reconnects with backoff.
ClientPtr make_client(boost::asio::io_context& ioc, ClientOptions options);

/// The same over an IoPool: `options.connections` spread over the pool's contexts (at least
/// one per context); a caller on IO thread i uses context i's connections.
ClientPtr make_client(IoPool& pool, ClientOptions options);

}  // namespace throome::redis
