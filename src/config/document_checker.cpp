#include "config/document_checker.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "config/text_checks.hpp"

namespace throome::config::detail {
namespace {

constexpr std::size_t kMaxQuotedBytes = 64;

bool contains(std::initializer_list<std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

}  // namespace

std::string join_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  if (is_valid_utf8(key)) {
    path += key;
  } else {
    // Paths end up in JSON error bodies: never let a malformed key make them invalid UTF-8.
    for (const char c : key) path += static_cast<unsigned char>(c) < 0x80U ? c : '?';
  }
  return path;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

Field field_of(const Doc& object, std::string_view parent, std::string_view key) {
  Field f{nullptr, join_path(parent, key)};
  if (!object.is_object()) return f;
  const auto it = object.find(key);
  if (it != object.end() && !it->is_null()) f.value = &*it;
  return f;
}

std::string in_quotes(std::string_view text) {
  if (text.size() <= kMaxQuotedBytes) return "\"" + std::string(text) + "\"";
  std::size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  return "\"" + std::string(text.substr(0, cut)) + "...\"";
}

void DocumentChecker::error(std::string path, std::string message) {
  errors_.push_back({std::move(path), std::move(message)});
}

void DocumentChecker::warn(std::string path, std::string message) {
  warnings_.push_back({std::move(path), std::move(message)});
}

void DocumentChecker::check_keys(const Doc& object, std::string_view path,
                                 std::initializer_list<std::string_view> known,
                                 std::initializer_list<std::string_view> legacy) {
  if (!object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (contains(known, key)) continue;
    warn(join_path(path, key),
         contains(legacy, key) ? "legacy key (ignored)" : "unknown key (ignored)");
  }
}

bool DocumentChecker::require(const Field& f) {
  if (!f.absent()) return true;
  error(f.path, "is required");
  return false;
}

const Doc* DocumentChecker::mapping(const Field& f) {
  if (f.absent()) return nullptr;
  if (!f.value->is_object()) {
    error(f.path, "must be a mapping");
    return nullptr;
  }
  return f.value;
}

const Doc* DocumentChecker::sequence(const Field& f) {
  if (f.absent()) return nullptr;
  if (!f.value->is_array()) {
    error(f.path, "must be a sequence");
    return nullptr;
  }
  return f.value;
}

std::optional<std::string> DocumentChecker::string(const Field& f) {
  if (f.absent()) return std::nullopt;
  if (!f.value->is_string()) {
    error(f.path, "must be a string");
    return std::nullopt;
  }
  const auto& text = f.value->get_ref<const std::string&>();
  if (!is_valid_utf8(text)) {
    error(f.path, "must be valid UTF-8");
    return std::nullopt;
  }
  return text;
}

std::optional<bool> DocumentChecker::boolean(const Field& f) {
  if (f.absent()) return std::nullopt;
  if (!f.value->is_boolean()) {
    error(f.path, "must be a boolean");
    return std::nullopt;
  }
  return f.value->get<bool>();
}

std::optional<std::int64_t> DocumentChecker::integer(const Field& f) {
  if (f.absent()) return std::nullopt;
  if (f.value->is_number_unsigned()) {
    // Beyond int64: clamp so that range checks report it as too large.
    const auto value = f.value->get<std::uint64_t>();
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(std::min(value, kMax));
  }
  if (!f.value->is_number_integer()) {
    error(f.path, "must be an integer");
    return std::nullopt;
  }
  return f.value->get<std::int64_t>();
}

std::optional<int> DocumentChecker::integer(const Field& f, int min, int max) {
  const auto value = integer(f);
  if (!value) return std::nullopt;
  if (*value < min || *value > max) {
    error(f.path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

nlohmann::json issues_to_json(const std::vector<ConfigIssue>& issues) {
  nlohmann::json details = nlohmann::json::array();
  for (const ConfigIssue& issue : issues) {
    details.push_back({{"path", issue.path}, {"message", issue.message}});
  }
  return details;
}

}  // namespace throome::config::detail
