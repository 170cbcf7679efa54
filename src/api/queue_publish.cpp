#include "throome/api/queue_publish.hpp"

#include <algorithm>
#include <cstring>

#include "config/text_checks.hpp"
#include "throome/api/body.hpp"
#include "throome/api/fields.hpp"
#include "throome/api/queue_codec.hpp"
#include "throome/common/base64.hpp"

namespace throome::api::queue {
namespace {

using nlohmann::json;

bool json_content_type(const std::string& ct) {
  return ct.empty() || ct == "application/json" || ct.ends_with("+json") || ct == "text/json" ||
         ct == "application/x-www-form-urlencoded" || ct == "text/plain";
}

// ---- the general path: a JSON document ---------------------------------------------------

Result<std::int32_t> partition_of(const json& item, const std::string& field) {
  auto it = item.find("partition");
  if (it == item.end() || it->is_null()) return kafka::kAnyPartition;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
      it->get<std::int64_t>() > INT32_MAX) {
    return field_error(field, "must be an integer between 0 and 2147483647");
  }
  return static_cast<std::int32_t>(it->get<std::int64_t>());
}

// One message, added to `batch`: `value_field` is "message" or "value" (aliases; not both).
Result<void> add_message(const json& item, const std::string& prefix, kafka::Batch& batch) {
  const bool has_message = item.contains("message");
  const bool has_value = item.contains("value");
  if (has_message && has_value) {
    return Error(Errc::bad_request, "fields \"" + prefix + "message\" and \"" + prefix +
                                        "value\" are aliases: send one");
  }
  // One message calls it "message" (what existing clients send), a batch item "value".
  const char* name = has_message      ? "message"
                     : has_value      ? "value"
                     : prefix.empty() ? "message"
                                      : "value";
  const std::string value_field = prefix + name;
  auto v = item.find(name);
  if (v == item.end()) return field_error(value_field, "is required");
  auto value = bytes_from_json(*v, value_field, /*allow_null=*/true);
  if (!value) return value.error();
  std::optional<std::string> key;
  if (auto k = item.find("key"); k != item.end() && !k->is_null()) {
    auto bytes = bytes_from_json(*k, prefix + "key", false);
    if (!bytes) return bytes.error();
    key = std::move(*bytes);
  }
  std::vector<kafka::Header> headers;
  if (auto h = item.find("headers"); h != item.end() && !h->is_null()) {
    auto parsed = headers_from_json(*h, prefix + "headers");
    if (!parsed) return parsed.error();
    headers = std::move(*parsed);
  }
  auto partition = partition_of(item, prefix + "partition");
  if (!partition) return partition.error();
  const auto value_bytes = batch.copy(*value);
  const auto key_bytes = batch.copy(key);
  batch.add(value_bytes, key_bytes, *partition, std::move(headers));
  return {};
}

Result<PublishBody> from_document(const json& body) {
  if (!body.is_object()) return Error(Errc::bad_request, "request body must be a JSON object");
  Fields f(body);
  auto known =
      f.only({"topic", "message", "value", "key", "headers", "partition", "messages", "service"});
  if (!known) return known.error();
  PublishBody out;
  auto service = f.optional_string("service");
  if (!service) return service.error();
  out.service = service->value_or("");
  auto topic = f.string("topic");
  if (!topic) return topic.error();
  auto valid = check_topic_name(*topic);
  if (!valid) return valid.error();
  out.topic = std::move(*topic);
  out.messages.set_topic(out.topic);

  const auto* batch = f.find("messages");
  if (batch == nullptr) {
    auto m = add_message(body, "", out.messages);
    if (!m) return m.error();
    return out;
  }
  out.batch = true;
  for (const char* single : {"message", "value", "key", "headers", "partition"}) {
    if (f.has(single)) {
      return field_error(single, "cannot be combined with \"messages\" (set it per message)");
    }
  }
  if (!batch->is_array() || batch->empty()) {
    return field_error("messages", "must be a non-empty array");
  }
  if (batch->size() > kMaxPublishBatch) {
    return field_error("messages", "has more than " + std::to_string(kMaxPublishBatch) + " items");
  }
  out.messages.reserve(batch->size());
  for (std::size_t i = 0; i < batch->size(); ++i) {
    const auto& item = (*batch)[i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return field_error(at, "must be an object {value, key?, headers?, partition?}");
    }
    for (const auto& [k, unused] : item.items()) {
      if (k != "value" && k != "message" && k != "key" && k != "headers" && k != "partition") {
        return field_error(at + "." + k, "is not a known field");
      }
    }
    auto m = add_message(item, at + ".", out.messages);
    if (!m) return m.error();
  }
  return out;
}

// ---- the fast path: straight from the text -----------------------------------------------
//
// Reads the shapes clients send (strings, byte arrays, {"base64"}, headers, partitions)
// without a JSON document, into a batch that owns the body: a value or key without escapes
// is a range of the body, anything decoded goes to the batch's arena, so a message without
// headers allocates nothing. It gives up (false) on anything else, including everything that
// is invalid: the general path then decides, with the same outcome for valid bodies and its
// error messages for the rest. Every give-up is a `return false`.

class Scanner {
 public:
  // Scans `batch`'s body; the batch must not move while the scanner runs.
  explicit Scanner(kafka::Batch& batch)
      : batch_(batch),
        begin_(batch.body().data()),
        p_(batch.body().data()),
        end_(batch.body().data() + batch.body().size()) {}

