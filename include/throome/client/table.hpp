#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace throome::client {

/// A plain-text table for people: columns left-aligned and separated by two spaces, no
/// trailing blanks. Widths count UTF-8 code points, not bytes.
class Table {
 public:
  Table() = default;
  /// A table whose first row is the header `columns`.
  explicit Table(std::vector<std::string> columns);

  /// Appends a row; shorter rows are padded with empty cells, longer rows widen the table.
  void add_row(std::vector<std::string> cells);
  /// @return the number of rows, the header included.
  std::size_t rows() const noexcept { return rows_.size(); }

  /// @return every row (header first) as aligned lines, each ending with '\n'.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

/// Display width of a UTF-8 string: its number of code points.
std::size_t display_width(const std::string& s) noexcept;

}  // namespace throome::client
