#pragma once

#include <cstddef>
#include <string_view>

namespace throome::config::detail {

/// @return true when `text` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// @return the number of code points of valid UTF-8 `text`.
std::size_t count_code_points(std::string_view text) noexcept;

/// @return true when valid UTF-8 `text` holds a C0/C1 control character or DEL.
bool has_control_chars(std::string_view text) noexcept;

/// @return true when `text` holds an ASCII space/tab/newline or a control character.
bool has_whitespace_or_control(std::string_view text) noexcept;

/// @return true for YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) with a real calendar date.
bool is_rfc3339(std::string_view text) noexcept;

}  // namespace throome::config::detail
