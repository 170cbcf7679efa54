// GET /api/v1/clusters/{id}/queue/topics/{topic}/stream: records as they arrive, over
// Server-Sent Events or WebSocket.
//
// Semantics (also in docs/openapi.yaml):
// - Without `group`: a stateless reader of every partition from ?cursor= (or SSE's
//   Last-Event-ID) or ?from= (default latest). Each SSE event's id is the cursor after that
//   record, so a reconnecting EventSource resumes after the last record it received:
//   at-least-once. WebSocket batches carry `next_cursor`.
// - With `group`: a member of consumer group `group`. WebSocket: offsets are committed only
//   when the client acknowledges ({"ack": [{"partition", "offset"}]}, the offset of the last
//   processed record): at-least-once end to end. SSE has no acknowledgements: a record's
//   offset is committed once the record was written to the connection; records not written
//   (the connection broke) are delivered again, possibly to another member.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>

#include "api/queue_common.hpp"
#include "throome/api/queue_api.hpp"
#include "throome/api/queue_cursor.hpp"
#include "throome/http/error_response.hpp"

namespace throome::api {
namespace {

namespace asio = boost::asio;
using http::Request;
using http::Response;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kHeartbeat = std::chrono::seconds(15);
constexpr auto kSlice = std::chrono::milliseconds(500);  // a fetch's wait inside a stream

struct StreamState {
  cluster::ClusterPtr cluster;  // keeps the cluster (and its kafka client) alive
  kafka::StreamPtr stream;
  std::string topic;
  std::string group;
  std::string cursor_key;
  queue::Encoding encoding = queue::Encoding::utf8;
  std::size_t max_records = 100;
  std::size_t max_bytes = 4u << 20;
  std::map<std::int32_t, std::int64_t> positions;  // stateless: next offset per partition

