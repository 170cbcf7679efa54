#include "adapters/postgres/values.hpp"

#include <charconv>
#include <cstdlib>
#include <mutex>

#include "throome/common/base64.hpp"

namespace throome::postgres::detail {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxSafeInteger = 9'007'199'254'740'992;  // 2^53

struct Builtin {
  Oid oid;
  const char* name;
  Kind kind;
  Oid array_oid;  // the OID of "name[]"; 0 when not registered here
};

// Built-in types (src/include/catalog/pg_type.dat) with their array types.
constexpr Builtin kBuiltins[] = {
    {16, "bool", Kind::boolean, 1000},
    {17, "bytea", Kind::bytea, 1001},
    {18, "char", Kind::text, 1002},
    {19, "name", Kind::text, 1003},
    {20, "int8", Kind::int8, 1016},
    {21, "int2", Kind::integer, 1005},
    {22, "int2vector", Kind::text, 1006},
    {23, "int4", Kind::integer, 1007},
    {24, "regproc", Kind::text, 1008},
    {25, "text", Kind::text, 1009},
    {26, "oid", Kind::integer, 1028},
    {27, "tid", Kind::text, 1010},
    {28, "xid", Kind::text, 1011},
    {29, "cid", Kind::text, 1012},
    {30, "oidvector", Kind::text, 1013},
    {114, "json", Kind::json, 199},
    {142, "xml", Kind::text, 143},
    {600, "point", Kind::text, 1017},
    {601, "lseg", Kind::text, 1018},
    {602, "path", Kind::text, 1019},
    {603, "box", Kind::text, 1020},
    {604, "polygon", Kind::text, 1027},
    {628, "line", Kind::text, 629},
    {650, "cidr", Kind::text, 651},
    {700, "float4", Kind::floating, 1021},
    {701, "float8", Kind::floating, 1022},
    {705, "unknown", Kind::text, 0},
    {718, "circle", Kind::text, 719},
    {774, "macaddr8", Kind::text, 775},
    {790, "money", Kind::text, 791},
    {829, "macaddr", Kind::text, 1040},
    {869, "inet", Kind::text, 1041},
    {1033, "aclitem", Kind::text, 1034},
    {1042, "bpchar", Kind::text, 1014},
    {1043, "varchar", Kind::text, 1015},
    {1082, "date", Kind::date, 1182},
    {1083, "time", Kind::time, 1183},
    {1114, "timestamp", Kind::timestamp, 1115},
    {1184, "timestamptz", Kind::timestamptz, 1185},
    {1186, "interval", Kind::interval, 1187},
    {1266, "timetz", Kind::timetz, 1270},
    {1560, "bit", Kind::text, 1561},
    {1562, "varbit", Kind::text, 1563},
    {1700, "numeric", Kind::numeric, 1231},
    {1790, "refcursor", Kind::text, 2201},
    {2205, "regclass", Kind::text, 2210},
    {2206, "regtype", Kind::text, 2211},
    {2249, "record", Kind::text, 2287},
    {2275, "cstring", Kind::text, 1263},
    {2278, "void", Kind::text, 0},
    {2950, "uuid", Kind::text, 2951},
    {3220, "pg_lsn", Kind::text, 3221},
    {3614, "tsvector", Kind::text, 3643},
    {3615, "tsquery", Kind::text, 3645},
    {3802, "jsonb", Kind::json, 3807},
    {3904, "int4range", Kind::text, 3905},
    {3906, "numrange", Kind::text, 3907},
    {3908, "tsrange", Kind::text, 3909},
    {3910, "tstzrange", Kind::text, 3911},
    {3912, "daterange", Kind::text, 3913},
    {3926, "int8range", Kind::text, 3927},
    {4072, "jsonpath", Kind::text, 4073},
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

json decode_integer(std::string_view text, bool limit_to_safe) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::string(text);
  if (limit_to_safe && (v > kMaxSafeInteger || v < -kMaxSafeInteger)) return std::string(text);
  return v;
}

json decode_float(std::string_view text) {
  if (text == "NaN" || text == "Infinity" || text == "-Infinity") return std::string(text);
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::string(text);
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Array parsing (the output of array_out): elements are NULL, unquoted text, "quoted \"text\""
// or nested {...}.
class ArrayParser {
 public:
  ArrayParser(std::string_view text, const TypeDesc* element, char delimiter)
      : text_(text), element_(element), delimiter_(delimiter) {}

  std::optional<json> parse() {
    // Optional dimension decoration: "[1:2][0:1]={...}".
    if (!text_.empty() && text_[0] == '[') {
      const auto eq = text_.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      pos_ = eq + 1;
    }
    auto out = parse_level(0);
    skip_space();
    if (!out || pos_ != text_.size()) return std::nullopt;
    return out;
  }

 private:
  std::optional<json> parse_level(int depth) {
    if (depth > 6) return std::nullopt;  // PostgreSQL allows at most 6 dimensions
    skip_space();
    if (!consume('{')) return std::nullopt;
    json out = json::array();
    skip_space();
    if (consume('}')) return out;
    while (true) {
      skip_space();
      if (peek() == '{') {
        auto nested = parse_level(depth + 1);
        if (!nested) return std::nullopt;
        out.push_back(std::move(*nested));
      } else if (peek() == '"') {
        auto s = quoted();
        if (!s) return std::nullopt;
        out.push_back(element_value(*s));
      } else {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '}') ++pos_;
        std::string_view raw = text_.substr(start, pos_ - start);
        while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
        if (raw.empty()) return std::nullopt;
        if (raw.size() == 4 && (raw[0] == 'N' || raw[0] == 'n') &&
            (raw[1] == 'U' || raw[1] == 'u') && (raw[2] == 'L' || raw[2] == 'l') &&
            (raw[3] == 'L' || raw[3] == 'l')) {
          out.push_back(nullptr);
        } else {
          out.push_back(element_value(raw));
        }
      }
      skip_space();
      if (consume('}')) return out;
      if (!consume(delimiter_)) return std::nullopt;
    }
  }

  std::optional<std::string> quoted() {
    ++pos_;  // opening quote
    std::string s;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return s;
      if (c == '\\') {
        if (pos_ >= text_.size()) return std::nullopt;
        s.push_back(text_[pos_++]);
      } else {
        s.push_back(c);
      }
    }
    return std::nullopt;
  }

