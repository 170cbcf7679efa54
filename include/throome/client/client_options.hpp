#pragma once

#include <chrono>
#include <string>

namespace throome::client {

/// TLS settings, used when the server URL is https://. Verification is on by default: the
/// server's certificate must chain to a trusted CA and name the URL's host (DNS name or IP).
struct TlsOptions {
  /// PEM file of CA certificates to trust; empty: the system's default trust store.
  std::string ca_file;
  /// PEM client certificate (chain) and its private key, for servers that require mutual TLS.
  /// Both or neither.
  std::string cert_file;
  std::string key_file;
  /// false disables certificate and host name verification (development only).
  bool verify = true;
};

/// How a Client reaches the daemon.
struct ClientOptions {
  /// http[s]://host[:port][/base-path].
  std::string server_url = "http://127.0.0.1:9000";
  /// Deadline for one request: DNS, connect, TLS handshake, write and read together.
  std::chrono::milliseconds timeout{10'000};
  /// API key, sent as `Authorization: Bearer <token>` when not empty. Never logged or put in
  /// an error message.
  std::string token;
  /// The User-Agent header.
  std::string user_agent = "throome-client";
  /// The cluster that cache(), db(), queue() and cluster() address when called without an id.
  std::string cluster;
  /// Used for https:// URLs.
  TlsOptions tls;
};

}  // namespace throome::client
