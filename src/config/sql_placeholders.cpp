#include <set>

#include "throome/config/cluster_config.hpp"

namespace throome::config {
namespace {

bool ident_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '$'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

SqlPlaceholders scan_placeholders(std::string_view sql) noexcept {
  std::set<int> used;
  const std::size_t n = sql.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {  // -- comment
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {  // /* comment */ (nests)
      int depth = 0;
      while (i < n) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else if (c == '\'') {  // 'string' ('' escapes; E'...' also \ escapes)
      const bool escapes =
          i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !ident_char(sql[i - 2]));
      ++i;
      while (i < n) {
        if (escapes && sql[i] == '\\') {
          i += 2;
        } else if (sql[i] == '\'') {
          if (i + 1 < n && sql[i + 1] == '\'') {
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          ++i;
        }
      }
    } else if (c == '"') {  // "identifier" ("" escapes)
      ++i;
      while (i < n) {
        if (sql[i] == '"') {
          if (i + 1 < n && sql[i + 1] == '"') {
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          ++i;
        }
      }
    } else if (c == '$' && (i == 0 || !ident_char(sql[i - 1]))) {
      if (i + 1 < n && digit(sql[i + 1])) {  // $n
        std::size_t j = i + 1;
        long value = 0;
        while (j < n && digit(sql[j])) {
          if (value < 100'000) value = value * 10 + (sql[j] - '0');
          ++j;
        }
        if (value > 0 && value <= 65'535) used.insert(static_cast<int>(value));
        i = j;
      } else {  // $tag$ ... $tag$
        std::size_t j = i + 1;
        while (j < n && sql[j] != '$' && ident_char(sql[j]) && (j > i + 1 || ident_start(sql[j]))) {
          ++j;
        }
        if (j < n && sql[j] == '$') {
          const std::string_view tag = sql.substr(i, j - i + 1);
          const auto end = sql.find(tag, j + 1);
          i = end == std::string_view::npos ? n : end + tag.size();
        } else {
          ++i;
        }
      }
    } else if (ident_char(c)) {
      while (i < n && ident_char(sql[i])) ++i;
    } else {
      ++i;
    }
  }
  SqlPlaceholders out;
  if (used.empty()) return out;
  out.max = *used.rbegin();
  for (int k = 1; k <= out.max; ++k) {
    if (used.count(k) == 0) {
      out.first_gap = k;
      break;
    }
  }
  return out;
}

}  // namespace throome::config
