// The gateway's request pipeline in one process, for the fuzz targets: the real route table
// (api::Api), Dispatcher, Manager and Store (in a private temp dir), and no real backends.
// Redis services get a scripted client that answers +OK to everything so the cache handlers
// run their body decoders; PostgreSQL and Kafka services have no adapter (handlers answer
// their "unavailable" error after decoding what they decode first).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "fakes/fake_redis_client.hpp"
#include "throome/api/api.hpp"
#include "throome/cluster/backends.hpp"
#include "throome/cluster/manager.hpp"
#include "throome/cluster/registry.hpp"
#include "throome/cluster/store.hpp"
#include "throome/config/env.hpp"
#include "throome/http/dispatcher.hpp"
#include "throome/http/route_table.hpp"

namespace throome::fuzz {

class ScriptedRedisFactory final : public cluster::BackendFactory {
 public:
  std::shared_ptr<cluster::Backends> create(const config::ClusterConfig& resolved) override {
    auto out = std::make_shared<cluster::Backends>();
    for (const auto& svc : resolved.services) {
      if (svc.type == config::ServiceType::redis) {
        out->redis.push_back({svc.name, std::make_shared<testing::FakeRedisClient>()});
      }
    }
    return out;
  }
};

/// One in-process gateway. Build once per fuzzer process (static), call handle() per input.
class Gateway {
 public:
  Gateway()
      : dir_(make_dir()),
        store_(dir_ / "clusters"),
        manager_(store_, registry_, config::process_env(), {},
                 std::make_shared<ScriptedRedisFactory>()),
        api_(manager_, admin_pool_, ready_) {
    ready_ = true;
    http::RouteTable routes;
    api_.register_routes(routes);
    dispatcher_ = std::make_unique<http::Dispatcher>(std::move(routes), http::CorsPolicy{});
    // A cluster with one service of each kind, so data-plane routes reach their handlers.
    auto parsed = config::parse_cluster_yaml(
        "cluster_id: f\nname: fuzz\nservices:\n"
        "  cache: {type: redis, host: 127.0.0.1, port: 1}\n"
        "  db: {type: postgres, host: 127.0.0.1, port: 1, username: u, database: d}\n"
        "  events: {type: kafka, host: 127.0.0.1, port: 1}\n");
    if (!parsed || !manager_.create(parsed->config)) std::abort();
  }
  ~Gateway() {
    admin_pool_.join();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Runs one request through the dispatcher to completion.
  http::Response handle(http::Request req) {
    http::Response out;
    bool done = false;
    boost::asio::co_spawn(io_, dispatcher_->dispatch(std::move(req)),
                          [&](std::exception_ptr e, http::Response r) {
                            if (e) std::abort();  // dispatch() promises never to throw
                            out = std::move(r);
                            done = true;
                          });
    // Admin handlers hop to the admin pool and back: keep running until the reply is in.
    while (!done) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    return out;
  }

  /// A handler threw (the dispatcher turned it into a 500 "internal error"): a bug.
  static bool escaped_exception(const http::Response& r) {
    return r.status == 500 && r.body.find("see the gateway log") != std::string::npos;
  }

 private:
  static std::filesystem::path make_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "throome-fuzz-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    return tmpl;
  }

  std::filesystem::path dir_;
  cluster::Store store_;
  cluster::Registry registry_;
  cluster::Manager manager_;
  boost::asio::thread_pool admin_pool_{1};
  std::atomic<bool> ready_{false};
  api::Api api_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  boost::asio::io_context io_;
};

}  // namespace throome::fuzz
