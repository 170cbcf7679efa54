#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throome/config/cluster_codec.hpp"

namespace throome::config::detail {

/// A configuration document as a JSON tree that keeps mapping order.
using Doc = nlohmann::ordered_json;

/// One value of a document and its dotted path; `value` is nullptr when absent or null.
struct Field {
  const Doc* value = nullptr;
  std::string path;
  bool absent() const noexcept { return value == nullptr; }
};

/// "a" + "b" -> "a.b"; "" + "b" -> "b".
std::string join_path(std::string_view parent, std::string_view key);
/// "a" + 2 -> "a[2]".
std::string index_path(std::string_view parent, std::size_t index);
/// The field `key` of the mapping `object` found at `parent`.
Field field_of(const Doc& object, std::string_view parent, std::string_view key);
/// `text` in double quotes for a message, shortened when long.
std::string in_quotes(std::string_view text);

/// Walks a document collecting every problem (errors) and every ignored key (warnings), so
/// one pass reports all of them. Typed readers return nullopt when the value is absent or
/// invalid; they record the reason for an invalid one.
class DocumentChecker {
 public:
  /// Records a fatal problem at `path`.
  void error(std::string path, std::string message);
  /// Records a non-fatal finding at `path`.
  void warn(std::string path, std::string message);

  /// @return true when at least one error was recorded.
  bool has_errors() const noexcept { return !errors_.empty(); }
  const std::vector<ConfigIssue>& errors() const noexcept { return errors_; }
  const std::vector<ConfigIssue>& warnings() const noexcept { return warnings_; }

  /// Warns "unknown key (ignored)" for each key of `object` (a mapping at `path`) outside
  /// `known`, and "legacy key (ignored)" for those in `legacy`.
  void check_keys(const Doc& object, std::string_view path,
                  std::initializer_list<std::string_view> known,
                  std::initializer_list<std::string_view> legacy = {});

  /// @return true when `f` is present; records "is required" otherwise.
  bool require(const Field& f);
  /// @return the mapping, or nullptr when absent or not a mapping ("must be a mapping").
  const Doc* mapping(const Field& f);
  /// @return the sequence, or nullptr when absent or not a sequence ("must be a sequence").
  const Doc* sequence(const Field& f);
  /// @return the string; "must be a string" / "must be valid UTF-8" when invalid.
  std::optional<std::string> string(const Field& f);
  /// @return the boolean; "must be a boolean" when invalid.
  std::optional<bool> boolean(const Field& f);
  /// @return the integer; "must be an integer" (floats and booleans included) when invalid.
  std::optional<std::int64_t> integer(const Field& f);
  /// @return the integer in [min, max]; "must be between <min> and <max>" when outside.
  std::optional<int> integer(const Field& f, int min, int max);

 private:
  std::vector<ConfigIssue> errors_;
  std::vector<ConfigIssue> warnings_;
};

/// Reads `f` into `target` when it is a valid value of the target's type (int: in range).
inline void assign(DocumentChecker& checker, const Field& f, bool& target) {
  if (auto v = checker.boolean(f)) target = *v;
}
inline void assign(DocumentChecker& checker, const Field& f, std::string& target) {
  if (auto v = checker.string(f)) target = std::move(*v);
}
inline void assign(DocumentChecker& checker, const Field& f, int& target, int min, int max) {
  if (auto v = checker.integer(f, min, max)) target = *v;
}

/// The details() payload of Errc::validation_failed: [{"path": ..., "message": ...}, ...].
nlohmann::json issues_to_json(const std::vector<ConfigIssue>& issues);

}  // namespace throome::config::detail