  bool body(PublishBody& out) {
    using Bytes = kafka::Batch::Bytes;
    if (static_cast<std::size_t>(end_ - p_) > kafka::Batch::kMaxBytes) return false;
    std::string key;
    bool single_seen = false, batch_seen = false, topic_seen = false, service_seen = false;
    bool value_seen = false, key_seen = false, headers_seen = false, partition_seen = false;
    Bytes value = kafka::Batch::kNone, msg_key = kafka::Batch::kNone;
    std::vector<kafka::Header> headers;
    std::int32_t partition = kafka::kAnyPartition;
    if (!expect('{')) return false;
    if (!peek('}')) {
      do {
        if (!string(key) || !expect(':')) return false;
        if (key == "topic") {
          if (topic_seen || !string(out.topic)) return false;
          topic_seen = true;
        } else if (key == "service") {
          if (service_seen || !string(out.service)) return false;
          service_seen = true;
        } else if (key == "message" || key == "value") {
          if (value_seen || !bytes(value, /*allow_null=*/true)) return false;  // or both aliases
          value_seen = single_seen = true;
        } else if (key == "key") {
          if (key_seen || !bytes(msg_key, /*allow_null=*/true)) return false;
          key_seen = single_seen = true;
        } else if (key == "headers") {
          if (headers_seen || !header_list(headers)) return false;
          headers_seen = single_seen = true;
        } else if (key == "partition") {
          if (partition_seen || !partition_value(partition)) return false;
          partition_seen = single_seen = true;
        } else if (key == "messages") {
          if (batch_seen || !messages()) return false;
          batch_seen = true;
        } else {
          return false;
        }
      } while (more('}'));
    }
    if (!expect('}') || !at_end()) return false;
    if (!topic_seen || !check_topic_name(out.topic)) return false;
    batch_.set_topic(out.topic);
    if (batch_seen) {
      if (single_seen || batch_.empty() || batch_.size() > kMaxPublishBatch) return false;
      out.batch = true;
      return true;
    }
    if (!value_seen) return false;
    batch_.add(value, msg_key, partition, std::move(headers));
    return true;
  }

