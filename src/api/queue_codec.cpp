#include "throome/api/queue_codec.hpp"

#include "config/text_checks.hpp"
#include "throome/api/fields.hpp"
#include "throome/common/base64.hpp"

namespace throome::api::queue {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTopicLength = 249;

}  // namespace

Result<Encoding> parse_encoding(const std::optional<std::string>& name) {
  if (!name || *name == "utf8" || *name == "utf-8") return Encoding::utf8;
  if (*name == "base64") return Encoding::base64;
  if (*name == "bytes") return Encoding::bytes;
  return Error(Errc::bad_request, "encoding must be \"utf8\", \"base64\" or \"bytes\"",
               "got \"" + *name + "\"");
}

Result<std::optional<std::string>> bytes_from_json(const json& value, std::string_view field,
                                                   bool allow_null) {
  if (value.is_null()) {
    if (allow_null) return std::optional<std::string>{};
    return field_error(field, "must not be null");
  }
  if (value.is_string()) return std::optional<std::string>(value.get<std::string>());
  if (value.is_array()) {
    std::string out;
    out.reserve(value.size());
    for (const auto& b : value) {
      if (!b.is_number_integer() || b.get<std::int64_t>() < 0 || b.get<std::int64_t>() > 255) {
        return field_error(field, "must be an array of byte values (integers 0..255)");
      }
      out.push_back(static_cast<char>(b.get<int>()));
    }
    return std::optional<std::string>(std::move(out));
  }
  if (value.is_object()) {
    auto it = value.find("base64");
    if (it == value.end() || value.size() != 1) {
      return field_error(field, "as an object must be {\"base64\": \"...\"}");
    }
    if (!it->is_string()) return field_error(field, "base64 must be a string");
    auto decoded = common::base64_decode(it->get<std::string>());
    if (!decoded) return field_error(field, "is not valid base64");
    return std::optional<std::string>(std::move(*decoded));
  }
  return field_error(field, "must be a string, an array of byte values or {\"base64\": \"...\"}");
}

Result<std::vector<kafka::Header>> headers_from_json(const json& value, std::string_view field) {
  std::vector<kafka::Header> out;
  const std::string f(field);
  if (value.is_object()) {
    for (const auto& [name, v] : value.items()) {
      auto bytes = bytes_from_json(v, f + "." + name, true);
      if (!bytes) return bytes.error();
      out.push_back({name, std::move(*bytes)});
    }
    return out;
  }
  if (!value.is_array()) {
    return field_error(field, "must be an object of name: value, or an array of {name, value}");
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto& h = value[i];
    const std::string at = f + "[" + std::to_string(i) + "]";
    if (!h.is_object()) return field_error(at, "must be an object {\"name\", \"value\"}");
    auto name = h.find("name");
    if (name == h.end() || !name->is_string() || name->get<std::string>().empty()) {
      return field_error(at + ".name", "must be a non-empty string");
    }
    for (const auto& [k, unused] : h.items()) {
      if (k != "name" && k != "value") return field_error(at + "." + k, "is not a known field");
    }
    std::optional<std::string> bytes;
    if (auto v = h.find("value"); v != h.end()) {
      auto b = bytes_from_json(*v, at + ".value", true);
      if (!b) return b.error();
      bytes = std::move(*b);
    }
    out.push_back({name->get<std::string>(), std::move(bytes)});
  }
  return out;
}

json bytes_to_json(const std::optional<std::string>& bytes, Encoding encoding) {
  if (!bytes) return nullptr;
  switch (encoding) {
    case Encoding::bytes: {
      json out = json::array();
      for (unsigned char c : *bytes) out.push_back(static_cast<int>(c));
      return out;
    }
    case Encoding::utf8:
      if (config::detail::is_valid_utf8(*bytes)) return *bytes;
      [[fallthrough]];
    case Encoding::base64:
      return {{"base64", common::base64_encode(*bytes)}};
  }
  return nullptr;
}

json record_to_json(const kafka::Record& r, Encoding encoding) {
  json headers = json::array();
  for (const auto& h : r.headers) {
    headers.push_back({{"name", h.name}, {"value", bytes_to_json(h.value, encoding)}});
  }
  json out = {{"topic", r.topic},
              {"partition", r.partition},
              {"offset", r.offset},
              {"key", bytes_to_json(r.key, encoding)},
              {"value", bytes_to_json(r.value, encoding)},
              {"headers", std::move(headers)},
              {"timestamp", r.timestamp_ms >= 0 ? json(r.timestamp_ms) : json(nullptr)}};
  if (!r.timestamp_type.empty()) out["timestamp_type"] = r.timestamp_type;
  return out;
}

Result<void> check_topic_name(std::string_view topic, std::string_view field) {
  if (topic.empty()) return field_error(field, "must not be empty");
  if (topic.size() > kMaxTopicLength) return field_error(field, "must be at most 249 characters");
  if (topic == "." || topic == "..") return field_error(field, "must not be \".\" or \"..\"");
  for (char c : topic) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return field_error(field, "may only contain letters, digits, '.', '_' and '-'");
  }
  return {};
}

}  // namespace throome::api::queue