  json element_value(std::string_view text) const {
    if (element_ == nullptr) return std::string(text);
    return decode_value(*element_, nullptr, text);
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool consume(char c) {
    if (peek() != c || pos_ >= text_.size()) return false;
    ++pos_;
    return true;
  }
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  std::string_view text_;
  const TypeDesc* element_;
  char delimiter_;
  std::size_t pos_ = 0;
};

// "+05" -> "+05:00"; "+05:30" and "+05:53:28" (historical offsets) stay.
void normalize_offset(std::string& s, std::size_t search_from) {
  const auto sign = s.find_first_of("+-", search_from);
  if (sign == std::string::npos) return;
  const std::size_t digits = s.size() - sign - 1;
  if (digits == 2) s += ":00";
}

// "0044-03-15..." (a BC year) -> "-0043-03-15...": ISO 8601 counts 1 BC as year 0.
std::string astronomical_year(std::string s) {
  std::size_t end = 0;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  std::int64_t year = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + end, year);
  if (ec != std::errc() || end == 0) return s;
  const std::int64_t astro = year - 1;  // shown with a minus sign
  std::string digits = std::to_string(astro);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return (astro == 0 ? "" : "-") + digits + s.substr(end);
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

Error nul_error() {
  return Error(Errc::bad_request,
               "a string contains a NUL character (\\u0000), which PostgreSQL text cannot hold",
               "bind binary data to a bytea parameter as hex text: \"\\\\x00ff\"");
}

Result<void> write_literal(const json& array, std::string& out, int depth) {
  if (depth > 6) return Error(Errc::bad_request, "an array argument is nested more than 6 levels");
  out.push_back('{');
  bool first = true;
  for (const auto& item : array) {
    if (!first) out.push_back(',');
    first = false;
    if (item.is_null()) {
      out += "NULL";
    } else if (item.is_array()) {
      auto r = write_literal(item, out, depth + 1);
      if (!r) return r;
    } else if (item.is_boolean()) {
      out += item.get<bool>() ? "true" : "false";
    } else if (item.is_number()) {
      out += item.dump();
    } else {
      const std::string text = item.is_string() ? item.get<std::string>() : item.dump();
      if (has_nul(text)) return nul_error();
      out.push_back('"');
      for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      out.push_back('"');
    }
  }
  out.push_back('}');
  return {};
}

}  // namespace

TypeCache::TypeCache() {
  for (const auto& b : kBuiltins) {
    types_[b.oid] = TypeDesc{b.name, b.kind, 0, ','};
    if (b.array_oid != 0) {
      types_[b.array_oid] =
          TypeDesc{std::string(b.name) + "[]", Kind::array, b.oid, b.oid == 603 ? ';' : ','};
    }
  }
}

