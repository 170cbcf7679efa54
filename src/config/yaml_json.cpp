#include "config/yaml_json.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

namespace throome::config::detail {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kTagStr = "tag:yaml.org,2002:str";
constexpr std::string_view kTagInt = "tag:yaml.org,2002:int";
constexpr std::string_view kTagFloat = "tag:yaml.org,2002:float";
constexpr std::string_view kTagBool = "tag:yaml.org,2002:bool";
constexpr std::string_view kTagNull = "tag:yaml.org,2002:null";
constexpr std::string_view kTagMap = "tag:yaml.org,2002:map";
constexpr std::string_view kTagSeq = "tag:yaml.org,2002:seq";

/// A problem found while converting a loaded document; becomes Errc::invalid_json.
struct ConversionError {
  YAML::Mark mark;
  std::string reason;
};

std::string position_message(const YAML::Mark& mark, const std::string& reason) {
  if (mark.is_null() || mark.line < 0) return "invalid YAML: " + reason;
  return "invalid YAML at line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1) + ": " + reason;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::optional<ordered_json> resolve_unsigned(std::string_view digits, int base) {
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return ordered_json(static_cast<std::int64_t>(value));
  }
  return ordered_json(value);
}

/// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ (YAML 1.2 core schema).
std::optional<ordered_json> resolve_integer(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && all_of(s.substr(2), is_octal)) {
    return resolve_unsigned(s.substr(2), 8);
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && all_of(s.substr(2), is_hex)) {
    return resolve_unsigned(s.substr(2), 16);
  }
  const bool negative = !s.empty() && s[0] == '-';
  const std::string_view digits = !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
  if (!all_of(digits, is_digit)) return std::nullopt;
  if (!negative) return resolve_unsigned(digits, 10);
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return ordered_json(value);
}

/// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.inf | \.nan (and case variants).
std::optional<double> resolve_float(std::string_view s) {
  const bool negative = !s.empty() && s[0] == '-';
  const std::string_view body = !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < body.size() && is_digit(body[i])) ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && is_digit(body[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    if (i >= body.size()) return std::nullopt;
    while (i < body.size() && is_digit(body[i])) ++i;
  }
  if (i != body.size()) return std::nullopt;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec != std::errc() || ptr != body.data() + body.size()) return std::nullopt;
  return negative ? -value : value;
}

class Converter {
 public:
  ordered_json convert(const YAML::Node& node) {
    if (++nodes_ > kMaxYamlNodes) {
      throw ConversionError{node.Mark(), "document too large (more than " +
                                             std::to_string(kMaxYamlNodes) + " nodes)"};
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return null_value(node);
      case YAML::NodeType::Scalar:
        return scalar_value(node);
      case YAML::NodeType::Sequence: {
        check_collection_tag(node, kTagSeq);
        const PathEntry entered(*this, node);
        ordered_json array = ordered_json::array();
        for (const auto& item : node) array.push_back(convert(item));
        return array;
      }
      case YAML::NodeType::Map: {
        check_collection_tag(node, kTagMap);
        const PathEntry entered(*this, node);
        ordered_json object = ordered_json::object();
        for (const auto& entry : node) {
          std::string key = key_text(entry.first);
          if (object.contains(key)) {
            throw ConversionError{entry.first.Mark(), "duplicate key \"" + key + "\""};
          }
          object[std::move(key)] = convert(entry.second);
        }
        return object;
      }
    }
    return nullptr;
  }

 private:
  static ordered_json null_value(const YAML::Node& node) {
    // `key: !!str` (an empty scalar tagged as a string) is "".
    if (node.Tag() == kTagStr) return "";
    return nullptr;
  }

