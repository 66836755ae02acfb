// Genes and their TSS windows, from a GTF, GFF3 or BED6 annotation, or from a gene-window
// file as the DeepDiff/AttentiveChrome authors used with `bedtools multicov` (4 columns,
// `chrom start end ENSGID_SYMBOL`, the window itself and no strand).
//
// A gene is kept once (the first record of an id); ids lose their version suffix as in the
// DeepDiff authors' files (ENSG00000130749.9 -> ENSG00000130749). Coordinates are 0-based,
// half-open, like BED: a GTF/GFF3 record "start end" (1-based, closed) becomes
// [start - 1, end).
//
// The window of a gene is that of `computeMatrix reference-point --referencePoint TSS
// -b F -a F --binSize S` with F = bins * S / 2: the reference point is `start` for a `+`
// gene and `end` for a `-` gene (any other strand counts as `+`, as in deepTools), and the
// window is [ref - F, ref + F), cut into `bins` bins of S bases in genomic order. For a
// strand-aware matrix a `-` gene's bins are then read right to left, so bin 1 is always the
// most upstream one; `BinOrder::genomic` keeps the coordinate order (the authors' layout).
// A gene-window file's window is the gene's window as written (its length must be bins x S:
// prepare checks it); with no strand to orient by, its bins are in genomic order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deepdiff/io/errors.hpp"
#include "deepdiff/genomics/text.hpp"

