#include "config/text_checks.hpp"

#include <cstdint>

namespace throome::config::detail {
namespace {

bool is_continuation(unsigned char c) noexcept { return (c & 0xC0U) == 0x80U; }

/// Decodes the code point at `text[i]` of valid UTF-8 and advances `i`.
std::uint32_t next_code_point(std::string_view text, std::size_t& i) noexcept {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t extra = 0;
  std::uint32_t cp = lead;
  if (lead >= 0xF0U) {
    extra = 3;
    cp = lead & 0x07U;
  } else if (lead >= 0xE0U) {
    extra = 2;
    cp = lead & 0x0FU;
  } else if (lead >= 0xC0U) {
    extra = 1;
    cp = lead & 0x1FU;
  }
  ++i;
  for (std::size_t k = 0; k < extra && i < text.size(); ++k, ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[i]) & 0x3FU);
  }
  return cp;
}

bool is_control(std::uint32_t cp) noexcept { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

/// Parses exactly `n` digits at `text[pos]`; -1 when they are not all digits.
int digits(std::string_view text, std::size_t pos, std::size_t n) noexcept {
  if (pos + n > text.size()) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

int days_in_month(int year, int month) noexcept {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if (c < 0x80U) {
      ++i;
      continue;
    } else if (c >= 0xC2U && c <= 0xDFU) {
      extra = 1;
      min = 0x80;
      cp = c & 0x1FU;
    } else if (c >= 0xE0U && c <= 0xEFU) {
      extra = 2;
      min = 0x800;
      cp = c & 0x0FU;
    } else if (c >= 0xF0U && c <= 0xF4U) {
      extra = 3;
      min = 0x10000;
      cp = c & 0x07U;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if (!is_continuation(cc)) return false;
      cp = (cp << 6) | (cc & 0x3FU);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::size_t count_code_points(std::string_view text) noexcept {
  std::size_t n = 0;
  for (const char c : text) {
    if (!is_continuation(static_cast<unsigned char>(c))) ++n;
  }
  return n;
}

bool has_control_chars(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_control(next_code_point(text, i))) return true;
  }
  return false;
}

bool has_whitespace_or_control(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::uint32_t cp = next_code_point(text, i);
    if (cp == ' ' || is_control(cp)) return true;
  }
  return false;
}

bool is_rfc3339(std::string_view t) noexcept {
  // 2025-01-01T00:00:00Z: date, 'T', time, optional fraction, zone.
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return false;
  }
  const int year = digits(t, 0, 4);
  const int month = digits(t, 5, 2);
  const int day = digits(t, 8, 2);
  const int hour = digits(t, 11, 2);
  const int minute = digits(t, 14, 2);
  const int second = digits(t, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return false;
  }
  std::size_t pos = 19;
  if (t[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  if (pos >= t.size()) return false;
  if (t[pos] == 'Z' || t[pos] == 'z') return pos + 1 == t.size();
  if (t[pos] != '+' && t[pos] != '-') return false;
  if (t.size() != pos + 6 || t[pos + 3] != ':') return false;
  const int off_hour = digits(t, pos + 1, 2);
  const int off_minute = digits(t, pos + 4, 2);
  return off_hour >= 0 && off_hour <= 23 && off_minute >= 0 && off_minute <= 59;
}

}  // namespace throome::config::detail
