#pragma once

// What the blocking Client and the AsyncClient share: request headers, option checks and
// how an HTTP answer becomes a value or a ClientError.

#include <nlohmann/json.hpp>
#include <string_view>

#include "client/http_transport.hpp"
#include "throome/client/client.hpp"

namespace throome::client::detail {

/// Parses the URL and checks the options. @return the URL, or a Kind::usage error.
ClientResult<ServerUrl> validate_options(const ClientOptions& options);

/// The request with Accept, User-Agent and (when set) Authorization headers; a Kind::usage
/// error when `path` does not start with '/'.
ClientResult<HttpRequest> make_request(const ServerUrl& server, const ClientOptions& options,
                                       std::string_view method, std::string_view path,
                                       std::string_view body, std::string_view content_type);

/// The raw answer with its body parsed as JSON when it is JSON.
Response to_response(HttpResponse raw);

/// A 2xx JSON body as a value; non-2xx as a Kind::http error (the daemon's error object in
/// body()), anything else as Kind::protocol.
ClientResult<nlohmann::json> to_result(Response r, const ServerUrl& server);

}  // namespace throome::client::detail
