// The API's JSON body decoders: the input (after its first byte) is the body of a POST/PUT to
// one of the JSON endpoints, chosen by the first byte, on a cluster whose Redis service
// answers +OK and whose PostgreSQL and Kafka services are absent. Exercises parse_json_body
// (syntax, UTF-8, nesting limit), Fields and every handler's decoding up to the backend call.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_gateway.hpp"

namespace {

struct Endpoint {
  const char* method;
  const char* path;
};

constexpr std::array kEndpoints{
    Endpoint{"POST", "/api/v1/clusters"},
    Endpoint{"POST", "/api/v1/clusters/validate"},
    Endpoint{"PUT", "/api/v1/clusters/f"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/get"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/set"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/delete"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/mget"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/mset"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/incr"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/exists"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/expire"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/ttl"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/persist"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/hget"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/hset"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/hgetall"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/hdel"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/lpush"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/rpush"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/lpop"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/rpop"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/lrange"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/sadd"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/srem"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/smembers"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/sismember"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/zadd"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/zrange"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/zrem"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/transaction"},
    Endpoint{"POST", "/api/v1/clusters/f/cache/command"},
    Endpoint{"PUT", "/api/v1/clusters/f/cache/keys/k"},
    Endpoint{"POST", "/api/v1/clusters/f/db/query"},
    Endpoint{"POST", "/api/v1/clusters/f/db/execute"},
    Endpoint{"POST", "/api/v1/clusters/f/db/transaction"},
    Endpoint{"POST", "/api/v1/clusters/f/db/statements/s"},
    Endpoint{"POST", "/api/v1/clusters/f/queue/publish"},
    Endpoint{"POST", "/api/v1/clusters/f/queue/topics"},
    Endpoint{"POST", "/api/v1/clusters/f/queue/consumers"},
    Endpoint{"POST", "/api/v1/clusters/f/queue/consumers/c/offsets"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static throome::fuzz::Gateway gateway;
  if (size == 0) return 0;
  const auto& endpoint = kEndpoints[data[0] % kEndpoints.size()];
  throome::http::Request req;
  req.method = endpoint.method;
  req.target = req.path = endpoint.path;
  req.headers.add("Content-Type", "application/json");
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto resp = gateway.handle(std::move(req));
  if (throome::fuzz::Gateway::escaped_exception(resp)) __builtin_trap();
  return 0;
}
