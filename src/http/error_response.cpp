#include "throome/http/error_response.hpp"

namespace throome::http {

int status_for(Errc code) noexcept {
  switch (code) {
    case Errc::ok:
      return 200;
    case Errc::bad_request:
    case Errc::invalid_json:
    case Errc::validation_failed:
    case Errc::backend_error:
      return 400;
    case Errc::unauthorized:
      return 401;
    case Errc::forbidden:
      return 403;
    case Errc::not_found:
      return 404;
    case Errc::method_not_allowed:
      return 405;
    case Errc::conflict:
      return 409;
    case Errc::payload_too_large:
      return 413;
    case Errc::unsupported_media_type:
      return 415;
    case Errc::rate_limited:
      return 429;
    case Errc::header_too_large:
      return 431;
    case Errc::internal:
    case Errc::storage_failed:
      return 500;
    case Errc::backend_unavailable:
    case Errc::overloaded:
      return 503;
    case Errc::timeout:
      return 504;
  }
  return 500;
}

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok:
      return "ok";
    case Errc::bad_request:
      return "bad_request";
    case Errc::invalid_json:
      return "invalid_json";
    case Errc::validation_failed:
      return "validation_failed";
    case Errc::unauthorized:
      return "unauthorized";
    case Errc::forbidden:
      return "forbidden";
    case Errc::not_found:
      return "not_found";
    case Errc::method_not_allowed:
      return "method_not_allowed";
    case Errc::conflict:
      return "conflict";
    case Errc::payload_too_large:
      return "payload_too_large";
    case Errc::unsupported_media_type:
      return "unsupported_media_type";
    case Errc::header_too_large:
      return "header_too_large";
    case Errc::rate_limited:
      return "rate_limited";
    case Errc::backend_error:
      return "backend_error";
    case Errc::backend_unavailable:
      return "backend_unavailable";
    case Errc::overloaded:
      return "overloaded";
    case Errc::timeout:
      return "timeout";
    case Errc::internal:
      return "internal";
    case Errc::storage_failed:
      return "storage_failed";
  }
  return "internal";
}

Response error_response(const Request& req, const Error& error) {
  const int status = status_for(error.code());
  nlohmann::json body = {
      {"error", error.message()},   {"code", errc_name(error.code())}, {"status", status},
      {"details", error.details()}, {"request_id", req.request_id},
  };
  return Response::json(status, body);
}

}  // namespace throome::http
