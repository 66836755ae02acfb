// The samplesheet of `deepdiff prepare`: CSV with the header cell,assay,path and one row per
// cell, assay and file. assay is one of the five marks (data/marks.hpp), `input` (the cell's
// input control, optional) or `expression` (optional, one per cell); every cell needs all five
// marks. Several rows for one cell and mark (or input) are replicates, pooled by prepare; the
// same path twice for them is refused (counting one library twice is never meant). Relative
// paths are relative to the sheet's folder. An expression path may end in `#COLUMN`, the column of a genes x samples
// matrix to take (without it a matrix gives the column named like the cell); a file whose
// own name holds '#' is taken whole.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/marks.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/io/errors.hpp"
#include "deepdiff/io/read_file.hpp"
#include "deepdiff/genomics/text_encoding.hpp"

namespace deepdiff {
namespace genomics {

struct CellInputs {
  std::string name;
  std::array<std::vector<std::string>, 5> marks;  // paths per mark, in mark order (mark_names()); several: replicates
  std::vector<std::string> input;    // the input control's paths (assay `input`); empty: none
  std::string expression;            // empty: none
  std::string expression_column;     // `path#COLUMN`'s COLUMN; empty: the cell's name, for a matrix
  std::size_t line = 0;              // first row of the cell in the sheet
};

inline std::vector<CellInputs> read_samplesheet(const std::string& path) {
  namespace dd = data_detail;
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::runtime_error& e) {
    throw DataError(path, e.what());
  }
  // A sheet saved as UTF-16 would fail on its header with a misleading "the header must be
  // cell,assay,path", and a NUL byte in a quoted cell name would cut the message short.
  if (text.find('\0') != std::string::npos || text.rfind("\xFF\xFE", 0) == 0 || text.rfind("\xFE\xFF", 0) == 0) {
    for (std::size_t start = 0, ln = 1; start <= text.size(); ++ln) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      const std::string why = text_encoding_problem(std::string_view(text).substr(start, end - start), ln == 1);
      if (!why.empty()) throw DataError(path, ln, why, "save it as UTF-8 / plain text");
      start = end + 1;
    }
  }
  const std::string folder = path.find('/') == std::string::npos ? "" : path.substr(0, path.find_last_of('/'));
  CsvReader in(path, text);
  std::vector<std::string_view> f;
  if (!in.next(f)) throw DataError(path, "empty samplesheet", "the first line is the header cell,assay,path");
  if (f.size() != 3 || dd::trim(f[0]) != "cell" || dd::trim(f[1]) != "assay" || dd::trim(f[2]) != "path")
    throw DataError(path, in.line(), "the header must be cell,assay,path");
  std::vector<CellInputs> cells;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;
  const std::vector<std::string>& marks = mark_names();
  while (in.next(f)) {
    const std::size_t ln = in.line();
    if (f.size() != 3) throw DataError(path, ln, "expected 3 columns (cell,assay,path), found " + std::to_string(f.size()));
    const std::string cell(dd::trim(f[0])), assay(dd::trim(f[1]));
    std::string file(dd::trim(f[2]));
    if (cell.empty() || file.empty()) throw DataError(path, ln, "empty cell name or path");
    for (char c : cell)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '+'))
        throw DataError(path, ln, "cell name " + dd::quote(cell) + " may hold only letters, digits, '-', '.', '+'",
                        "it becomes part of file names (CELL.train.csv); '_' separates fields there");
    const auto mk = std::find(marks.begin(), marks.end(), assay);
    const bool expression = assay == "expression", input = assay == "input";
    if (mk == marks.end() && !expression && !input) {
      std::string known;
      for (const auto& m : marks) known += m + ", ";
      throw DataError(path, ln, "unknown assay " + dd::quote(assay), "one of " + known + "input, expression");
    }
    if (file[0] != '/' && !folder.empty()) file = folder + "/" + file;
    // Replicates of a mark are rows with other files; one expression table per cell.
    const auto ins = seen.emplace(std::make_pair(cell, expression ? assay : assay + "\n" + file), ln);
    if (!ins.second)
      throw DataError(path, ln,
                      expression ? "duplicate row: cell " + cell + " already has an expression table at line " +
                                       std::to_string(ins.first->second)
                                 : "duplicate row: cell " + cell + ", " + assay + " already reads " + file + " at line " +
                                       std::to_string(ins.first->second),
                      expression ? "one expression table per cell"
                                 : "rows of one cell and assay with different files are replicates (pooled); the same file "
                                   "twice would count its reads twice");
    std::string column;
    const std::size_t hash = file.rfind('#');
    if (expression && hash != std::string::npos && !std::filesystem::exists(file)) {
      column = file.substr(hash + 1);
      file.erase(hash);
      if (column.empty()) throw DataError(path, ln, "empty column name after '#'", "write path#COLUMN, e.g. matrix.gz#E003");
    }
    auto it = std::find_if(cells.begin(), cells.end(), [&](const CellInputs& c) { return c.name == cell; });
    if (it == cells.end()) {
      cells.push_back(CellInputs{cell, {}, {}, {}, {}, ln});
      it = cells.end() - 1;
    }
    if (expression) {
      it->expression = file;
      it->expression_column = column;
    } else if (input) {
      it->input.push_back(file);
    } else {
      it->marks[static_cast<std::size_t>(mk - marks.begin())].push_back(file);
    }
  }
  if (cells.empty()) throw DataError(path, "no rows after the header");
  for (const CellInputs& c : cells)
    for (std::size_t m = 0; m < marks.size(); ++m)
      if (c.marks[m].empty())
        throw DataError(path, c.line, "cell " + c.name + " has no " + marks[m] + " row", "every cell needs all five marks");
  return cells;
}

}  // namespace genomics
}  // namespace deepdiff
