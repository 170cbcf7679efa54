#pragma once

#include <nlohmann/json.hpp>

namespace throome::config::detail {

/// @return `value` with objects that keep insertion order (validation walks documents in order).
nlohmann::ordered_json to_ordered(const nlohmann::json& value);

/// @return `value` with plain (key-sorted) objects, as stored in ServiceConfig::options.
nlohmann::json to_unordered(const nlohmann::ordered_json& value);

}  // namespace throome::config::detail
