#pragma once

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace throome::client {

/// Why a client call failed, as a value. Messages name the server and never contain the
/// token or a secret from a request body.
class ClientError {
 public:
  enum class Kind {
    transport,  // the server could not be reached or the exchange broke: connect refused,
                // DNS failure, timeout, connection reset
    http,       // the server answered with a 4xx/5xx status; body() holds its JSON error
    protocol,   // the server answered something that is not the expected HTTP/JSON
    usage,      // the call itself is wrong: malformed URL, unsupported scheme, bad argument
  };

  ClientError() = default;
  /// Not an aggregate on purpose: boost::system::result<T, ClientError> must never be able to
  /// build a ClientError from a T.
  ClientError(Kind kind, std::string message, int http_status = 0, nlohmann::json body = nullptr)
      : kind_(kind),
        http_status_(http_status),
        message_(std::move(message)),
        body_(std::move(body)) {}

  Kind kind() const noexcept { return kind_; }
  /// The HTTP status for Kind::http (and Kind::protocol when a status line was read), else 0.
  int http_status() const noexcept { return http_status_; }
  /// One line, without a trailing newline: for http errors the server's "error" field.
  const std::string& message() const noexcept { return message_; }
  /// The parsed response body for Kind::http (the daemon's error object), else null.
  const nlohmann::json& body() const noexcept { return body_; }

  /// @return the daemon's machine-readable "code" (e.g. "not_found"), or "" when absent.
  std::string code() const;
  /// @return the daemon's "details" field (string, array of {path,message}, or null).
  const nlohmann::json& details() const;

 private:
  Kind kind_ = Kind::protocol;
  int http_status_ = 0;
  std::string message_;
  nlohmann::json body_;
};

/// "transport", "http", "protocol" or "usage".
const char* to_string(ClientError::Kind kind) noexcept;

/// boost::system::result needs this (found by ADL) to turn a ClientError into an exception
/// on `.value()`: throws std::runtime_error with message().
[[noreturn]] void throw_exception_from_error(const ClientError& e,
                                             const boost::source_location& loc);

template <class T>
using ClientResult = boost::system::result<T, ClientError>;

}  // namespace throome::client
