#include "throome/api/queue_cursor.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>

#include "throome/common/base64.hpp"

namespace throome::api::queue {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kMaxCursorChars = 64 * 1024;
constexpr std::size_t kMaxPartitions = 100'000;
constexpr std::string_view kDomain = "throome-cursor-v1";

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view in, std::size_t& pos, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) return false;
    const auto b = static_cast<std::uint8_t>(in[pos++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

std::array<unsigned char, 32> mac(std::string_view key, std::string_view topic,
                                  std::string_view payload) {
  std::string data;
  data.reserve(kDomain.size() + topic.size() + payload.size() + 2);
  data.append(kDomain);
  data.push_back('\0');
  data.append(topic);
  data.push_back('\0');
  data.append(payload);
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

std::string to_url_safe(std::string b64) {
  for (auto& c : b64) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return b64;
}

std::optional<std::string> from_url_safe(std::string_view text) {
  std::string b64(text);
  for (auto& c : b64) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;  // only the URL-safe alphabet, unpadded
    }
  }
  while (b64.size() % 4 != 0) b64.push_back('=');
  return common::base64_decode(b64);
}

Error invalid(std::string why) {
  return Error(Errc::bad_request, "invalid cursor", std::move(why));
}

}  // namespace

std::string encode_cursor(std::string_view key, std::string_view topic,
                          const std::vector<kafka::Position>& positions) {
  std::string payload;
  payload.push_back(static_cast<char>(kVersion));
  put_varint(payload, positions.size());
  for (const auto& p : positions) {
    put_varint(payload, static_cast<std::uint64_t>(p.partition));
    put_varint(payload, static_cast<std::uint64_t>(p.offset));
  }
  const auto m = mac(key, topic, payload);
  payload.append(reinterpret_cast<const char*>(m.data()), kMacBytes);
  return to_url_safe(common::base64_encode(payload));
}

Result<std::vector<kafka::Position>> decode_cursor(std::string_view key, std::string_view topic,
                                                   std::string_view cursor) {
  if (cursor.empty()) return invalid("empty");
  if (cursor.size() > kMaxCursorChars) return invalid("too long");
  auto raw = from_url_safe(cursor);
  if (!raw) return invalid("not a cursor issued by this gateway");
  if (raw->size() < 1 + 1 + kMacBytes) return invalid("too short");
  const std::string_view payload(raw->data(), raw->size() - kMacBytes);
  const auto expected = mac(key, topic, payload);
  if (CRYPTO_memcmp(expected.data(), raw->data() + payload.size(), kMacBytes) != 0) {
    return invalid("it was altered, or it belongs to another topic or service");
  }
  std::size_t pos = 0;
  if (static_cast<std::uint8_t>(payload[pos++]) != kVersion) return invalid("unknown version");
  std::uint64_t n = 0;
  if (!get_varint(payload, pos, n) || n > kMaxPartitions) return invalid("malformed");
  std::vector<kafka::Position> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t p = 0, o = 0;
    if (!get_varint(payload, pos, p) || !get_varint(payload, pos, o) || p > INT32_MAX ||
        o > static_cast<std::uint64_t>(INT64_MAX)) {
      return invalid("malformed");
    }
    out.push_back({static_cast<std::int32_t>(p), static_cast<std::int64_t>(o)});
  }
  if (pos != payload.size()) return invalid("malformed");
  return out;
}

}  // namespace throome::api::queue
