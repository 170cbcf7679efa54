#pragma once

#include <chrono>
#include <string>

namespace throome::client {

/// How a Client reaches the daemon.
struct ClientOptions {
  /// http://host[:port][/base-path]; https:// is rejected (TLS is not supported yet).
  std::string server_url = "http://127.0.0.1:9000";
  /// Deadline for one request: DNS, connect, write and read together.
  std::chrono::milliseconds timeout{10'000};
  /// Sent as `Authorization: Bearer <token>` when not empty.
  std::string token;
  /// The User-Agent header.
  std::string user_agent = "throome-client";
};

}  // namespace throome::client
