#include "throome/common/error.hpp"

#include <stdexcept>

namespace throome {
namespace {

class ThroomeCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "throome"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ok:
        return "ok";
      case Errc::bad_request:
        return "bad request";
      case Errc::invalid_json:
        return "invalid document";
      case Errc::validation_failed:
        return "validation failed";
      case Errc::unauthorized:
        return "unauthorized";
      case Errc::forbidden:
        return "forbidden";
      case Errc::not_found:
        return "not found";
      case Errc::method_not_allowed:
        return "method not allowed";
      case Errc::conflict:
        return "conflict";
      case Errc::payload_too_large:
        return "payload too large";
      case Errc::unsupported_media_type:
        return "unsupported media type";
      case Errc::header_too_large:
        return "request header fields too large";
      case Errc::rate_limited:
        return "too many requests";
      case Errc::backend_error:
        return "backend error";
      case Errc::backend_unavailable:
        return "backend unavailable";
      case Errc::overloaded:
        return "overloaded";
      case Errc::timeout:
        return "timeout";
      case Errc::internal:
        return "internal error";
      case Errc::storage_failed:
        return "storage failed";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& throome_category() noexcept {
  static const ThroomeCategory category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), throome_category()};
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::system_error(make_error_code(e.code()), e.message());
}

}  // namespace throome
