#include "throome/auth/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>

namespace throome::auth {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

KeyDigest digest_of(std::string_view key) noexcept {
  KeyDigest out{};
  unsigned int size = 0;
  // One-shot EVP digest: no state shared between threads.
  EVP_Digest(key.data(), key.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

bool same_digest(const KeyDigest& a, const KeyDigest& b) noexcept {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<KeyDigest> parse_digest_hex(std::string_view hex) noexcept {
  KeyDigest out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

std::optional<std::string_view> presented_key(const http::Request& req) {
  if (auto auth = req.header("Authorization")) {
    const std::string_view value = trim(*auth);
    constexpr std::string_view kScheme = "bearer ";
    if (value.size() > kScheme.size()) {
      bool bearer = true;
      for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) bearer = false;
      }
      if (bearer) {
        const std::string_view key = trim(value.substr(kScheme.size()));
        if (!key.empty()) return key;
      }
    }
  }
  if (auto key = req.header("X-API-Key")) {
    const std::string_view value = trim(*key);
    if (!value.empty()) return value;
  }
  return std::nullopt;
}

}  // namespace throome::auth
