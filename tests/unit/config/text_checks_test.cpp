// Private text rules: UTF-8, control characters, RFC 3339 timestamps.

#include "config/text_checks.hpp"

#include <gtest/gtest.h>

#include <string>

namespace throome::config::detail {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  for (const char* ok : {"", "ascii", "ü", "日本語", "🚀", "\x7f", "a\xC2\x80z"}) {
    EXPECT_TRUE(is_valid_utf8(ok)) << ok;
  }
}

TEST(Utf8, RejectsMalformedText) {
  for (const char* bad : {"\x80", "\xC3", "\xC3\x28", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF", "ok\xE2\x82"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(count_code_points(""), 0u);
  EXPECT_EQ(count_code_points("abc"), 3u);
  EXPECT_EQ(count_code_points("üé日🚀"), 4u);
}

TEST(ControlChars, C0C1AndDel) {
  EXPECT_FALSE(has_control_chars("Shop EU ✓"));
  EXPECT_TRUE(has_control_chars("a\tb"));
  EXPECT_TRUE(has_control_chars("a\nb"));
  EXPECT_TRUE(has_control_chars(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control_chars("a\x7f"));
  EXPECT_TRUE(has_control_chars("a\xC2\x85"));  // U+0085 NEL
}

TEST(ControlChars, WhitespaceToo) {
  EXPECT_FALSE(has_whitespace_or_control("db.local"));
  EXPECT_FALSE(has_whitespace_or_control("${DB_HOST:-x}"));
  EXPECT_TRUE(has_whitespace_or_control("db local"));
  EXPECT_TRUE(has_whitespace_or_control("db\t"));
}

TEST(Rfc3339, Accepts) {
  for (const char* ok :
       {"2025-01-01T00:00:00Z", "2025-01-01t00:00:00z", "2024-02-29T23:59:59Z",
        "2025-06-30T12:34:56.789+02:00", "2025-11-20T10:15:30.123456789-05:30",
        "0001-01-01T00:00:00Z", "2016-12-31T23:59:60Z", "2000-02-29T00:00:00+00:00"}) {
    EXPECT_TRUE(is_rfc3339(ok)) << ok;
  }
}

TEST(Rfc3339, Rejects) {
  for (const char* bad : {"",
                          "2025-01-01",
                          "2025-01-01T00:00:00",
                          "2025-01-01 00:00:00Z",
                          "2025-1-01T00:00:00Z",
                          "2025-13-01T00:00:00Z",
                          "2025-00-10T00:00:00Z",
                          "2025-02-29T00:00:00Z",
                          "1900-02-29T00:00:00Z",
                          "2025-04-31T00:00:00Z",
                          "2025-01-01T24:00:00Z",
                          "2025-01-01T00:60:00Z",
                          "2025-01-01T00:00:61Z",
                          "2025-01-01T00:00:00.Z",
                          "2025-01-01T00:00:00+0200",
                          "2025-01-01T00:00:00+24:00",
                          "2025-01-01T00:00:00+02:60",
                          "2025-01-01T00:00:00ZZ",
                          "2025-01-01T00:00:00Z ",
                          "yesterday",
                          "2025-01-01T00:00:00UTC"}) {
    EXPECT_FALSE(is_rfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace throome::config::detail
