#include <array>
#include <string>

#include "throome/config/cluster_codec.hpp"

namespace throome::config {
namespace {

char fold(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Case-insensitive: does `text` contain the lower-case `word`?
bool contains_word(std::string_view text, std::string_view word) noexcept {
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < word.size() && fold(text[i + k]) == word[k]) ++k;
    if (k == word.size()) return true;
  }
  return false;
}

/// Case-insensitive: does `text` end with the lower-case `suffix`?
bool ends_with_word(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() &&
         contains_word(text.substr(text.size() - suffix.size()), suffix);
}

/// "redis://user:pw@host:6379/0" -> "redis://user:********@host:6379/0".
std::string mask_url_password(const std::string& text) {
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string::npos) return text;
  const std::size_t authority = scheme_end + 3;
  const std::size_t at = text.find('@', authority);
  const std::size_t slash = text.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return text;
  const std::size_t colon = text.find(':', authority);
  if (colon == std::string::npos || colon > at || colon + 1 == at) return text;
  return text.substr(0, colon + 1) + std::string(kRedacted) + text.substr(at);
}

nlohmann::json redact_value(const nlohmann::json& value) {
  if (value.is_string()) return mask_url_password(value.get_ref<const std::string&>());
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(redact_value(item));
    return out;
  }
  if (!value.is_object()) return value;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, item] : value.items()) {
    const bool empty =
        item.is_null() || (item.is_string() && item.get_ref<const std::string&>().empty());
    if (is_secret_option_key(key) && !empty) {
      out[key] = kRedacted;
    } else {
      out[key] = redact_value(item);
    }
  }
  return out;
}

}  // namespace

bool is_secret_option_key(std::string_view key) noexcept {
  static constexpr std::array<std::string_view, 6> kWords = {"password", "passwd",     "secret",
                                                             "token",    "credential", "private"};
  static constexpr std::array<std::string_view, 4> kSuffixes = {"_key", ".key", "-key", ".key.pem"};
  for (const std::string_view word : kWords) {
    if (contains_word(key, word)) return true;
  }
  for (const std::string_view suffix : kSuffixes) {
    if (ends_with_word(key, suffix)) return true;
  }
  return false;
}

nlohmann::json redact_options(const nlohmann::json& options) { return redact_value(options); }

}  // namespace throome::config
