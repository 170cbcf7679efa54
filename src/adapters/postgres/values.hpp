#pragma once

// PostgreSQL values <-> JSON, sans-io: the text output of each column type becomes typed JSON,
// and JSON arguments become the text form of parameters. Private to the Postgres adapter.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "throome/common/error.hpp"

namespace throome::postgres::detail {

using Oid = std::uint32_t;

/// How a type's text output maps to JSON.
enum class Kind {
  boolean,
  integer,   // int2, int4, oid: always a JSON number
  int8,      // a number within ±2^53, else a string
  floating,  // float4, float8: a number; NaN and ±Infinity as strings
  numeric,   // a string (exact)
  json,      // json, jsonb: embedded
  bytea,     // base64
  date,
  time,
  timetz,
  timestamp,
  timestamptz,
  interval,  // ISO 8601 duration (IntervalStyle iso_8601)
  text,      // text, varchar, char, uuid and every other type: the text output
  array,
};

/// What the adapter knows about one type.
struct TypeDesc {
  std::string name;  // "int4", "text[]", "my_enum"
  Kind kind = Kind::text;
  Oid element = 0;       // arrays: the element type
  char delimiter = ',';  // arrays: the element delimiter (';' for box)
};

/// The built-in types, plus types learned from pg_type at run time (enums, domains, arrays of
/// them). Shared by the connections of one backend. Thread-safe.
class TypeCache {
 public:
  TypeCache();
  /// @return the type, or nullopt when unknown (the caller may look it up and add() it).
  std::optional<TypeDesc> find(Oid oid) const;
  void add(Oid oid, TypeDesc desc);

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<Oid, TypeDesc> types_;
};

/// The JSON value of a non-NULL column value in text format. `element` is used for arrays
/// (nullptr: elements are strings). Never throws: text that does not parse stays a string.
nlohmann::json decode_value(const TypeDesc& type, const TypeDesc* element, std::string_view text);

/// Parses PostgreSQL's array output ("{1,2,NULL}", "{{\"a b\",c}}", "[0:1]={1,2}") into a
/// JSON array, decoding each element with `element` (nullptr: strings). @return nullopt when
/// malformed.
std::optional<nlohmann::json> parse_array(std::string_view text, const TypeDesc* element,
                                          char delimiter = ',');

/// ISO 8601 text of a date/time value in DateStyle ISO output ("2024-01-02 03:04:05+00" ->
/// "2024-01-02T03:04:05+00:00"; BC years become astronomical years: "0044-03-15 BC" ->
/// "-0043-03-15"). "infinity" and "-infinity" are kept.
std::string iso8601(Kind kind, std::string_view text);

/// Decodes bytea text output (hex "\x0a0b" or the escape format). @return nullopt if malformed.
std::optional<std::string> decode_bytea(std::string_view text);

/// The text form of one JSON argument for a parameter of type `param` (nullptr: unknown).
/// @return nullopt for SQL NULL, or Errc::bad_request (a string with a NUL character, which
///         PostgreSQL text cannot hold).
Result<std::optional<std::string>> encode_param(const nlohmann::json& value, const TypeDesc* param);

/// A JSON array as a PostgreSQL array literal: {1,"a \"b\"",NULL,{2,3}}.
/// @return Errc::bad_request for a string with a NUL character.
Result<std::string> array_literal(const nlohmann::json& array);

}  // namespace throome::postgres::detail