 private:
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool peek(char c) {
    ws();
    return p_ < end_ && *p_ == c;
  }
  bool expect(char c) {
    ws();
    if (p_ >= end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  // After an item: a comma (another item follows) or `close` (not consumed).
  bool more(char close) {
    ws();
    if (p_ < end_ && *p_ == ',') {
      ++p_;
      return true;
    }
    return p_ < end_ && *p_ == close ? false : (p_ = end_, false);
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }
  bool null() {
    ws();
    if (end_ - p_ >= 4 && std::memcmp(p_, "null", 4) == 0) {
      p_ += 4;
      return true;
    }
    return false;
  }

  // A JSON string. Without escapes it is `text`, a view of the body, and nothing is appended;
  // with escapes it is decoded onto the end of `decoded` and `escaped` is set. Gives up on
  // \u escapes and control characters, and checks UTF-8 only when there are non-ASCII bytes.
  bool string(std::string& decoded, std::string_view& text, bool& escaped) {
    if (!expect('"')) return false;
    const char* start = p_;
    const std::size_t mark = decoded.size();
    escaped = false;
    bool ascii = true;
    while (true) {
      const char* run = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\') {
        const auto c = static_cast<unsigned char>(*p_);
        if (c < 0x20) return false;
        ascii = ascii && c < 0x80;
        ++p_;
      }
      if (p_ >= end_) return false;
      if (*p_ == '"' && !escaped) {
        text = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return ascii || config::detail::is_valid_utf8(text);
      }
      escaped = true;
      decoded.append(run, static_cast<std::size_t>(p_ - run));
      if (*p_ == '"') {
        ++p_;
        break;
      }
      if (++p_ >= end_) return false;  // after the backslash
      char c = 0;
      switch (*p_++) {
        case '"':
          c = '"';
          break;
        case '\\':
          c = '\\';
          break;
        case '/':
          c = '/';
          break;
        case 'b':
          c = '\b';
          break;
        case 'f':
          c = '\f';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        default:
          return false;  // \uXXXX and invalid escapes: the general path
      }
      decoded.push_back(c);
    }
    text = std::string_view(decoded).substr(mark);
    return ascii || config::detail::is_valid_utf8(text);
  }

  // A JSON string into `out` (field names, the topic, header names).
  bool string(std::string& out) {
    out.clear();
    std::string_view text;
    bool escaped = false;
    if (!string(out, text, escaped)) return false;
    if (!escaped) out.assign(text);
    return true;
  }

  // A non-negative integer without sign, fraction or exponent, at most `max`.
  bool integer(std::int64_t max, std::int64_t& out) {
    ws();
    const char* start = p_;
    out = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      out = out * 10 + (*p_ - '0');
      if (out > max || p_ - start > 10) return false;
      ++p_;
    }
    if (p_ == start || (p_ - start > 1 && *start == '0')) return false;
    return p_ >= end_ || (*p_ != '.' && *p_ != 'e' && *p_ != 'E');
  }

  bool partition_value(std::int32_t& out) {
    if (null()) {
      out = kafka::kAnyPartition;
      return true;
    }
    std::int64_t v = 0;
    if (!integer(INT32_MAX, v)) return false;
    out = static_cast<std::int32_t>(v);
    return true;
  }

  // Bytes: a string, null (when allowed), an array of byte values, or {"base64": "..."}. A
  // string without escapes is a range of the body; anything decoded goes to the arena.
  bool bytes(kafka::Batch::Bytes& out, bool allow_null) {
    ws();
    if (p_ >= end_) return false;
    std::string& arena = batch_.arena();
    const std::size_t start = arena.size();
    if (*p_ == '"') {
      std::string_view text;
      bool escaped = false;
      if (!string(arena, text, escaped)) return false;
      out = escaped ? batch_.arena_since(start)
                    : batch_.in_body(static_cast<std::size_t>(text.data() - begin_), text.size());
      return true;
    }
    if (*p_ == 'n') {
      if (!allow_null || !null()) return false;
      out = kafka::Batch::kNone;
      return true;
    }
    if (*p_ == '[') {
      ++p_;
      if (!peek(']')) {
        do {
          std::int64_t b = 0;
          if (!integer(255, b)) return false;
          arena.push_back(static_cast<char>(b));
        } while (more(']'));
      }
      if (!expect(']')) return false;
      out = batch_.arena_since(start);
      return true;
    }
    if (*p_ == '{') {
      ++p_;
      std::string key, scratch;  // both stay small, or empty, in the common case
      std::string_view text;
      bool escaped = false;
      if (!string(key) || key != "base64" || !expect(':') || !string(scratch, text, escaped) ||
          !expect('}')) {
        return false;
      }
      if (!common::base64_decode_append(text, arena)) return false;
      out = batch_.arena_since(start);
      return true;
    }
    return false;
  }

  // Owned bytes (header values): read as above, copied out, the arena rolled back.
  bool bytes(std::optional<std::string>& out, bool allow_null) {
    const std::size_t mark = batch_.arena().size();
    auto b = kafka::Batch::kNone;
    if (!bytes(b, allow_null)) return false;
    auto view = batch_.bytes(b);
    out = view ? std::optional<std::string>(*view) : std::nullopt;
    batch_.arena().resize(mark);
    return true;
  }

