#include "throome/adapters/redis/reply.hpp"

#include "throome/common/base64.hpp"

namespace throome::redis {

bool is_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const auto n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool is_utf8(const Reply& reply) noexcept {
  switch (reply.type) {
    case Reply::Type::string:
    case Reply::Type::status:
    case Reply::Type::error:
      return is_utf8(std::string_view(reply.str));
    case Reply::Type::array:
      for (const auto& e : reply.elements) {
        if (!is_utf8(e)) return false;
      }
      return true;
    default:
      return true;
  }
}

nlohmann::json to_json(const Reply& reply, Encoding encoding) {
  switch (reply.type) {
    case Reply::Type::nil:
      return nullptr;
    case Reply::Type::integer:
      return reply.integer;
    case Reply::Type::status:
      return reply.str;
    case Reply::Type::error:
      return {{"error", reply.str}};
    case Reply::Type::string:
      return encoding == Encoding::base64 ? nlohmann::json(common::base64_encode(reply.str))
                                          : nlohmann::json(reply.str);
    case Reply::Type::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : reply.elements) out.push_back(to_json(e, encoding));
      return out;
    }
  }
  return nullptr;
}

}  // namespace throome::redis
