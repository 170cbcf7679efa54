// The only translation unit that includes Boost.Beast's HTTP server parts and its TLS stream:
// heavy to compile, so everything above the wire (routing, handlers) lives in other files.
#include "throome/http/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

#include "http/beast_request.hpp"
#include "http/upgrade.hpp"
#include "throome/common/io_pool.hpp"
#include "throome/common/shared_slot.hpp"
#include "throome/http/dispatcher.hpp"
#include "throome/http/error_response.hpp"

namespace throome::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

using detail::read_error_to_error;
using detail::to_request;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using SslContext = asio::ssl::context;

// A server context: TLS 1.2 or newer, the certificate chain and key, and client certificate
// verification when a CA file is given. Blocking file I/O: start-up and reload only.
std::shared_ptr<SslContext> make_tls_context(const TlsOptions& tls) {
  auto ctx = std::make_shared<SslContext>(SslContext::tls_server);
  ctx->set_options(SslContext::default_workarounds | SslContext::no_sslv2 | SslContext::no_sslv3 |
                   SslContext::no_tlsv1 | SslContext::no_tlsv1_1 | SslContext::single_dh_use);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    throw std::runtime_error("cannot require TLS 1.2");
  }
  auto loading = [](const std::string& what, const std::string& file, auto&& load) {
    try {
      load();
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot load TLS " + what + " " + file + ": " + e.what());
    }
  };
  loading("certificate", tls.cert_file, [&] { ctx->use_certificate_chain_file(tls.cert_file); });
  loading("key", tls.key_file, [&] { ctx->use_private_key_file(tls.key_file, SslContext::pem); });
  if (!tls.ca_file.empty()) {
    loading("CA file", tls.ca_file, [&] { ctx->load_verify_file(tls.ca_file); });
    ctx->set_verify_mode(asio::ssl::verify_peer |
                         (tls.require_client_cert ? asio::ssl::verify_fail_if_no_peer_cert : 0));
  }
  return ctx;
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  struct Conn {
    Conn(tcp::socket&& s, std::shared_ptr<SslContext> tls_context)
        : context(std::move(tls_context)) {
      if (context) {
        tls = std::make_unique<TlsStream>(std::move(s), *context);
      } else {
        plain.emplace(std::move(s));
      }
    }
    // The TCP stream under TLS, or the plain one: timeouts, cancel and close act on it.
    beast::tcp_stream& wire() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

    std::shared_ptr<SslContext> context;  // kept alive by the connection that uses it
    std::unique_ptr<TlsStream> tls;
    std::optional<beast::tcp_stream> plain;
    bool busy = false;  // a request is being read past its header or processed
    std::string head;   // reused buffer for response heads
    std::uint64_t id = 0;
  };

  Impl(IoPool& p, ServerOptions o, std::shared_ptr<Dispatcher> d)
      : pool(p),
        options(std::move(o)),
        dispatcher(std::move(d)),
        acceptor(p.context(0)),
        shutdown_timer(p.context(0)) {}

  IoPool& pool;
  ServerOptions options;
  std::shared_ptr<Dispatcher> dispatcher;
  tcp::acceptor acceptor;
  asio::steady_timer shutdown_timer;
  std::atomic<bool> stopping{false};
  std::atomic<bool> done_fired{false};
  SharedSlot<SslContext> tls_context;  // null: plain HTTP
  std::function<void()> on_done;

  mutable std::mutex mu;
  std::unordered_map<std::uint64_t, std::shared_ptr<Conn>> conns;
  std::uint64_t next_id = 1;

  void fire_done() {
    if (done_fired.exchange(true)) return;
    if (on_done) on_done();
  }

  void remove(std::uint64_t id) {
    bool empty_now = false;
    {
      std::lock_guard lock(mu);
      conns.erase(id);
      empty_now = conns.empty();
    }
    if (empty_now && stopping.load()) fire_done();
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    asio::steady_timer backoff(acceptor.get_executor());
    while (acceptor.is_open()) {
      // Each connection lives on one context (one thread) for its whole life.
      auto [ec, socket] = co_await acceptor.async_accept(pool.next(), use_nothrow);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        spdlog::warn("accept failed: {}", ec.message());
        // Out of file descriptors and the like: back off instead of spinning.
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(use_nothrow);
        continue;
      }
      beast::error_code ignore;
      socket.set_option(tcp::no_delay(true), ignore);
      auto conn = std::make_shared<Conn>(std::move(socket), tls_context.load());
      bool refuse = false;
      {
        std::lock_guard lock(mu);
        if (conns.size() >= options.max_connections) {
          refuse = true;
        } else {
          conn->id = next_id++;
          conns.emplace(conn->id, conn);
        }
      }
      auto ex = conn->wire().get_executor();
      if (refuse) {
        asio::co_spawn(ex, refuse_connection(conn), asio::detached);
      } else {
        asio::co_spawn(ex, session(conn), [self, id = conn->id](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& err) {
              spdlog::error("connection {} ended by an exception: {}", id, err.what());
            }
          }
          self->remove(id);
        });
      }
    }
  }

  // Over max_connections: a clean 503 and close (a TLS connection is closed: answering would
  // cost a handshake); established connections are unaffected.
  asio::awaitable<void> refuse_connection(std::shared_ptr<Conn> conn) {
    beast::error_code ec;
    if (conn->tls) {
      conn->wire().socket().close(ec);
      co_return;
    }
    static const std::string kBody =
        R"({"error":"too many connections","code":"overloaded","status":503,"details":null,"request_id":""})";
    bhttp::response<bhttp::string_body> res{bhttp::status::service_unavailable, 11};
    res.set(bhttp::field::content_type, "application/json");
    res.set(bhttp::field::retry_after, "1");
    res.set(bhttp::field::server, "throome");
    res.keep_alive(false);
    res.body() = kBody;
    res.prepare_payload();
    conn->wire().expires_after(std::chrono::seconds(2));
    co_await bhttp::async_write(*conn->plain, res, use_nothrow);
    conn->wire().socket().shutdown(tcp::socket::shutdown_send, ec);
    conn->wire().socket().close(ec);
  }

  // The response head is written by hand into one buffer and sent with the body in a single
  // gathered write: cheaper than Beast's generic serializer on the hot path.
  template <class Stream>
  asio::awaitable<bool> send(Conn& c, Stream& stream, const Response& resp, unsigned version,
                             bool head, bool keep_alive) {
    std::string& out = c.head;
    out.clear();
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(resp.status);
    out += ' ';
    out += bhttp::obsolete_reason(static_cast<bhttp::status>(resp.status));
    out += "\r\n";
    for (const auto& [name, value] : resp.headers.fields()) {
      if (name.find_first_of("\r\n") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        continue;  // never let a value split the head
      }
      out += name;
      out += ": ";
      out += value;
      out += "\r\n";
    }
    out += "Server: throome\r\n";
    const bool bodiless = resp.status < 200 || resp.status == 204 || resp.status == 304;
    if (!bodiless) {
      out += "Content-Length: ";
      out += std::to_string(resp.body.size());
      out += "\r\n";
    }
    if (!keep_alive && version == 11) out += "Connection: close\r\n";
    if (keep_alive && version == 10) out += "Connection: keep-alive\r\n";
    out += "\r\n";
    std::array<asio::const_buffer, 2> buffers{
        asio::buffer(out), (head || bodiless) ? asio::const_buffer() : asio::buffer(resp.body)};
    c.wire().expires_after(options.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream, buffers, use_nothrow);
    co_return !ec;
  }

  // Lingering close after refusing a request the client may still be sending (a 413 body, a
  // 431 header): closing with unread input makes the kernel send a reset, which can destroy
  // our answer before the client reads it. Half-close, then read and drop what arrives for a
  // bounded time and amount. (On TLS this reads below the TLS layer: the connection is over.)
  asio::awaitable<void> linger(Conn& c) {
    beast::error_code ec;
    c.wire().socket().shutdown(tcp::socket::shutdown_send, ec);
    c.wire().expires_after(std::chrono::seconds(2));
    std::array<char, 8192> sink{};
    std::size_t dropped = 0;
    while (dropped < 64 * 1024 * 1024) {
      auto [rec, n] = co_await c.wire().async_read_some(asio::buffer(sink), use_nothrow);
      if (rec) break;
      dropped += n;
    }
  }

  asio::awaitable<void> session(std::shared_ptr<Conn> conn) {
    Conn& c = *conn;
    beast::error_code ec;
    const auto remote_ep = c.wire().socket().remote_endpoint(ec);
    const std::string remote = ec ? std::string("unknown") : remote_ep.address().to_string();
    if (c.tls) {
      // A peer that does not complete the handshake in time (or speaks plain HTTP) is dropped.
      c.wire().expires_after(options.tls_handshake_timeout);
      auto [hs] = co_await c.tls->async_handshake(asio::ssl::stream_base::server, use_nothrow);
      if (hs) {
        spdlog::debug("TLS handshake with {} failed: {}", remote, hs.message());
      } else {
        auto op = serve(c, *c.tls, remote);
        co_await std::move(op);
        if (!stopping.load()) {
          // close_notify, and a short wait for the peer's (a truncation is not an attack
          // surface for HTTP with Content-Length, so the wait is bounded tightly).
          c.wire().expires_after(std::chrono::seconds(2));
          auto [sd] = co_await c.tls->async_shutdown(use_nothrow);
          (void)sd;
        }
      }
    } else {
      auto op = serve(c, *c.plain, remote);
      co_await std::move(op);
    }
    c.wire().socket().shutdown(tcp::socket::shutdown_send, ec);
    c.wire().socket().close(ec);
  }

  // The request loop of one connection over `stream` (plain TCP or TLS).
  template <class Stream>
  asio::awaitable<void> serve(Conn& c, Stream& stream, const std::string& remote) {
    beast::flat_buffer buffer;
    bool first = true;

    while (true) {
      c.busy = false;
      if (stopping.load() && buffer.size() == 0) break;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      parser.body_limit(options.max_body_bytes);

      c.wire().expires_after(first ? options.read_timeout : options.idle_timeout);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, use_nothrow);
      if (!hec && !detail::supported_version(parser.get().version())) {
        hec = bhttp::error::bad_version;  // "HTTP/9.9" parses, but we speak 1.0 and 1.1 only
      }
      if (!hec) {
        c.busy = true;
        auto& header = parser.get();
        if (iequals(header[bhttp::field::expect], "100-continue") && !parser.is_done()) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, header.version()};
          c.wire().expires_after(options.write_timeout);
          auto [cec, cn] = co_await bhttp::async_write(stream, cont, use_nothrow);
          if (cec) break;
        }
        if (!parser.is_done()) {
          c.wire().expires_after(options.read_timeout);
          auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, use_nothrow);
          hec = bec;
        }
      }
      if (hec) {
        if (hec == bhttp::error::end_of_stream || hec == beast::error::timeout ||
            hec == asio::error::operation_aborted || hec == asio::error::connection_reset ||
            hec == asio::error::eof || hec == asio::ssl::error::stream_truncated ||
            (hec == bhttp::error::partial_message && buffer.size() == 0)) {
          break;  // the peer went away or was idle too long: nothing to answer
        }
        // A request we cannot accept: answer once, then close (the stream is out of sync).
        Request req;
        req.remote_address = remote;
        req.request_id = choose_request_id(req);
        Response resp = error_response(req, read_error_to_error(hec));
        resp.close = true;
        dispatcher->finish(req, resp);
        if (co_await send(c, stream, resp, 11, false, false)) co_await linger(c);
        break;
      }

      auto message = parser.release();
      const bool head = message.method() == bhttp::verb::head;
      const unsigned version = message.version();
      const bool client_keep_alive = message.keep_alive();
      std::optional<detail::UpgradeRequest> upgrade;  // kept for a WebSocket handshake
      if (message.count(bhttp::field::upgrade) != 0) {
        upgrade.emplace();
        upgrade->base() = message.base();
      }
      // The awaitable is built outside the co_await expression: g++ 12 mishandles class-type
      // temporaries inside one.
      auto op = dispatcher->dispatch(to_request(std::move(message), remote));
      Response resp = co_await std::move(op);
      if (resp.stream || resp.websocket) {
        // Streaming and upgraded responses (SSE, WebSocket) end the connection.
        auto streaming = detail::serve_stream(stream, std::move(upgrade), resp, version,
                                              options.write_timeout, stopping);
        co_await std::move(streaming);
        break;
      }
      const bool keep_alive = client_keep_alive && !resp.close && !stopping.load();
      if (!co_await send(c, stream, resp, version, head, keep_alive)) break;
      if (!keep_alive) break;
      first = false;
    }
  }
};

