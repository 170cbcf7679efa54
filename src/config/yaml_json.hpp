#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "throome/common/error.hpp"

namespace YAML {
class Emitter;
}  // namespace YAML

namespace throome::config::detail {

/// Most nodes a document may expand to (aliases included): stops "billion laughs" documents.
inline constexpr std::size_t kMaxYamlNodes = 200'000;

/// Deepest nesting of collections a document may have once its aliases are expanded. Aliases
/// nest without the parser's own recursion guard, so this bound keeps the conversion's stack
/// small; a cluster file needs fewer than ten levels.
inline constexpr std::size_t kMaxYamlDepth = 100;

/// Parses one YAML document into a JSON tree with the YAML 1.2 core schema: quoted and block
/// scalars are strings; plain scalars are null, booleans, integers, floats or strings.
/// Mapping order is kept. An empty document is null.
/// @return the tree, or Errc::invalid_json "invalid YAML at line L, column C: <reason>" on a
///         syntax error, a duplicate or non-scalar key, an unsupported tag, several documents,
///         an alias inside the node it names, or nesting deeper than kMaxYamlDepth.
Result<nlohmann::ordered_json> yaml_to_json(std::string_view text);

/// @return what a plain (unquoted) scalar `text` reads as: null, bool, integer, float or string.
nlohmann::ordered_json resolve_plain_scalar(std::string_view text);

/// Writes `value` so that yaml_to_json reads an equal value back (NaN aside).
void emit_json(YAML::Emitter& out, const nlohmann::json& value);

/// Writes a string scalar, double-quoted whenever a plain scalar could read back as anything
/// but this string (in YAML 1.2 or in YAML 1.1 readers: "true", "123", "yes", "~", dates, "").
void emit_string(YAML::Emitter& out, const std::string& text);

}  // namespace throome::config::detail
