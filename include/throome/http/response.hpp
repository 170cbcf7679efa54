#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "throome/http/request.hpp"

namespace throome::http {

/// One HTTP response, transport independent.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  bool close = false;  // close the connection after sending

  /// A response with a JSON body and Content-Type: application/json.
  static Response json(int status, const nlohmann::json& body);
  /// A response with a raw body and the given Content-Type.
  static Response raw(int status, std::string body, std::string content_type);
  /// 204 No Content.
  static Response no_content();
};

}  // namespace throome::http
