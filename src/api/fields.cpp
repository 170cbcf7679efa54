#include "throome/api/fields.hpp"

#include <charconv>

#include "throome/http/request.hpp"

namespace throome::api {

Error field_error(std::string_view name, std::string_view what) {
  return Error(Errc::bad_request, "field \"" + std::string(name) + "\" " + std::string(what));
}

bool Fields::has(std::string_view name) const { return find(name) != nullptr; }

const nlohmann::json* Fields::find(std::string_view name) const {
  auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> Fields::string(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr) return field_error(name, "is required");
  if (!v->is_string()) return field_error(name, "must be a string");
  return v->get<std::string>();
}

Result<std::optional<std::string>> Fields::optional_string(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr) return std::optional<std::string>{};
  if (!v->is_string()) return field_error(name, "must be a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<std::int64_t>> Fields::optional_int(std::string_view name, std::int64_t min,
                                                         std::int64_t max) const {
  const auto* v = find(name);
  if (v == nullptr) return std::optional<std::int64_t>{};
  std::int64_t value = 0;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      return field_error(name,
                         "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    value = v->get<std::int64_t>();
  } else {
    return field_error(name, "must be an integer");
  }
  if (value < min || value > max) {
    return field_error(name,
                       "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return std::optional<std::int64_t>(value);
}

Result<bool> Fields::boolean(std::string_view name, bool fallback) const {
  const auto* v = find(name);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) return field_error(name, "must be a boolean");
  return v->get<bool>();
}

Result<std::vector<std::string>> Fields::string_array(std::string_view name,
                                                      std::size_t max_items) const {
  const auto* v = find(name);
  if (v == nullptr) return field_error(name, "is required");
  if (!v->is_array()) return field_error(name, "must be an array of strings");
  if (v->empty()) return field_error(name, "must not be empty");
  if (v->size() > max_items) {
    return field_error(name, "has more than " + std::to_string(max_items) + " items");
  }
  std::vector<std::string> out;
  out.reserve(v->size());
  for (const auto& item : *v) {
    if (!item.is_string()) return field_error(name, "must be an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<void> Fields::only(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : body_.items()) {
    bool ok = false;
    for (auto k : known) ok = ok || k == key;
    if (!ok) return field_error(key, "is not a known field");
  }
  return {};
}

Result<std::optional<std::int64_t>> query_int(const http::Request& req, std::string_view name,
                                              std::int64_t min, std::int64_t max) {
  auto text = req.query_param(name);
  if (!text) return std::optional<std::int64_t>{};
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), out);
  if (text->empty() || ec != std::errc() || ptr != text->data() + text->size() || out < min ||
      out > max) {
    return Error(Errc::bad_request, "query parameter \"" + std::string(name) +
                                        "\" must be an integer between " + std::to_string(min) +
                                        " and " + std::to_string(max));
  }
  return std::optional<std::int64_t>(out);
}

}  // namespace throome::api
