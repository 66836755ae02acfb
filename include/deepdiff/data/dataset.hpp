// Loading one split of a cell pair from the public DeepDiff CSV files (spec, "Data format"):
//
//   DIR/CELL.SPLIT.csv   rows  ENSGID_SYMBOL_BIN,c1,...,cM   T consecutive rows per gene, BIN 1..T, no header
//   DIR/CELL.expr.csv    rows  ENSGID,count
//
// Dimension legend: G genes, T bins, M marks. xa and xb are [G, T, M] row-major, one block
// per cell, so a gene's matrix is one contiguous slice and a batch is G memcpy's.
//
// Parsing reads each file into one buffer and walks it with io/csv.hpp's CsvReader (views
// into the buffer; std::from_chars, a digit loop for the usual small integers): the full-size files have millions of rows.
// Every defect is a DataError "FILE:LINE: reason"; load_split either returns a complete
// Split or throws, it never returns part of one.
//
// Sequencing depth: load_split's ExpressionScale (data/expression_scale.hpp) divides each
// cell's counts in the targets by a number computed from its whole CELL.expr.csv; the Split
// keeps the counts as read and the divisors beside them (Split::scaling).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "deepdiff/data/expression_scale.hpp"
#include "deepdiff/data/marks.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/io/errors.hpp"
#include "deepdiff/io/read_file.hpp"
#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

// y in words, for the errors that name it (train/fit.hpp) and the models whose target it is.
inline constexpr const char* kDifferentialTargetName = "the target log2((eB+1)/(eA+1))";

struct Split {
  std::string name;                       // "train", "valid", "test" (or any split name)
  Index bins = 0, marks = 0;              // T and M, inferred from the files
  std::vector<std::string> gene_ids;      // ENSG id (part before the first '_')
  std::vector<std::string> gene_symbols;  // the SYMBOL part (may be empty)
  std::vector<float> xa, xb;              // [G, T, M] row-major, one contiguous block per cell
  bool has_expression = false;
  std::vector<double> ea, eb;             // raw expression counts per gene (empty when !has_expression)
  // What the targets divide ea and eb by (none: 1 and 1, the paper's targets exactly, as x / 1.0
  // is x). The same for every split of a pair: computed from the whole expression tables.
  ExpressionScaling scaling;

  Index genes() const { return static_cast<Index>(gene_ids.size()); }
  // Targets (spec, "The task"): differential and per-cell log expression, of the scaled counts.
  double y(Index g) const { return std::log2((scaled_b(g) + 1.0) / (scaled_a(g) + 1.0)); }
  double ya(Index g) const { return std::log2(scaled_a(g) + 1.0); }
  double yb(Index g) const { return std::log2(scaled_b(g) + 1.0); }
  double scaled_a(Index g) const { return ea.at(static_cast<std::size_t>(g)) / scaling.divisor_a; }
  double scaled_b(Index g) const { return eb.at(static_cast<std::size_t>(g)) / scaling.divisor_b; }
  // Heap memory held, in bytes (capacities, so it is what the process really pays).
  std::size_t bytes() const {
    std::size_t n = sizeof(Split) + name.capacity();
    n += (xa.capacity() + xb.capacity()) * sizeof(float);
    n += (ea.capacity() + eb.capacity()) * sizeof(double);
    n += (gene_ids.capacity() + gene_symbols.capacity()) * sizeof(std::string);
    for (const std::string& s : gene_ids) n += s.capacity() > 15 ? s.capacity() + 1 : 0;  // beyond the SSO buffer
    for (const std::string& s : gene_symbols) n += s.capacity() > 15 ? s.capacity() + 1 : 0;
    return n;
  }
};

// required: the expression tables must exist and hold every gene.
// optional: read them when both exist, else has_expression = false (prediction-only data).
// ignore:   never read them: prediction inputs beside expression tables that do not list
//           their genes (optional would refuse those), and no time spent parsing the
//           tables. Python's deepdiff.load(expression="ignore") is this mode.
enum class ExpressionMode { required, optional, ignore };