  // Headers: {"name": bytes|null, ...} or [{"name", "value"}, ...].
  bool header_list(std::vector<kafka::Header>& out) {
    if (null()) return true;
    ws();
    if (p_ < end_ && *p_ == '{') {
      ++p_;
      std::vector<std::string> names;
      if (!peek('}')) {
        do {
          kafka::Header h;
          if (!string(h.name) || !expect(':') || !bytes(h.value, true)) return false;
          for (const auto& n : names) {
            if (n == h.name) return false;  // a duplicate key: the general path decides
          }
          names.push_back(h.name);
          out.push_back(std::move(h));
        } while (more('}'));
      }
      // The general path reads an object in key order.
      std::sort(out.begin(), out.end(),
                [](const kafka::Header& a, const kafka::Header& b) { return a.name < b.name; });
      return expect('}');
    }
    if (!expect('[')) return false;
    if (!peek(']')) {
      do {
        kafka::Header h;
        bool name_seen = false, value_seen = false;
        std::string key;
        if (!expect('{')) return false;
        do {
          if (!string(key) || !expect(':')) return false;
          if (key == "name" && !name_seen) {
            if (!string(h.name) || h.name.empty()) return false;
            name_seen = true;
          } else if (key == "value" && !value_seen) {
            if (!bytes(h.value, true)) return false;
            value_seen = true;
          } else {
            return false;
          }
        } while (more('}'));
        if (!expect('}') || !name_seen) return false;
        out.push_back(std::move(h));
      } while (more(']'));
    }
    return expect(']');
  }

  // The batch's items, straight into the batch.
  bool messages() {
    if (!expect('[')) return false;
    batch_.reserve(128);
    if (peek(']')) return expect(']');
    std::string key;
    do {
      auto value = kafka::Batch::kNone, msg_key = kafka::Batch::kNone;
      std::vector<kafka::Header> headers;
      std::int32_t partition = kafka::kAnyPartition;
      bool value_seen = false, key_seen = false, headers_seen = false, partition_seen = false;
      if (!expect('{')) return false;
      if (peek('}')) return false;  // no value: the general path names the field
      do {
        if (!string(key) || !expect(':')) return false;
        if (key == "value" || key == "message") {
          if (value_seen || !bytes(value, true)) return false;
          value_seen = true;
        } else if (key == "key") {
          if (key_seen || !bytes(msg_key, true)) return false;
          key_seen = true;
        } else if (key == "headers") {
          if (headers_seen || !header_list(headers)) return false;
          headers_seen = true;
        } else if (key == "partition") {
          if (partition_seen || !partition_value(partition)) return false;
          partition_seen = true;
        } else {
          return false;
        }
      } while (more('}'));
      if (!expect('}') || !value_seen) return false;
      batch_.add(value, msg_key, partition, std::move(headers));
      if (batch_.size() > kMaxPublishBatch) return false;
    } while (more(']'));
    return expect(']');
  }

  kafka::Batch& batch_;
  const char* begin_;
  const char* p_;
  const char* end_;
};

// The fast path on `body`, which moves into the result's batch; handed back on a give-up.
bool parse_fast(std::string& body, PublishBody& out) {
  out.messages.set_body(std::move(body));
  Scanner scanner(out.messages);
  if (scanner.body(out)) return true;
  body = out.messages.take_body();
  return false;
}

}  // namespace

std::optional<PublishBody> parse_publish_fast(std::string_view body) {
  std::string text(body);
  PublishBody out;
  if (!parse_fast(text, out)) return std::nullopt;
  return out;
}

Result<PublishBody> parse_publish_body(std::string_view body, bool fast) {
  if (fast) {
    if (auto parsed = parse_publish_fast(body)) return std::move(*parsed);
  }
  http::Request req;
  req.body = std::string(body);
  auto doc = parse_json_body(req);
  if (!doc) return doc.error();
  return from_document(*doc);
}

Result<PublishBody> parse_publish(http::Request& req) {
  if (json_content_type(req.content_type()) && !req.body.empty()) {
    PublishBody out;
    if (parse_fast(req.body, out)) return out;
  }
  auto doc = parse_json_body(req);  // the media type, emptiness and syntax errors
  if (!doc) return doc.error();
  return from_document(*doc);
}

}  // namespace throome::api::queue
