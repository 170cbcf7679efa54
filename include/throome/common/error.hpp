#pragma once

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <utility>

namespace throome {

/// Every expected failure of the gateway, independent of transport. `error_response()` in
/// src/api maps each to exactly one HTTP status.
enum class Errc {
  ok = 0,
  bad_request,             // 400: malformed or semantically invalid input
  invalid_json,            // 400: body is not parseable JSON/YAML
  validation_failed,       // 400 (422 semantics): config failed validation; details list fields
  unauthorized,            // 401
  forbidden,               // 403
  not_found,               // 404: route, cluster, service, key space
  method_not_allowed,      // 405
  conflict,                // 409: duplicate id
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  header_too_large,        // 431
  rate_limited,            // 429
  backend_error,           // 400: the backend rejected the command (e.g. WRONGTYPE)
  backend_unavailable,     // 503
  overloaded,              // 503: bounded queue full
  timeout,                 // 504
  internal,                // 500
  storage_failed,          // 500: the clusters dir could not be written
};

/// The std::error_category of Errc ("throome").
const std::error_category& throome_category() noexcept;
std::error_code make_error_code(Errc e) noexcept;

/// A failure as a value: a code, a human-readable message and optional structured details
/// (e.g. the list of validation problems). Messages never contain secrets.
class Error {
 public:
  Error() = default;
  Error(Errc code, std::string message, nlohmann::json details = nullptr)
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  Errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const nlohmann::json& details() const noexcept { return details_; }

 private:
  Errc code_ = Errc::internal;
  std::string message_;
  nlohmann::json details_;
};

/// boost::system::result needs this to turn an Error into an exception on `.value()`.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace throome

template <>
struct std::is_error_code_enum<throome::Errc> : std::true_type {};
