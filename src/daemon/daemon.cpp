#include "throome/daemon/daemon.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <filesystem>
#include <thread>
#include <vector>

#include "throome/adapters/adapter_factory.hpp"
#include "throome/adapters/kafka/client.hpp"
#include "throome/api/api.hpp"
#include "throome/auth/access_guard.hpp"
#include "throome/cluster/manager.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/cluster/store.hpp"
#include "throome/common/io_pool.hpp"
#include "throome/daemon/logging.hpp"
#include "throome/http/dispatcher.hpp"
#include "throome/http/server.hpp"
#include "throome/monitor/access_log.hpp"
#include "throome/monitor/activity_log.hpp"
#include "throome/monitor/gateway_collector.hpp"
#include "throome/monitor/http_metrics.hpp"
#include "throome/monitor/metrics.hpp"
#include "throome/monitor/monitored_backend_factory.hpp"
#include "throome/monitor/process_collector.hpp"
#include "throome/provision/local_provisioner.hpp"
#include "throome/router/routing_backend_factory.hpp"
#include "throome/version.hpp"

namespace throome::daemon {
namespace {

namespace asio = boost::asio;

bool write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  return ok && ::rename(temp.c_str(), path.c_str()) == 0;
}

http::CorsPolicy cors_policy(const config::CorsConfig& c) {
  http::CorsPolicy p;
  p.enabled = c.enabled;
  p.allowed_origins = c.allowed_origins;
  p.allowed_methods = c.allowed_methods;
  p.allowed_headers = c.allowed_headers;
  p.max_age_seconds = static_cast<int>(c.max_age.count());
  return p;
}

http::ServerOptions server_options(const config::AppConfig& cfg) {
  http::ServerOptions o;
  o.host = cfg.server.host;
  o.port = cfg.server.port;
  o.read_timeout = cfg.server.read_timeout;
  o.write_timeout = cfg.server.write_timeout;
  o.idle_timeout = cfg.server.idle_timeout;
  o.max_header_bytes = cfg.server.max_header_bytes;
  o.max_body_bytes = cfg.server.max_body_bytes;
  o.max_connections = static_cast<std::size_t>(cfg.gateway.max_connections);
  o.tls.cert_file = cfg.server.tls.cert_file;
  o.tls.key_file = cfg.server.tls.key_file;
  o.tls.ca_file = cfg.server.tls.ca_file;
  o.tls.require_client_cert = cfg.server.tls.require_client_cert;
  return o;
}

// The observability parts of monitoring.*: none when monitoring is disabled.
api::Monitoring make_monitoring(const config::MonitoringConfig& c) {
  api::Monitoring m;
  if (!c.enabled) {
    m.metrics_path.clear();
    return m;
  }
  m.metrics_path = c.metrics_path;
  m.metrics = std::make_shared<monitor::Metrics>();
  m.metrics->add_collectable(std::make_shared<monitor::ProcessCollector>());
  if (c.activity_size > 0) {
    monitor::ActivityOptions options;
    options.capacity = static_cast<std::size_t>(c.activity_size);
    options.store_values = c.activity_store_values;
    options.value_max_bytes = c.activity_value_max_bytes;
    m.activity = std::make_shared<monitor::ActivityLog>(options);
  }
  return m;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

Daemon::Daemon(config::AppConfig cfg, DaemonOptions options)
    : cfg_(std::move(cfg)), options_(std::move(options)) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  spdlog::info("throome {} ({}) starting", kVersion, kGitCommit);
  for (const auto& w : cfg_.warnings) spdlog::warn("config: {}", w);

  std::unique_ptr<cluster::Store> store;
  try {
    store = std::make_unique<cluster::Store>(cfg_.gateway.clusters_dir);
  } catch (const std::exception& e) {
    spdlog::critical("cannot use clusters dir {}: {}", cfg_.gateway.clusters_dir, e.what());
    return 1;
  }
  const int threads = cfg_.server.threads > 0
                          ? cfg_.server.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  IoPool io(static_cast<std::size_t>(threads));
  asio::io_context& ioc = io.context(0);  // signals, timers and the acceptor

  cluster::Registry registry;
  const api::Monitoring monitoring = make_monitoring(cfg_.monitoring);
  // Local servers for `provision: true` services: started by the Manager (on the admin pool,
  // or here while loading), stopped at the end of run() with their data kept.
  provision::LocalOptions provision_options;
  provision_options.state_dir =
      std::filesystem::absolute(cfg_.gateway.state_dir).lexically_normal();
  provision_options.redis_server = cfg_.provision.redis_server;
  provision_options.postgres_bin_dir = cfg_.provision.postgres_bin_dir;
  provision_options.start_timeout = cfg_.provision.start_timeout;
  auto provisioner = std::make_shared<provision::LocalProvisioner>(provision_options);
  adapters::DevBrokerLookup dev_brokers = [provisioner](std::string_view cluster_id,
                                                        std::string_view service) {
    return provisioner->dev_broker(cluster_id, service);
  };
  std::shared_ptr<cluster::BackendFactory> factory =
      std::make_shared<adapters::AdapterFactory>(io, std::move(dev_brokers));
  if (monitoring.metrics) {
    // Every adapter is wrapped: each backend call is measured (and recorded in the activity
    // log), with its series resolved once per cluster build.
    factory = std::make_shared<monitor::MonitoredBackendFactory>(factory, monitoring.metrics,
                                                                 monitoring.activity);
  }
  // Outermost: routing (strategy, health checks, breakers, failover) over monitored clients.
  factory = std::make_shared<router::RoutingBackendFactory>(factory, io);
  cluster::Manager manager(*store, registry, config::process_env(), {}, factory, provisioner);
  const auto summary = manager.load();
  spdlog::info("clusters dir {}: {} cluster(s) loaded, {} skipped",
               std::filesystem::absolute(cfg_.gateway.clusters_dir).string(), summary.loaded,
               summary.failures.size());
  // Blocking admin work (fsync of cluster files, reload) runs here, never on IO threads.
  asio::thread_pool admin_pool(2);
  std::atomic<bool> ready{false};

  http::RouteTable routes;
  api::Api api(manager, admin_pool, ready, monitoring);
  api.register_routes(routes);

  std::vector<std::shared_ptr<http::RequestObserver>> observers{
      std::make_shared<monitor::AccessLog>()};
  if (monitoring.metrics) {
    observers.push_back(std::make_shared<monitor::HttpMetrics>(*monitoring.metrics));
  }
  // Every routed request passes the guard: API keys and roles when auth is enabled, and the
  // clusters' rate limits and in-flight caps always.
  auto guard = std::make_shared<auth::AccessGuard>(
      options_.keys, registry,
      auth::GuardOptions{.auth_enabled = cfg_.auth.enabled,
                         .metrics_require_auth = cfg_.monitoring.require_auth});
  auto dispatcher = std::make_shared<http::Dispatcher>(
      std::move(routes), cors_policy(cfg_.server.cors), observers, std::move(guard));
  http::Server server(io, server_options(cfg_), dispatcher);
  try {
    server.listen();
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}:{}: {}", cfg_.server.host, cfg_.server.port, e.what());
    admin_pool.join();
    registry.replace_all({});
    provisioner->stop_all();
    return 1;
  }
  if (monitoring.metrics) {
    monitoring.metrics->add_collectable(std::make_shared<monitor::GatewayCollector>(
        registry, [&server] { return server.connection_count(); }));
  }
  server.start();
  const std::string bound = cfg_.server.host + ":" + std::to_string(server.port());
  spdlog::info("listening on {}://{} with {} IO thread(s), {}", server.tls() ? "https" : "http",
               bound, threads,
               cfg_.auth.enabled ? "API keys required (" +
                                       std::to_string(cfg_.auth.api_keys.size()) + " configured)"
                                 : std::string("authentication disabled"));

