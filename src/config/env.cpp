#include "throome/config/env.hpp"

#include <cstdlib>

namespace throome::config {
namespace {

bool is_name_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) noexcept { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool is_valid_name(std::string_view name) noexcept {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (const char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

bool starts_escape(std::string_view text, std::size_t i) noexcept {
  return text.compare(i, 3, "$${") == 0;
}

bool starts_reference(std::string_view text, std::size_t i) noexcept {
  return text.compare(i, 2, "${") == 0;
}

Error interpolation_error(std::string message) {
  return Error(Errc::validation_failed, std::move(message));
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<std::string> interpolate_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (starts_escape(text, i)) {
      out += "${";
      i += 3;
      continue;
    }
    if (!starts_reference(text, i)) {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return interpolation_error("unterminated ${ reference");
    const std::string_view body = text.substr(i + 2, close - i - 2);
    const std::size_t sep = body.find(":-");
    const std::string_view name = body.substr(0, sep);
    if (!is_valid_name(name)) {
      // The text may be a literal secret: do not echo it.
      return interpolation_error(
          "invalid ${...} reference: variable names must match [A-Za-z_][A-Za-z0-9_]*");
    }
    std::optional<std::string> value = env ? env(std::string(name)) : std::nullopt;
    if (sep != std::string_view::npos) {
      // ${NAME:-default}: the default applies when NAME is unset or empty (as in sh).
      if (!value || value->empty()) value = std::string(body.substr(sep + 2));
    } else if (!value) {
      return interpolation_error("environment variable " + std::string(name) + " is not set");
    }
    out += *value;
    i = close + 1;
  }
  return out;
}

bool has_env_reference(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (starts_escape(text, i)) {
      i += 3;
    } else if (starts_reference(text, i)) {
      return true;
    } else {
      ++i;
    }
  }
  return false;
}

}  // namespace throome::config
