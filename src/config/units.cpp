#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

#include "throome/config/app_config.hpp"

namespace throome::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

/// Reads leading digits of `text` at `pos` into `value`; false when none or on overflow.
bool read_number(std::string_view text, std::size_t& pos, std::uint64_t& value) {
  const std::size_t start = pos;
  value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
    ++pos;
  }
  return pos > start;
}

bool multiply(std::uint64_t a, std::uint64_t b, std::uint64_t limit, std::uint64_t& out) {
  if (b != 0 && a > limit / b) return false;
  out = a * b;
  return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  // Longest suffix first so that "ms" is not read as "m" + "s".
  static constexpr std::array<Unit, 4> kUnits = {
      {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};
  constexpr auto kLimit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (text.empty()) return std::nullopt;
  std::size_t pos = 0;
  std::uint64_t total = 0;
  bool bare = true;
  while (pos < text.size()) {
    std::uint64_t amount = 0;
    if (!read_number(text, pos, amount)) return std::nullopt;
    std::uint64_t factor = 1000;  // a bare integer is seconds
    if (pos < text.size()) {
      const Unit* unit = nullptr;
      for (const Unit& candidate : kUnits) {
        if (text.substr(pos, candidate.suffix.size()) == candidate.suffix) {
          unit = &candidate;
          break;
        }
      }
      if (unit == nullptr) return std::nullopt;
      factor = unit->factor;
      pos += unit->suffix.size();
      bare = false;
    } else if (!bare) {
      return std::nullopt;  // "1m30": a number without a unit after a unit
    }
    std::uint64_t part = 0;
    if (!multiply(amount, factor, kLimit, part) || part > kLimit - total) return std::nullopt;
    total += part;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

std::optional<std::size_t> parse_size(std::string_view text) {
  static constexpr std::array<Unit, 8> kUnits = {{{"KiB", 1ULL << 10},
                                                  {"MiB", 1ULL << 20},
                                                  {"GiB", 1ULL << 30},
                                                  {"kB", 1'000},
                                                  {"KB", 1'000},
                                                  {"MB", 1'000'000},
                                                  {"GB", 1'000'000'000},
                                                  {"B", 1}}};
  std::size_t pos = 0;
  std::uint64_t amount = 0;
  if (!read_number(text, pos, amount)) return std::nullopt;
  if (pos < text.size() && text[pos] == ' ') ++pos;  // "16 KiB"
  std::uint64_t factor = 1;
  const std::string_view suffix = text.substr(pos);
  if (!suffix.empty()) {
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (suffix == candidate.suffix) unit = &candidate;
    }
    if (unit == nullptr) return std::nullopt;
    factor = unit->factor;
  } else if (pos != text.size() || text.back() == ' ') {
    return std::nullopt;
  }
  std::uint64_t bytes = 0;
  if (!multiply(amount, factor, std::numeric_limits<std::size_t>::max(), bytes)) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(bytes);
}

}  // namespace throome::config
