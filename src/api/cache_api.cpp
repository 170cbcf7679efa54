#include "throome/api/cache_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <tuple>

#include "api/deadline.hpp"
#include "throome/api/body.hpp"
#include "throome/api/fields.hpp"
#include "throome/common/base64.hpp"
#include "throome/http/error_response.hpp"
#include "throome/router/router.hpp"

namespace throome::api {
namespace {

namespace asio = boost::asio;
using http::Access;
using http::Request;
using http::Response;
using nlohmann::json;
using redis::Reply;

constexpr std::size_t kMaxItems = 10'000;  // keys/values/members per request
constexpr std::int64_t kMaxTtl = 10LL * 365 * 24 * 3600;
constexpr std::int64_t kMaxTimeoutMs = 600'000;

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// Everything a cache handler needs, resolved once per request.
struct Call {
  json body;
  cluster::ClusterPtr cluster;  // holds the backends alive for the whole request
  redis::ClientPtr client;      // the first (or pinned) backend: used when there is no router
  redis::Encoding encoding = redis::Encoding::utf8;
  std::string key;                                   // routing key (consistent_hash)
  std::string service;                               // pinned service, if any
  std::optional<std::chrono::milliseconds> timeout;  // the request's timeout_ms, if any
};

Result<redis::Encoding> parse_encoding(const Fields& f) {
  auto enc = f.optional_string("encoding");
  if (!enc) return enc.error();
  if (!*enc || **enc == "utf8" || **enc == "utf-8") return redis::Encoding::utf8;
  if (**enc == "base64") return redis::Encoding::base64;
  return field_error("encoding", "must be \"utf8\" or \"base64\"");
}

Result<cluster::ClusterPtr> find_cluster(cluster::Registry& registry, const Request& req) {
  const auto& id = req.param("id");
  auto c = registry.find(id);
  if (!c) return Error(Errc::not_found, "cluster \"" + id + "\" not found");
  return c;
}

// Parses the body, rejects unknown fields, finds the cluster and its Redis backend.
Result<Call> prepare(cluster::Registry& registry, const Request& req,
                     std::initializer_list<std::string_view> fields) {
  auto cluster = find_cluster(registry, req);
  if (!cluster) return cluster.error();
  auto body = parse_json_body(req);
  if (!body) return body.error();
  if (!body->is_object()) return Error(Errc::bad_request, "request body must be a JSON object");
  Fields f(*body);
  for (const auto& [key, value] : body->items()) {
    const bool known = key == "encoding" || key == "service" || key == "timeout_ms" ||
                       std::find(fields.begin(), fields.end(), key) != fields.end();
    if (!known) return field_error(key, "is not a known field");
  }
  auto encoding = parse_encoding(f);
  if (!encoding) return encoding.error();
  auto service = f.optional_string("service");
  if (!service) return service.error();
  auto timeout = f.optional_int("timeout_ms", 1, kMaxTimeoutMs);
  if (!timeout) return timeout.error();
  // The routing key (consistent_hash): "key", else the first of "keys" / "values". Multi-key
  // commands go where their first key lives.
  std::string routing_key;
  if (auto* k = f.find("key"); k != nullptr && k->is_string()) {
    routing_key = k->get<std::string>();
  } else if (auto* ks = f.find("keys");
             ks != nullptr && ks->is_array() && !ks->empty() && ks->front().is_string()) {
    routing_key = ks->front().get<std::string>();
  } else if (auto* vs = f.find("values"); vs != nullptr && vs->is_object() && !vs->empty()) {
    routing_key = vs->begin().key();
  }
  auto client = router::Router::redis_for(**cluster, routing_key, service->value_or(""));
  if (!client) return client.error();
  std::optional<std::chrono::milliseconds> own;
  if (*timeout) own = std::chrono::milliseconds(**timeout);
  return Call{std::move(*body),
              std::move(*cluster),
              std::move(*client),
              *encoding,
              std::move(routing_key),
              service->value_or(""),
              own};
}

// The request's own timeout_ms when it is shorter than the cluster's routing.timeout_ms
// (which the Redis client enforces itself).
std::optional<std::chrono::milliseconds> own_timeout(const Call& call) {
  if (!call.timeout) return std::nullopt;
  if (call.timeout->count() >= call.cluster->config().routing.timeout_ms) return std::nullopt;
  return call.timeout;
}

// One command or batch (`send(client)`) through the router when the cluster has one, else on
// the cluster's client. Owns everything it refers to (the cluster, the routing key, `send`'s
// arguments) so that it can outlive the request when the request's timeout_ms passes first.
template <class T, class Send>
asio::awaitable<Result<T>> dispatch_owned(cluster::ClusterPtr cluster, redis::ClientPtr client,
                                          std::string key, std::string service, bool idempotent,
                                          Send send,
                                          std::optional<std::chrono::milliseconds> timeout) {
  if (auto* upstream = cluster->backends().redis_upstream.get()) {
    auto attempt = [&send](auto& member) { return send(member.client); };
    auto op = upstream->template call<T>(key, service, idempotent, attempt, timeout);
    co_return co_await std::move(op);
  }
  auto op = send(client);
  co_return co_await std::move(op);
}

// dispatch_owned() within the request's own timeout_ms: 504 when it passes first (a write
// Redis completes later still happens; the reply is dropped).
template <class T, class Send>
asio::awaitable<Result<T>> dispatch_bounded(const Call& call, bool idempotent, Send send,
                                            std::chrono::milliseconds limit) {
  auto op = dispatch_owned<T>(call.cluster, call.client, call.key, call.service, idempotent,
                              std::move(send), limit);
  auto raced = detail::within<T>(
      std::move(op), limit,
      "redis request exceeded its timeout_ms (" + std::to_string(limit.count()) + " ms)");
  co_return co_await std::move(raced);
}

// A value from the body: a string (or base64 with encoding=base64); numbers and booleans as
// their JSON text; objects and arrays as JSON text.
Result<std::string> value_of(const json& v, std::string_view field, redis::Encoding enc) {
  if (enc == redis::Encoding::base64) {
    if (!v.is_string()) return field_error(field, "must be a base64 string");
    auto decoded = common::base64_decode(v.get<std::string>());
    if (!decoded) return field_error(field, "is not valid base64");
    return std::move(*decoded);
  }
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return field_error(field, "must not be null");
  return v.dump();
}

Result<std::string> required_value(const Fields& f, std::string_view field, redis::Encoding enc) {
  const auto* v = f.find(field);
  if (v == nullptr) return field_error(field, "is required");
  return value_of(*v, field, enc);
}

// Reads `plural` (an array) or `singular` (one item) as values.
Result<std::vector<std::string>> values_of(const Fields& f, std::string_view plural,
                                           std::string_view singular, redis::Encoding enc) {
  std::vector<std::string> out;
  if (const auto* many = f.find(plural)) {
    if (!many->is_array()) return field_error(plural, "must be an array");
    if (many->empty()) return field_error(plural, "must not be empty");
    if (many->size() > kMaxItems) {
      return field_error(plural, "has more than " + std::to_string(kMaxItems) + " items");
    }
    for (const auto& item : *many) {
      auto v = value_of(item, plural, enc);
      if (!v) return v.error();
      out.push_back(std::move(*v));
    }
    return out;
  }
  if (const auto* one = f.find(singular)) {
    auto v = value_of(*one, singular, enc);
    if (!v) return v.error();
    out.push_back(std::move(*v));
    return out;
  }
  return Error(Errc::bad_request, "field \"" + std::string(plural) + "\" or \"" +
                                      std::string(singular) + "\" is required");
}

Result<std::vector<std::string>> keys_of(const Fields& f) {
  if (f.has("keys")) return f.string_array("keys", kMaxItems);
  auto key = f.string("key");
  if (!key) return Error(Errc::bad_request, "field \"key\" or \"keys\" is required");
  return std::vector<std::string>{std::move(*key)};
}

// Writes reply strings into JSON. Base64 when asked, or when any value of the reply is not
// UTF-8 (then every value of that response is base64, flagged "encoding": "base64", so a
// client never has to guess which values to decode).
class ValueWriter {
 public:
  ValueWriter(redis::Encoding enc, const Reply& reply)
      : base64_(enc == redis::Encoding::base64 || !redis::is_utf8(reply)) {}
  json operator()(const Reply& r) const {
    if (r.type == Reply::Type::string) {
      return base64_ ? json(common::base64_encode(r.str)) : json(r.str);
    }
    if (r.type == Reply::Type::array) {
      json out = json::array();
      for (const auto& e : r.elements) out.push_back((*this)(e));
      return out;
    }
    return redis::to_json(r, redis::Encoding::utf8);
  }
  Response respond(json body) const {
    if (base64_) body["encoding"] = "base64";
    return Response::json(200, body);
  }