inline std::string split_path(const std::string& data_root, const std::string& cell, const std::string& split) {
  return (std::filesystem::path(data_root) / (cell + "." + split + ".csv")).string();
}
inline std::string expression_path(const std::string& data_root, const std::string& cell) {
  return (std::filesystem::path(data_root) / (cell + ".expr.csv")).string();
}

namespace data_detail {

// One cell's split file, parsed; the line where each gene starts is kept for messages.
struct MarksTable {
  std::string path;
  Index bins = 0, marks = 0;
  std::vector<std::string> ids, symbols;
  std::vector<std::size_t> first_line;
  std::size_t last_line = 0;  // of the last data row
  std::vector<float> x;  // [G, T, M]
};

struct ExpressionEntry {
  double count = 0;
  std::size_t line = 0;
};
using ExpressionTable = std::unordered_map<std::string, ExpressionEntry>;

// A field as a message shows it: quoted, cut at 40 bytes, control bytes written as \xHH (a
// NUL, as UTF-16 text holds in every other byte, would end the message's C string there).
inline std::string quote(std::string_view s) {
  std::string q = "\"";
  for (const char c : s.substr(0, 40)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static const char hex[] = "0123456789ABCDEF";
      q += "\\x";
      q += hex[u >> 4];
      q += hex[u & 15];
    } else {
      q += c;
    }
  }
  if (s.size() > 40) q += "...";
  return q + "\"";
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A read count: a non-negative finite number. Plain integers (nearly every field) take a
// digit loop; anything else goes through from_chars. Returns an empty string on success,
// else the reason.
inline std::string parse_count(std::string_view field, double& out) {
  const std::string_view s = trim(field);
  if (s.empty()) return "empty field";
  if (s.size() <= 15) {
    std::uint64_t v = 0;
    bool digits = true;
    for (char c : s) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits) {
      out = static_cast<double>(v);
      return {};
    }
  }
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) return quote(s) + " is out of range";
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return quote(s) + " is not a number";
  if (!std::isfinite(v)) return quote(s) + " is not a finite number";
  if (v < 0) return quote(s) + " is negative";
  out = v;
  return {};
}

inline std::string column_name(std::size_t col, Index marks) {
  // col counts from 1 like a spreadsheet; column 1 is the row id.
  std::string n = "column " + std::to_string(col);
  if (col >= 2 && marks == mark::count) n += " (" + mark_name(static_cast<Index>(col) - 2) + ")";
  return n;
}

