#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace throome::client {

/// Renders a JSON value as a block-style YAML document (2-space indent, keys in the JSON
/// object's order), ending with '\n'. Strings that a YAML 1.1 or 1.2 reader could take for
/// something else (numbers, booleans, null, timestamps, text with ": " or a leading
/// indicator) are written double-quoted, so the document reads back as the same JSON.
std::string json_to_yaml(const nlohmann::json& value);

/// @return true when `s` can be written as a plain (unquoted) YAML scalar and still read
///         back as this exact string.
bool is_plain_yaml_safe(std::string_view s) noexcept;

}  // namespace throome::client