  kafka::FetchOptions fetch() const {
    kafka::FetchOptions f;
    f.max_records = max_records;
    f.max_bytes = max_bytes;
    f.timeout = kSlice;
    return f;
  }
  std::string cursor() const {
    std::vector<kafka::Position> out;
    for (const auto& [p, o] : positions) out.push_back({p, o});
    return queue::encode_cursor(cursor_key, topic, out);
  }
  json error_json(const Error& e) const {
    return {{"type", "error"},
            {"error", e.message()},
            {"code", http::errc_name(e.code())},
            {"status", http::status_for(e.code())}};
  }
};
using StatePtr = std::shared_ptr<StreamState>;

// ---- Server-Sent Events ------------------------------------------------------------------

asio::awaitable<void> sse_loop(StatePtr st, http::StreamWriter& out) {
  auto hello = out.write("retry: 1000\n: stream of " + st->topic + "\n\n");
  if (!co_await std::move(hello)) co_return;
  auto last_write = Clock::now();
  while (out.open()) {
    auto fetch = st->stream->fetch(st->fetch());
    auto records = co_await std::move(fetch);
    if (!records) {
      auto bye =
          out.write("event: error\ndata: " + st->error_json(records.error()).dump() + "\n\n");
      co_await std::move(bye);
      co_return;
    }
    if (records->empty()) {
      if (Clock::now() - last_write >= kHeartbeat) {
        auto ping = out.write(": keep-alive\n\n");
        if (!co_await std::move(ping)) co_return;
        last_write = Clock::now();
      }
      continue;
    }
    std::string events;
    std::map<std::int32_t, std::int64_t> written;
    for (const auto& r : *records) {
      std::string id;
      if (st->group.empty()) {
        st->positions[r.partition] = r.offset + 1;
        id = st->cursor();
      } else {
        id = std::to_string(r.partition) + ":" + std::to_string(r.offset);
        written[r.partition] = r.offset + 1;
      }
      events += "event: record\nid: " + id + "\ndata: ";
      events += queue::record_to_json(r, st->encoding)
                    .dump(-1, ' ', false, json::error_handler_t::replace);
      events += "\n\n";
    }
    auto send = out.write(std::move(events));
    if (!co_await std::move(send)) co_return;  // not written: not committed
    last_write = Clock::now();
    if (!written.empty()) {
      std::vector<kafka::Offset> offsets;
      for (const auto& [p, o] : written) offsets.push_back({st->topic, p, o});
      auto commit = st->stream->commit(std::move(offsets));
      auto committed = co_await std::move(commit);
      (void)committed;  // a failed commit means redelivery, which the semantics allow
    }
  }
}

// ---- WebSocket ---------------------------------------------------------------------------

struct WsShared {
  explicit WsShared(asio::any_io_executor ex) : signal(ex, Clock::time_point::max()) {}
  bool reader_done = false;
  std::deque<json> outbox;  // replies of the reader, sent by the writer (one write at a time)
  asio::steady_timer signal;
};

// Acks: {"ack": [{"partition": p, "offset": o}, ...]}, o = the last processed offset.
asio::awaitable<void> ws_reader(StatePtr st, std::shared_ptr<WsShared> shared,
                                http::WebSocket& ws) {
  while (true) {
    auto read = ws.read();
    auto message = co_await std::move(read);
    if (!message) break;
    auto doc = json::parse(*message, nullptr, false);
    const auto* ack = doc.is_object() && doc.contains("ack") ? &doc["ack"] : nullptr;
    if (ack == nullptr || !ack->is_array()) {
      shared->outbox.push_back(st->error_json(Error(
          Errc::bad_request, "expected {\"ack\": [{\"partition\": p, \"offset\": o}, ...]}")));
      continue;
    }
    if (st->group.empty()) {
      shared->outbox.push_back(
          st->error_json(Error(Errc::bad_request, "acknowledgements need a group (?group=)",
                               "a stream without a group resumes from next_cursor instead")));
      continue;
    }
    std::vector<kafka::Offset> offsets;
    bool valid = true;
    for (const auto& a : *ack) {
      if (!a.is_object() || !a.contains("partition") || !a.contains("offset") ||
          !a["partition"].is_number_integer() || !a["offset"].is_number_integer() ||
          a["partition"].get<std::int64_t>() < 0 || a["offset"].get<std::int64_t>() < 0) {
        valid = false;
        break;
      }
      offsets.push_back(
          {st->topic, a["partition"].get<std::int32_t>(), a["offset"].get<std::int64_t>() + 1});
    }
    if (!valid || offsets.empty()) {
      shared->outbox.push_back(st->error_json(
          Error(Errc::bad_request, "each ack needs a non-negative \"partition\" and \"offset\"")));
      continue;
    }
    auto commit = st->stream->commit(std::move(offsets));
    auto committed = co_await std::move(commit);
    if (!committed) {
      shared->outbox.push_back(st->error_json(committed.error()));
      continue;
    }
    json list = json::array();
    for (const auto& o : *committed) {
      list.push_back({{"topic", o.topic}, {"partition", o.partition}, {"offset", o.offset}});
    }
    shared->outbox.push_back({{"type", "committed"}, {"offsets", std::move(list)}});
  }
  shared->reader_done = true;
  shared->signal.cancel();
}

asio::awaitable<bool> ws_send(http::WebSocket& ws, const json& message) {
  auto write = ws.write(message.dump(-1, ' ', false, json::error_handler_t::replace));
  co_return co_await std::move(write);
}

asio::awaitable<void> ws_loop(StatePtr st, http::WebSocket& ws) {
  auto ex = co_await asio::this_coro::executor;
  auto shared = std::make_shared<WsShared>(ex);
  // The reader runs beside this writer; `ws` outlives it: this function waits for it below.
  asio::co_spawn(ex, ws_reader(st, shared, ws), asio::detached);
  json hello = {{"type", "subscribed"}, {"topic", st->topic}};
  if (st->group.empty()) {
    hello["next_cursor"] = st->cursor();
  } else {
    hello["group"] = st->group;
  }
  auto first = ws_send(ws, hello);
  bool open = co_await std::move(first);
  while (open && ws.open() && !shared->reader_done) {
    while (open && !shared->outbox.empty()) {
      json reply = std::move(shared->outbox.front());
      shared->outbox.pop_front();
      auto send = ws_send(ws, reply);
      open = co_await std::move(send);
    }
    if (!open) break;
    auto fetch = st->stream->fetch(st->fetch());
    auto records = co_await std::move(fetch);
    if (!records) {
      const json failure = st->error_json(records.error());
      auto send = ws_send(ws, failure);
      co_await std::move(send);
      break;
    }
    if (records->empty()) continue;
    json batch = json::array();
    for (const auto& r : *records) {
      if (st->group.empty()) st->positions[r.partition] = r.offset + 1;
      batch.push_back(queue::record_to_json(r, st->encoding));
    }
    json message = {{"type", "records"}, {"records", std::move(batch)}};
    if (st->group.empty()) message["next_cursor"] = st->cursor();
    auto send = ws_send(ws, message);
    open = co_await std::move(send);
  }
  // A peer that does not answer the close handshake (or a server shutting down) does not
  // hold the connection: the socket is cut after a grace period.
  asio::steady_timer guard(ex, ws.open() ? std::chrono::seconds(5) : std::chrono::seconds(1));
  guard.async_wait([shared, &ws](boost::system::error_code ec) {
    if (!ec && !shared->reader_done) ws.abort();
  });
  if (!shared->reader_done) {
    auto close = ws.close(1000, "stream ended");
    co_await std::move(close);
  }
  while (!shared->reader_done) {
    auto [ec] = co_await shared->signal.async_wait(use_nothrow);
    (void)ec;
  }
  guard.cancel();
}

bool is_websocket_upgrade(const Request& req) {
  auto upgrade = req.header("Upgrade");
  if (!upgrade || upgrade->size() != 9) return false;
  static constexpr std::string_view kWebSocket = "websocket";
  for (std::size_t i = 0; i < 9; ++i) {
    const char c = (*upgrade)[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kWebSocket[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

asio::awaitable<Response> QueueApi::stream(Request& req) {
  const std::string topic = req.param("topic");
  auto valid = queue::check_topic_name(topic);
  if (!valid) co_return http::error_response(req, valid.error());
  auto encoding = queue::detail::encoding_of(req);
  if (!encoding) co_return http::error_response(req, encoding.error());
  auto max = queue::detail::query_int(req, "max", 1, 10'000, 100);
  if (!max) co_return http::error_response(req, max.error());
  auto from = queue::detail::start_from(req, kafka::StartFrom::latest);
  if (!from) co_return http::error_response(req, from.error());
  const std::string group = req.query_param("group").value_or("");
  if (group.size() > 249) {
    co_return http::error_response(
        req, Error(Errc::bad_request, "query parameter \"group\" must be 1..249 characters"));
  }
  const bool websocket = is_websocket_upgrade(req);
  auto t = queue::detail::target(registry_, req, req.query_param("service").value_or(""));
  if (!t) co_return http::error_response(req, t.error());

  auto st = std::make_shared<StreamState>();
  st->cluster = t->cluster;
  st->topic = topic;
  st->group = group;
  st->cursor_key = t->client->options().cursor_key;
  st->encoding = *encoding;
  st->max_records = static_cast<std::size_t>(*max);

  kafka::StreamSpec spec{topic, group, *from, {}, false};
  std::optional<std::string> cursor = req.query_param("cursor");
  if (!cursor && !websocket) {
    if (auto last = req.header("Last-Event-ID"); last && !last->empty())
      cursor = std::string(*last);
  }
  if (cursor) {
    if (!group.empty()) {
      co_return http::error_response(
          req, Error(Errc::bad_request, "a cursor cannot be combined with a group",
                     "a group stream resumes from the group's committed offsets"));
    }
    auto positions = queue::decode_cursor(st->cursor_key, topic, *cursor);
    if (!positions) co_return http::error_response(req, positions.error());
    spec.positions = std::move(*positions);
  }
  auto op = t->client->open_stream(std::move(spec));
  auto opened = co_await std::move(op);
  if (!opened) co_return http::error_response(req, opened.error());
  st->stream = std::move(*opened);
  for (const auto& p : st->stream->positions()) st->positions[p.partition] = p.offset;

  Response resp;
  if (websocket) {
    resp.status = 101;
    resp.websocket = [st](http::WebSocket& ws) { return ws_loop(st, ws); };
  } else {
    resp.status = 200;
    resp.headers.set("Content-Type", "text/event-stream");
    resp.headers.set("Cache-Control", "no-cache");
    resp.headers.set("X-Accel-Buffering", "no");
    resp.stream = [st](http::StreamWriter& w) { return sse_loop(st, w); };
  }
  co_return resp;
}

}  // namespace throome::api