inline MarksTable parse_marks(const std::string& path, const std::string& text) {
  MarksTable t;
  t.path = path;
  const std::size_t approx_rows = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  CsvReader reader(path, text);
  std::vector<std::string_view> fields;
  std::unordered_map<std::string, std::size_t> seen;  // gene id -> line of its first row
  std::size_t columns = 0;
  Index cur_bins = 0;  // rows of the current gene so far; 0 before the first
  const char* const example = "ENSG00000130749_ZC3H4_1";

  // Closes the current gene: its bin count must equal T (set by the first gene).
  auto finish_gene = [&](std::size_t line_no) {
    if (cur_bins == 0) return;
    if (t.bins == 0) {
      t.bins = cur_bins;
    } else if (cur_bins != t.bins) {
      throw DataError(path, line_no,
                      "gene " + t.ids.back() + " has " + std::to_string(cur_bins) + " bins, but the first gene " +
                          t.ids.front() + " has " + std::to_string(t.bins),
                      "every gene needs the same number of consecutive rows, bins 1..T");
    }
  };

  while (reader.next(fields)) {
    const std::size_t ln = reader.line();
    if (columns == 0) {
      columns = fields.size();
      if (columns < 2)
        throw DataError(path, ln, "expected a row id and at least one count, found 1 column",
                        "rows look like " + std::string(example) + ",c1,...,c5");
      t.marks = static_cast<Index>(columns - 1);
      t.x.reserve(approx_rows * (columns - 1));  // exact unless there are blank lines: no regrowth, no shrink copy
    } else if (fields.size() != columns) {
      throw DataError(path, ln,
                      "expected " + std::to_string(columns) + " columns (as on the first row), found " +
                          std::to_string(fields.size()));
    }

    // Row id ID_SYMBOL_BIN: the id is before the first '_', the bin after the last one, the
    // symbol (which may itself hold underscores, or be empty) in between.
    const std::string_view rid = trim(fields[0]);
    const std::size_t u1 = rid.find('_'), u2 = rid.rfind('_');
    if (u1 == std::string_view::npos || u1 == u2 || u1 == 0)
      throw DataError(path, ln, "row id " + quote(rid) + " is not ID_SYMBOL_BIN", std::string("e.g. ") + example);
    const std::string_view gid = rid.substr(0, u1);
    const std::string_view sym = rid.substr(u1 + 1, u2 - u1 - 1);
    const std::string_view bin_text = rid.substr(u2 + 1);
    Index bin = 0;
    const auto br = std::from_chars(bin_text.data(), bin_text.data() + bin_text.size(), bin);
    if (bin_text.empty() || br.ec != std::errc() || br.ptr != bin_text.data() + bin_text.size() || bin < 1)
      throw DataError(path, ln, "row id " + quote(rid) + " does not end in a bin number 1, 2, ...",
                      std::string("e.g. ") + example);

    // A repeated id that restarts at bin 1 is a second copy of the gene, not a continuation.
    const bool same_gene = cur_bins > 0 && gid == t.ids.back() && bin != 1;
    if (same_gene) {
      if (bin != cur_bins + 1)
        throw DataError(path, ln,
                        "bins out of order: gene " + std::string(gid) + " has bin " + std::to_string(bin) +
                            " after bin " + std::to_string(cur_bins),
                        "each gene needs rows for bins 1..T in order");
      if (t.bins > 0 && cur_bins == t.bins)
        throw DataError(path, ln,
                        "gene " + std::string(gid) + " has more than " + std::to_string(t.bins) +
                            " bins (the first gene " + t.ids.front() + " has " + std::to_string(t.bins) + ")");
      if (sym != t.symbols.back())
        throw DataError(path, ln,
                        "gene " + std::string(gid) + " changes symbol from " + quote(t.symbols.back()) + " to " +
                            quote(sym) + " within its rows");
      ++cur_bins;
    } else {
      finish_gene(ln - 1);
      if (bin != 1)
        throw DataError(path, ln,
                        "gene " + std::string(gid) + " starts at bin " + std::to_string(bin) + ", expected bin 1",
                        cur_bins > 0 ? "the gene before it, " + t.ids.back() + ", may be cut short or the rows out of order"
                                     : "each gene needs rows for bins 1..T in order");
      std::string id(gid);
      const auto ins = seen.emplace(id, ln);
      if (!ins.second)
        throw DataError(path, ln,
                        "gene " + id + " appears twice (first at line " + std::to_string(ins.first->second) + ")",
                        "a gene's rows must be consecutive and listed once per split");
      t.ids.push_back(std::move(id));
      t.symbols.emplace_back(sym);
      t.first_line.push_back(ln);
      cur_bins = 1;
    }

    for (std::size_t c = 1; c < columns; ++c) {
      double v = 0;
      const std::string why = parse_count(fields[c], v);
      if (!why.empty())
        throw DataError(path, ln, column_name(c + 1, t.marks) + ": " + why, "counts must be non-negative numbers");
      const float f = static_cast<float>(v);
      if (!std::isfinite(f)) throw DataError(path, ln, column_name(c + 1, t.marks) + ": count too large for float");
      t.x.push_back(f);
    }
    t.last_line = ln;
  }
  if (t.ids.empty()) throw DataError(path, "empty file: no data rows", "rows look like " + std::string(example) + ",c1,...,c5");
  finish_gene(t.last_line);
  return t;
}