namespace deepdiff {
namespace genomics {

struct Gene {
  std::string id;      // version stripped
  std::string symbol;  // gene_name / Name; the id when the annotation has none
  std::string chrom;
  std::int64_t start = 0, end = 0;  // 0-based half-open
  char strand = '+';                // '+' or '-' ('.' and others are read as '+')
  std::size_t line = 0;             // where it was read, for messages
  bool window = false;  // from a gene-window file: [start, end) is the window, strand '.'
  // GTF gene_type (GENCODE) or gene_biotype (Ensembl); GFF3 gene_type, biotype or gene_biotype.
  // Empty when the record has none (always for BED6 and gene-window files). --gene-types
  // selects on it. Last, so that brace-initialised Genes keep their fields' order.
  std::string type{};
  // The window's centre for a gene-window file (its window is then [start, end) again).
  std::int64_t tss() const { return window ? start + (end - start) / 2 : strand == '-' ? end : start; }
};

enum class AnnotationFormat { gtf, gff3, bed, windows };
enum class BinOrder { strand, genomic };

inline std::string format_name(AnnotationFormat f) {
  return f == AnnotationFormat::gtf    ? "GTF"
         : f == AnnotationFormat::gff3 ? "GFF3"
         : f == AnnotationFormat::bed  ? "BED6"
                                       : "gene-window file";
}

// ENSG00000130749.9 -> ENSG00000130749; ENSG00000182378.14_PAR_Y -> ENSG00000182378_PAR_Y.
// Only a dot followed by digits (up to the end or an underscore) is a version.
inline std::string strip_version(std::string_view id) {
  const std::size_t dot = id.find('.');
  if (dot == std::string_view::npos) return std::string(id);
  std::size_t k = dot + 1;
  while (k < id.size() && id[k] >= '0' && id[k] <= '9') ++k;
  if (k == dot + 1 || (k < id.size() && id[k] != '_')) return std::string(id);
  return std::string(id.substr(0, dot)) + std::string(id.substr(k));
}

// The other spelling of a chromosome name, as deepTools tries it when a name is missing:
// chr1 <-> 1, chrM <-> MT.
inline std::string alternative_chrom_name(std::string_view c) {
  if (c.substr(0, 3) == "chr") {
    std::string s(c.substr(3));
    return s == "M" ? "MT" : s;
  }
  std::string s = "chr" + std::string(c);
  return s == "chrMT" ? "chrM" : s;
}

struct Annotation {
  std::string path;
  AnnotationFormat format = AnnotationFormat::gtf;
  std::vector<Gene> genes;                  // in file order, one per id
  std::size_t duplicates = 0;               // records whose id was seen before (kept the first)
  std::size_t unusable_ids = 0;             // ids with '_' or ',' after the version (PAR_Y copies): skipped
  std::vector<std::string> chroms;          // in order of first appearance
};

namespace annotation_detail {

// The value of `key` in a GTF attribute column: key "value"; key2 "value2"; ...
inline std::string_view gtf_attribute(std::string_view attrs, std::string_view key) {
  std::size_t pos = 0;
  while (pos < attrs.size()) {
    while (pos < attrs.size() && (attrs[pos] == ' ' || attrs[pos] == ';')) ++pos;
    const std::size_t sp = attrs.find(' ', pos);
    if (sp == std::string_view::npos) return {};
    const std::string_view k = attrs.substr(pos, sp - pos);
    std::size_t v0 = sp + 1, v1;
    if (v0 < attrs.size() && attrs[v0] == '"') {
      ++v0;
      v1 = attrs.find('"', v0);
      if (v1 == std::string_view::npos) return {};
      pos = v1 + 1;
    } else {
      v1 = attrs.find(';', v0);
      if (v1 == std::string_view::npos) v1 = attrs.size();
      pos = v1;
    }
    if (k == key) return attrs.substr(v0, v1 - v0);
  }
  return {};
}

// The value of `key` in a GFF3 attribute column: key=value;key2=value2
inline std::string_view gff3_attribute(std::string_view attrs, std::string_view key) {
  std::size_t pos = 0;
  while (pos < attrs.size()) {
    std::size_t semi = attrs.find(';', pos);
    if (semi == std::string_view::npos) semi = attrs.size();
    const std::string_view kv = attrs.substr(pos, semi - pos);
    const std::size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      std::string_view k = kv.substr(0, eq);
      while (!k.empty() && k.front() == ' ') k.remove_prefix(1);
      if (k == key) return kv.substr(eq + 1);
    }
    pos = semi + 1;
  }
  return {};
}

// A GFF3 attribute value with its percent-escapes decoded (GFF3 spec: `%3A` for ':', `%3B`
// for ';', `%2C` for ',', ...). A '%' not followed by two hex digits is kept as it is.
inline std::string percent_decode(std::string_view v) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hex(v[i + 1]) >= 0 && hex(v[i + 2]) >= 0) {
      out += static_cast<char>(hex(v[i + 1]) * 16 + hex(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

inline bool is_comment(std::string_view l) {
  return l.empty() || l[0] == '#' || l.substr(0, 5) == "track" || l.substr(0, 7) == "browser";
}

inline AnnotationFormat detect(const std::string& path) {
  TextLines in(path);
  std::string_view l;
  std::vector<std::string_view> f;
  while (in.next(l)) {
    if (l.substr(0, 15) == "##gff-version 3") return AnnotationFormat::gff3;
    if (is_comment(l)) continue;
    split_on(l, '\t', f);
    if (f.size() >= 9) {
      if (f[8].find("gene_id \"") != std::string_view::npos || f[8].find("gene_id") == 0) return AnnotationFormat::gtf;
      if (f[8].find('=') != std::string_view::npos) return AnnotationFormat::gff3;
    }
    std::int64_t a, b;
    if (f.size() >= 6 && parse_position(f[1], a) && parse_position(f[2], b)) return AnnotationFormat::bed;
    if (f.size() == 4 && parse_position(f[1], a) && parse_position(f[2], b) && !is_number(f[3]))
      return AnnotationFormat::windows;
    throw DataError(path, in.line(), "not a GTF, GFF3, BED6 annotation or gene-window file",
                    "GTF/GFF3 have 9 tab-separated columns with gene records; BED6 is chrom, start, end, name, score, "
                    "strand; a gene-window file is chrom, start, end, ID_SYMBOL");
  }
  throw DataError(path, "empty annotation: no gene records");
}

}  // namespace annotation_detail

inline Annotation read_annotation(const std::string& path) {
  namespace ad = annotation_detail;
  Annotation a;
  a.path = path;
  a.format = ad::detect(path);
  TextLines in(path);
  std::string_view l;
  std::vector<std::string_view> f;
  std::unordered_map<std::string, std::size_t> seen;
  std::unordered_map<std::string, int> chrom_seen;
  std::size_t records = 0;
  std::string id_text, name_text, type_text;  // GFF3 values, percent-decoded
  while (in.next(l)) {
    if (ad::is_comment(l)) continue;
    const std::size_t ln = in.line();
    split_on(l, '\t', f);
    Gene g;
    g.line = ln;
    std::string_view id, name, biotype;
    type_text.clear();
    if (a.format == AnnotationFormat::bed) {
      if (f.size() < 6)
        throw DataError(path, ln, "expected 6 tab-separated columns (chrom, start, end, name, score, strand), found " +
                                      std::to_string(f.size()));
      if (!parse_position(f[1], g.start) || !parse_position(f[2], g.end))
        throw DataError(path, ln, "start and end must be non-negative integers");
      // A name ID_SYMBOL gives both; a bare name is the id.
      const std::size_t u = f[3].find('_');
      id = f[3].substr(0, u);
      if (u != std::string_view::npos) name = f[3].substr(u + 1);
      g.strand = f[5] == "-" ? '-' : '+';
    } else if (a.format == AnnotationFormat::windows) {
      if (f.size() != 4)
        throw DataError(path, ln, "expected 4 tab-separated columns (chrom, start, end, ID_SYMBOL), found " +
                                      std::to_string(f.size()));
      if (!parse_position(f[1], g.start) || !parse_position(f[2], g.end))
        throw DataError(path, ln, "start and end must be non-negative integers");
      const std::size_t u = f[3].find('_');
      if (u == 0 || u == std::string_view::npos || u + 1 == f[3].size())
        throw DataError(path, ln, "name " + std::string(f[3]) + " is not ID_SYMBOL",
                        "a gene-window file names each window ENSGID_SYMBOL, as the DeepDiff authors' GeneFile does");
      id = f[3].substr(0, u);
      name = f[3].substr(u + 1);
      g.strand = '.';
      g.window = true;
    } else {
      if (f.size() != 9)
        throw DataError(path, ln, "expected 9 tab-separated columns (" + format_name(a.format) + "), found " +
                                      std::to_string(f.size()));
      const std::string_view type = f[2];
      const bool is_gene = type == "gene" || (a.format == AnnotationFormat::gff3 &&
                                              (type == "ncRNA_gene" || type == "pseudogene"));
      if (!is_gene) continue;
      std::int64_t s1 = 0, e1 = 0;
      if (!parse_position(f[3], s1) || !parse_position(f[4], e1) || s1 < 1)
        throw DataError(path, ln, "start and end must be positive integers (1-based)");
      g.start = s1 - 1;
      g.end = e1;
      g.strand = f[6] == "-" ? '-' : '+';
      if (a.format == AnnotationFormat::gtf) {
        id = ad::gtf_attribute(f[8], "gene_id");
        name = ad::gtf_attribute(f[8], "gene_name");
        biotype = ad::gtf_attribute(f[8], "gene_type");
        if (biotype.empty()) biotype = ad::gtf_attribute(f[8], "gene_biotype");
      } else {
        id_text = ad::percent_decode(ad::gff3_attribute(f[8], "gene_id"));
        if (id_text.empty()) {
          id_text = ad::percent_decode(ad::gff3_attribute(f[8], "ID"));
          if (id_text.compare(0, 5, "gene:") == 0) id_text.erase(0, 5);
        }
        name_text = ad::percent_decode(ad::gff3_attribute(f[8], "gene_name"));
        if (name_text.empty()) name_text = ad::percent_decode(ad::gff3_attribute(f[8], "Name"));
        // GENCODE's GFF3 says gene_type, Ensembl's biotype (older releases gene_biotype).
        for (const char* key : {"gene_type", "biotype", "gene_biotype"})
          if (type_text.empty()) type_text = ad::percent_decode(ad::gff3_attribute(f[8], key));
        id = id_text;
        name = name_text;
        biotype = type_text;
      }
      if (id.empty())
        throw DataError(path, ln, "gene record without a gene id",
                        a.format == AnnotationFormat::gtf ? "expected gene_id \"...\"" : "expected gene_id= or ID=");
    }
    if (g.end < g.start) throw DataError(path, ln, "end is before start");
    if (f[0].empty()) throw DataError(path, ln, "empty chromosome name");
    ++records;
    g.id = strip_version(id);
    if (g.id.find_first_of("_,\"") != std::string::npos || g.id.empty()) {
      ++a.unusable_ids;  // e.g. GENCODE's ENSG..._PAR_Y copies of chrX genes
      continue;
    }
    g.symbol = name.empty() ? g.id : std::string(name);
    g.type = std::string(biotype);
    for (char& c : g.symbol)
      if (c == ',' || c == '"' || c == '\t') c = '-';  // the row id ID_SYMBOL_BIN is a bare CSV field
    g.chrom = std::string(f[0]);
    if (!seen.emplace(g.id, ln).second) {
      ++a.duplicates;
      continue;
    }
    if (chrom_seen.emplace(g.chrom, 0).second) a.chroms.push_back(g.chrom);
    a.genes.push_back(std::move(g));
  }
  if (a.genes.empty())
    throw DataError(path, records == 0 ? "no gene records in the " + format_name(a.format) + " annotation"
                                       : "no usable gene ids in the annotation");
  return a;
}

// Genes per type (Gene::type), by name; genes without one are counted under "(none)".
inline std::map<std::string, std::size_t> gene_type_counts(const std::vector<Gene>& genes) {
  std::map<std::string, std::size_t> n;
  for (const Gene& g : genes) ++n[g.type.empty() ? "(none)" : g.type];
  return n;
}

// Refuses a --gene-types list that cannot select what was meant, before any gene is dropped:
// an annotation without types (a BED6 or gene-window file, or a GTF/GFF3 whose records carry
// no gene_type / gene_biotype) would keep no gene, and a type no gene has is most often a
// misspelling or another release's name (GENCODE 10 says lincRNA, later releases lncRNA),
// so the message lists the types the file has, most frequent first.
inline void check_gene_types(const Annotation& a, const std::vector<std::string>& types) {
  if (types.empty()) return;
  std::map<std::string, std::size_t> n;
  for (const Gene& g : a.genes)
    if (!g.type.empty()) ++n[g.type];
  if (n.empty())
    throw DataError(a.path, "--gene-types needs each gene's type, but this " + format_name(a.format) + " has none",
                    a.format == AnnotationFormat::gtf || a.format == AnnotationFormat::gff3
                        ? "no gene record has a gene_type (GENCODE) or gene_biotype (Ensembl) attribute; give such a "
                          "GTF/GFF3, or leave out --gene-types"
                        : "a " + format_name(a.format) + " carries no gene type; give a GTF/GFF3 with gene_type "
                          "(GENCODE) or gene_biotype (Ensembl), or leave out --gene-types");
  for (const std::string& t : types) {
    if (n.count(t)) continue;
    std::vector<std::pair<std::size_t, std::string>> by_count;
    for (const auto& kv : n) by_count.emplace_back(kv.second, kv.first);
    std::stable_sort(by_count.begin(), by_count.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    std::string have;
    for (const auto& kv : by_count) have += (have.empty() ? "" : ", ") + kv.second + " (" + std::to_string(kv.first) + ")";
    throw DataError(a.path, "--gene-types " + t + ": no gene of the annotation has this type",
                    "the types it has, with their genes: " + have);
  }
}

}  // namespace genomics
}  // namespace deepdiff
