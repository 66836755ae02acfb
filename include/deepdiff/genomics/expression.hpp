// Expression tables: gene id -> one value per gene (read count, or salmon's NumReads).
//
// Accepted, told apart by content:
//   - two columns (gene id, value), comma- or tab-separated, with or without a header line
//     (the authors' ENSGID,count files are this);
//   - featureCounts output ("# Program:featureCounts" comment, header Geneid Chr Start End
//     Strand Length SAMPLE): the last column;
//   - salmon quant.genes.sf (header Name Length EffectiveLength TPM NumReads): NumReads;
//   - a matrix, genes x samples, with a header naming the samples (Roadmap's
//     57epigenomes.N.pc.gz: `gene_id E000 E003 ...`, tab-separated): the column asked for.
// A column is asked for by name (the samplesheet's `path#COLUMN`; for a matrix without one,
// the cell's name): a matrix must have it (the error lists the columns it has); a table with
// a header asked for a column must call its value column so (salmon's is NumReads).
// Ids lose their version suffix as in the annotation (strip_version); an id listed twice is
// an error naming both lines. A file saved as UTF-16 is refused as such (text_encoding.hpp).
//
// The header of a two-column table is optional, so the first line is a header only when it
// cannot be a row (two_column_header): its value is a column name - not a number (negative,
// inf and nan included), not empty, not a missing-value mark like NA - and its id is not a
// gene id. Gene ids are told by a digit: Ensembl, GENCODE and RefSeq ids all hold one, column
// names (gene, gene_id, Geneid, ensembl_gene_id, name) do not. Any other first line is a row,
// checked like every row, so `ENSG00000000003,NA` is refused naming line 1 instead of being
// taken for a header with its gene silently dropped.
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/io/errors.hpp"
#include "deepdiff/genomics/annotation.hpp"
#include "deepdiff/genomics/text.hpp"
#include "deepdiff/genomics/text_encoding.hpp"

