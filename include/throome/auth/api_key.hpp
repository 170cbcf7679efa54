#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "throome/http/request.hpp"

namespace throome::auth {

/// The SHA-256 of an API key: what configuration files hold and what keys are compared by.
using KeyDigest = std::array<unsigned char, 32>;

/// @return SHA-256 of `key` (OpenSSL libcrypto).
KeyDigest digest_of(std::string_view key) noexcept;

/// Compares two digests in time independent of where they differ (CRYPTO_memcmp).
bool same_digest(const KeyDigest& a, const KeyDigest& b) noexcept;

/// @return the digest written as 64 hex digits (either case), or nullopt when malformed.
std::optional<KeyDigest> parse_digest_hex(std::string_view hex) noexcept;

/// @return the key a request presents: `Authorization: Bearer <key>` (scheme in any case),
///         else `X-API-Key: <key>`; nullopt when neither carries a non-empty key.
std::optional<std::string_view> presented_key(const http::Request& req);

}  // namespace throome::auth