 private:
  bool base64_;
};

// Runs one command through the router (strategy, breakers, failover and retries of
// idempotent commands); a Redis error reply becomes Errc::backend_error (400, Redis's message).
asio::awaitable<Result<Reply>> run(const Call& call, std::vector<std::string> argv,
                                   bool idempotent = true) {
  Result<Reply> reply = Error();
  if (const auto limit = own_timeout(call)) {
    auto send = [args = std::make_shared<std::vector<std::string>>(std::move(argv))](
                    const redis::ClientPtr& client) { return client->execute(*args); };
    auto op = dispatch_bounded<Reply>(call, idempotent, std::move(send), *limit);
    reply = co_await std::move(op);
  } else if (auto* upstream = call.cluster->backends().redis_upstream.get()) {
    auto attempt = [&argv](auto& member) { return member.client->execute(argv); };
    auto op = upstream->template call<Reply>(call.key, call.service, idempotent, attempt);
    reply = co_await std::move(op);
  } else {
    auto op = call.client->execute(std::move(argv));
    reply = co_await std::move(op);
  }
  if (!reply) co_return reply.error();
  if (reply->is_error()) {
    co_return Error(Errc::backend_error, reply->str, json{{"redis_error", reply->str}});
  }
  co_return std::move(*reply);
}

json integer_or_null(const Reply& r) {
  return r.type == Reply::Type::integer ? json(r.integer) : json(nullptr);
}

Response success(json extra = json::object()) {
  extra["status"] = "success";
  return Response::json(200, extra);
}

// A number from Redis's float text ("3.5", "inf").
json float_text(const std::string& s) {
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(d)) return s;
  return d;
}

}  // namespace