std::optional<TypeDesc> TypeCache::find(Oid oid) const {
  std::shared_lock lock(mu_);
  auto it = types_.find(oid);
  if (it == types_.end()) return std::nullopt;
  return it->second;
}

void TypeCache::add(Oid oid, TypeDesc desc) {
  std::unique_lock lock(mu_);
  types_.emplace(oid, std::move(desc));
}

json decode_value(const TypeDesc& type, const TypeDesc* element, std::string_view text) {
  switch (type.kind) {
    case Kind::boolean:
      return text == "t" || text == "true";
    case Kind::integer:
      return decode_integer(text, false);
    case Kind::int8:
      return decode_integer(text, true);
    case Kind::floating:
      return decode_float(text);
    case Kind::json: {
      auto parsed = json::parse(text, nullptr, false);
      if (parsed.is_discarded()) return std::string(text);
      return parsed;
    }
    case Kind::bytea: {
      auto bytes = decode_bytea(text);
      return bytes ? json(common::base64_encode(*bytes)) : json(std::string(text));
    }
    case Kind::date:
    case Kind::time:
    case Kind::timetz:
    case Kind::timestamp:
    case Kind::timestamptz:
      return iso8601(type.kind, text);
    case Kind::array: {
      auto parsed = parse_array(text, element, type.delimiter);
      if (!parsed) return std::string(text);
      return std::move(*parsed);
    }
    case Kind::numeric:
    case Kind::interval:
    case Kind::text:
      break;
  }
  return std::string(text);
}

std::optional<json> parse_array(std::string_view text, const TypeDesc* element, char delimiter) {
  return ArrayParser(text, element, delimiter).parse();
}

std::string iso8601(Kind kind, std::string_view text) {
  std::string s(text);
  if (s == "infinity" || s == "-infinity") return s;
  bool bc = false;
  if (s.size() > 3 && s.compare(s.size() - 3, 3, " BC") == 0) {
    bc = true;
    s.resize(s.size() - 3);
  }
  if (kind == Kind::timestamp || kind == Kind::timestamptz) {
    const auto space = s.find(' ');
    if (space != std::string::npos) s[space] = 'T';
  }
  if (kind == Kind::timestamptz) {
    const auto t = s.find('T');
    if (t != std::string::npos) normalize_offset(s, t);
  } else if (kind == Kind::timetz) {
    normalize_offset(s, 0);
  }
  if (bc && (kind == Kind::date || kind == Kind::timestamp || kind == Kind::timestamptz)) {
    s = astronomical_year(std::move(s));
  }
  return s;
}

std::optional<std::string> decode_bytea(std::string_view text) {
  std::string out;
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    if ((text.size() - 2) % 2 != 0) return std::nullopt;
    out.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i < text.size(); i += 2) {
      const int hi = hex_digit(text[i]);
      const int lo = hex_digit(text[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return out;
  }
  // Escape format: \\ is a backslash, \ooo an octal byte, everything else literal.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
      continue;
    }
    if (i + 3 >= text.size()) return std::nullopt;
    int v = 0;
    for (std::size_t k = 1; k <= 3; ++k) {
      const char c = text[i + k];
      if (c < '0' || c > '7') return std::nullopt;
      v = v * 8 + (c - '0');
    }
    out.push_back(static_cast<char>(v));
    i += 3;
  }
  return out;
}

Result<std::optional<std::string>> encode_param(const json& value, const TypeDesc* param) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return std::optional<std::string>{};
    case json::value_t::boolean:
      return std::optional<std::string>(value.get<bool>() ? "true" : "false");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return std::optional<std::string>(value.dump());
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (has_nul(s)) return nul_error();
      return std::optional<std::string>(s);
    }
    case json::value_t::array:
      if (param != nullptr && param->kind == Kind::array) {
        auto literal = array_literal(value);
        if (!literal) return literal.error();
        return std::optional<std::string>(std::move(*literal));
      }
      [[fallthrough]];
    case json::value_t::object:
    case json::value_t::binary: {
      std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
      if (has_nul(text)) return nul_error();  // never: dump escapes NUL as \u0000
      return std::optional<std::string>(std::move(text));
    }
  }
  return std::optional<std::string>{};
}

Result<std::string> array_literal(const json& array) {
  std::string out;
  auto r = write_literal(array, out, 1);
  if (!r) return r.error();
  return out;
}

}  // namespace throome::postgres::detail
