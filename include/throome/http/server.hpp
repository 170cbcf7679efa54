#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace throome {
class IoPool;
}

namespace throome::http {

class Dispatcher;

/// TLS on the listener (OpenSSL; TLS 1.2 or newer). Off when cert_file is empty.
struct TlsOptions {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
  std::string ca_file;    // PEM CAs for client certificates; empty: none asked for
  bool require_client_cert = false;
  bool enabled() const noexcept { return !cert_file.empty(); }
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9000;  // 0 = an ephemeral port (see Server::port())
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_connections = 10'000;
  TlsOptions tls;
  std::chrono::milliseconds tls_handshake_timeout{10'000};
};

/// The HTTP/1.1 listener (Boost.Beast, kept out of this header). Accepted connections are
/// spread over the IoPool's contexts; one coroutine per connection on its context's single
/// thread; keep-alive; pipelined requests answered in order.
class Server {
 public:
  Server(IoPool& pool, ServerOptions options, std::shared_ptr<Dispatcher> dispatcher);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Loads the TLS certificate and key (when TLS is on), binds and listens.
  /// @throws std::system_error when the address cannot be bound or the certificate, key or CA
  ///         file cannot be loaded.
  void listen();
  /// Reads the TLS files again; connections accepted afterwards use them, open ones keep
  /// theirs. Blocks on file I/O: call it off the IO threads. @return false (the old
  /// certificate stays in use, the reason is logged) when the files cannot be loaded, true
  /// otherwise (also when TLS is off).
  bool reload_tls();
  /// True when the listener speaks TLS.
  bool tls() const;
  /// The bound port (after listen()).
  std::uint16_t port() const;
  /// Starts accepting connections on the io_context.
  void start();
  /// Graceful shutdown: stops accepting, closes idle connections, lets in-flight requests
  /// finish (their connections then close), and force-closes what is left after `deadline`.
  /// `on_done` runs (on an IO thread) once no connection is left.
  void shutdown(std::chrono::milliseconds deadline, std::function<void()> on_done);
  /// Open connections right now.
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace throome::http