Server::Server(IoPool& pool, ServerOptions options, std::shared_ptr<Dispatcher> dispatcher)
    : impl_(std::make_shared<Impl>(pool, std::move(options), std::move(dispatcher))) {}

Server::~Server() = default;

void Server::listen() {
  if (impl_->options.tls.enabled()) {
    try {
      impl_->tls_context.store(make_tls_context(impl_->options.tls));
    } catch (const std::exception& e) {
      throw std::system_error(std::make_error_code(std::errc::invalid_argument), e.what());
    }
  }
  // Start-up only: a host name ("localhost") is resolved synchronously, before serving.
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) {
    tcp::resolver resolver(impl_->pool.context(0));
    auto results = resolver.resolve(impl_->options.host, std::to_string(impl_->options.port));
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

bool Server::reload_tls() {
  if (!impl_->options.tls.enabled()) return true;
  try {
    impl_->tls_context.store(make_tls_context(impl_->options.tls));
  } catch (const std::exception& e) {
    spdlog::error("TLS reload failed, keeping the current certificate: {}", e.what());
    return false;
  }
  spdlog::info("TLS certificate reloaded from {}", impl_->options.tls.cert_file);
  return true;
}

bool Server::tls() const { return impl_->options.tls.enabled(); }

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::start() {
  auto impl = impl_;
  asio::co_spawn(impl->acceptor.get_executor(), impl->accept_loop(), asio::detached);
}

void Server::shutdown(std::chrono::milliseconds deadline, std::function<void()> on_done) {
  auto impl = impl_;
  impl->on_done = std::move(on_done);
  impl->stopping = true;
  asio::post(impl->acceptor.get_executor(), [impl] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Impl::Conn>> open;
  {
    std::lock_guard lock(impl->mu);
    for (auto& [id, c] : impl->conns) open.push_back(c);
  }
  for (auto& c : open) {
    // Idle connections (waiting for a request) close now; busy ones after their response.
    asio::post(c->wire().get_executor(), [c] {
      if (!c->busy) c->wire().cancel();
    });
  }
  if (open.empty()) {
    asio::post(impl->pool.context(0), [impl] { impl->fire_done(); });
    return;
  }
  impl->shutdown_timer.expires_after(deadline);
  impl->shutdown_timer.async_wait([impl](beast::error_code ec) {
    if (ec || impl->done_fired.load()) return;  // every connection finished in time
    std::vector<std::shared_ptr<Impl::Conn>> left;
    {
      std::lock_guard lock(impl->mu);
      for (auto& [id, c] : impl->conns) left.push_back(c);
    }
    spdlog::warn("shutdown deadline passed: closing {} connection(s) with requests in flight",
                 left.size());
    for (auto& c : left) {
      asio::post(c->wire().get_executor(), [c] {
        beast::error_code ignore;
        c->wire().socket().close(ignore);
      });
    }
    impl->fire_done();
  });
}

std::size_t Server::connection_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->conns.size();
}

}  // namespace throome::http