inline ExpressionTable parse_expression(const std::string& path, const std::string& text) {
  ExpressionTable table;
  table.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  CsvReader reader(path, text);
  std::vector<std::string_view> fields;
  while (reader.next(fields)) {
    const std::size_t ln = reader.line();
    if (fields.size() != 2)
      throw DataError(path, ln, "expected 2 columns (ENSGID,count), found " + std::to_string(fields.size()));
    const std::string_view id = trim(fields[0]);
    if (id.empty()) throw DataError(path, ln, "empty gene id", "rows look like ENSG00000000003,153");
    double v = 0;
    const std::string why = parse_count(fields[1], v);
    if (!why.empty())
      throw DataError(path, ln, "expression count: " + why, "rows look like ENSG00000000003,153 (no header)");
    const auto ins = table.emplace(std::string(id), ExpressionEntry{v, ln});
    if (!ins.second)
      throw DataError(path, ln,
                      "gene " + std::string(id) + " appears twice (first at line " +
                          std::to_string(ins.first->second.line) + ")");
  }
  if (table.empty()) throw DataError(path, "empty file: no expression rows", "rows look like ENSG00000000003,153");
  return table;
}

// The cells that have `split` files in `dir`, for the hint of a "file not found".
inline std::string cells_in(const std::string& dir, const std::string& split) {
  std::error_code ec;
  const std::string suffix = "." + split + ".csv";
  std::vector<std::string> cells;
  for (std::filesystem::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      cells.push_back(n.substr(0, n.size() - suffix.size()));
  }
  std::sort(cells.begin(), cells.end());
  std::string s;
  for (std::size_t i = 0; i < cells.size() && i < 12; ++i) s += (i ? ", " : "") + cells[i];
  if (cells.size() > 12) s += ", ...";
  return s;
}

inline void require_file(const std::string& path, const std::string& dir, const std::string& what,
                         const std::string& split) {
  const std::string problem = file_problem(path);
  if (problem.empty()) return;
  // Something is there, but not a file we can read (a FIFO, a device, a symlink loop, a folder).
  if (problem.rfind("file not found", 0) != 0) throw DataError(path, problem + " (expected the " + what + ")");
  std::error_code ec;
  std::string hint;
  if (!std::filesystem::is_directory(dir.empty() ? "." : dir, ec)) {
    hint = "the data folder '" + dir + "' does not exist";
  } else {
    const std::string cells = cells_in(dir, split);
    hint = cells.empty() ? "no *." + split + ".csv files in '" + dir + "'"
                         : "cells with " + split + " files in '" + dir + "': " + cells;
  }
  throw DataError(path, problem + " (looked for the " + what + ")", hint);
}

inline std::string read_data_file(const std::string& path) {
  try {
    return read_file(path);
  } catch (const std::runtime_error& e) {
    throw DataError(path, e.what());
  }
}

// The two cells must describe the same genes, in the same order, with the same shape.
inline void check_same_layout(const MarksTable& a, const MarksTable& b) {
  if (b.marks != a.marks)
    throw DataError(b.path, b.first_line.front(),
                    std::to_string(b.marks) + " count columns, but " + a.path + " has " + std::to_string(a.marks));
  if (b.bins != a.bins)
    throw DataError(b.path, b.first_line.front(),
                    "genes have " + std::to_string(b.bins) + " bins, but in " + a.path + " they have " +
                        std::to_string(a.bins));
  const std::size_t n = std::min(a.ids.size(), b.ids.size());
  const std::string hint = "the two cells' files must list the same genes in the same order";
  for (std::size_t g = 0; g < n; ++g)
    if (a.ids[g] != b.ids[g])
      throw DataError(b.path, b.first_line[g],
                      "gene " + b.ids[g] + " is gene #" + std::to_string(g + 1) + ", but " + a.path + ":" +
                          std::to_string(a.first_line[g]) + " has " + a.ids[g] + " there",
                      hint);
  if (a.ids.size() > b.ids.size())
    throw DataError(b.path, b.last_line,
                    "file ends after " + std::to_string(b.ids.size()) + " genes, but " + a.path + " has " +
                        std::to_string(a.ids.size()) + " (next: " + a.ids[n] + " at line " +
                        std::to_string(a.first_line[n]) + ")",
                    hint);
  if (b.ids.size() > a.ids.size())
    throw DataError(b.path, b.first_line[n],
                    "gene " + b.ids[n] + " is gene #" + std::to_string(n + 1) + ", but " + a.path + " has only " +
                        std::to_string(a.ids.size()) + " genes",
                    hint);
}

