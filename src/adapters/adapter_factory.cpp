#include "throome/adapters/adapter_factory.hpp"

#include <algorithm>

#include "throome/adapters/kafka/dev_broker.hpp"
#include "throome/common/io_pool.hpp"

namespace throome::adapters {

AdapterFactory::AdapterFactory(IoPool& pool, DevBrokerLookup dev_brokers)
    : pool_(pool), dev_brokers_(std::move(dev_brokers)) {}

redis::ClientOptions redis_options(const config::ClusterConfig& cluster,
                                   const config::ServiceConfig& service, int io_threads) {
  redis::ClientOptions o;
  o.host = service.host;
  o.port = service.port;
  o.username = service.username;
  o.password = service.password;
  if (auto it = service.options.find("db");
      it != service.options.end() && it->is_number_integer()) {
    o.db = it->get<int>();
  }
  // A few pipelined connections carry any load: one per IO thread by default.
  o.connections =
      static_cast<std::size_t>(service.pool.max_connections.value_or(std::max(1, io_threads)));
  o.command_timeout = std::chrono::milliseconds(cluster.routing.timeout_ms);
  o.connect_timeout = std::chrono::milliseconds(
      std::min(cluster.routing.timeout_ms, cluster.health.timeout * 1000));
  o.name = cluster.cluster_id + "/" + service.name;
  return o;
}

postgres::ClientOptions postgres_options(const config::ClusterConfig& cluster,
                                         const config::ServiceConfig& service,
                                         const config::ReplicaConfig* replica) {
  postgres::ClientOptions o;
  o.host = replica != nullptr ? replica->host : service.host;
  o.port = replica != nullptr ? replica->port : service.port;
  o.user = service.username;
  o.password = service.password;
  o.database = service.database;
  if (service.tls.enabled) {
    o.sslmode = service.tls.insecure_skip_verify ? "require" : "verify-full";
    o.sslrootcert = service.tls.ca_file;
    o.sslcert = service.tls.cert_file;
    o.sslkey = service.tls.key_file;
  }
  const auto& pool = service.pool;
  o.max_connections = static_cast<std::size_t>(pool.max_connections.value_or(10));
  o.min_connections =
      std::min(o.max_connections, static_cast<std::size_t>(pool.min_connections.value_or(1)));
  if (pool.max_idle_time) o.max_idle_time = std::chrono::seconds(*pool.max_idle_time);
  if (pool.max_lifetime) o.max_lifetime = std::chrono::seconds(*pool.max_lifetime);
  o.wait_timeout =
      std::chrono::milliseconds(pool.wait_timeout_ms.value_or(cluster.routing.timeout_ms));
  auto option = [&](const char* name) -> const nlohmann::json* {
    auto it = service.options.find(name);
    return it == service.options.end() ? nullptr : &*it;
  };
  if (const auto* v = option("statement_cache_size"); v != nullptr && v->is_number_integer()) {
    o.statement_cache_size = v->get<std::size_t>();
  }
  if (const auto* v = option("pipeline_depth"); v != nullptr && v->is_number_integer()) {
    o.pipeline_depth = v->get<std::size_t>();
  }
  if (const auto* v = option("max_waiting"); v != nullptr && v->is_number_integer()) {
    o.max_waiting = v->get<std::size_t>();
  }
  if (const auto* v = option("application_name"); v != nullptr && v->is_string()) {
    o.application_name = v->get<std::string>();
  }
  o.default_timeout = std::chrono::milliseconds(cluster.routing.timeout_ms);
  o.connect_timeout = std::chrono::milliseconds(
      std::min(cluster.routing.timeout_ms, cluster.health.timeout * 1000));
  o.name = cluster.cluster_id + "/" + service.name;
  if (replica != nullptr) o.name += "@" + replica->host + ":" + std::to_string(replica->port);
  return o;
}

namespace {

// A librdkafka property value from YAML/JSON: strings as they are, numbers and booleans as
// their text (librdkafka reads "true", "5", "0.5").
std::string property_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

std::vector<std::pair<std::string, std::string>> properties_of(const nlohmann::json& options,
                                                               const char* name) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = options.find(name);
  if (it == options.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) {
    if (v.is_null() || v.is_object() || v.is_array()) continue;
    out.emplace_back(k, property_text(v));
  }
  return out;
}

}  // namespace

kafka::ClientOptions kafka_options(const config::ClusterConfig& cluster,
                                   const config::ServiceConfig& service) {
  kafka::ClientOptions o;
  const auto& opts = service.options;
  auto option = [&](const char* name) -> const nlohmann::json* {
    auto it = opts.find(name);
    return it == opts.end() || it->is_null() ? nullptr : &*it;
  };
  o.brokers = service.host + ":" + std::to_string(service.port);
  if (const auto* v = option("brokers");
      v != nullptr && v->is_string() && !v->get<std::string>().empty()) {
    o.brokers = v->get<std::string>();
  }
  o.producer = properties_of(opts, "producer");
  o.consumer = properties_of(opts, "consumer");
  o.timeout = std::chrono::milliseconds(cluster.routing.timeout_ms);
  if (const auto* v = option("consumer_idle_timeout"); v != nullptr && v->is_number_integer()) {
    o.consumer_idle_timeout =
        std::chrono::seconds(std::max<std::int64_t>(1, v->get<std::int64_t>()));
  }
  if (const auto* v = option("auto_create_topics"); v != nullptr && v->is_boolean()) {
    o.auto_create_topics = v->get<bool>();
  }
  if (const auto* v = option("max_consumers"); v != nullptr && v->is_number_integer()) {
    o.max_consumers = static_cast<std::size_t>(std::max<std::int64_t>(1, v->get<std::int64_t>()));
  }
  // Every gateway instance serving this service derives the same key, so cursors work
  // behind any load balancer; options.cursor_secret makes them unforgeable.
  o.cursor_key = "throome-cursor/" + cluster.cluster_id + "/" + service.name + "/" + o.brokers;
  if (const auto* v = option("cursor_secret");
      v != nullptr && v->is_string() && !v->get<std::string>().empty()) {
    o.cursor_key = v->get<std::string>();
  }
  o.name = cluster.cluster_id + "/" + service.name;
  return o;
}

std::shared_ptr<cluster::Backends> AdapterFactory::create(const config::ClusterConfig& resolved) {
  auto backends = std::make_shared<cluster::Backends>();
  for (const auto& svc : resolved.services) {
    if (svc.type == config::ServiceType::postgres) {
      cluster::Backends::Postgres pg;
      pg.service = svc.name;
      pg.primary = postgres::make_client(pool_, postgres_options(resolved, svc));
      for (const auto& replica : svc.replicas) {
        if (replica.role == "primary") continue;  // a failover target, not a read replica
        pg.replicas.push_back(
            postgres::make_client(pool_, postgres_options(resolved, svc, &replica)));
      }
      backends->postgres.push_back(std::move(pg));
    }
    if (svc.type == config::ServiceType::kafka) {
      auto options = kafka_options(resolved, svc);
      if (svc.provision && dev_brokers_) {
        if (auto dev = dev_brokers_(resolved.cluster_id, svc.name)) {
          options.brokers = dev->bootstrap();
          options.dev_broker = std::move(dev);
        }
      }
      backends->kafka.push_back({svc.name, kafka::make_client(pool_, std::move(options)), nullptr});
    }
    if (svc.type == config::ServiceType::redis) {
      backends->redis.push_back(
          {svc.name, redis::make_client(
                         pool_, redis_options(resolved, svc, static_cast<int>(pool_.size())))});
    }
  }
  return backends;
}

}  // namespace throome::adapters
