#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "throome/client/client_error.hpp"
#include "throome/client/server_url.hpp"

namespace throome::client::detail {

/// One request as the transport sends it; `target` already includes the base path.
struct HttpRequest {
  std::string_view method;
  std::string target;
  std::string_view body;
  std::string_view content_type;  // sent only with a non-empty body
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string content_type;
  std::string body;
};

/// Blocking HTTP/1.1 over one keep-alive TCP connection (Boost.Beast, kept out of every
/// other translation unit). Each send() has one deadline covering DNS, connect, write and
/// read. A connection the server closed while idle is detected on reuse and replaced once.
/// Thread-compatible.
class HttpTransport {
 public:
  HttpTransport(ServerUrl server, std::chrono::milliseconds timeout);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// @return the response whatever its status; Kind::transport when the daemon cannot be
  ///         reached or the exchange breaks or times out; Kind::protocol for a malformed
  ///         response; Kind::usage for an unknown method.
  ClientResult<HttpResponse> send(const HttpRequest& request);

  /// True while a connection is open (for tests of keep-alive reuse).
  bool connected() const noexcept;
  /// How many TCP connections have been opened so far.
  int connections_opened() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// "10s", "1.5s" or "250ms": how a timeout reads in messages.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace throome::client::detail
