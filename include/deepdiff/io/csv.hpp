// CsvWriter: builds CSV text (RFC 4180 quoting) in memory; write it with write_file_atomic.
//
//   CsvWriter csv;
//   csv.header({"gene", "y", "pred"});
//   csv.row("ENSG00000130749", 2.74, 2.1f);
//   write_file_atomic(path, csv.str());
//
// Cells: strings are quoted only when they hold a comma, a quote, or a line break; numbers
// print as the shortest text that reads back exactly (format_number), integers as integers,
// and non-finite values as NaN, inf, -inf (what pandas and R read back as such).
#pragma once

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "deepdiff/io/number_format.hpp"

namespace deepdiff {

inline std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string q = "\"";
  for (char c : field) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

inline std::string csv_number(double v) {
  if (std::isnan(v)) return "NaN";
  return format_number(v);
}
inline std::string csv_number(float v) {
  if (std::isnan(v)) return "NaN";
  return format_number(v);
}

class CsvWriter {
 public:
  CsvWriter& header(const std::vector<std::string>& names) {
    if (rows_ != 0 || columns_ != 0) throw std::logic_error("CsvWriter::header: must come first, and once");
    return row_strings(names, true, true);
  }
  CsvWriter& header(std::initializer_list<std::string> names) { return header(std::vector<std::string>(names)); }

  // One row of text cells (escaped here).
  CsvWriter& row(const std::vector<std::string>& cells) { return row_strings(cells, true); }

  // One row of mixed cells: strings, integers, floating point, bool (as 0/1).
  template <class... Cells>
  CsvWriter& row(const Cells&... cells) {
    std::vector<std::string> v;
    v.reserve(sizeof...(Cells));
    (v.push_back(cell(cells)), ...);
    return row_strings(v, false);
  }

  const std::string& str() const { return text_; }
  std::size_t rows() const { return rows_; }  // data rows, header excluded
  std::size_t columns() const { return columns_; }

  static std::string cell(const std::string& s) { return csv_escape(s); }
  static std::string cell(const char* s) { return csv_escape(s); }
  static std::string cell(double v) { return csv_number(v); }
  static std::string cell(float v) { return csv_number(v); }
  static std::string cell(bool v) { return v ? "1" : "0"; }
  template <class I, class = std::enable_if_t<std::is_integral<I>::value && !std::is_same<I, bool>::value>>
  static std::string cell(I v) {
    return std::to_string(v);
  }

 private:
  // Every row must have as many cells as the first (header or row): a ragged CSV is a bug
  // in the caller that would otherwise surface far away, in whoever reads the file.
  CsvWriter& row_strings(const std::vector<std::string>& cells, bool escape, bool is_header = false) {
    if (cells.empty()) throw std::invalid_argument("CsvWriter: a row needs at least one cell");
    if (columns_ == 0) {
      columns_ = cells.size();
    } else if (cells.size() != columns_) {
      throw std::invalid_argument("CsvWriter: row " + std::to_string(rows_ + 1) + " has " +
                                  std::to_string(cells.size()) + " cells, expected " + std::to_string(columns_));
    }
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) text_ += ',';
      text_ += escape ? csv_escape(cells[i]) : cells[i];
    }
    text_ += '\n';
    if (!is_header) ++rows_;
    return *this;
  }

  std::string text_;
  std::size_t columns_ = 0;
  std::size_t rows_ = 0;
};

}  // namespace deepdiff
