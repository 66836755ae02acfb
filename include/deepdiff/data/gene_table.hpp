// DATA_ROOT/genes.tsv, read back: what `deepdiff prepare` knows of each gene (its symbol,
// chromosome, TSS and strand, and the split it was drawn into), so that the programs can put
// a gene's name and place beside its prediction. The authors' data roots and synthetic ones
// have no genes.tsv: then there is no table (std::nullopt), not an error.
//
//   genes.tsv   gene, symbol, chrom, tss (0-based), strand, split   (tab-separated, a header)
//
// In data/ (not genomics/, which needs htslib): the programs built without htslib read it too.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deepdiff/io/errors.hpp"
#include "deepdiff/io/read_file.hpp"

namespace deepdiff {

struct GeneInfo {
  std::string symbol, chrom, strand, split;
  long long tss = -1;  // 0-based
};

struct GeneTable {
  std::string path;
  std::unordered_map<std::string, GeneInfo> genes;  // by gene id

  const GeneInfo* find(const std::string& id) const {
    const auto it = genes.find(id);
    return it == genes.end() ? nullptr : &it->second;
  }
};

// The table of `path`; DataError "FILE:LINE: reason" on a damaged file.
inline GeneTable read_gene_table_file(const std::string& path) {
  const std::string text = read_file(path);
  GeneTable t;
  t.path = path;
  const std::vector<std::string> want = {"gene", "symbol", "chrom", "tss", "strand", "split"};
  std::vector<std::string_view> f;
  std::size_t line = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view l(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty()) continue;
    f.clear();
    for (std::size_t s = 0;;) {
      const std::size_t tab = l.find('\t', s);
      f.push_back(l.substr(s, tab == std::string_view::npos ? std::string_view::npos : tab - s));
      if (tab == std::string_view::npos) break;
      s = tab + 1;
    }
    if (line == 1) {
      for (std::size_t c = 0; c < want.size(); ++c)
        if (c >= f.size() || f[c] != want[c])
          throw DataError(path, 1, "expected the header gene, symbol, chrom, tss, strand, split (tab-separated)",
                          "is this the genes.tsv that deepdiff prepare wrote?");
      continue;
    }
    if (f.size() < want.size())
      throw DataError(path, line, std::to_string(f.size()) + " fields, the header has " + std::to_string(want.size()));
    GeneInfo g;
    g.symbol = std::string(f[1]);
    g.chrom = std::string(f[2]);
    g.strand = std::string(f[4]);
    g.split = std::string(f[5]);
    try {
      std::size_t used = 0;
      g.tss = std::stoll(std::string(f[3]), &used);
      if (used != f[3].size() || g.tss < 0) throw std::invalid_argument("tss");
    } catch (const std::exception&) {
      throw DataError(path, line, "tss '" + std::string(f[3]) + "' is not a non-negative whole number");
    }
    if (!t.genes.emplace(std::string(f[0]), std::move(g)).second)
      throw DataError(path, line, "gene " + std::string(f[0]) + " is listed twice");
  }
  return t;
}

// DATA_ROOT/genes.tsv when there is one.
inline std::optional<GeneTable> read_gene_table(const std::string& data_root) {
  const std::string path = (std::filesystem::path(data_root) / "genes.tsv").string();
  if (!file_exists(path)) return std::nullopt;
  return read_gene_table_file(path);
}

}  // namespace deepdiff
