#include "throome/client/yaml_writer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace throome::client {
namespace {

using nlohmann::json;

bool is_reserved_word(std::string_view s) {
  static constexpr std::array<std::string_view, 11> kWords = {
      "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "="};
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kWords.begin(), kWords.end(), lower) != kWords.end();
}

std::string quote(const std::string& s) {
  // A JSON string literal is a valid YAML double-quoted scalar.
  return json(s).dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

std::string scalar(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      return is_plain_yaml_safe(s) ? s : quote(s);
    }
    case json::value_t::object:
      return "{}";  // only reached when empty
    case json::value_t::array:
      return "[]";  // only reached when empty
    default:
      return v.dump();  // numbers (binary is not produced by the API)
  }
}

bool is_nested(const json& v) { return v.is_structured() && !v.empty(); }

void emit(const json& v, std::size_t indent, std::string& out) {
  const std::string pad(indent, ' ');
  if (v.is_object()) {
    for (const auto& [key, item] : v.items()) {
      out += pad;
      out += is_plain_yaml_safe(key) ? key : quote(key);
      out += ':';
      if (is_nested(item)) {
        out += '\n';
        emit(item, indent + 2, out);
      } else {
        out += ' ';
        out += scalar(item);
        out += '\n';
      }
    }
    return;
  }
  for (const auto& item : v) {  // array
    if (!is_nested(item)) {
      out += pad + "- " + scalar(item) + "\n";
      continue;
    }
    // Render the item two columns deeper, then turn its first indent into "- ".
    std::string nested;
    emit(item, indent + 2, nested);
    nested.replace(0, indent + 2, pad + "- ");
    out += nested;
  }
}

}  // namespace

bool is_plain_yaml_safe(std::string_view s) noexcept {
  if (s.empty() || s.size() > 1024) return false;
  const auto first = static_cast<unsigned char>(s.front());
  if (!(std::isalpha(first) || first == '_' || first == '/')) return false;
  if (s.back() == ' ') return false;
  const bool chars_ok = std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == ' ' ||
           c == '@' || c == '+' || c == '(' || c == ')';
  });
  return chars_ok && !is_reserved_word(s);
}

std::string json_to_yaml(const nlohmann::json& value) {
  if (!is_nested(value)) return scalar(value) + "\n";
  std::string out;
  emit(value, 0, out);
  return out;
}

}  // namespace throome::client
