#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace throome::common {

/// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64 (padding optional, no whitespace). @return nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);
/// The same, appending the bytes to `out`. @return false when malformed (`out` may then hold
/// part of them).
bool base64_decode_append(std::string_view text, std::string& out);

}  // namespace throome::common
