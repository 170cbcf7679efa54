#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "throome/http/request.hpp"
#include "throome/http/stream.hpp"

namespace throome::http {

/// One HTTP response, transport independent.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  bool close = false;  // close the connection after sending
  /// A streaming body (Server-Sent Events): the session sends the head with
  /// Transfer-Encoding: chunked, runs this, then closes the connection. `body` is ignored.
  StreamBody stream;
  /// On a response to a WebSocket upgrade request (status 101): the session performs the
  /// handshake instead of sending this response, runs this, then closes the connection.
  WebSocketSession websocket;

  /// A response with a JSON body and Content-Type: application/json.
  static Response json(int status, const nlohmann::json& body);
  /// A response with a raw body and the given Content-Type.
  static Response raw(int status, std::string body, std::string content_type);
  /// 204 No Content.
  static Response no_content();
};

}  // namespace throome::http