  static ordered_json scalar_value(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "?") return resolve_plain_scalar(text);
    if (tag == "!" || tag == kTagStr) return text;
    ordered_json value = resolve_plain_scalar(text);
    const bool matches =
        (tag == kTagInt && value.is_number_integer()) || (tag == kTagFloat && value.is_number()) ||
        (tag == kTagBool && value.is_boolean()) || (tag == kTagNull && value.is_null());
    if (tag == kTagFloat && value.is_number_integer()) return value.get<double>();
    if (matches) return value;
    if (tag == kTagInt || tag == kTagFloat || tag == kTagBool || tag == kTagNull) {
      throw ConversionError{node.Mark(), "\"" + text + "\" is not a valid " + tag.substr(18)};
    }
    throw ConversionError{node.Mark(), "unsupported tag \"" + tag + "\""};
  }

  static void check_collection_tag(const YAML::Node& node, std::string_view expected) {
    const std::string& tag = node.Tag();
    if (tag.empty() || tag == "?" || tag == "!" || tag == expected) return;
    throw ConversionError{node.Mark(), "unsupported tag \"" + tag + "\""};
  }

  static std::string key_text(const YAML::Node& key) {
    if (key.IsScalar()) return key.Scalar();
    if (key.IsNull()) return key.Tag() == kTagStr ? "" : "null";
    throw ConversionError{key.Mark(), "mapping keys must be scalars"};
  }

  /// Keeps `node` on the path from the root while its children are converted. An alias to a
  /// node on that path (`a: &x {b: *x}`) would expand forever: it is an error, as is nesting
  /// deeper than kMaxYamlDepth.
  class PathEntry {
   public:
    PathEntry(Converter& converter, const YAML::Node& node) : path_(converter.path_) {
      for (const YAML::Node& open : path_) {
        if (open.is(node)) {
          throw ConversionError{node.Mark(), "an alias refers to a node that contains it"};
        }
      }
      if (path_.size() >= kMaxYamlDepth) {
        throw ConversionError{node.Mark(),
                              "nested more than " + std::to_string(kMaxYamlDepth) + " levels deep"};
      }
      path_.push_back(node);
    }
    ~PathEntry() { path_.pop_back(); }
    PathEntry(const PathEntry&) = delete;
    PathEntry& operator=(const PathEntry&) = delete;

   private:
    std::vector<YAML::Node>& path_;
  };

  std::size_t nodes_ = 0;
  std::vector<YAML::Node> path_;
};

bool is_yaml11_ambiguous(std::string_view text) {
  // Words that YAML 1.1 readers (PyYAML, go-yaml v2) take as booleans or null.
  static constexpr std::array<std::string_view, 10> kWords = {"y",   "n", "yes",  "no",   "on",
                                                              "off", "~", "null", "true", "false"};
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const std::string_view word : kWords) {
    if (lower == word) return true;
  }
  // Numbers, dates, sexagesimals and the like: anything that starts like a number.
  const char first = text.front();
  return is_digit(first) || first == '+' || first == '-' || first == '.';
}

std::string format_double(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value < 0 ? "-.inf" : ".inf";
  std::array<char, 64> buffer{};
  const auto [ptr, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string text(buffer.data(), ec == std::errc() ? ptr : buffer.data());
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

// Counts the documents of a stream, stopping at the second: we accept one document only.
// This pass exists because yaml-cpp 0.7.0 (Debian 12) never returns from LoadAll on some
// invalid input, allocating without bound: where a document's root node should start, a
// ',' token (", y", "{}, b", "'x' , y", "x # c\n, b", found by fuzz_cluster_yaml) makes its
// parser emit an empty document without consuming the token, again and again. One small
// request body would pin an IO thread and exhaust memory. Parsing document by document and
// stopping at the second turns that into the ordinary "expected a single document" error.
class DocumentCounter final : public YAML::EventHandler {
 public:
  int documents = 0;
  YAML::Mark second;  // where the second document's root node starts

  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (documents == 2 && !have_second_) {
      second = mark;
      have_second_ = true;
    }
  }
  bool have_second_ = false;
};

}  // namespace

Result<ordered_json> yaml_to_json(std::string_view text) {
  try {
    {
      std::istringstream in{std::string(text)};
      YAML::Parser parser(in);
      DocumentCounter counter;
      while (counter.documents < 2 && parser.HandleNextDocument(counter)) {
      }
      if (counter.documents >= 2) {
        return Error(Errc::invalid_json,
                     position_message(counter.second, "expected a single document"));
      }
    }
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    if (documents.empty()) return ordered_json(nullptr);
    if (documents.size() > 1) {
      return Error(Errc::invalid_json,
                   position_message(documents[1].Mark(), "expected a single document"));
    }
    return Converter().convert(documents.front());
  } catch (const ConversionError& e) {
    return Error(Errc::invalid_json, position_message(e.mark, e.reason));
  } catch (const YAML::ParserException& e) {
    return Error(Errc::invalid_json, position_message(e.mark, e.msg));
  } catch (const YAML::Exception& e) {
    return Error(Errc::invalid_json, position_message(e.mark, e.msg));
  }
}

ordered_json resolve_plain_scalar(std::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (auto integer = resolve_integer(text)) return std::move(*integer);
  if (auto real = resolve_float(text)) return *real;
  return std::string(text);
}

void emit_string(YAML::Emitter& out, const std::string& text) {
  if (text.empty() || !resolve_plain_scalar(text).is_string() || is_yaml11_ambiguous(text)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << text;
  }
}

void emit_json(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      out << YAML::Null;
      break;
    case nlohmann::json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      break;
    case nlohmann::json::value_t::number_integer:
      out << std::to_string(value.get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      out << std::to_string(value.get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      out << format_double(value.get<double>());
      break;
    case nlohmann::json::value_t::string:
      emit_string(out, value.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::binary:
      out << YAML::Flow << YAML::BeginSeq;
      for (const std::uint8_t byte : value.get_binary()) out << std::to_string(byte);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit_json(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit_json(out, item);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace throome::config::detail
