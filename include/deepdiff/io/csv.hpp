// CSV, both ways: CsvWriter builds text (RFC 4180 quoting) in memory, to be written with
// write_file_atomic; CsvReader walks a buffer record by record, and read_csv_table reads a
// table with a header. Every reader of CSV in the project goes through CsvReader (the data
// loader, the samplesheet, the study's tables and run outputs), so quoting, line endings and
// the "FILE:LINE: reason" of an error are decided once.
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
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "deepdiff/io/errors.hpp"
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

// Reads CSV text record by record. Fields are separated by commas; a field in double quotes
// may hold commas, line breaks and doubled quotes (""). Accepted: \n and \r\n, a missing final
// newline, a UTF-8 byte order mark, and blank lines at the very end (editors add them); a blank
// line followed by more data is an error, since it usually means a damaged file. Lines that
// start with '#' before the first record (the header of a table) are comments and skipped:
// predictions.csv opens with one that says what its numbers are (train/prediction_files.hpp).
// Only there: after the first record a '#' is data (a gene id may start with one). Errors are
// DataError "FILE:LINE: reason", lines counted in the file, comments included.
//
// The fields handed out are views: into the text for unquoted records (the common case: one
// memchr for the line end, one for a quote, one per comma), into the reader's own storage for
// records with quotes. They are valid until the next call of next(); the text must outlive
// the reader.
class CsvReader {
 public:
  CsvReader(std::string path, std::string_view text)
      : path_(std::move(path)), p_(text.data()), end_(text.data() + text.size()) {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }

  // The next non-blank record into `fields` (reused across calls); false at the end.
  bool next(std::vector<std::string_view>& fields) {
    while (p_ < end_) {
      const char* eol = static_cast<const char*>(std::memchr(p_, '\n', static_cast<std::size_t>(end_ - p_)));
      if (!eol) eol = end_;
      const char* le = eol > p_ && eol[-1] == '\r' ? eol - 1 : eol;
      const std::size_t n = static_cast<std::size_t>(le - p_);
      const char* start = p_;
      ++line_;
      record_line_ = line_;
      if (!started_ && n > 0 && *start == '#') {
        p_ = eol < end_ ? eol + 1 : end_;
        continue;
      }
      started_ = true;
      if (std::memchr(start, '"', n)) {
        split_quoted(fields);  // moves p_ past the record (it may span lines)
      } else {
        p_ = eol < end_ ? eol + 1 : end_;
        if (blank(start, n)) {
          if (blank_ == 0) blank_ = line_;
          continue;
        }
        split_plain(std::string_view(start, n), fields);
      }
      if (blank_ != 0) throw DataError(path_, blank_, "empty line before more data", "remove the blank line");
      return true;
    }
    return false;
  }

  std::size_t line() const { return record_line_; }  // 1-based line where the last record starts
  const std::string& path() const { return path_; }

 private:
  static bool blank(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      if (s[i] != ' ' && s[i] != '\t') return false;
    return true;
  }

  static void split_plain(std::string_view line, std::vector<std::string_view>& fields) {
    fields.clear();
    const char* s = line.data();
    const char* const e = s + line.size();
    for (;;) {
      const char* comma = static_cast<const char*>(std::memchr(s, ',', static_cast<std::size_t>(e - s)));
      if (!comma) {
        fields.emplace_back(s, static_cast<std::size_t>(e - s));
        return;
      }
      fields.emplace_back(s, static_cast<std::size_t>(comma - s));
      s = comma + 1;
    }
  }

  // A record with quotes, from p_ to its end (past line breaks inside quotes).
  void split_quoted(std::vector<std::string_view>& fields) {
    owned_.clear();
    std::string field;
    bool quoted = false, was_quoted = false;
    while (p_ < end_) {
      const char c = *p_++;
      if (quoted) {
        if (c == '"') {
          if (p_ < end_ && *p_ == '"') {
            field += '"';
            ++p_;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++line_;
          field += c;
        }
        continue;
      }
      if (c == '"') {
        if (was_quoted || !field.empty())
          throw DataError(path_, line_, "a quote inside an unquoted field, or text after a closing quote",
                          "a field with quotes is written \"...\" with each inner quote doubled");
        quoted = was_quoted = true;
      } else if (c == ',') {
        owned_.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else if (c == '\n') {
        break;
      } else if (c == '\r' && (p_ == end_ || *p_ == '\n')) {
        // the \r of a \r\n line end
      } else {
        if (was_quoted)
          throw DataError(path_, line_, "text after a closing quote",
                          "a field with quotes is written \"...\" with each inner quote doubled");
        field += c;
      }
    }
    if (quoted) throw DataError(path_, record_line_, "unterminated quoted field", "a quoted field ends with \"");
    owned_.push_back(std::move(field));
    fields.assign(owned_.begin(), owned_.end());
  }

  std::string path_;
  const char* p_;
  const char* end_;
  std::size_t line_ = 0;         // lines consumed so far
  std::size_t record_line_ = 0;  // first line of the last record
  std::size_t blank_ = 0;        // first blank line not yet followed by data
  bool started_ = false;         // a record (or a blank line) was seen: '#' no longer starts a comment
  std::vector<std::string> owned_;
};

// A CSV table with a header row: every row has the header's number of fields.
struct CsvTable {
  std::vector<std::string> header;
  std::size_t header_line = 1;     // 1-based line of the header (after any '#' comment lines)
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // 1-based line of each row, for messages

  // The column's index, -1 when the header has no such name.
  int column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  }
};

inline CsvTable read_csv_table(const std::string& path, std::string_view text) {
  CsvTable t;
  CsvReader in(path, text);
  std::vector<std::string_view> f;
  if (!in.next(f)) throw DataError(path, "empty file: no header");
  t.header.assign(f.begin(), f.end());
  t.header_line = in.line();
  while (in.next(f)) {
    if (f.size() != t.header.size())
      throw DataError(path, in.line(),
                      std::to_string(f.size()) + " fields, the header has " + std::to_string(t.header.size()));
    t.rows.emplace_back(f.begin(), f.end());
    t.lines.push_back(in.line());
  }
  return t;
}

}  // namespace deepdiff
