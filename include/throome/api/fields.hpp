#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/common/error.hpp"

namespace throome::http {
class Request;
}

namespace throome::api {

/// Typed access to the fields of a JSON request body. Every failure is Errc::bad_request
/// with a message that names the field: `field "ttl" must be an integer`.
class Fields {
 public:
  explicit Fields(const nlohmann::json& body) : body_(body) {}

  bool has(std::string_view name) const;
  const nlohmann::json* find(std::string_view name) const;

  Result<std::string> string(std::string_view name) const;
  Result<std::optional<std::string>> optional_string(std::string_view name) const;
  Result<std::optional<std::int64_t>> optional_int(std::string_view name, std::int64_t min,
                                                   std::int64_t max) const;
  Result<bool> boolean(std::string_view name, bool fallback) const;
  /// A non-empty array of strings (at most `max_items`).
  Result<std::vector<std::string>> string_array(std::string_view name, std::size_t max_items) const;

  /// Fails when the body has a field not in `known` (typos must not pass silently).
  Result<void> only(std::initializer_list<std::string_view> known) const;

 private:
  const nlohmann::json& body_;
};

/// An error for field `name`: `field "name" <what>`.
Error field_error(std::string_view name, std::string_view what);

/// Query parameter `name` as an integer in [min, max]; nullopt when absent. Anything else is
/// Errc::bad_request: `query parameter "ttl" must be an integer between 0 and 10`.
Result<std::optional<std::int64_t>> query_int(const http::Request& req, std::string_view name,
                                              std::int64_t min, std::int64_t max);

}  // namespace throome::api
