// Expression tables: gene id -> one value per gene (read count, or salmon's NumReads).
//
// Accepted, told apart by content:
//   - two columns (gene id, value), comma- or tab-separated, with or without a header line
//     (the authors' ENSGID,count files are this);
//   - featureCounts output ("# Program:featureCounts" comment, header Geneid Chr Start End
//     Strand Length SAMPLE): the last column;
//   - salmon quant.genes.sf (header Name Length EffectiveLength TPM NumReads): NumReads.
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

enum class ExpressionFormat { two_column, featurecounts, salmon };

inline std::string format_name(ExpressionFormat f) {
  return f == ExpressionFormat::two_column ? "two-column table"
         : f == ExpressionFormat::featurecounts ? "featureCounts table"
                                                : "salmon quant.genes.sf";
}

struct ExpressionValues {
  std::string path;
  ExpressionFormat format = ExpressionFormat::two_column;
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

}  // namespace expression_detail

inline ExpressionValues read_expression(const std::string& path) {
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
      columns = f.size();
      if (f[0] == "Name" && columns >= 5 && f[4] == "NumReads") {
        e.format = ExpressionFormat::salmon;
        value_col = 4;
        continue;
      }
      if (f[0] == "Geneid" && columns >= 7) {
        e.format = ExpressionFormat::featurecounts;
        value_col = columns - 1;
        continue;
      }
      if (e.format == ExpressionFormat::featurecounts)
        throw DataError(path, ln, "featureCounts table without its Geneid header line");
      if (columns != 2)
        throw DataError(path, ln, "expected 2 columns (gene id, value), found " + std::to_string(columns),
                        "also read: featureCounts output and salmon quant.genes.sf");
      if (expression_detail::two_column_header(f[0], f[1])) continue;
    }
    split_on(l, sep, f);
    if (f.size() != columns)
      throw DataError(path, ln, "expected " + std::to_string(columns) + " columns, found " + std::to_string(f.size()));
    const std::string id = strip_version(data_detail::trim(f[0]));
    if (id.empty()) throw DataError(path, ln, "empty gene id");
    double v = 0;
    const std::string why = data_detail::parse_count(f[value_col], v);
    if (!why.empty())
      throw DataError(path, ln, "column " + std::to_string(value_col + 1) + ": " + why,
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
