// Expression tables: gene id -> one value per gene (read count, or salmon's NumReads).
//
// Accepted, told apart by content:
//   - two columns (gene id, value), comma- or tab-separated, with or without a header line
//     (the authors' ENSGID,count files are this);
//   - featureCounts output ("# Program:featureCounts" comment, header Geneid Chr Start End
//     Strand Length SAMPLE): the last column;
//   - salmon quant.genes.sf (header Name Length EffectiveLength TPM NumReads): NumReads.
// Ids lose their version suffix as in the annotation (strip_version); an id listed twice is
// an error naming both lines.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/io/errors.hpp"
#include "deepdiff/genomics/annotation.hpp"
#include "deepdiff/genomics/text.hpp"

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
  while (in.next(l)) {
    const std::size_t ln = in.line();
    if (data_detail::trim(l).empty()) continue;
    if (l[0] == '#') {
      if (l.find("featureCounts") != std::string_view::npos) e.format = ExpressionFormat::featurecounts;
      continue;
    }
    if (first) {
      first = false;
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
      double v = 0;
      if (!data_detail::parse_count(f[1], v).empty()) continue;  // a header line (gene,count)
    }
    split_on(l, sep, f);
    if (f.size() != columns)
      throw DataError(path, ln, "expected " + std::to_string(columns) + " columns, found " + std::to_string(f.size()));
    const std::string id = strip_version(data_detail::trim(f[0]));
    if (id.empty()) throw DataError(path, ln, "empty gene id");
    double v = 0;
    const std::string why = data_detail::parse_count(f[value_col], v);
    if (!why.empty()) throw DataError(path, ln, "column " + std::to_string(value_col + 1) + ": " + why,
                                      "expression values must be non-negative numbers");
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
