#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "throome/client/client_error.hpp"
#include "throome/client/client_options.hpp"
#include "throome/client/server_url.hpp"

namespace throome::client::detail {

/// One request as the transport sends it; `target` already includes the base path.
struct HttpRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string content_type;  // sent only with a non-empty body
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string content_type;
  std::string body;
};

/// HTTP/1.1 over keep-alive TCP or TLS connections (Boost.Beast, kept out of every other
/// translation unit), as coroutines. Idle connections are kept for reuse (a small pool, so
/// concurrent requests each get their own connection). Each send() has one deadline covering
/// DNS, connect, TLS handshake, write and read. A reused connection the server closed while
/// idle is detected and replaced once. Thread-safe.
class AsyncTransport {
 public:
  /// @return a transport, or a Kind::usage error when the TLS settings cannot be loaded
  ///         (unreadable CA file, certificate without key, ...).
  static ClientResult<std::shared_ptr<AsyncTransport>> create(boost::asio::any_io_executor executor,
                                                              ServerUrl server,
                                                              std::chrono::milliseconds timeout,
                                                              const TlsOptions& tls);
  ~AsyncTransport();
  AsyncTransport(const AsyncTransport&) = delete;
  AsyncTransport& operator=(const AsyncTransport&) = delete;

  /// @return the response whatever its status; Kind::transport when the daemon cannot be
  ///         reached or the exchange breaks or times out (TLS failures included);
  ///         Kind::protocol for a malformed response; Kind::usage for an unknown method.
  boost::asio::awaitable<ClientResult<HttpResponse>> send(HttpRequest request);

  /// Idle connections kept for reuse.
  std::size_t idle_connections() const;
  /// How many connections have been opened so far.
  int connections_opened() const noexcept;

  struct State;

 private:
  explicit AsyncTransport(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// The blocking flavour: an AsyncTransport driven on a private io_context by the calling
/// thread. Thread-compatible.
class HttpTransport {
 public:
  /// @return a transport, or a Kind::usage error for bad TLS settings.
  static ClientResult<std::unique_ptr<HttpTransport>> create(ServerUrl server,
                                                             std::chrono::milliseconds timeout,
                                                             const TlsOptions& tls);
  /// A plain-HTTP transport (cannot fail).
  HttpTransport(ServerUrl server, std::chrono::milliseconds timeout);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// As AsyncTransport::send, blocking the calling thread.
  ClientResult<HttpResponse> send(const HttpRequest& request);

  /// True while a connection is open (for tests of keep-alive reuse).
  bool connected() const noexcept;
  /// How many connections have been opened so far.
  int connections_opened() const noexcept;

 private:
  struct Driver;
  explicit HttpTransport(std::unique_ptr<Driver> driver);
  std::unique_ptr<Driver> driver_;
};

/// "10s", "1.5s" or "250ms": how a timeout reads in messages.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace throome::client::detail