namespace deepdiff {
namespace genomics {

enum class ExpressionFormat { two_column, featurecounts, salmon, matrix };

inline std::string format_name(ExpressionFormat f) {
  return f == ExpressionFormat::two_column      ? "two-column table"
         : f == ExpressionFormat::featurecounts ? "featureCounts table"
         : f == ExpressionFormat::salmon        ? "salmon quant.genes.sf"
                                                : "expression matrix";
}

struct ExpressionValues {
  std::string path;
  ExpressionFormat format = ExpressionFormat::two_column;
  std::string column;  // the value column's name in the header ("" when the table has none)
  std::unordered_map<std::string, double> value;  // version-stripped id -> value
};

namespace expression_detail {

// Whether the first line's fields (id, value) of a two-column table are a header; see above.
inline bool two_column_header(std::string_view id, std::string_view value) {
  id = data_detail::trim(id);
  value = data_detail::trim(value);
  for (char c : id)
    if (c >= '0' && c <= '9') return false;
  if (value.empty() || is_number(value)) return false;
  std::string v(value);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v != "na" && v != "n/a" && v != "null" && v != "none" && v != "-" && v != ".";
}

// A matrix header: an id column named like a column (no digit), then three or more sample names.
inline bool matrix_header(const std::vector<std::string_view>& f) {
  if (f.size() < 3) return false;
  for (char c : f[0])
    if (c >= '0' && c <= '9') return false;
  for (std::size_t k = 1; k < f.size(); ++k)
    if (data_detail::trim(f[k]).empty() || is_number(data_detail::trim(f[k]))) return false;
  return true;
}

inline std::string column_list(const std::vector<std::string_view>& f) {
  std::string s;
  for (std::size_t k = 1; k < f.size(); ++k) s += (k > 1 ? ", " : "") + std::string(data_detail::trim(f[k]));
  return s;
}

}  // namespace expression_detail

// `column` names the value column (see the header comment); "" takes a table's only one and
// refuses a matrix. With `only_for_matrix` the name applies to a matrix alone (the cell's name
// as the samplesheet's default: a two-column table keeps whatever its header calls its values).
inline ExpressionValues read_expression(const std::string& path, const std::string& column = "",
                                        bool only_for_matrix = false) {
  const std::string asked = only_for_matrix ? std::string() : column;
  ExpressionValues e;
  e.path = path;
  TextLines in(path);
  std::string_view l;
  std::vector<std::string_view> f;
  std::unordered_map<std::string, std::size_t> line_of;
  std::size_t value_col = 1;
  std::size_t columns = 0;
  char sep = ',';
  bool first = true;
  std::size_t first_line = 0;  // the line that was not a header: its refusal says why
  while (in.next(l)) {
    const std::size_t ln = in.line();
    const std::string bad_text = text_encoding_problem(l, ln == 1);
    if (!bad_text.empty()) throw DataError(path, ln, bad_text, "save it as UTF-8 / plain text");
    if (data_detail::trim(l).empty()) continue;
    if (l[0] == '#') {
      if (l.find("featureCounts") != std::string_view::npos) e.format = ExpressionFormat::featurecounts;
      continue;
    }
    if (first) {
      first = false;
      first_line = ln;
      sep = l.find('\t') != std::string_view::npos ? '\t' : ',';
      split_on(l, sep, f);
      // A matrix written row by row with a separator after every value (Roadmap's) ends each
      // line with an empty field; the header may too.
      if (f.size() > 3 && data_detail::trim(f.back()).empty()) f.pop_back();
      columns = f.size();
      auto take = [&](std::size_t k) {
        value_col = k;
        e.column = std::string(data_detail::trim(f[k]));
        if (!asked.empty() && e.column != asked)
          throw DataError(path, ln, "no column named " + asked + " (the " + format_name(e.format) + "'s value column is " +
                                        e.column + ")",
                          "name the column of the header in the samplesheet as path#COLUMN");
      };
      if (f[0] == "Name" && columns >= 5 && f[4] == "NumReads") {
        e.format = ExpressionFormat::salmon;
        take(4);
        continue;
      }
      if (f[0] == "Geneid" && columns >= 7) {
        e.format = ExpressionFormat::featurecounts;
        take(columns - 1);
        continue;
      }
      if (e.format == ExpressionFormat::featurecounts)
        throw DataError(path, ln, "featureCounts table without its Geneid header line");
      if (expression_detail::matrix_header(f)) {
        e.format = ExpressionFormat::matrix;
        const std::string cols = expression_detail::column_list(f);
        if (column.empty())
          throw DataError(path, ln, "an expression matrix of " + std::to_string(columns - 1) + " columns: which one?",
                          "name it in the samplesheet as path#COLUMN (columns: " + cols + ")");
        std::size_t k = 1;
        while (k < columns && data_detail::trim(f[k]) != column) ++k;
        if (k == columns)
          throw DataError(path, ln, "the expression matrix has no column " + column + "; its columns are " + cols,
                          "the column is the cell's name unless the samplesheet says path#COLUMN");
        for (std::size_t j = k + 1; j < columns; ++j)
          if (data_detail::trim(f[j]) == column)
            throw DataError(path, ln, "the expression matrix has two columns named " + column);
        take(k);
        continue;
      }
      if (columns != 2)
        throw DataError(path, ln, "expected 2 columns (gene id, value), found " + std::to_string(columns),
                        "also read: featureCounts output, salmon quant.genes.sf, and a genes x samples matrix with a "
                        "header naming its columns");
      if (expression_detail::two_column_header(f[0], f[1])) {
        take(1);
        continue;
      }
      if (!asked.empty())
        throw DataError(path, ln, "no header line, so no column named " + asked,
                        "name a column (path#COLUMN) only for a table whose first line names its columns");
    }
    split_on(l, sep, f);
    if (e.format == ExpressionFormat::matrix && f.size() == columns + 1 && data_detail::trim(f.back()).empty()) f.pop_back();
    if (f.size() != columns)
      throw DataError(path, ln, "expected " + std::to_string(columns) + " columns, found " + std::to_string(f.size()));
    const std::string id = strip_version(data_detail::trim(f[0]));
    if (id.empty()) throw DataError(path, ln, "empty gene id");
    double v = 0;
    const std::string why = data_detail::parse_count(f[value_col], v);
    if (!why.empty())
      throw DataError(path, ln, "column " + std::to_string(value_col + 1) + (e.column.empty() ? "" : " (" + e.column + ")") + ": " + why,
                      ln == first_line && e.format == ExpressionFormat::two_column
                          ? "expression values must be non-negative numbers; a first line is a header only when "
                            "its id holds no digit and its value is a column name (gene_id,count)"
                          : "expression values must be non-negative numbers");
    const auto ins = line_of.emplace(id, ln);
    if (!ins.second)
      throw DataError(path, ln, "gene " + id + " appears twice (first at line " + std::to_string(ins.first->second) + ")",
                      "ids are compared without their version suffix");
    e.value.emplace(id, v);
  }
  if (e.value.empty()) throw DataError(path, "empty expression table: no rows");
  return e;
}

}  // namespace genomics
}  // namespace deepdiff