const std::vector<std::string>& CacheApi::default_denied_commands() {
  static const std::vector<std::string> kDenied{
      "FLUSHALL", "FLUSHDB", "CONFIG", "DEBUG",        "SHUTDOWN", "KEYS",      "MONITOR",
      "SCRIPT",   "SAVE",    "BGSAVE", "BGREWRITEAOF", "SLAVEOF",  "REPLICAOF", "MIGRATE",
      "CLUSTER",  "CLIENT",  "ACL",    "MODULE",       "FAILOVER", "SWAPDB",    "LATENCY",
      "MEMORY",   "SLOWLOG", "PSYNC",  "SYNC",         "FUNCTION"};
  return kDenied;
}

bool CacheApi::breaks_shared_connection(std::string_view cmd) {
  static const std::vector<std::string_view> kStateful{
      "MULTI",      "EXEC",        "DISCARD",      "WATCH",        "UNWATCH",   "SELECT",
      "AUTH",       "HELLO",       "QUIT",         "RESET",        "SUBSCRIBE", "PSUBSCRIBE",
      "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "BLPOP",     "BRPOP",
      "BRPOPLPUSH", "BLMOVE",      "BLMPOP",       "BZPOPMIN",     "BZPOPMAX",  "BZMPOP",
      "XREAD",      "XREADGROUP",  "WAIT",         "WAITAOF",      "READONLY",  "READWRITE",
      "CLIENT"};
  return std::find(kStateful.begin(), kStateful.end(), cmd) != kStateful.end();
}

CacheApi::CacheApi(cluster::Registry& registry) : registry_(registry) {}

void CacheApi::register_routes(http::RouteTable& routes) {
  const std::string base = "/api/v1/clusters/{id}/cache/";
  // Reads are open to read-only keys; everything that can change data needs write access.
  const std::vector<std::tuple<const char*, Access, Handler>> posts{
      {"get", Access::read, &CacheApi::get},
      {"set", Access::write, &CacheApi::set},
      {"delete", Access::write, &CacheApi::del},
      {"mget", Access::read, &CacheApi::mget},
      {"mset", Access::write, &CacheApi::mset},
      {"incr", Access::write, &CacheApi::incr},
      {"exists", Access::read, &CacheApi::exists},
      {"expire", Access::write, &CacheApi::expire},
      {"ttl", Access::read, &CacheApi::ttl},
      {"persist", Access::write, &CacheApi::persist},
      {"hget", Access::read, &CacheApi::hget},
      {"hset", Access::write, &CacheApi::hset},
      {"hgetall", Access::read, &CacheApi::hgetall},
      {"hdel", Access::write, &CacheApi::hdel},
      {"lpush", Access::write, &CacheApi::lpush},
      {"rpush", Access::write, &CacheApi::rpush},
      {"lpop", Access::write, &CacheApi::lpop},
      {"rpop", Access::write, &CacheApi::rpop},
      {"lrange", Access::read, &CacheApi::lrange},
      {"sadd", Access::write, &CacheApi::sadd},
      {"srem", Access::write, &CacheApi::srem},
      {"smembers", Access::read, &CacheApi::smembers},
      {"sismember", Access::read, &CacheApi::sismember},
      {"zadd", Access::write, &CacheApi::zadd},
      {"zrange", Access::read, &CacheApi::zrange},
      {"zrem", Access::write, &CacheApi::zrem},
      {"transaction", Access::write, &CacheApi::transaction},
      {"command", Access::write, &CacheApi::command},
  };
  auto bind = [this](Handler h) { return [this, h](Request& req) { return (this->*h)(req); }; };
  for (const auto& [name, access, handler] : posts) {
    routes.add("POST", base + name, access, bind(handler));
  }
  routes.add("GET", base + "keys/{key...}", Access::read, bind(&CacheApi::key_get));
  routes.add("PUT", base + "keys/{key...}", Access::write, bind(&CacheApi::key_put));
  routes.add("DELETE", base + "keys/{key...}", Access::write, bind(&CacheApi::key_delete));
}

// ---- strings ---------------------------------------------------------------------------

