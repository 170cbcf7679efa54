#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>

namespace throome::http {

/// The body of a streaming response (Server-Sent Events): sent in chunks after the head
/// (Transfer-Encoding: chunked). Used from the connection's own thread, one call at a time.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  /// Sends `data` as one chunk. @return false when the peer is gone or the write timed out.
  virtual boost::asio::awaitable<bool> write(std::string data) = 0;
  /// False once the peer closed the connection, a write failed, or the server is shutting
  /// down: the body should end.
  virtual bool open() const = 0;
};

/// A WebSocket connection after the handshake: text messages both ways. One read and one
/// write may be in progress at the same time (each from the connection's own thread).
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  /// The next message from the peer. @return nullopt once it closed or the connection failed.
  virtual boost::asio::awaitable<std::optional<std::string>> read() = 0;
  /// Sends one text message. @return false when the connection is gone.
  virtual boost::asio::awaitable<bool> write(std::string text) = 0;
  /// Sends a close frame (`code`, e.g. 1000) and waits for the peer's (bounded by a timeout).
  virtual boost::asio::awaitable<void> close(int code, std::string reason) = 0;
  /// Closes the socket at once: a pending read() or write() completes.
  virtual void abort() = 0;
  /// False once the connection closed or the server is shutting down: the session should end.
  virtual bool open() const = 0;
};

/// Runs a streaming body. The response head (status, headers) is sent first.
using StreamBody = std::function<boost::asio::awaitable<void>(StreamWriter&)>;
/// Runs a WebSocket session after a successful handshake.
using WebSocketSession = std::function<boost::asio::awaitable<void>(WebSocket&)>;

}  // namespace throome::http
