#include "adapters/kafka/conf.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "throome/monitor/log_rate_limiter.hpp"

namespace throome::kafka::detail {
namespace {

void set(Properties& p, std::string name, std::string value) {
  for (auto& [k, v] : p) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  p.emplace_back(std::move(name), std::move(value));
}

void set_all(Properties& p, const std::vector<std::pair<std::string, std::string>>& extra) {
  for (const auto& [k, v] : extra) set(p, k, v);
}

// librdkafka logs from its own threads; spdlog is thread-safe. Repeated lines (a broker that
// stays down) are rate limited.
void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  try {
    const std::string line =
        fmt::format("kafka {} [{}]: {}", rk != nullptr ? rd_kafka_name(rk) : "",
                    fac != nullptr ? fac : "", buf != nullptr ? buf : "");
    if (level <= 3) {
      monitor::log_limited(spdlog::level::warn, line);
    } else if (level == 4) {
      monitor::log_limited(spdlog::level::info, line);
    } else {
      spdlog::debug("{}", line);
    }
  } catch (...) {
    // Nothing may cross into C.
  }
}

long long as_number(const std::string& s, long long fallback) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : fallback;
}

}  // namespace

std::string property(const Properties& properties, const std::string& name) {
  std::string out;
  for (const auto& [k, v] : properties) {
    if (k == name) out = v;
  }
  return out;
}

Properties producer_properties(const ClientOptions& o) {
  Properties p;
  set(p, "bootstrap.servers", o.brokers);
  set(p, "client.id", "throome");
  // No loss, no duplicates from producer retries, in order per partition.
  set(p, "enable.idempotence", "true");
  set(p, "acks", "all");
  // Batching: many concurrent requests share produce requests.
  set(p, "linger.ms", "2");
  set(p, "batch.num.messages", "10000");
  set(p, "queue.buffering.max.messages",
      std::to_string(std::max<std::size_t>(1, o.max_queued_messages)));
  set(p, "socket.keepalive.enable", "true");
  // Produce requests are pipelined (up to 5 in flight): with Nagle, one written while the
  // previous is unacknowledged waits for the broker's delayed ACK (up to ~40 ms on Linux).
  set(p, "socket.nagle.disable", "true");
  set(p, "message.timeout.ms", std::to_string(o.timeout.count()));
  set_all(p, o.producer);
  // A request never waits longer than its deadline: bound the delivery timeout.
  for (const char* name : {"message.timeout.ms", "delivery.timeout.ms"}) {
    const std::string v = property(p, name);
    if (v.empty()) continue;
    const long long ms = as_number(v, o.timeout.count());
    if (ms <= 0 || ms > o.timeout.count()) set(p, name, std::to_string(o.timeout.count()));
  }
  return p;
}

Properties consumer_properties(const ClientOptions& o, ConsumerRole role, const std::string& group,
                               const std::string& auto_offset_reset, bool auto_commit) {
  Properties p;
  set(p, "bootstrap.servers", o.brokers);
  set(p, "client.id", "throome");
  set(p, "session.timeout.ms", "10000");
  set(p, "queued.max.messages.kbytes", role == ConsumerRole::reader ? "2048" : "8192");
  set(p, "fetch.wait.max.ms", "100");
  set(p, "socket.keepalive.enable", "true");
  set(p, "allow.auto.create.topics", o.auto_create_topics ? "true" : "false");
  set_all(p, o.consumer);
  // What the gateway relies on.
  set(p, "enable.partition.eof", "false");
  if (role == ConsumerRole::reader) {
    // assign() needs a group id; a reader never joins the group nor commits.
    set(p, "group.id", group.empty() ? "throome-reader" : group);
    set(p, "enable.auto.commit", "false");
    set(p, "enable.auto.offset.store", "false");
    set(p, "auto.offset.reset", "earliest");
  } else {
    set(p, "group.id", group);
    set(p, "enable.auto.commit", auto_commit ? "true" : "false");
    set(p, "enable.auto.offset.store", "true");
    set(p, "auto.offset.reset", auto_offset_reset);
  }
  return p;
}

Result<rd_kafka_conf_t*> make_conf(const Properties& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::array<char, 512> err{};
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err.data(), err.size()) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Error(Errc::bad_request, "invalid kafka property \"" + name + "\"",
                   std::string(err.data()));
    }
  }
  rd_kafka_conf_set_log_cb(conf, &log_cb);
  return conf;
}

}  // namespace throome::kafka::detail
