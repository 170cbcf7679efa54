#pragma once

#include "throome/common/error.hpp"
#include "throome/http/request.hpp"
#include "throome/http/response.hpp"

namespace throome::http {

/// The single mapping from an Errc to an HTTP status code.
int status_for(Errc code) noexcept;

/// The single place that turns an Error into an HTTP response:
/// `{"error": message, "code": "<errc>", "status": N, "details": ..., "request_id": ...}`.
Response error_response(const Request& req, const Error& error);

/// The machine-readable name of an Errc ("not_found").
std::string_view errc_name(Errc code) noexcept;

}  // namespace throome::http