inline std::vector<double> lookup_expression(const MarksTable& m, const ExpressionTable& table,
                                             const std::string& expr_path) {
  std::vector<double> e;
  e.reserve(m.ids.size());
  for (std::size_t g = 0; g < m.ids.size(); ++g) {
    const auto it = table.find(m.ids[g]);
    if (it == table.end())
      throw DataError(m.path, m.first_line[g], "gene " + m.ids[g] + " has no row in the expression table " + expr_path,
                      "every gene of a split needs an expression count; use another table or drop the gene");
    e.push_back(it->second.count);
  }
  return e;
}

inline ExpressionCounts expression_counts(const ExpressionTable& table) {
  ExpressionCounts c;
  c.reserve(table.size());
  for (const auto& kv : table) c.emplace(kv.first, kv.second.count);
  return c;
}

}  // namespace data_detail

// `scale`: what the targets divide each cell's counts by (data/expression_scale.hpp), computed
// from the two whole expression tables, so every split of the pair gets the same divisors.
// A table a scale cannot use (cpm: all zeros; size-factors: no gene above 0 in both) is a
// DataError naming both tables. Without expression the split's scaling stays none.
inline Split load_split(const std::string& data_root, const std::string& cell1, const std::string& cell2,
                        const std::string& split, ExpressionMode mode = ExpressionMode::required,
                        ExpressionScale scale = ExpressionScale::none) {
  const std::string pa = split_path(data_root, cell1, split), pb = split_path(data_root, cell2, split);
  const std::string what = split + " split of cell ";
  data_detail::require_file(pa, data_root, what + cell1, split);
  data_detail::require_file(pb, data_root, what + cell2, split);
  const std::string ea_path = expression_path(data_root, cell1), eb_path = expression_path(data_root, cell2);
  bool with_expr = mode == ExpressionMode::required;
  if (mode == ExpressionMode::required) {
    data_detail::require_file(ea_path, data_root, "expression table of cell " + cell1, split);
    data_detail::require_file(eb_path, data_root, "expression table of cell " + cell2, split);
  } else if (mode == ExpressionMode::optional) {
    const std::string qa = file_problem(ea_path), qb = file_problem(eb_path);
    for (const auto& q : {std::make_pair(&ea_path, &qa), std::make_pair(&eb_path, &qb)})
      if (!q.second->empty() && q.second->rfind("file not found", 0) != 0)
        throw DataError(*q.first, *q.second + " (expected an expression table)");
    const bool ha = qa.empty(), hb = qb.empty();
    // One table without the other is a mistake, not "prediction-only" data.
    if (ha != hb)
      throw DataError(ha ? eb_path : ea_path, "file not found, but " + (ha ? ea_path : eb_path) + " exists",
                      "provide both cells' expression tables, or neither");
    with_expr = ha;
  }

  data_detail::MarksTable a = data_detail::parse_marks(pa, data_detail::read_data_file(pa));
  data_detail::MarksTable b = data_detail::parse_marks(pb, data_detail::read_data_file(pb));
  data_detail::check_same_layout(a, b);

  Split s;
  if (with_expr) {
    const data_detail::ExpressionTable ta = data_detail::parse_expression(ea_path, data_detail::read_data_file(ea_path));
    const data_detail::ExpressionTable tb = data_detail::parse_expression(eb_path, data_detail::read_data_file(eb_path));
    s.ea = data_detail::lookup_expression(a, ta, ea_path);
    s.eb = data_detail::lookup_expression(b, tb, eb_path);
    s.has_expression = true;
    if (scale != ExpressionScale::none) {
      const ExpressionCounts ca = data_detail::expression_counts(ta), cb = data_detail::expression_counts(tb);
      // A problem of one table (cpm: it sums to 0) names that table; size factors need both.
      const auto named = [](const std::string& file, const auto& compute) {
        try {
          return compute();
        } catch (const std::invalid_argument& e) {
          throw DataError(file, e.what(), "the scale none keeps the raw counts");
        }
      };
      if (scale == ExpressionScale::cpm) {
        s.scaling.scale = scale;
        s.scaling.divisor_a = named(ea_path, [&] { return cpm_divisor(ca, ea_path); });
        s.scaling.divisor_b = named(eb_path, [&] { return cpm_divisor(cb, eb_path); });
      } else {
        s.scaling = named(eb_path, [&] { return expression_scaling(scale, ca, cb, ea_path, eb_path); });
      }
    }
  }
  s.name = split;
  s.bins = a.bins;
  s.marks = a.marks;
  s.gene_ids = std::move(a.ids);
  s.gene_symbols = std::move(a.symbols);
  s.xa = std::move(a.x);
  s.xb = std::move(b.x);
  return s;
}