  asio::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  signals.add(SIGUSR1);
  asio::steady_timer drain_timer(ioc);
  std::atomic<bool> stopping{false};
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGUSR1) {
          toggle_debug_level(cfg_.logging);
          signals.async_wait(on_signal);
          return;
        }
        if (sig == SIGHUP) {
          spdlog::info("SIGHUP: reloading clusters{}",
                       server.tls() ? " and the TLS certificate" : "");
          asio::post(admin_pool, [&manager, &server] {
            server.reload_tls();
            manager.reload();
          });
          signals.async_wait(on_signal);
          return;
        }
        if (stopping.exchange(true)) {
          spdlog::warn("second stop signal: stopping now");
          io.stop();
          return;
        }
        ready = false;
        spdlog::info("{}: draining connections (deadline {} ms)",
                     sig == SIGINT ? "SIGINT" : "SIGTERM", cfg_.server.shutdown_timeout.count());
        server.shutdown(cfg_.server.shutdown_timeout, [&] {
          // No request is left: close backend connections (their closes run on the IO
          // threads), give them a moment, then stop. On context 0, which owns the timer.
          asio::post(ioc, [&] {
            registry.replace_all({});
            signals.cancel();
            drain_timer.expires_after(std::chrono::milliseconds(200));
            drain_timer.async_wait([&io](const boost::system::error_code&) { io.stop(); });
          });
        });
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);

  ready = true;
  if (!options_.ready_file.empty() && !write_file_atomically(options_.ready_file, bound + "\n")) {
    spdlog::error("cannot write ready file {}", options_.ready_file);
  }

  io.run();
  admin_pool.join();
  registry.replace_all({});
  // The IO threads have stopped but their contexts live until the end of run(): no adapter
  // thread may touch them after that (a Kafka worker finishing a job resumes its caller there).
  kafka::quiesce();
  // Backend connections are closed; now the local servers (their data stays in the state dir).
  provisioner->stop_all();
  spdlog::info("throome stopped");
  return 0;
}

}  // namespace throome::daemon
