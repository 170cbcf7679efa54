#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace throome::redis {

/// A Redis (RESP2) reply, deep-copied out of hiredis so it outlives the callback.
struct Reply {
  enum class Type { string, status, error, integer, nil, array };
  Type type = Type::nil;
  std::string str;              // string, status, error
  std::int64_t integer = 0;     // integer
  std::vector<Reply> elements;  // array

  bool is_nil() const noexcept { return type == Type::nil; }
  bool is_error() const noexcept { return type == Type::error; }

  static Reply make_string(std::string s) { return {Type::string, std::move(s), 0, {}}; }
  static Reply make_status(std::string s) { return {Type::status, std::move(s), 0, {}}; }
  static Reply make_error(std::string s) { return {Type::error, std::move(s), 0, {}}; }
  static Reply make_integer(std::int64_t i) { return {Type::integer, {}, i, {}}; }
  static Reply make_nil() { return {}; }
  static Reply make_array(std::vector<Reply> e) { return {Type::array, {}, 0, std::move(e)}; }

  bool operator==(const Reply&) const = default;
};

/// How byte strings are written into JSON.
enum class Encoding {
  utf8,    // JSON strings; a value that is not valid UTF-8 makes the caller switch to base64
  base64,  // every string is base64
};

/// Maps a reply to JSON faithfully: integers as numbers, nil as null, arrays as arrays,
/// strings/status as strings (base64 when `encoding` is base64). Errors become
/// {"error": message}. Never throws.
nlohmann::json to_json(const Reply& reply, Encoding encoding);

/// @return true when every string inside the reply is valid UTF-8.
bool is_utf8(const Reply& reply) noexcept;
bool is_utf8(std::string_view s) noexcept;

}  // namespace throome::redis
