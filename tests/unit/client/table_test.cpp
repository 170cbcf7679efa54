#include "throome/client/table.hpp"

#include <gtest/gtest.h>

namespace throome::client {
namespace {

TEST(TableTest, AlignsColumnsWithoutTrailingBlanks) {
  Table t({"ID", "NAME", "SERVICES"});
  t.add_row({"shop-01", "Shop", "2"});
  t.add_row({"a", "", "10"});
  EXPECT_EQ(t.render(),
            "ID       NAME  SERVICES\n"
            "shop-01  Shop  2\n"
            "a              10\n");
  EXPECT_EQ(t.rows(), 3u);
}

TEST(TableTest, PadsShortRowsAndWidensForLongRows) {
  Table t({"A", "B"});
  t.add_row({"1"});
  t.add_row({"1", "2", "three"});
  EXPECT_EQ(t.render(),
            "A  B\n"
            "1\n"
            "1  2  three\n");
}

TEST(TableTest, CountsUtf8CodePoints) {
  Table t({"NAME", "X"});
  t.add_row({"caf\xC3\xA9", "1"});
  EXPECT_EQ(t.render(),
            "NAME  X\n"
            "caf\xC3\xA9  1\n");
  EXPECT_EQ(display_width("caf\xC3\xA9"), 4u);
}

TEST(TableTest, EmptyTableRendersNothing) { EXPECT_EQ(Table().render(), ""); }

}  // namespace
}  // namespace throome::client
