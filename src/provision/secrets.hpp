#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace throome::provision::detail {

/// A random password of `length` characters from [A-Za-z0-9] (the OS random source): safe in
/// URLs, shells, YAML and connection strings without quoting.
std::string generate_password(std::size_t length = 32);

/// The lower-case hex SHA-256 of `text` (Redis ACL `#<hash>` passwords).
std::string sha256_hex(std::string_view text);

}  // namespace throome::provision::detail