namespace data_detail {
template <class T>
void ensure_shape(Tensor<T>& t, const Shape& shape) {
  if (t.shape() != shape) t = Tensor<T>(shape);  // reuse the buffer batch after batch
}
}  // namespace data_detail

// Copies genes idx[0..B) of `s` into xa, xb [B, T, M] and y, ya, yb [B, 1]; the tensors are
// reshaped only when their shape differs, so a training loop allocates once. Without
// expression, the targets are zero.
template <class T>
void gather_batch(const Split& s, const std::vector<Index>& idx, Tensor<T>& xa, Tensor<T>& xb, Tensor<T>& y,
                  Tensor<T>& ya, Tensor<T>& yb) {
  const Index B = static_cast<Index>(idx.size());
  const Index per = s.bins * s.marks;
  data_detail::ensure_shape(xa, Shape{B, s.bins, s.marks});
  data_detail::ensure_shape(xb, Shape{B, s.bins, s.marks});
  data_detail::ensure_shape(y, Shape{B, 1});
  data_detail::ensure_shape(ya, Shape{B, 1});
  data_detail::ensure_shape(yb, Shape{B, 1});
  for (Index b = 0; b < B; ++b) {
    const Index g = idx[static_cast<std::size_t>(b)];
    if (g < 0 || g >= s.genes())
      throw std::out_of_range("gather_batch: gene index " + std::to_string(g) + " out of " +
                              std::to_string(s.genes()) + " in split " + s.name);
    const float* pa = s.xa.data() + g * per;
    const float* pb = s.xb.data() + g * per;
    T* oa = xa.data() + b * per;
    T* ob = xb.data() + b * per;
    for (Index i = 0; i < per; ++i) {
      oa[i] = static_cast<T>(pa[i]);
      ob[i] = static_cast<T>(pb[i]);
    }
    if (s.has_expression) {
      y.data()[b] = static_cast<T>(s.y(g));
      ya.data()[b] = static_cast<T>(s.ya(g));
      yb.data()[b] = static_cast<T>(s.yb(g));
    } else {
      y.data()[b] = ya.data()[b] = yb.data()[b] = T(0);
    }
  }
}

// "train: 200 genes x 200 bins x 5 marks, 1.5 MiB" (", no expression" when targets are absent).
inline std::string describe(const Split& s) {
  const double b = static_cast<double>(s.bytes());
  char size[32];
  if (b >= 1024.0 * 1024 * 1024)
    std::snprintf(size, sizeof size, "%.1f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024)
    std::snprintf(size, sizeof size, "%.1f MiB", b / (1024.0 * 1024));
  else
    std::snprintf(size, sizeof size, "%.1f KiB", b / 1024.0);
  std::string d = s.name + ": " + std::to_string(s.genes()) + " genes x " + std::to_string(s.bins) + " bins x " +
                  std::to_string(s.marks) + " marks, " + size;
  if (!s.has_expression) d += ", no expression";
  return d;
}

}  // namespace deepdiff