asio::awaitable<Response> CacheApi::get(Request& req) {
  auto call = prepare(registry_, req, {"key"});
  if (!call) co_return http::error_response(req, call.error());
  auto key = Fields(call->body).string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> argv{"GET", std::move(*key)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  co_return w.respond({{"value", w(*reply)}, {"found", !reply->is_nil()}});
}

asio::awaitable<Response> CacheApi::set(Request& req) {
  auto call = prepare(registry_, req, {"key", "value", "ttl", "expiration", "nx", "xx"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto value = required_value(f, "value", call->encoding);
  if (!value) co_return http::error_response(req, value.error());
  auto ttl = f.optional_int("ttl", 0, kMaxTtl);
  if (!ttl) co_return http::error_response(req, ttl.error());
  auto expiration = f.optional_int("expiration", 0, kMaxTtl);
  if (!expiration) co_return http::error_response(req, expiration.error());
  if (*ttl && *expiration && **ttl != **expiration) {
    co_return http::error_response(
        req, Error(Errc::bad_request, "fields \"ttl\" and \"expiration\" disagree",
                   "\"expiration\" is an alias of \"ttl\": send one"));
  }
  auto nx = f.boolean("nx", false);
  auto xx = f.boolean("xx", false);
  if (!nx) co_return http::error_response(req, nx.error());
  if (!xx) co_return http::error_response(req, xx.error());
  if (*nx && *xx) {
    co_return http::error_response(
        req, Error(Errc::bad_request, "\"nx\" and \"xx\" exclude each other"));
  }
  std::vector<std::string> argv{"SET", std::move(*key), std::move(*value)};
  const std::int64_t seconds = ttl->value_or(expiration->value_or(0));
  if (seconds > 0) {
    argv.push_back("EX");
    argv.push_back(std::to_string(seconds));
  }
  if (*nx) argv.push_back("NX");
  if (*xx) argv.push_back("XX");
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return success({{"set", !reply->is_nil()}});
}

asio::awaitable<Response> CacheApi::del(Request& req) {
  auto call = prepare(registry_, req, {"key", "keys"});
  if (!call) co_return http::error_response(req, call.error());
  auto keys = keys_of(Fields(call->body));
  if (!keys) co_return http::error_response(req, keys.error());
  std::vector<std::string> argv{"DEL"};
  argv.insert(argv.end(), keys->begin(), keys->end());
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return success({{"deleted", integer_or_null(*reply)}});
}

asio::awaitable<Response> CacheApi::mget(Request& req) {
  auto call = prepare(registry_, req, {"keys"});
  if (!call) co_return http::error_response(req, call.error());
  auto keys = Fields(call->body).string_array("keys", kMaxItems);
  if (!keys) co_return http::error_response(req, keys.error());
  std::vector<std::string> argv{"MGET"};
  argv.insert(argv.end(), keys->begin(), keys->end());
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  json values = json::array();
  json found = json::array();
  for (const auto& e : reply->elements) {
    values.push_back(w(e));
    found.push_back(!e.is_nil());
  }
  co_return w.respond({{"values", values}, {"found", found}});
}

asio::awaitable<Response> CacheApi::mset(Request& req) {
  auto call = prepare(registry_, req, {"values"});
  if (!call) co_return http::error_response(req, call.error());
  const auto* values = Fields(call->body).find("values");
  if (values == nullptr) co_return http::error_response(req, field_error("values", "is required"));
  if (!values->is_object() || values->empty()) {
    co_return http::error_response(
        req, field_error("values", "must be a non-empty object of key: value"));
  }
  if (values->size() > kMaxItems) {
    co_return http::error_response(
        req, field_error("values", "has more than " + std::to_string(kMaxItems) + " entries"));
  }
  std::vector<std::string> argv{"MSET"};
  for (const auto& [k, v] : values->items()) {
    auto value = value_of(v, "values." + k, call->encoding);
    if (!value) co_return http::error_response(req, value.error());
    argv.push_back(k);
    argv.push_back(std::move(*value));
  }
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return success({{"count", values->size()}});
}

asio::awaitable<Response> CacheApi::incr(Request& req) {
  auto call = prepare(registry_, req, {"key", "by"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> argv;
  bool is_float = false;
  if (const auto* by = f.find("by")) {
    if (by->is_number_integer() && !by->is_number_unsigned()) {
      argv = {"INCRBY", *key, std::to_string(by->get<std::int64_t>())};
    } else if (by->is_number_unsigned()) {
      if (by->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        co_return http::error_response(req, field_error("by", "is out of range"));
      }
      argv = {"INCRBY", *key, std::to_string(by->get<std::int64_t>())};
    } else if (by->is_number_float()) {
      const double d = by->get<double>();
      if (!std::isfinite(d))
        co_return http::error_response(req, field_error("by", "must be finite"));
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
      argv = {"INCRBYFLOAT", *key, std::string(buf, ptr)};
      is_float = true;
    } else {
      co_return http::error_response(req, field_error("by", "must be a number"));
    }
  } else {
    argv = {"INCR", *key};
  }
  auto reply = co_await run(*call, std::move(argv), /*idempotent=*/false);
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(
      200, {{"value", is_float ? float_text(reply->str) : integer_or_null(*reply)}});
}

asio::awaitable<Response> CacheApi::exists(Request& req) {
  auto call = prepare(registry_, req, {"key", "keys"});
  if (!call) co_return http::error_response(req, call.error());
  auto keys = keys_of(Fields(call->body));
  if (!keys) co_return http::error_response(req, keys.error());
  const bool single = !Fields(call->body).has("keys");
  std::vector<std::string> argv{"EXISTS"};
  argv.insert(argv.end(), keys->begin(), keys->end());
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  json body = {{"count", reply->integer}};
  if (single) body["exists"] = reply->integer > 0;
  co_return Response::json(200, body);
}

asio::awaitable<Response> CacheApi::expire(Request& req) {
  auto call = prepare(registry_, req, {"key", "ttl"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto ttl = f.optional_int("ttl", 1, kMaxTtl);
  if (!ttl) co_return http::error_response(req, ttl.error());
  if (!*ttl) co_return http::error_response(req, field_error("ttl", "is required"));
  std::vector<std::string> argv{"EXPIRE", std::move(*key), std::to_string(**ttl)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{"updated", reply->integer == 1}});
}

asio::awaitable<Response> CacheApi::ttl(Request& req) {
  auto call = prepare(registry_, req, {"key"});
  if (!call) co_return http::error_response(req, call.error());
  auto key = Fields(call->body).string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> argv{"TTL", std::move(*key)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  // Redis: -2 = no such key, -1 = no expiry.
  json body = {{"ttl", reply->integer}, {"exists", reply->integer != -2}};
  if (reply->integer == -1) body["persistent"] = true;
  co_return Response::json(200, body);
}

asio::awaitable<Response> CacheApi::persist(Request& req) {
  auto call = prepare(registry_, req, {"key"});
  if (!call) co_return http::error_response(req, call.error());
  auto key = Fields(call->body).string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> argv{"PERSIST", std::move(*key)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{"updated", reply->integer == 1}});
}

// ---- hashes ----------------------------------------------------------------------------

asio::awaitable<Response> CacheApi::hget(Request& req) {
  auto call = prepare(registry_, req, {"key", "field"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto field = f.string("field");
  if (!field) co_return http::error_response(req, field.error());
  std::vector<std::string> argv{"HGET", std::move(*key), std::move(*field)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  co_return w.respond({{"value", w(*reply)}, {"found", !reply->is_nil()}});
}

asio::awaitable<Response> CacheApi::hset(Request& req) {
  auto call = prepare(registry_, req, {"key", "fields", "field", "value"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> argv{"HSET", std::move(*key)};
  if (const auto* fields = f.find("fields")) {
    if (!fields->is_object() || fields->empty()) {
      co_return http::error_response(
          req, field_error("fields", "must be a non-empty object of field: value"));
    }
    if (fields->size() > kMaxItems) {
      co_return http::error_response(
          req, field_error("fields", "has more than " + std::to_string(kMaxItems) + " entries"));
    }
    for (const auto& [name, v] : fields->items()) {
      auto value = value_of(v, "fields." + name, call->encoding);
      if (!value) co_return http::error_response(req, value.error());
      argv.push_back(name);
      argv.push_back(std::move(*value));
    }
  } else {
    auto field = f.string("field");
    if (!field) {
      co_return http::error_response(
          req, Error(Errc::bad_request, "field \"fields\" or \"field\" is required"));
    }
    auto value = required_value(f, "value", call->encoding);
    if (!value) co_return http::error_response(req, value.error());
    argv.push_back(std::move(*field));
    argv.push_back(std::move(*value));
  }
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{"added", reply->integer}});
}

asio::awaitable<Response> CacheApi::hgetall(Request& req) {
  auto call = prepare(registry_, req, {"key"});
  if (!call) co_return http::error_response(req, call.error());
  auto key = Fields(call->body).string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> argv{"HGETALL", std::move(*key)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  json fields = json::object();
  for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    fields[reply->elements[i].str] = w(reply->elements[i + 1]);
  }
  co_return w.respond({{"fields", fields}, {"found", !reply->elements.empty()}});
}

asio::awaitable<Response> CacheApi::hdel(Request& req) {
  auto call = prepare(registry_, req, {"key", "fields", "field"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> names;
  if (f.has("fields")) {
    auto many = f.string_array("fields", kMaxItems);
    if (!many) co_return http::error_response(req, many.error());
    names = std::move(*many);
  } else {
    auto one = f.string("field");
    if (!one) {
      co_return http::error_response(
          req, Error(Errc::bad_request, "field \"fields\" or \"field\" is required"));
    }
    names.push_back(std::move(*one));
  }
  std::vector<std::string> argv{"HDEL", std::move(*key)};
  argv.insert(argv.end(), names.begin(), names.end());
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{"deleted", reply->integer}});
}

// ---- lists -----------------------------------------------------------------------------

asio::awaitable<Response> CacheApi::push(Request& req, const char* cmd) {
  auto call = prepare(registry_, req, {"key", "values", "value"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto values = values_of(f, "values", "value", call->encoding);
  if (!values) co_return http::error_response(req, values.error());
  std::vector<std::string> argv{cmd, std::move(*key)};
  argv.insert(argv.end(), std::make_move_iterator(values->begin()),
              std::make_move_iterator(values->end()));
  auto reply = co_await run(*call, std::move(argv), /*idempotent=*/false);
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{"length", reply->integer}});
}

asio::awaitable<Response> CacheApi::lpush(Request& req) { co_return co_await push(req, "LPUSH"); }
asio::awaitable<Response> CacheApi::rpush(Request& req) { co_return co_await push(req, "RPUSH"); }

asio::awaitable<Response> CacheApi::pop(Request& req, const char* cmd) {
  auto call = prepare(registry_, req, {"key", "count"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto count = f.optional_int("count", 1, static_cast<std::int64_t>(kMaxItems));
  if (!count) co_return http::error_response(req, count.error());
  std::vector<std::string> argv{cmd, std::move(*key)};
  if (*count) argv.push_back(std::to_string(**count));
  auto reply = co_await run(*call, std::move(argv), /*idempotent=*/false);
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  if (*count) {
    json values = reply->is_nil() ? json::array() : w(*reply);
    co_return w.respond({{"values", values}});
  }
  co_return w.respond({{"value", w(*reply)}, {"found", !reply->is_nil()}});
}

asio::awaitable<Response> CacheApi::lpop(Request& req) { co_return co_await pop(req, "LPOP"); }
asio::awaitable<Response> CacheApi::rpop(Request& req) { co_return co_await pop(req, "RPOP"); }

asio::awaitable<Response> CacheApi::lrange(Request& req) {
  auto call = prepare(registry_, req, {"key", "start", "stop"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto start = f.optional_int("start", INT64_MIN, INT64_MAX);
  auto stop = f.optional_int("stop", INT64_MIN, INT64_MAX);
  if (!start) co_return http::error_response(req, start.error());
  if (!stop) co_return http::error_response(req, stop.error());
  std::vector<std::string> argv{"LRANGE", std::move(*key), std::to_string(start->value_or(0)),
                                std::to_string(stop->value_or(-1))};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  co_return w.respond({{"values", w(*reply)}});
}

// ---- sets ------------------------------------------------------------------------------

asio::awaitable<Response> CacheApi::set_members(Request& req, const char* cmd,
                                                const char* result_name) {
  auto call = prepare(registry_, req, {"key", "members", "member"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto members = values_of(f, "members", "member", call->encoding);
  if (!members) co_return http::error_response(req, members.error());
  std::vector<std::string> argv{cmd, std::move(*key)};
  argv.insert(argv.end(), std::make_move_iterator(members->begin()),
              std::make_move_iterator(members->end()));
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{result_name, reply->integer}});
}

asio::awaitable<Response> CacheApi::sadd(Request& req) {
  co_return co_await set_members(req, "SADD", "added");
}
asio::awaitable<Response> CacheApi::srem(Request& req) {
  co_return co_await set_members(req, "SREM", "removed");
}

asio::awaitable<Response> CacheApi::smembers(Request& req) {
  auto call = prepare(registry_, req, {"key"});
  if (!call) co_return http::error_response(req, call.error());
  auto key = Fields(call->body).string("key");
  if (!key) co_return http::error_response(req, key.error());
  std::vector<std::string> argv{"SMEMBERS", std::move(*key)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  co_return w.respond({{"members", w(*reply)}});
}

asio::awaitable<Response> CacheApi::sismember(Request& req) {
  auto call = prepare(registry_, req, {"key", "member"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto member = required_value(f, "member", call->encoding);
  if (!member) co_return http::error_response(req, member.error());
  std::vector<std::string> argv{"SISMEMBER", std::move(*key), std::move(*member)};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{"member", reply->integer == 1}});
}

// ---- sorted sets -----------------------------------------------------------------------

asio::awaitable<Response> CacheApi::zadd(Request& req) {
  auto call = prepare(registry_, req, {"key", "members", "member", "score", "nx", "xx"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto nx = f.boolean("nx", false);
  auto xx = f.boolean("xx", false);
  if (!nx) co_return http::error_response(req, nx.error());
  if (!xx) co_return http::error_response(req, xx.error());
  if (*nx && *xx) {
    co_return http::error_response(
        req, Error(Errc::bad_request, "\"nx\" and \"xx\" exclude each other"));
  }
  std::vector<std::string> argv{"ZADD", std::move(*key)};
  if (*nx) argv.push_back("NX");
  if (*xx) argv.push_back("XX");
  auto add = [&](const json& score, const json& member, const std::string& where) -> Result<void> {
    if (!score.is_number()) return field_error(where + "score", "must be a number");
    const double d = score.get<double>();
    if (std::isnan(d)) return field_error(where + "score", "must not be NaN");
    auto m = value_of(member, where + "member", call->encoding);
    if (!m) return m.error();
    char buf[64];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
    argv.emplace_back(buf, ptr);
    argv.push_back(std::move(*m));
    return {};
  };
  if (const auto* members = f.find("members")) {
    if (!members->is_array() || members->empty()) {
      co_return http::error_response(
          req, field_error("members", "must be a non-empty array of {member, score}"));
    }
    if (members->size() > kMaxItems) {
      co_return http::error_response(req, field_error("members", "has too many items"));
    }
    for (std::size_t i = 0; i < members->size(); ++i) {
      const auto& item = (*members)[i];
      const std::string where = "members[" + std::to_string(i) + "].";
      if (!item.is_object() || !item.contains("member") || !item.contains("score")) {
        co_return http::error_response(req, field_error("members[" + std::to_string(i) + "]",
                                                        "must be an object {member, score}"));
      }
      auto ok = add(item["score"], item["member"], where);
      if (!ok) co_return http::error_response(req, ok.error());
    }
  } else {
    const auto* member = f.find("member");
    const auto* score = f.find("score");
    if (member == nullptr || score == nullptr) {
      co_return http::error_response(
          req,
          Error(Errc::bad_request, "field \"members\" or \"member\" and \"score\" are required"));
    }
    auto ok = add(*score, *member, "");
    if (!ok) co_return http::error_response(req, ok.error());
  }
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return Response::json(200, {{"added", reply->integer}});
}

asio::awaitable<Response> CacheApi::zrange(Request& req) {
  auto call = prepare(registry_, req, {"key", "start", "stop", "with_scores", "reverse"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  auto key = f.string("key");
  if (!key) co_return http::error_response(req, key.error());
  auto start = f.optional_int("start", INT64_MIN, INT64_MAX);
  auto stop = f.optional_int("stop", INT64_MIN, INT64_MAX);
  auto with_scores = f.boolean("with_scores", true);
  auto reverse = f.boolean("reverse", false);
  if (!start) co_return http::error_response(req, start.error());
  if (!stop) co_return http::error_response(req, stop.error());
  if (!with_scores) co_return http::error_response(req, with_scores.error());
  if (!reverse) co_return http::error_response(req, reverse.error());
  std::vector<std::string> argv{"ZRANGE", std::move(*key), std::to_string(start->value_or(0)),
                                std::to_string(stop->value_or(-1))};
  if (*reverse) argv.push_back("REV");
  if (*with_scores) argv.push_back("WITHSCORES");
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  json members = json::array();
  if (*with_scores) {
    for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
      members.push_back(
          {{"member", w(reply->elements[i])}, {"score", float_text(reply->elements[i + 1].str)}});
    }
  } else {
    members = w(*reply);
  }
  co_return w.respond({{"members", members}});
}

asio::awaitable<Response> CacheApi::zrem(Request& req) {
  co_return co_await set_members(req, "ZREM", "removed");
}

// ---- transactions and raw commands -----------------------------------------------------

namespace {

// The cluster's effective policy for user-supplied commands: the defaults, minus
// options.allow_commands, plus options.deny_commands, of the redis service.
Result<void> check_command(const cluster::Cluster& c, std::string_view service,
                           const std::string& name) {
  const std::string cmd = upper(name);
  if (CacheApi::breaks_shared_connection(cmd)) {
    return Error(Errc::bad_request, "command " + cmd + " is not allowed through the gateway",
                 "it would block or change the state of a connection shared by many requests");
  }
  const config::ServiceConfig* svc = nullptr;
  for (const auto& s : c.config().services) {
    if (s.type == config::ServiceType::redis && (service.empty() || s.name == service)) {
      svc = &s;
      break;
    }
  }
  auto listed = [&](const char* option) {
    if (svc == nullptr) return false;
    auto it = svc->options.find(option);
    if (it == svc->options.end() || !it->is_array()) return false;
    for (const auto& v : *it) {
      if (v.is_string() && upper(v.get<std::string>()) == cmd) return true;
    }
    return false;
  };
  const auto& defaults = CacheApi::default_denied_commands();
  const bool denied_by_default = std::find(defaults.begin(), defaults.end(), cmd) != defaults.end();
  if ((denied_by_default && !listed("allow_commands")) || listed("deny_commands")) {
    return Error(Errc::forbidden, "command " + cmd + " is denied for this cluster",
                 "see options.allow_commands / options.deny_commands of the redis service");
  }
  return {};
}

Result<std::vector<std::string>> command_args(const json& v, const std::string& where,
                                              redis::Encoding enc) {
  if (!v.is_array() || v.empty()) {
    return field_error(where, "must be a non-empty array of strings");
  }
  if (v.size() > kMaxItems) {
    return field_error(where, "has more than " + std::to_string(kMaxItems) + " arguments");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i == 0) {
      if (!v[i].is_string() || v[i].get<std::string>().empty()) {
        return field_error(where, "must start with a command name");
      }
      out.push_back(v[i].get<std::string>());
      continue;
    }
    if (!v[i].is_string() && !v[i].is_number()) {
      return field_error(where, "arguments must be strings or numbers");
    }
    auto arg = value_of(v[i], where, v[i].is_string() ? enc : redis::Encoding::utf8);
    if (!arg) return arg.error();
    out.push_back(std::move(*arg));
  }
  return out;
}

}  // namespace

asio::awaitable<Response> CacheApi::transaction(Request& req) {
  auto call = prepare(registry_, req, {"commands", "watch"});
  if (!call) co_return http::error_response(req, call.error());
  Fields f(call->body);
  const auto* commands = f.find("commands");
  if (commands == nullptr)
    co_return http::error_response(req, field_error("commands", "is required"));
  if (!commands->is_array() || commands->empty()) {
    co_return http::error_response(
        req, field_error("commands", "must be a non-empty array of commands"));
  }
  if (commands->size() > 1'000) {
    co_return http::error_response(req, field_error("commands", "has more than 1000 commands"));
  }
  const std::string service = call->body.value("service", "");
  std::vector<std::vector<std::string>> batch;
  std::vector<std::string> watch;
  if (f.has("watch")) {
    auto keys = f.string_array("watch", kMaxItems);
    if (!keys) co_return http::error_response(req, keys.error());
    watch = std::move(*keys);
    std::vector<std::string> w{"WATCH"};
    w.insert(w.end(), watch.begin(), watch.end());
    batch.push_back(std::move(w));
  }
  batch.push_back({"MULTI"});
  for (std::size_t i = 0; i < commands->size(); ++i) {
    auto args = command_args((*commands)[i], "commands[" + std::to_string(i) + "]", call->encoding);
    if (!args) co_return http::error_response(req, args.error());
    auto allowed = check_command(*call->cluster, service, args->front());
    if (!allowed) co_return http::error_response(req, allowed.error());
    batch.push_back(std::move(*args));
  }
  batch.push_back({"EXEC"});
  const std::size_t first_command = watch.empty() ? 1 : 2;

  // WATCH, MULTI, the commands and EXEC leave back to back on one connection.
  Result<std::vector<Reply>> replies = Error();
  if (const auto limit = own_timeout(*call)) {
    auto send = [commands = std::make_shared<decltype(batch)>(std::move(batch))](
                    const redis::ClientPtr& client) { return client->execute_all(*commands); };
    auto op =
        dispatch_bounded<std::vector<Reply>>(*call, /*idempotent=*/false, std::move(send), *limit);
    replies = co_await std::move(op);
  } else if (auto* upstream = call->cluster->backends().redis_upstream.get()) {
    auto attempt = [&batch](auto& member) { return member.client->execute_all(batch); };
    auto op = upstream->template call<std::vector<Reply>>(call->key, call->service,
                                                          /*idempotent=*/false, attempt);
    replies = co_await std::move(op);
  } else {
    auto op = call->client->execute_all(std::move(batch));
    replies = co_await std::move(op);
  }
  if (!replies) co_return http::error_response(req, replies.error());
  const auto& exec = replies->back();
  if (exec.is_error()) {
    // EXECABORT: a command was rejected while queueing; report which.
    json problems = json::array();
    for (std::size_t i = first_command; i + 1 < replies->size(); ++i) {
      if ((*replies)[i].is_error()) {
        problems.push_back({{"index", i - first_command}, {"error", (*replies)[i].str}});
      }
    }
    co_return http::error_response(req, Error(Errc::backend_error, exec.str, problems));
  }
  ValueWriter w(call->encoding, exec);
  if (exec.is_nil()) co_return w.respond({{"aborted", true}, {"results", nullptr}});
  co_return w.respond({{"aborted", false}, {"results", w(exec)}});
}

asio::awaitable<Response> CacheApi::command(Request& req) {
  auto call = prepare(registry_, req, {"args"});
  if (!call) co_return http::error_response(req, call.error());
  const auto* args_json = Fields(call->body).find("args");
  if (args_json == nullptr) co_return http::error_response(req, field_error("args", "is required"));
  auto args = command_args(*args_json, "args", call->encoding);
  if (!args) co_return http::error_response(req, args.error());
  auto allowed = check_command(*call->cluster, call->body.value("service", ""), args->front());
  if (!allowed) co_return http::error_response(req, allowed.error());
  auto reply = co_await run(*call, std::move(*args), /*idempotent=*/false);
  if (!reply) co_return http::error_response(req, reply.error());
  ValueWriter w(call->encoding, *reply);
  co_return w.respond({{"result", w(*reply)}});
}

// ---- RESTful keys ----------------------------------------------------------------------

namespace {

Result<Call> prepare_key(cluster::Registry& registry, const Request& req) {
  auto cluster = find_cluster(registry, req);
  if (!cluster) return cluster.error();
  auto service = req.query_param("service");
  auto ms = query_int(req, "timeout_ms", 1, kMaxTimeoutMs);
  if (!ms) return ms.error();
  std::optional<std::chrono::milliseconds> timeout;
  if (*ms) timeout = std::chrono::milliseconds(**ms);
  auto client = router::Router::redis_for(**cluster, req.param("key"), service.value_or(""));
  if (!client) return client.error();
  return Call{json::object(),
              std::move(*cluster),
              std::move(*client),
              redis::Encoding::utf8,
              req.param("key"),
              service.value_or(""),
              timeout};
}

bool wants_json(const Request& req) {
  auto accept = req.header("Accept");
  return accept && accept->find("application/json") != std::string_view::npos;
}

}  // namespace

asio::awaitable<Response> CacheApi::key_get(Request& req) {
  auto call = prepare_key(registry_, req);
  if (!call) co_return http::error_response(req, call.error());
  std::vector<std::string> argv{"GET", req.param("key")};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  if (wants_json(req)) {
    ValueWriter w(redis::Encoding::utf8, *reply);
    co_return w.respond({{"value", w(*reply)}, {"found", !reply->is_nil()}});
  }
  if (reply->is_nil()) {
    co_return http::error_response(req, Error(Errc::not_found, "key not found"));
  }
  co_return Response::raw(200, std::move(reply->str), "application/octet-stream");
}

asio::awaitable<Response> CacheApi::key_put(Request& req) {
  auto call = prepare_key(registry_, req);
  if (!call) co_return http::error_response(req, call.error());
  std::vector<std::string> argv{"SET", req.param("key"), req.body};
  auto ttl = query_int(req, "ttl", 0, kMaxTtl);
  if (!ttl) co_return http::error_response(req, ttl.error());
  if (ttl->value_or(0) > 0) {
    argv.push_back("EX");
    argv.push_back(std::to_string(**ttl));
  }
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return success({{"set", true}});
}

asio::awaitable<Response> CacheApi::key_delete(Request& req) {
  auto call = prepare_key(registry_, req);
  if (!call) co_return http::error_response(req, call.error());
  std::vector<std::string> argv{"DEL", req.param("key")};
  auto reply = co_await run(*call, std::move(argv));
  if (!reply) co_return http::error_response(req, reply.error());
  co_return success({{"deleted", integer_or_null(*reply)}});
}

}  // namespace throome::api
