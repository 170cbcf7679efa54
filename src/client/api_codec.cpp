#include "client/api_codec.hpp"

#include <utility>

#include "throome/client/server_url.hpp"
#include "throome/common/base64.hpp"

namespace throome::client::detail {
namespace {

using nlohmann::json;

ClientError usage(std::string message) {
  return ClientError(ClientError::Kind::usage, std::move(message));
}

ClientError protocol(const std::string& what, const json& response) {
  return ClientError(ClientError::Kind::protocol, "unexpected answer to " + what, 200, response);
}

/// JSON text of a body; a usage error when a string in it is not UTF-8.
ClientResult<std::string> dump(const json& body) {
  try {
    return body.dump();
  } catch (const json::exception&) {
    return usage("the request contains text that is not valid UTF-8");
  }
}

ClientResult<ApiCall> post(std::string_view cluster, std::string_view suffix, const json& body) {
  auto base = cluster_path(cluster);
  if (!base) return base.error();
  auto text = dump(body);
  if (!text) return text.error();
  return ApiCall{"POST", *base + std::string(suffix), std::move(*text)};
}

ClientResult<void> check_key(std::string_view key) {
  if (!is_utf8(key)) return usage("cache keys must be valid UTF-8 text");
  return {};
}

std::optional<std::int64_t> int_field(const json& o, const char* name) {
  if (!o.is_object()) return std::nullopt;
  auto it = o.find(name);
  if (it == o.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::optional<std::vector<Header>> headers_from_wire(const json& v) {
  std::vector<Header> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return std::nullopt;
  for (const auto& h : v) {
    if (!h.is_object() || !h.contains("name") || !h["name"].is_string()) return std::nullopt;
    Header header{h["name"].get<std::string>(), std::nullopt};
    if (auto it = h.find("value"); it != h.end() && !it->is_null()) {
      header.value = bytes_from_wire(*it);
      if (!header.value) return std::nullopt;
    }
    out.push_back(std::move(header));
  }
  return out;
}

}  // namespace

bool is_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values above U+10FFFF are invalid.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

json bytes_to_wire(std::string_view bytes) {
  if (is_utf8(bytes)) return std::string(bytes);
  return {{"base64", common::base64_encode(bytes)}};
}

std::optional<std::string> bytes_from_wire(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.size() == 1 && value.contains("base64") &&
      value["base64"].is_string()) {
    return common::base64_decode(value["base64"].get<std::string>());
  }
  if (value.is_array()) {
    std::string out;
    for (const auto& b : value) {
      if (!b.is_number_integer() || b.get<int>() < 0 || b.get<int>() > 255) return std::nullopt;
      out.push_back(static_cast<char>(b.get<int>()));
    }
    return out;
  }
  return std::nullopt;
}

ClientResult<std::string> cluster_path(std::string_view cluster) {
  if (cluster.empty()) {
    return usage("no cluster given (pass a cluster id or set ClientOptions::cluster)");
  }
  return "/api/v1/clusters/" + encode_path_segment(cluster);
}

// ---- cache ---------------------------------------------------------------------------

ClientResult<ApiCall> cache_get(std::string_view cluster, std::string_view key) {
  if (auto ok = check_key(key); !ok) return ok.error();
  // base64 both ways: any stored bytes come back intact.
  return post(cluster, "/cache/get", {{"key", key}, {"encoding", "base64"}});
}

ClientResult<std::optional<std::string>> parse_cache_get(const json& response) {
  if (!response.is_object() || !response.contains("value")) {
    return protocol("cache get", response);
  }
  const auto& value = response["value"];
  if (value.is_null()) return std::optional<std::string>{};
  if (!value.is_string()) return protocol("cache get", response);
  auto bytes = common::base64_decode(value.get<std::string>());
  if (!bytes) return protocol("cache get (value is not base64)", response);
  return std::optional<std::string>(std::move(*bytes));
}

ClientResult<ApiCall> cache_set(std::string_view cluster, std::string_view key,
                                std::string_view value, const SetOptions& options) {
  if (auto ok = check_key(key); !ok) return ok.error();
  if (options.ttl.count() < 0) return usage("the TTL must not be negative");
  if (options.if_absent && options.if_present) {
    return usage("if_absent and if_present exclude each other");
  }
  json body = {{"key", key}, {"value", common::base64_encode(value)}, {"encoding", "base64"}};
  if (options.ttl.count() > 0) body["ttl"] = options.ttl.count();
  if (options.if_absent) body["nx"] = true;
  if (options.if_present) body["xx"] = true;
  return post(cluster, "/cache/set", body);
}

ClientResult<bool> parse_cache_set(const json& response) {
  if (!response.is_object()) return protocol("cache set", response);
  auto it = response.find("set");
  if (it == response.end()) return true;  // older daemons answer {"status":"success"} only
  if (!it->is_boolean()) return protocol("cache set", response);
  return it->get<bool>();
}

ClientResult<ApiCall> cache_del(std::string_view cluster, const std::vector<std::string>& keys) {
  if (keys.empty()) return usage("no key to delete");
  for (const auto& k : keys) {
    if (auto ok = check_key(k); !ok) return ok.error();
  }
  return post(cluster, "/cache/delete", {{"keys", keys}});
}

ClientResult<std::int64_t> parse_cache_del(const json& response) {
  auto n = int_field(response, "deleted");
  if (!n) return protocol("cache delete", response);
  return *n;
}

ClientResult<ApiCall> cache_incr(std::string_view cluster, std::string_view key, std::int64_t by) {
  if (auto ok = check_key(key); !ok) return ok.error();
  return post(cluster, "/cache/incr", {{"key", key}, {"by", by}});
}

ClientResult<std::int64_t> parse_cache_incr(const json& response) {
  auto n = int_field(response, "value");
  if (!n) return protocol("cache incr", response);
  return *n;
}

ClientResult<ApiCall> cache_exists(std::string_view cluster, std::string_view key) {
  if (auto ok = check_key(key); !ok) return ok.error();
  return post(cluster, "/cache/exists", {{"key", key}});
}

ClientResult<bool> parse_cache_exists(const json& response) {
  auto n = int_field(response, "count");
  if (!n) return protocol("cache exists", response);
  return *n > 0;
}

ClientResult<ApiCall> cache_ttl(std::string_view cluster, std::string_view key) {
  if (auto ok = check_key(key); !ok) return ok.error();
  return post(cluster, "/cache/ttl", {{"key", key}});
}

ClientResult<std::optional<std::chrono::seconds>> parse_cache_ttl(const json& response) {
  auto n = int_field(response, "ttl");
  if (!n) return protocol("cache ttl", response);
  if (*n == -2) return std::optional<std::chrono::seconds>{};
  return std::optional<std::chrono::seconds>(std::chrono::seconds(*n));
}

// ---- db ------------------------------------------------------------------------------

namespace {

ClientResult<json> sql_body(std::string_view sql, const json& args) {
  if (sql.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return usage("the SQL text is empty");
  }
  if (!args.is_null() && !args.is_array()) return usage("SQL arguments must be a JSON array");
  json body = {{"query", sql}};
  if (args.is_array() && !args.empty()) body["args"] = args;
  return body;
}

}  // namespace

ClientResult<ApiCall> db_query(std::string_view cluster, std::string_view sql, const json& args) {
  auto body = sql_body(sql, args);
  if (!body) return body.error();
  return post(cluster, "/db/query", *body);
}

ClientResult<QueryResult> parse_db_query(const json& response) {
  if (!response.is_object() || !response.contains("rows") || !response["rows"].is_array()) {
    return protocol("db query", response);
  }
  QueryResult out;
  out.rows = response["rows"];
  if (auto it = response.find("columns"); it != response.end() && it->is_array()) {
    out.columns = *it;
  }
  out.row_count = out.rows.size();
  if (auto it = response.find("truncated"); it != response.end() && it->is_boolean()) {
    out.truncated = it->get<bool>();
  }
  return out;
}

ClientResult<ApiCall> db_execute(std::string_view cluster, std::string_view sql, const json& args) {
  auto body = sql_body(sql, args);
  if (!body) return body.error();
  return post(cluster, "/db/execute", *body);
}

ClientResult<ExecResult> parse_db_execute(const json& response) {
  auto n = int_field(response, "rows_affected");
  if (!n) return protocol("db execute", response);
  ExecResult out;
  out.rows_affected = *n;
  if (auto it = response.find("command"); it != response.end() && it->is_string()) {
    out.command = it->get<std::string>();
  }
  return out;
}

// ---- queue ---------------------------------------------------------------------------

ClientResult<ApiCall> queue_publish(std::string_view cluster, std::string_view topic,
                                    const Message& message) {
  if (topic.empty()) return usage("no topic given");
  if (!is_utf8(topic)) return usage("topic names must be valid UTF-8 text");
  json body = {{"topic", topic}, {"message", bytes_to_wire(message.value)}};
  if (message.key) body["key"] = bytes_to_wire(*message.key);
  if (message.partition) body["partition"] = *message.partition;
  if (!message.headers.empty()) {
    json headers = json::array();
    for (const auto& h : message.headers) {
      if (h.name.empty() || !is_utf8(h.name)) {
        return usage("header names must be non-empty UTF-8 text");
      }
      headers.push_back(
          {{"name", h.name}, {"value", h.value ? bytes_to_wire(*h.value) : json(nullptr)}});
    }
    body["headers"] = std::move(headers);
  }
  return post(cluster, "/queue/publish", body);
}

ClientResult<PublishResult> parse_queue_publish(const json& response) {
  auto partition = int_field(response, "partition");
  auto offset = int_field(response, "offset");
  if (!partition || !offset) return protocol("queue publish", response);
  PublishResult out;
  out.topic = response.value("topic", "");
  out.partition = static_cast<std::int32_t>(*partition);
  out.offset = *offset;
  out.timestamp_ms = int_field(response, "timestamp");
  return out;
}

ClientResult<ApiCall> queue_read(std::string_view cluster, std::string_view topic,
                                 const ReadOptions& options) {
  if (topic.empty()) return usage("no topic given");
  if (options.max_records < 1 || options.max_records > 10'000) {
    return usage("max_records must be between 1 and 10000");
  }
  if (options.wait.count() < 0 || options.wait.count() > 30'000) {
    return usage("the wait must be between 0 and 30 seconds");
  }
  auto base = cluster_path(cluster);
  if (!base) return base.error();
  std::string path = *base + "/queue/topics/" + encode_path_segment(topic) +
                     "/records?encoding=base64&max=" + std::to_string(options.max_records) +
                     "&timeout_ms=" + std::to_string(options.wait.count());
  if (!options.cursor.empty()) {
    path += "&cursor=" + encode_path_segment(options.cursor);
  } else {
    path += options.from == StartFrom::latest ? "&from=latest" : "&from=earliest";
  }
  return ApiCall{"GET", std::move(path), {}};
}

ClientResult<ReadResult> parse_queue_read(const json& response) {
  if (!response.is_object() || !response.contains("records") || !response["records"].is_array()) {
    return protocol("queue read", response);
  }
  ReadResult out;
  out.next_cursor = response.value("next_cursor", "");
  for (const auto& r : response["records"]) {
    if (!r.is_object()) return protocol("queue read", response);
    Record record;
    record.topic = r.value("topic", "");
    record.partition = static_cast<std::int32_t>(int_field(r, "partition").value_or(-1));
    record.offset = int_field(r, "offset").value_or(-1);
    record.timestamp_ms = int_field(r, "timestamp");
    if (auto it = r.find("key"); it != r.end() && !it->is_null()) {
      record.key = bytes_from_wire(*it);
      if (!record.key) return protocol("queue read (record key)", response);
    }
    if (auto it = r.find("value"); it != r.end() && !it->is_null()) {
      record.value = bytes_from_wire(*it);
      if (!record.value) return protocol("queue read (record value)", response);
    }
    auto headers = headers_from_wire(r.contains("headers") ? r["headers"] : json(nullptr));
    if (!headers) return protocol("queue read (record headers)", response);
    record.headers = std::move(*headers);
    out.records.push_back(std::move(record));
  }
  return out;
}

ClientResult<ApiCall> queue_topics(std::string_view cluster) {
  auto base = cluster_path(cluster);
  if (!base) return base.error();
  return ApiCall{"GET", *base + "/queue/topics", {}};
}

ClientResult<std::vector<std::string>> parse_queue_topics(const json& response) {
  if (!response.is_object() || !response.contains("topics") || !response["topics"].is_array()) {
    return protocol("queue topics", response);
  }
  std::vector<std::string> out;
  for (const auto& t : response["topics"]) {
    if (!t.is_string()) return protocol("queue topics", response);
    out.push_back(t.get<std::string>());
  }
  return out;
}

// ---- cluster -------------------------------------------------------------------------

ClientResult<ApiCall> cluster_get(std::string_view cluster, std::string_view suffix) {
  auto base = cluster_path(cluster);
  if (!base) return base.error();
  return ApiCall{"GET", *base + std::string(suffix), {}};
}

ClientResult<ApiCall> cluster_delete(std::string_view cluster) {
  auto base = cluster_path(cluster);
  if (!base) return base.error();
  return ApiCall{"DELETE", *base, {}};
}

ClientResult<json> parse_object(const json& response) {
  if (!response.is_object()) return protocol("the request: expected a JSON object", response);
  return response;
}

}  // namespace throome::client::detail
