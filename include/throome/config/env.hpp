#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "throome/common/error.hpp"

namespace throome::config {

/// Looks up an environment variable; std::nullopt when unset. Injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment (getenv).
EnvLookup process_env();

/// Replaces `${NAME}` and `${NAME:-default}` in `text`; `$${` is a literal `${`.
/// NAME is [A-Za-z_][A-Za-z0-9_]*.
/// @return the resolved string, or Errc::validation_failed naming the variable when it is
///         unset (and has no default) or the reference is malformed.
Result<std::string> interpolate_env(std::string_view text, const EnvLookup& env);

/// True when `text` contains a `${...}` reference (so it is not a literal value).
bool has_env_reference(std::string_view text);

}  // namespace throome::config
