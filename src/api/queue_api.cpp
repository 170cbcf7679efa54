#include "throome/api/queue_api.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "api/queue_common.hpp"
#include "throome/api/body.hpp"
#include "throome/api/fields.hpp"
#include "throome/api/queue_codec.hpp"
#include "throome/api/queue_cursor.hpp"
#include "throome/api/queue_publish.hpp"
#include "throome/http/error_response.hpp"
#include "throome/router/router.hpp"

namespace throome::api {
namespace queue::detail {

Result<Target> target(cluster::Registry& registry, const http::Request& req,
                      std::string_view service) {
  const auto& id = req.param("id");
  auto c = registry.find(id);
  if (!c) return Error(Errc::not_found, "cluster \"" + id + "\" not found");
  auto client = router::Router::kafka_for(*c, service);
  if (!client) return client.error();
  return Target{std::move(c), std::move(*client)};
}

Result<std::int64_t> query_int(const http::Request& req, std::string_view name, std::int64_t min,
                               std::int64_t max, std::int64_t fallback) {
  auto v = api::query_int(req, name, min, max);
  if (!v) return v.error();
  return v->value_or(fallback);
}

Result<kafka::FetchOptions> fetch_options(const http::Request& req) {
  kafka::FetchOptions f;
  auto max = query_int(req, "max", 1, 10'000, 100);
  if (!max) return max.error();
  auto bytes = query_int(req, "max_bytes", 1, 64 << 20, 4 << 20);
  if (!bytes) return bytes.error();
  auto timeout = query_int(req, "timeout_ms", 0, 30'000, 1'000);
  if (!timeout) return timeout.error();
  f.max_records = static_cast<std::size_t>(*max);
  f.max_bytes = static_cast<std::size_t>(*bytes);
  f.timeout = std::chrono::milliseconds(*timeout);
  return f;
}

Result<kafka::StartFrom> start_from(const http::Request& req, kafka::StartFrom fallback) {
  auto from = req.query_param("from");
  if (!from) return fallback;
  if (*from == "earliest") return kafka::StartFrom::earliest;
  if (*from == "latest") return kafka::StartFrom::latest;
  return Error(Errc::bad_request, "query parameter \"from\" must be \"earliest\" or \"latest\"");
}

Result<Encoding> encoding_of(const http::Request& req) {
  return parse_encoding(req.query_param("encoding"));
}

}  // namespace queue::detail

namespace {

namespace asio = boost::asio;
using http::Access;
using http::Request;
using http::Response;
using nlohmann::json;
using queue::Encoding;
using queue::detail::Target;

constexpr std::size_t kMaxBatch = queue::kMaxPublishBatch;
constexpr std::size_t kMaxTopicsPerConsumer = 100;

// The body as a JSON object whose fields are all in `known`.
Result<json> object_body(const Request& req, std::initializer_list<std::string_view> known) {
  auto body = parse_json_body(req);
  if (!body) return body.error();
  if (!body->is_object()) return Error(Errc::bad_request, "request body must be a JSON object");
  auto only = Fields(*body).only(known);
  if (!only) return only.error();
  return std::move(*body);
}

Result<std::string> topic_field(const Fields& f, std::string_view name = "topic") {
  auto topic = f.string(name);
  if (!topic) return topic.error();
  auto ok = queue::check_topic_name(*topic, name);
  if (!ok) return ok.error();
  return topic;
}

json error_json(const Error& e) {
  json out = {{"error", e.message()},
              {"code", http::errc_name(e.code())},
              {"status", http::status_for(e.code())}};
  if (!e.details().is_null()) out["details"] = e.details();
  return out;
}

// Publish responses are written by hand: a batch answers 100s of records, and building a
// JSON document for them costs more than publishing them.
void append_int(std::string& out, std::int64_t v) {
  std::array<char, 24> digits{};
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), v);
  out.append(digits.data(), end);
}

// A delivery's fields: "partition":P,"offset":O[,"timestamp":T] (no braces).
void append_delivery(std::string& out, std::int32_t partition, std::int64_t offset,
                     std::int64_t timestamp_ms) {
  out += "\"partition\":";
  append_int(out, partition);
  out += ",\"offset\":";
  append_int(out, offset);
  if (timestamp_ms >= 0) {
    out += ",\"timestamp\":";
    append_int(out, timestamp_ms);
  }
}

// The results array of a batch: each delivery, or its error (each distinct error printed once).
void append_results(std::string& out, const kafka::BatchResult& result) {
  std::vector<std::string> errors(result.errors.size());
  for (std::size_t i = 0; i < errors.size(); ++i) {
    errors[i] = error_json(result.errors[i]).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  out += '[';
  for (std::size_t i = 0; i < result.outcomes.size(); ++i) {
    if (i > 0) out += ',';
    const auto& o = result.outcomes[i];
    if (o.ok()) {
      out += '{';
      append_delivery(out, o.partition, o.offset, o.timestamp_ms);
      out += '}';
    } else {
      out += errors[static_cast<std::size_t>(o.error)];
    }
  }
  out += ']';
}

// Commit offsets from a body: [{"topic", "partition", "offset"}, ...].
Result<std::vector<kafka::Offset>> offsets_of(const json& v) {
  if (!v.is_array())
    return field_error("offsets", "must be an array of {topic, partition, offset}");
  if (v.size() > kMaxBatch) {
    return field_error("offsets", "has more than " + std::to_string(kMaxBatch) + " items");
  }
  std::vector<kafka::Offset> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto& o = v[i];
    const std::string at = "offsets[" + std::to_string(i) + "]";
    if (!o.is_object()) return field_error(at, "must be an object {topic, partition, offset}");
    Fields f(o);
    for (const auto& [k, unused] : o.items()) {
      if (k != "topic" && k != "partition" && k != "offset") {
        return field_error(at + "." + k, "is not a known field");
      }
    }
    auto topic = topic_field(f);
    if (!topic) return field_error(at + ".topic", topic.error().message());
    auto partition = f.optional_int("partition", 0, INT32_MAX);
    if (!partition || !*partition) {
      return field_error(at + ".partition", "must be an integer between 0 and 2147483647");
    }
    auto offset = f.optional_int("offset", 0, INT64_MAX);
    if (!offset || !*offset) return field_error(at + ".offset", "must be a non-negative integer");
    out.push_back({*topic, static_cast<std::int32_t>(**partition), **offset});
  }
  return out;
}

json offsets_json(const std::vector<kafka::Offset>& offsets) {
  json out = json::array();
  for (const auto& o : offsets) {
    out.push_back({{"topic", o.topic}, {"partition", o.partition}, {"offset", o.offset}});
  }
  return out;
}

bool valid_consumer_id(const std::string& id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Error unknown_consumer(const std::string& id) {
  return Error(Errc::not_found, "consumer \"" + id + "\" not found",
               "consumer ids are 32 lower-case hex digits returned by POST .../queue/consumers");
}

}  // namespace

QueueApi::QueueApi(cluster::Registry& registry) : registry_(registry) {}

void QueueApi::register_routes(http::RouteTable& routes) {
  const std::string base = "/api/v1/clusters/{id}/queue/";
  auto bind = [this](Handler h) { return [this, h](Request& req) { return (this->*h)(req); }; };
  routes.add("POST", base + "publish", Access::write, bind(&QueueApi::publish));
  routes.add("GET", base + "topics", Access::read, bind(&QueueApi::list_topics));
  routes.add("POST", base + "topics", Access::write, bind(&QueueApi::create_topic));
  routes.add("GET", base + "topics/{topic}", Access::read, bind(&QueueApi::describe_topic));
  routes.add("DELETE", base + "topics/{topic}", Access::write, bind(&QueueApi::delete_topic));
  routes.add("GET", base + "topics/{topic}/records", Access::read, bind(&QueueApi::read_records));
  routes.add("GET", base + "topics/{topic}/stream", Access::read, bind(&QueueApi::stream));
  routes.add("POST", base + "consumers", Access::read, bind(&QueueApi::create_consumer));
  routes.add("GET", base + "consumers/{consumer}/records", Access::read,
             bind(&QueueApi::consumer_records));
  routes.add("POST", base + "consumers/{consumer}/offsets", Access::read,
             bind(&QueueApi::commit_offsets));
  routes.add("DELETE", base + "consumers/{consumer}", Access::read,
             bind(&QueueApi::delete_consumer));
}

// ---- publish -----------------------------------------------------------------------------

asio::awaitable<Response> QueueApi::publish(Request& req) {
  auto body = queue::parse_publish(req);  // may take req.body: the batch's bytes are views of it
  if (!body) co_return http::error_response(req, body.error());
  auto t = queue::detail::target(registry_, req, body->service);
  if (!t) co_return http::error_response(req, t.error());
  // Topic names are [A-Za-z0-9._-]: they need no escaping in the hand-written JSON below.
  const std::string topic = body->topic;

  if (!body->batch) {
    auto op = t->client->publish(body->messages.message(0));
    auto delivery = co_await std::move(op);
    if (!delivery) co_return http::error_response(req, delivery.error());
    std::string out = "{\"status\":\"success\",\"topic\":\"" + topic + "\",";
    append_delivery(out, delivery->partition, delivery->offset, delivery->timestamp_ms);
    out += '}';
    co_return Response::raw(200, std::move(out), "application/json");
  }

  auto op = t->client->publish_batch(std::move(body->messages));
  const auto result = co_await std::move(op);
  const std::size_t count = result.outcomes.size();
  const std::size_t failed = result.failures();
  if (count > 0 && failed == count) {
    // Nothing was published: the first error's status, every record's error in details.
    std::string list;
    append_results(list, result);
    const Error& first = result.error(0);
    co_return http::error_response(
        req, Error(first.code(), first.message(), {{"results", json::parse(list)}}));
  }
  std::string out = "{\"status\":\"";
  out.reserve(64 + topic.size() + count * 48);
  out += failed == 0 ? "success" : "partial";
  out += "\",\"topic\":\"";
  out += topic;
  out += "\",\"count\":";
  append_int(out, static_cast<std::int64_t>(count));
  out += ",\"failed\":";
  append_int(out, static_cast<std::int64_t>(failed));
  out += ",\"results\":";
  append_results(out, result);
  out += '}';
  co_return Response::raw(200, std::move(out), "application/json");
}

// ---- topics ------------------------------------------------------------------------------

asio::awaitable<Response> QueueApi::list_topics(Request& req) {
  auto t = queue::detail::target(registry_, req, req.query_param("service").value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  auto op = t->client->list_topics();
  auto topics = co_await std::move(op);
  if (!topics) co_return http::error_response(req, topics.error());
  json names = json::array();
  for (const auto& topic : *topics) names.push_back(topic.name);
  co_return Response::json(200, {{"topics", std::move(names)}});
}

asio::awaitable<Response> QueueApi::create_topic(Request& req) {
  auto body =
      object_body(req, {"topic", "num_partitions", "replication_factor", "config", "service"});
  if (!body) co_return http::error_response(req, body.error());
  Fields f(*body);
  auto service = f.optional_string("service");
  if (!service) co_return http::error_response(req, service.error());
  auto topic = topic_field(f);
  if (!topic) co_return http::error_response(req, topic.error());
  auto partitions = f.optional_int("num_partitions", 1, 100'000);
  if (!partitions) co_return http::error_response(req, partitions.error());
  auto replication = f.optional_int("replication_factor", 1, 32'767);
  if (!replication) co_return http::error_response(req, replication.error());
  kafka::TopicSpec spec{*topic,
                        static_cast<int>(partitions->value_or(-1)),
                        static_cast<int>(replication->value_or(-1)),
                        {}};
  if (const auto* config = f.find("config")) {
    if (!config->is_object()) {
      co_return http::error_response(req, field_error("config", "must be an object"));
    }
    for (const auto& [k, v] : config->items()) {
      if (v.is_string()) {
        spec.config.emplace_back(k, v.get<std::string>());
      } else if (v.is_number_integer() || v.is_number_float()) {
        spec.config.emplace_back(k, v.dump());
      } else if (v.is_boolean()) {
        spec.config.emplace_back(k, v.get<bool>() ? "true" : "false");
      } else {
        co_return http::error_response(
            req, field_error("config." + k, "must be a string, a number or a boolean"));
      }
    }
  }
  auto t = queue::detail::target(registry_, req, service->value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  auto op = t->client->create_topic(std::move(spec));
  auto created = co_await std::move(op);
  if (!created) {
    Error e = created.error();
    if (e.code() == Errc::timeout) {
      e = Error(e.code(), e.message(),
                {{"kafka_error", "_TIMED_OUT"},
                 {"hint",
                  "the broker did not answer CreateTopics in time (librdkafka's mock "
                  "cluster never does; it creates topics on first use)"}});
    }
    co_return http::error_response(req, e);
  }
  co_return Response::json(201, {{"status", "success"}, {"topic", *topic}});
}

asio::awaitable<Response> QueueApi::describe_topic(Request& req) {
  const std::string topic = req.param("topic");
  auto valid = queue::check_topic_name(topic);
  if (!valid) co_return http::error_response(req, valid.error());
  auto t = queue::detail::target(registry_, req, req.query_param("service").value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  auto op = t->client->describe_topic(topic);
  auto info = co_await std::move(op);
  if (!info) co_return http::error_response(req, info.error());
  json partitions = json::array();
  std::int64_t messages = 0;
  for (const auto& p : info->partitions) {
    json entry = {{"partition", p.id}, {"leader", p.leader}, {"replicas", p.replicas},
                  {"isr", p.isrs},     {"low", p.low},       {"high", p.high}};
    if (!p.error.empty()) entry["error"] = p.error;
    if (p.high >= p.low && p.low >= 0) messages += p.high - p.low;
    partitions.push_back(std::move(entry));
  }
  co_return Response::json(
      200, {{"topic", info->name}, {"partitions", std::move(partitions)}, {"messages", messages}});
}

asio::awaitable<Response> QueueApi::delete_topic(Request& req) {
  const std::string topic = req.param("topic");
  auto valid = queue::check_topic_name(topic);
  if (!valid) co_return http::error_response(req, valid.error());
  auto t = queue::detail::target(registry_, req, req.query_param("service").value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  auto op = t->client->delete_topic(topic);
  auto deleted = co_await std::move(op);
  if (!deleted) {
    Error e = deleted.error();
    if (e.code() == Errc::timeout) {
      e = Error(e.code(), e.message(),
                {{"kafka_error", "_TIMED_OUT"},
                 {"hint",
                  "the broker did not answer DeleteTopics in time (librdkafka's mock cluster "
                  "never does)"}});
    }
    co_return http::error_response(req, e);
  }
  co_return Response::json(200, {{"status", "success"}, {"topic", topic}});
}

// ---- stateless reads ---------------------------------------------------------------------

asio::awaitable<Response> QueueApi::read_records(Request& req) {
  const std::string topic = req.param("topic");
  auto valid = queue::check_topic_name(topic);
  if (!valid) co_return http::error_response(req, valid.error());
  auto fetch = queue::detail::fetch_options(req);
  if (!fetch) co_return http::error_response(req, fetch.error());
  auto encoding = queue::detail::encoding_of(req);
  if (!encoding) co_return http::error_response(req, encoding.error());
  auto from = queue::detail::start_from(req, kafka::StartFrom::earliest);
  if (!from) co_return http::error_response(req, from.error());
  auto t = queue::detail::target(registry_, req, req.query_param("service").value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  const std::string& key = t->client->options().cursor_key;
  kafka::ReadRequest read{topic, {}, *from, *fetch};
  if (auto cursor = req.query_param("cursor")) {
    if (req.query_param("from")) {
      co_return http::error_response(
          req,
          Error(Errc::bad_request, "query parameters \"cursor\" and \"from\" exclude each other"));
    }
    auto positions = queue::decode_cursor(key, topic, *cursor);
    if (!positions) co_return http::error_response(req, positions.error());
    read.positions = std::move(*positions);
  }
  auto op = t->client->read(std::move(read));
  auto result = co_await std::move(op);
  if (!result) co_return http::error_response(req, result.error());
  json records = json::array();
  for (const auto& r : result->records) records.push_back(queue::record_to_json(r, *encoding));
  co_return Response::json(200, {{"records", std::move(records)},
                                 {"next_cursor", queue::encode_cursor(key, topic, result->next)}});
}

// ---- consumer instances ------------------------------------------------------------------

asio::awaitable<Response> QueueApi::create_consumer(Request& req) {
  auto body = object_body(req, {"group", "topics", "auto_offset_reset", "auto_commit", "service"});
  if (!body) co_return http::error_response(req, body.error());
  Fields f(*body);
  auto service = f.optional_string("service");
  if (!service) co_return http::error_response(req, service.error());
  auto group = f.string("group");
  if (!group) co_return http::error_response(req, group.error());
  if (group->empty() || group->size() > 249) {
    co_return http::error_response(req, field_error("group", "must be 1..249 characters"));
  }
  std::vector<std::string> topics;
  if (const auto* one = f.find("topics"); one != nullptr && one->is_string()) {
    topics.push_back(one->get<std::string>());
  } else {
    auto many = f.string_array("topics", kMaxTopicsPerConsumer);
    if (!many) co_return http::error_response(req, many.error());
    topics = std::move(*many);
  }
  for (const auto& topic : topics) {
    auto ok = queue::check_topic_name(topic, "topics");
    if (!ok) co_return http::error_response(req, ok.error());
  }
  auto reset = f.optional_string("auto_offset_reset");
  if (!reset) co_return http::error_response(req, reset.error());
  const std::string offset_reset = reset->value_or("latest");
  if (offset_reset != "earliest" && offset_reset != "latest") {
    co_return http::error_response(
        req, field_error("auto_offset_reset", "must be \"earliest\" or \"latest\""));
  }
  auto auto_commit = f.boolean("auto_commit", true);
  if (!auto_commit) co_return http::error_response(req, auto_commit.error());
  auto t = queue::detail::target(registry_, req, service->value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  kafka::ConsumerSpec spec{*group, topics, offset_reset, *auto_commit};
  auto op = t->client->create_consumer(std::move(spec));
  auto id = co_await std::move(op);
  if (!id) co_return http::error_response(req, id.error());
  co_return Response::json(201, {{"consumer_id", *id},
                                 {"group", *group},
                                 {"topics", topics},
                                 {"auto_offset_reset", offset_reset},
                                 {"auto_commit", *auto_commit}});
}

asio::awaitable<Response> QueueApi::consumer_records(Request& req) {
  const std::string id = req.param("consumer");
  if (!valid_consumer_id(id)) co_return http::error_response(req, unknown_consumer(id));
  auto fetch = queue::detail::fetch_options(req);
  if (!fetch) co_return http::error_response(req, fetch.error());
  auto encoding = queue::detail::encoding_of(req);
  if (!encoding) co_return http::error_response(req, encoding.error());
  auto t = queue::detail::target(registry_, req, req.query_param("service").value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  auto op = t->client->consumer_fetch(id, *fetch);
  auto records = co_await std::move(op);
  if (!records) co_return http::error_response(req, records.error());
  json out = json::array();
  for (const auto& r : *records) out.push_back(queue::record_to_json(r, *encoding));
  co_return Response::json(200, {{"records", std::move(out)}});
}

asio::awaitable<Response> QueueApi::commit_offsets(Request& req) {
  const std::string id = req.param("consumer");
  if (!valid_consumer_id(id)) co_return http::error_response(req, unknown_consumer(id));
  std::vector<kafka::Offset> offsets;
  std::string service = req.query_param("service").value_or("");
  if (!req.body.empty()) {
    auto body = object_body(req, {"offsets", "service"});
    if (!body) co_return http::error_response(req, body.error());
    Fields f(*body);
    auto svc = f.optional_string("service");
    if (!svc) co_return http::error_response(req, svc.error());
    if (*svc) service = **svc;
    if (const auto* list = f.find("offsets")) {
      auto parsed = offsets_of(*list);
      if (!parsed) co_return http::error_response(req, parsed.error());
      offsets = std::move(*parsed);
    }
  }
  auto t = queue::detail::target(registry_, req, service);
  if (!t) co_return http::error_response(req, t.error());
  auto op = t->client->consumer_commit(id, std::move(offsets));
  auto committed = co_await std::move(op);
  if (!committed) co_return http::error_response(req, committed.error());
  co_return Response::json(200, {{"status", "success"}, {"committed", offsets_json(*committed)}});
}

asio::awaitable<Response> QueueApi::delete_consumer(Request& req) {
  const std::string id = req.param("consumer");
  if (!valid_consumer_id(id)) co_return http::error_response(req, unknown_consumer(id));
  auto t = queue::detail::target(registry_, req, req.query_param("service").value_or(""));
  if (!t) co_return http::error_response(req, t.error());
  auto op = t->client->delete_consumer(id);
  auto deleted = co_await std::move(op);
  if (!deleted) co_return http::error_response(req, deleted.error());
  co_return Response::no_content();
}

}  // namespace throome::api
