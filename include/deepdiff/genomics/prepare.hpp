// prepare_data_root: samplesheet + annotation -> the data root `deepdiff train` reads.
//
//   DIR/CELL.{train,valid,test}.csv  ENSGID_SYMBOL_BIN,H3K4me1,...,H3K36me3 (the public layout;
//                                    counts as integers, bigWig means at full precision)
//   DIR/CELL.expr.csv                ENSGID,value (cells with expression)
//   DIR/genes.tsv                    gene, symbol, chrom, tss (0-based), strand, split
//   DIR/prepare.json                 settings, inputs (size, FNV-1a), gene counts, time
//
// Nothing partial: everything is written into a temporary folder beside DIR, renamed onto
// DIR at the end; on any error the temporary folder is removed and DIR is untouched.
// Several files for one cell and mark are replicates, pooled (reads summed as one library, bigWig
// means averaged); an input control (assay `input`) is subtracted from each read-count mark
// after scaling it to that mark's depth, floored at 0; --normalize-marks cpm divides read
// counts by the library's reads in millions. (docs/prepare.md, "Your own pair".)
// Genes used: those of the annotation whose chromosome every BAM/bigWig has (by name, or
// chr1 <-> 1) and that every expression table lists. Splits: counts drawn by seed, a hold-out
// by chromosome, or the splits of an earlier genes.tsv.
#pragma once

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <chrono>
#include <exception>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "deepdiff/io/errors.hpp"
#include "deepdiff/data/expression_scale.hpp"
#include "deepdiff/data/marks.hpp"
#include "deepdiff/genomics/annotation.hpp"
#include "deepdiff/genomics/expression.hpp"
#include "deepdiff/genomics/samplesheet.hpp"
#include "deepdiff/genomics/signal.hpp"
#include "deepdiff/genomics/split_overlap.hpp"
#include "deepdiff/io/atomic_file.hpp"
#include "deepdiff/io/checksum.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/io/number_format.hpp"
#include "deepdiff/tensor/random.hpp"

namespace deepdiff {
namespace genomics {

// The published split sizes (DeepDiff, Sekhon et al. 2018).
constexpr long long kPublishedTrain = 10000, kPublishedValid = 2360, kPublishedTest = 6100;

// What a run will need, known once the annotation and the inputs' headers are read and before
// any signal is: the program compares it with the machine (memory, free disk) and refuses a
// --bins / --bin-size that cannot fit, instead of allocating gigabytes and failing late.
struct PrepareSize {
  std::size_t genes = 0, cells = 0, files = 0;
  double values_bytes = 0;  // the [genes, bins] values of the cells in flight (counts 4 bytes, bigWig means 8)
  double lookup_bytes = 0;  // the window lookup: grows with the window (bins x bin size) per gene
  double write_bytes = 0;   // the text of the output files held while they are written
  double output_bytes = 0;  // what DIR will take on disk
  double free_bytes = -1;   // free space where DIR goes (-1: unknown)
  double memory_bytes() const { return values_bytes + lookup_bytes + write_bytes; }
};

// Raised when PrepareOptions::interrupt is set (Ctrl-C, SIGTERM): nothing was written, and the
// temporary folder, if there was one, is gone.
struct PrepareInterrupted : std::runtime_error {
  PrepareInterrupted() : std::runtime_error("nothing written, the temporary folder removed") {}
};

// How read counts are scaled: none keeps the published raw counts; cpm gives counts per million
// of the library's usable reads (every read of the file that the bins' rules would count).
enum class MarkNormalization { none, cpm };

struct PrepareOptions {
  std::string samplesheet, annotation, out;
  int bins = 200;
  std::int64_t bin_size = 100;
  BinOrder order = BinOrder::strand;
  // Split: counts (all -1: the published sizes, or their proportions when genes are fewer),
  // or test (and optionally valid) chromosomes, or the split column of an earlier genes.tsv.
  std::array<long long, 3> split_counts = {-1, -1, -1};
  std::vector<std::string> test_chroms, valid_chroms;
  std::string split_from;
  // Genes of these types only (Gene::type: GTF gene_type / gene_biotype); empty: all genes.
  std::vector<std::string> gene_types;
  // Draw the splits by clusters of overlapping windows (split_overlap.hpp), so that no base
  // lies in the windows of two splits; not with split_from (those splits are given).
  bool no_overlap = false;
  std::uint64_t seed = 1;
  int threads = 0;           // 0: omp_get_max_threads()
  bool use_index = true;     // read indexed BAMs by region
  bool checksums = true;     // FNV-1a of every input (one more read of each file)
  MarkNormalization normalize_marks = MarkNormalization::none;
  std::function<void(const std::string&)> log;  // progress and notes (may be empty)
  // Called once the genes are known, before any signal is read; throws to refuse (may be empty).
  std::function<void(const PrepareSize&)> check_size;
  // Polled between reading tasks and output files; when it turns true the run stops with
  // PrepareInterrupted, after removing its temporary folder. A signal handler may set it.
  const std::atomic<bool>* interrupt = nullptr;
};

struct PrepareSummary {
  std::size_t genes_annotated = 0, genes_used = 0;
  std::array<std::size_t, 3> split_sizes = {0, 0, 0};
  std::size_t cells = 0;
  double seconds = 0;       // in all
  double read_seconds = 0;  // of which reading the signal files (and checksums)
  double write_seconds = 0; // of which writing genes.tsv and prepare.json (the cells' files are written while reading)
  std::size_t peak_track_bytes = 0;  // the most bytes of counted values held at once
  std::vector<std::string> notes;
  std::vector<std::string> warnings;  // what makes the data root measure depth rather than biology, and the fix
  std::vector<std::string> removed;  // leftovers of interrupted runs removed at the start (logged then)
};

namespace prepare_detail {

// Which cell and assay a signal file is for: slot 0-4 the marks (mark_names()), kInputSlot the
// input control. A cell's files are contiguous, marks first, in the sheet's order.
constexpr std::size_t kInputSlot = 5;
struct FileRole {
  std::size_t cell = 0, slot = 0;
};
inline std::string slot_name(std::size_t slot) { return slot == kInputSlot ? "input" : mark_names()[slot]; }

inline const std::array<const char*, 3>& split_names() {
  static const std::array<const char*, 3> n = {"train", "valid", "test"};
  return n;
}

inline std::size_t file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

inline std::string chrom_list(const std::vector<std::string>& c) {
  std::string s;
  for (std::size_t i = 0; i < c.size() && i < 6; ++i) s += (i ? ", " : "") + c[i];
  if (c.size() > 6) s += ", ...";
  return s.empty() ? "(none)" : s;
}

inline std::string seconds_text(double s) {
  char b[32];
  if (s < 60) std::snprintf(b, sizeof b, "%.1fs", s);
  else std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return b;
}

// split index per gene (0 train, 1 valid, 2 test, -1 unused). With no_overlap the random
// draws take whole clusters of overlapping windows (split_overlap.hpp), so no base lies in the
// windows of two splits (a read across the gap between two windows that abut or nearly do can
// still count in both: windows closer than a read are rare, and joining them would need a
// read length that prepare does not know before reading). How much the splits share is logged once they are drawn, before any
// signal is read, so that a long run can be stopped and drawn again another way.
inline std::vector<int> assign_splits(const PrepareOptions& o, const std::vector<Gene>& genes,
                                      std::vector<std::string>& notes) {
  const std::size_t n = genes.size();
  std::vector<int> split(n, -1);
  Rng rng(o.seed);
  // split_from's splits are given: dropping its overlapping genes would silently change them.
  if (o.no_overlap && !o.split_from.empty())
    throw std::invalid_argument("no_overlap and split_from exclude each other (the splits of split_from are given)");
  auto draw = [&](std::vector<std::size_t> pool, const std::array<long long, 3>& counts) {
    rng.shuffle(pool);
    std::size_t k = 0;
    for (int s = 0; s < 3; ++s)
      for (long long i = 0; i < counts[static_cast<std::size_t>(s)]; ++i) split[pool[k++]] = s;
  };
  // no_overlap: the clusters of all genes used (one never spans two chromosomes, so a hold-out
  // by chromosome leaves the others' clusters whole).
  const std::vector<std::size_t> cluster_of = o.no_overlap ? window_clusters(genes, o.bins, o.bin_size) : std::vector<std::size_t>();
  auto cluster_draw = [&](const std::vector<std::size_t>& pool, const std::array<long long, 3>& counts,
                          const std::vector<int>& order) {
    const ClusterFill f = fill_by_clusters(pool, cluster_of, counts, order, rng, split);
    notes.push_back("--no-overlap: the " + std::to_string(pool.size()) + " genes drawn form " + std::to_string(f.clusters) +
                    " clusters of overlapping windows (the largest holds " + std::to_string(f.largest) +
                    " genes), each drawn whole into one split");
    return f;
  };
  auto done = [&]() {
    if (o.log) o.log("prepare: " + split_overlap_text(split_overlap(genes, split, o.bins, o.bin_size)));
    return split;
  };
  if (!o.split_from.empty()) {
    std::map<std::string, std::pair<int, std::size_t>> from;  // gene -> split, line
    TextLines in(o.split_from);
    std::string_view l;
    std::vector<std::string_view> f;
    int col = -1;
    while (in.next(l)) {
      if (l.empty()) continue;
      split_on(l, '\t', f);
      if (col < 0) {
        for (std::size_t c = 0; c < f.size(); ++c)
          if (f[c] == "split") col = static_cast<int>(c);
        if (col < 0 || f[0] != "gene")
          throw DataError(o.split_from, in.line(), "expected a genes.tsv header with columns gene ... split");
        continue;
      }
      if (static_cast<int>(f.size()) <= col) throw DataError(o.split_from, in.line(), "too few columns");
      int s = -1;
      for (int k = 0; k < 3; ++k)
        if (f[static_cast<std::size_t>(col)] == split_names()[static_cast<std::size_t>(k)]) s = k;
      const auto ins = from.emplace(strip_version(f[0]), std::make_pair(s, in.line()));
      // A gene in two splits would leak between training and test: which one was meant is
      // unknowable, so the file is refused rather than the last row taken.
      if (!ins.second && ins.first->second.first != s)
        throw DataError(o.split_from, in.line(),
                        "gene " + ins.first->first + " is listed again in another split (first at line " +
                            std::to_string(ins.first->second.second) + ")",
                        "each gene belongs to one split; was this file edited or concatenated?");
    }
    std::size_t missing = 0;
    for (std::size_t g = 0; g < n; ++g) {
      const auto it = from.find(genes[g].id);
      if (it == from.end()) ++missing;
      else split[g] = it->second.first;
    }
    if (missing) notes.push_back(std::to_string(missing) + " genes are not in " + o.split_from + ": unused");
    return done();
  }
  if (!o.test_chroms.empty()) {
    auto on = [&](const std::vector<std::string>& list, const std::string& c) {
      for (const std::string& x : list)
        if (x == c || alternative_chrom_name(x) == c) return true;
      return false;
    };
    std::vector<std::size_t> rest;
    for (std::size_t g = 0; g < n; ++g) {
      if (on(o.test_chroms, genes[g].chrom)) split[g] = 2;
      else if (!o.valid_chroms.empty() && on(o.valid_chroms, genes[g].chrom)) split[g] = 1;
      else rest.push_back(g);
    }
    for (int s : {1, 2}) {
      if (s == 1 && o.valid_chroms.empty()) continue;
      if (std::count(split.begin(), split.end(), s) == 0)
        throw DataError(o.annotation, std::string("no usable gene on the ") + (s == 2 ? "--test" : "--valid") +
                                          "-chromosomes " + chrom_list(s == 2 ? o.test_chroms : o.valid_chroms));
    }
    if (o.valid_chroms.empty()) {
      // valid: the published valid share of the genes left for training
      const long long nv = std::llround(static_cast<double>(rest.size()) * kPublishedValid / (kPublishedTrain + kPublishedValid));
      if (!o.no_overlap) {
        draw(rest, {static_cast<long long>(rest.size()) - nv, nv, 0});
      } else {
        // Valid first, by clusters; every cluster that does not fit goes to train, which takes the rest.
        const ClusterFill f = cluster_draw(rest, {static_cast<long long>(rest.size()), nv, 0}, {1, 0});
        if (f.filled[1] < nv)
          notes.push_back("--no-overlap: the valid split holds " + std::to_string(f.filled[1]) + " genes, not " +
                          std::to_string(nv) + ": the clusters left did not fit the room exactly (the others train)");
      }
    } else {
      for (std::size_t g : rest) split[g] = 0;
    }
    if (std::count(split.begin(), split.end(), 0) == 0)
      throw DataError(o.annotation, "no gene left for the train split after the held-out chromosomes");
    return done();
  }
  std::array<long long, 3> c = o.split_counts;
  const long long total = static_cast<long long>(n);
  if (c[0] < 0) {
    const long long pub = kPublishedTrain + kPublishedValid + kPublishedTest;
    if (total >= pub) {
      c = {kPublishedTrain, kPublishedValid, kPublishedTest};
    } else {
      c[0] = std::llround(static_cast<double>(total) * kPublishedTrain / pub);
      c[1] = std::llround(static_cast<double>(total) * kPublishedValid / pub);
      c[2] = total - c[0] - c[1];
      notes.push_back("fewer genes than the published 10000/2360/6100: split " + std::to_string(c[0]) + "/" +
                      std::to_string(c[1]) + "/" + std::to_string(c[2]) + " in the same proportions");
    }
  } else if (c[0] + c[1] + c[2] > total) {
    throw DataError(o.annotation, "--split asks for " + std::to_string(c[0] + c[1] + c[2]) + " genes, but only " +
                                      std::to_string(total) + " have all inputs");
  }
  if (c[0] < 1 || c[1] < 1 || c[2] < 1) {
    std::string why;
    for (const std::string& n : notes) why += (why.empty() ? "" : "; ") + n;
    throw DataError(o.annotation, "too few genes with all inputs (" + std::to_string(total) + ") for three splits", why);
  }
  std::vector<std::size_t> all(n);
  for (std::size_t g = 0; g < n; ++g) all[g] = g;
  if (!o.no_overlap) {
    draw(all, c);
    return done();
  }
  const ClusterFill f = cluster_draw(all, c, {0, 1, 2});
  const long long short_by = c[0] + c[1] + c[2] - f.filled[0] - f.filled[1] - f.filled[2];
  if (short_by > 0) {
    std::string held;
    for (std::size_t s = 0; s < 3; ++s)
      held += std::string(s ? ", " : "") + split_names()[s] + " " + std::to_string(f.filled[s]) + " of " + std::to_string(c[s]);
    notes.push_back("--no-overlap: " + std::to_string(short_by) +
                    " genes unused because their clusters fit the room left in no split (" + held + ")");
  }
  for (std::size_t s = 0; s < 3; ++s)
    if (f.filled[s] == 0)
      throw DataError(o.annotation, std::string("--no-overlap: no cluster of overlapping windows fits the ") + split_names()[s] +
                                        " split of " + std::to_string(c[s]) + " genes",
                      "the largest cluster holds " + std::to_string(f.largest) + " genes; ask for more genes per split, "
                      "or use --test-chromosomes");
  return done();
}

// The marks' pooled read counts (bigWig: means) summed over all genes and bins, per cell, before
// an input is subtracted or cpm applied: a cell whose sum is more than twice another's makes the
// difference channels XA - XB measure sequencing depth (a mark's biology changes some genes, not
// all of them by one factor), and cpm is what corrects that.
inline void depth_warnings(const std::vector<CellInputs>& cells, const std::vector<std::array<double, 5>>& totals,
                           const std::vector<SignalFile>& files, const std::vector<FileRole>& roles, bool cpm,
                           std::vector<std::string>& warnings) {
  if (cells.size() < 2) return;
  std::string reads, bigwigs;  // "H3K4me1 B 4.00x A (5692 vs 1423)", per kind of file
  for (std::size_t m = 0; m < 5; ++m) {
    std::size_t lo = 0, hi = 0;
    for (std::size_t c = 1; c < cells.size(); ++c) {
      if (totals[c][m] < totals[lo][m]) lo = c;
      if (totals[c][m] > totals[hi][m]) hi = c;
    }
    if (!(totals[hi][m] > 2 * totals[lo][m])) continue;
    bool bigwig = false;
    for (std::size_t f = 0; f < files.size(); ++f)
      if (roles[f].slot == m && roles[f].cell == hi && files[f].format == SignalFormat::bigwig) bigwig = true;
    if (cpm && !bigwig) continue;  // already per million reads: what is left is not depth
    char b[320];
    std::snprintf(b, sizeof b, "%s %s %.2fx %s (%.4g vs %.4g)", mark_names()[m].c_str(), cells[hi].name.c_str(),
                  totals[lo][m] > 0 ? totals[hi][m] / totals[lo][m] : INFINITY, cells[lo].name.c_str(), totals[hi][m],
                  totals[lo][m]);
    std::string& list = bigwig ? bigwigs : reads;
    list += (list.empty() ? "" : ", ") + std::string(b);
  }
  const std::string what = "the marks' values summed over all genes and bins differ more than 2x between cells: ";
  const std::string why = ": the difference channels XA - XB would mostly measure sequencing depth; ";
  if (!reads.empty()) warnings.push_back(what + reads + why + "--normalize-marks cpm corrects it");
  if (!bigwigs.empty())
    warnings.push_back(what + bigwigs + why + "make the bigWigs with one normalization (e.g. bamCoverage --normalizeUsing CPM)");
}

// The median over the training genes of y = log2((eB + 1) / (eA + 1)) for every pair of cells
// with expression: far from 0, y mostly says which cell was sequenced deeper (the threshold and
// median of train's own warning, data/expression_scale.hpp).
inline void expression_warnings(const std::vector<CellInputs>& cells, const std::vector<Gene>& genes,
                                const std::vector<ExpressionValues>& expr, const std::vector<int>& split,
                                std::vector<std::string>& warnings) {
  std::vector<std::string> found;
  std::size_t pairs = 0;
  std::vector<double> y;
  for (std::size_t a = 0; a < cells.size(); ++a)
    for (std::size_t b = a + 1; b < cells.size(); ++b) {
      if (cells[a].expression.empty() || cells[b].expression.empty()) continue;
      y.clear();
      for (std::size_t g = 0; g < genes.size(); ++g)
        if (split[g] == 0)
          y.push_back(std::log2((expr[b].value.at(genes[g].id) + 1.0) / (expr[a].value.at(genes[g].id) + 1.0)));
      if (y.empty()) continue;
      const double med = median_of(y);
      ++pairs;
      if (!(std::fabs(med) > kDepthWarningMedian)) continue;
      char t[200];
      std::snprintf(t, sizeof t, "%s over %s: %+.2f", cells[b].name.c_str(), cells[a].name.c_str(), med);
      found.push_back(t);
    }
  if (found.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < found.size() && i < 5; ++i) list += (i ? "; " : "") + found[i];
  if (found.size() > 5) list += "; and " + std::to_string(found.size() - 5) + " more";
  warnings.push_back("expression: the median target y = log2((eB+1)/(eA+1)) over the training genes is farther than 0.5 from 0 "
                     "for " + std::to_string(found.size()) + " of " + std::to_string(pairs) + " cell pairs (" + list +
                     "): y would mostly measure the cells' sequencing depth; `deepdiff train --expression-scale size-factors` "
                     "corrects it");
}

inline void append_int(std::string& s, long long v) {
  char b[24];
  const auto r = std::to_chars(b, b + sizeof b, v);
  s.append(b, r.ptr);
}

// format_number's text (shortest round trip), appended without a temporary string: the CSVs
// hold tens of millions of values.
inline void append_double(std::string& s, double v) {
  if (v == 0) {
    s += '0';
    return;
  }
  char b[32];
  const auto r = std::to_chars(b, b + sizeof b, v);
  s.append(b, r.ptr);
}

// What the run will need (see PrepareSize). Counted values: at most threads + 1 cells in flight
// (prepare_data_root's queue), one track per file (counts 4 bytes a value, bigWig means 8). The
// write buffer: the text of one output file per thread at a time, a split at most all genes.
// cell_files: cell c's files are [cell_files[c], cell_files[c + 1]). fractional: values are
// written as decimals (scaled counts), longer than counts.
inline PrepareSize estimate_size(const std::vector<Gene>& genes, const std::vector<SignalFile>& files,
                                 const std::vector<std::size_t>& cell_files, int bins, std::int64_t bin_size, int threads,
                                 bool fractional) {
  PrepareSize z;
  z.genes = genes.size();
  z.cells = cell_files.size() - 1;
  z.files = files.size();
  const double R = static_cast<double>(genes.size()), T = static_cast<double>(bins);
  double cell_bytes = 0;  // the largest cell's tracks, per value
  for (std::size_t c = 0; c < z.cells; ++c) {
    double b = 0;
    for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f) b += files[f].format == SignalFormat::bigwig ? 8 : 4;
    cell_bytes = std::max(cell_bytes, b);
  }
  z.values_bytes = static_cast<double>(std::min<std::size_t>(z.cells, static_cast<std::size_t>(threads) + 1)) * cell_bytes * R * T;
  const double span = static_cast<double>(bins) * static_cast<double>(bin_size);
  const double block = static_cast<double>(std::int64_t(1) << GeneWindows::kShift);
  std::map<std::string, double> last_end;
  double name_chars = 0;
  for (const Gene& g : genes) {
    double& e = last_end[g.chrom];
    e = std::max(e, static_cast<double>(g.tss()) + span / 2);
    name_chars += static_cast<double>(g.id.size() + g.symbol.size());
  }
  z.lookup_bytes = R * (span / block + 2) * 2 * sizeof(int);
  for (const auto& c : last_end) z.lookup_bytes += (c.second / block + 1) * sizeof(std::vector<int>);
  // A row: ID_SYMBOL_BIN and five values (counts: a few digits each; bigWig means more).
  const double row = (R > 0 ? name_chars / R : 0) + 2 + std::log10(T + 1) + 1 + 5 * (fractional ? 18 : 6) + 1;
  z.output_bytes = static_cast<double>(z.cells) * R * T * row;
  z.write_bytes = std::min<double>(threads, static_cast<double>(z.cells)) * R * T * 48;
  return z;
}

// The output folder as it will be written: a symbolic link to a folder means that folder (the
// link stays, the folder behind it gets the files). Refuses a folder that is not empty.
inline std::filesystem::path output_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path out(dir);
  if (out.filename().empty()) out = out.parent_path();
  if (fs::is_symlink(fs::symlink_status(out, ec))) {
    const fs::file_status st = fs::status(out, ec);
    if (!fs::exists(st))
      throw DataError(dir, "the output folder is a symbolic link to nothing (" + fs::read_symlink(out, ec).string() + ")",
                      "create the folder it points to, or choose another --out");
    out = fs::canonical(out, ec);
    if (ec) throw DataError(dir, "cannot resolve the symbolic link: " + ec.message());
  }
  const fs::file_status st = fs::status(out, ec);
  if (fs::exists(st) && !(fs::is_directory(st) && fs::is_empty(out, ec)))
    throw DataError(dir, fs::is_directory(st) ? "the output folder exists and is not empty" : "exists and is not a folder",
                    "choose a new folder, or remove this one");
  return out;
}

// The temporary folder's name: beside DIR, named after it, this host and this process, so that a
// later run can tell a leftover of a dead process (same host, no such PID) from a live run's
// (another process, or another node writing to a shared disk).
inline std::string host_name() {
  char h[256] = {0};
  if (::gethostname(h, sizeof h - 1) != 0 || !h[0]) return "host";
  std::string s(h);
  for (char& c : s)
    if (c == '/' || c == '.') c = '_';
  return s;
}
inline std::string temporary_prefix(const std::filesystem::path& out) {
  return "." + out.filename().string() + ".prepare-tmp." + host_name() + "-";
}

// Removes the temporary folders of earlier runs on this host whose process is gone (killed,
// crashed, or stopped by a signal that could not be handled), and says so.
inline void remove_stale_temporaries(const std::filesystem::path& parent, const std::filesystem::path& out,
                                     std::vector<std::string>& notes) {
  namespace fs = std::filesystem;
  const std::string prefix = temporary_prefix(out);
  std::error_code ec;
  fs::directory_iterator it(parent, ec), end;
  if (ec) return;  // the parent does not exist yet: nothing to clean
  std::vector<fs::path> stale;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    // PID, or PID.probe (check_writable's folder, left if the process died right then).
    std::string_view rest(name);
    rest.remove_prefix(prefix.size());
    if (rest.size() > 6 && rest.substr(rest.size() - 6) == ".probe") rest.remove_suffix(6);
    long long pid = 0;
    const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (r.ec != std::errc() || r.ptr != rest.data() + rest.size() || pid <= 0) continue;
    if (pid == static_cast<long long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    stale.push_back(it->path());
  }
  for (const fs::path& p : stale) {
    std::error_code rec;
    const auto n = fs::remove_all(p, rec);
    if (rec) notes.push_back("could not remove " + p.string() + ", left by an interrupted run: " + rec.message());
    else notes.push_back("removed " + p.string() + " (" + std::to_string(n) + " entries), left by an interrupted run whose process is gone");
  }
}

// The folder that will hold DIR, or the nearest of its ancestors that exists (where DIR's
// parents will be created): what can be written and how much room there is.
inline std::filesystem::path existing_ancestor(const std::filesystem::path& parent) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path at = parent;
  while (!fs::exists(at, ec) && at.has_parent_path() && at.parent_path() != at) at = at.parent_path();
  return fs::exists(at, ec) ? at : fs::path(".");
}

// Fails now, before any input is read, when that folder cannot take a new folder: read-only,
// no permission, full.
inline void check_writable(const std::filesystem::path& at, const std::filesystem::path& out, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(at, ec)) throw DataError(dir, "cannot create the output folder: " + at.string() + " is not a folder");
  const fs::path probe = at / (temporary_prefix(out) + std::to_string(static_cast<long>(::getpid())) + ".probe");
  if (!fs::create_directory(probe, ec) || ec)
    throw DataError(dir, "cannot write the output folder in " + at.string() + ": " + (ec ? ec.message() : "it exists"),
                    "choose a folder you can write to (checked before reading any input)");
  fs::remove(probe, ec);
}

}  // namespace prepare_detail

inline PrepareSummary prepare_data_root(const PrepareOptions& o) {
  namespace pd = prepare_detail;
  namespace fs = std::filesystem;
  const auto t0 = std::chrono::steady_clock::now();
  auto log = [&](const std::string& m) {
    if (o.log) o.log(m);
  };
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  PrepareSummary sum;
  if (o.bins < 2 || o.bins % 2) throw std::invalid_argument("bins must be even and >= 2");
  if (o.bin_size < 1) throw std::invalid_argument("bin size must be >= 1");
  auto interrupted = [&] { return o.interrupt && o.interrupt->load(); };
  std::error_code ec;
  // The output side first: a run that cannot write must say so before reading gigabytes.
  const fs::path out = pd::output_folder(o.out);
  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  pd::remove_stale_temporaries(parent, out, sum.removed);
  for (const std::string& n : sum.removed) log("note: " + n);
  const fs::path writable = pd::existing_ancestor(parent);
  pd::check_writable(writable, out, o.out);
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();

  // 1. Inputs: sheet, files (format by content), annotation, expression.
  const std::vector<CellInputs> cells = read_samplesheet(o.samplesheet);
  sum.cells = cells.size();
  const bool cpm = o.normalize_marks == MarkNormalization::cpm;
  std::vector<std::string> paths;  // in cell order: cell c's files are [cell_files[c], cell_files[c + 1])
  std::vector<pd::FileRole> roles;
  std::vector<std::size_t> cell_files(cells.size() + 1, 0);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    cell_files[c] = paths.size();
    for (std::size_t m = 0; m < 6; ++m)
      for (const std::string& p : m < 5 ? cells[c].marks[m] : cells[c].input) {
        paths.push_back(p);
        roles.push_back({c, m});
      }
  }
  cell_files[cells.size()] = paths.size();
  // "E003 H3K4me1", "E003 H3K4me1 (replicate 2 of 3)"
  auto role = [&](std::size_t f) {
    const CellInputs& c = cells[roles[f].cell];
    const std::vector<std::string>& reps = roles[f].slot < 5 ? c.marks[roles[f].slot] : c.input;
    std::string s = c.name + " " + pd::slot_name(roles[f].slot);
    if (reps.size() > 1)
      s += " (replicate " + std::to_string(std::find(reps.begin(), reps.end(), paths[f]) - reps.begin() + 1) + " of " +
           std::to_string(reps.size()) + ")";
    return s;
  };
  std::vector<SignalFile> files(paths.size());
  for (std::size_t f = 0; f < paths.size(); ++f) {
    files[f] = inspect_signal(paths[f]);
    if (!o.use_index) files[f].indexed = false;
  }
  // Replicates are pooled value by value, so they must be values of one kind; an input control
  // is reads to subtract (a bigWig is most often already normalized against its input).
  for (std::size_t f = 0; f < paths.size(); ++f) {
    const std::size_t first = cell_files[roles[f].cell];
    std::size_t g = first;
    while (roles[g].slot != roles[f].slot) ++g;
    if ((files[f].format == SignalFormat::bigwig) != (files[g].format == SignalFormat::bigwig))
      throw DataError(paths[f], role(f) + " is " + format_name(files[f].format) + ", but " + role(g) + " is " +
                                    format_name(files[g].format) + " (" + paths[g] + ")",
                      "replicates are pooled value by value: give all of a mark's files as reads (BAM, tagAlign) or all as bigWig");
    if (roles[f].slot == pd::kInputSlot && files[f].format == SignalFormat::bigwig)
      throw DataError(paths[f], "an input control must be reads (BAM, tagAlign/BED), not bigWig",
                      "input is subtracted from read counts; a bigWig track is usually already normalized against its input");
  }
  // Library sizes (for cpm and for scaling an input) are the file's usable reads, all of them:
  // an indexed BAM read by region would see only the reads near genes, so it is read whole.
  for (std::size_t f = 0; f < paths.size(); ++f)
    if (files[f].indexed && (cpm || !cells[roles[f].cell].input.empty())) {
      files[f].indexed = false;
      files[f].notes.push_back(std::string("read whole, not by its index: ") +
                               (cpm ? "--normalize-marks cpm" : "scaling the input control") +
                               " needs the number of its usable reads");
    }
  for (std::size_t f = 0; f < paths.size(); ++f)
    if (files[f].format == SignalFormat::bigwig && roles[f].slot < 5) {
      if (cpm) sum.notes.push_back(role(f) + " is a bigWig: left as it is by --normalize-marks cpm (normalize it when making it, e.g. bamCoverage --normalizeUsing CPM)");
      if (!cells[roles[f].cell].input.empty())
        sum.notes.push_back(role(f) + " is a bigWig: the input control is not subtracted from it (only from read counts)");
    }
  Annotation ann = read_annotation(o.annotation);
  sum.genes_annotated = ann.genes.size();
  if (ann.format == AnnotationFormat::windows) {
    // The file's windows are the windows: they must be what --bins x --bin-size lays out.
    const std::int64_t span = static_cast<std::int64_t>(o.bins) * o.bin_size;
    for (const Gene& g : ann.genes)
      if (g.end - g.start != span)
        throw DataError(o.annotation, g.line,
                        "window of " + std::to_string(g.end - g.start) + " bp (" + g.chrom + ":" + std::to_string(g.start) + "-" +
                            std::to_string(g.end) + "), but --bins " + std::to_string(o.bins) + " x --bin-size " +
                            std::to_string(o.bin_size) + " is " + std::to_string(span) + " bp",
                        "a gene-window file's windows are used as they are; give the --bins and --bin-size they were made for");
    sum.notes.push_back(o.annotation + ": a gene-window file (chrom, start, end, ID_SYMBOL): each window is used as it is, "
                        "its bins in genomic order (there is no strand to orient them by)");
  }
  if (ann.duplicates) sum.notes.push_back(std::to_string(ann.duplicates) + " annotation records repeat a gene id: first kept");
  if (ann.unusable_ids) sum.notes.push_back(std::to_string(ann.unusable_ids) + " annotation ids hold '_' after the version (e.g. _PAR_Y copies): skipped");
  std::vector<ExpressionValues> expr(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c)
    if (!cells[c].expression.empty())
      expr[c] = cells[c].expression_column.empty() ? read_expression(cells[c].expression, cells[c].name, true)
                                                   : read_expression(cells[c].expression, cells[c].expression_column);

  // What the readers decided about single files (a stale index, peaks counted as reads), and
  // one file given twice (two marks, or one mark of two cells): legal, but hardly meant.
  for (const SignalFile& f : files)
    for (const std::string& n : f.notes) sum.notes.push_back(f.path + ": " + n);
  for (std::size_t a = 0; a < paths.size(); ++a)
    for (std::size_t b = a + 1; b < paths.size(); ++b) {
      std::error_code eq;
      if (!(paths[a] == paths[b] || fs::equivalent(paths[a], paths[b], eq))) continue;
      // Within one cell and assay it would be pooled with itself: its reads counted twice.
      if (roles[a].cell == roles[b].cell && roles[a].slot == roles[b].slot)
        throw DataError(paths[b], "given twice for " + cells[roles[a].cell].name + " " + pd::slot_name(roles[a].slot) +
                                      " (also as " + paths[a] + "): replicates would count its reads twice",
                        "list each replicate's file once");
      sum.notes.push_back(paths[b] + " is given for both " + role(a) + " and " + role(b) +
                          (paths[a] == paths[b] ? "" : " (as " + paths[a] + ")") + ": the same reads for both");
    }

  // 2. Genes with all inputs.
  for (const SignalFile& f : files) {
    if (f.format == SignalFormat::reads) continue;
    bool any = false, renamed = false;
    for (const std::string& c : ann.chroms) {
      const int k = find_chrom(f.chroms, c);
      if (k >= 0) {
        any = true;
        renamed = renamed || f.chroms[static_cast<std::size_t>(k)] != c;
      }
    }
    if (!any)
      throw DataError(f.path, "no gene of the annotation " + o.annotation + " falls on any chromosome of this file",
                      "the file has " + pd::chrom_list(f.chroms) + "; the annotation has " + pd::chrom_list(ann.chroms));
    if (renamed)
      sum.notes.push_back(f.path + ": chromosome names differ from the annotation's; matched as deepTools does (chr1 <-> 1, chrM <-> MT)");
  }
  std::vector<Gene> genes;
  std::size_t no_chrom = 0, no_expr = 0, no_type = 0;
  // --gene-types first: a list that cannot select anything as meant is refused before any
  // gene is dropped for it (annotation.hpp, check_gene_types).
  check_gene_types(ann, o.gene_types);
  for (const Gene& g : ann.genes) {
    if (!o.gene_types.empty() && std::find(o.gene_types.begin(), o.gene_types.end(), g.type) == o.gene_types.end()) {
      ++no_type;
      continue;
    }
    bool ok = true;
    for (const SignalFile& f : files)
      if (f.format != SignalFormat::reads && find_chrom(f.chroms, g.chrom) < 0) ok = false;
    if (!ok) {
      ++no_chrom;
      continue;
    }
    for (std::size_t c = 0; c < cells.size(); ++c)
      if (!cells[c].expression.empty() && !expr[c].value.count(g.id)) ok = false;
    if (!ok) {
      ++no_expr;
      continue;
    }
    genes.push_back(g);
  }
  if (no_type) {
    std::string list;
    for (const std::string& t : o.gene_types) list += (list.empty() ? "" : ",") + t;
    sum.notes.push_back(std::to_string(no_type) + " genes are not of --gene-types " + list + ": not used");
  }
  if (no_chrom) sum.notes.push_back(std::to_string(no_chrom) + " genes lie on chromosomes missing from a BAM/bigWig header: not used");
  if (no_expr) sum.notes.push_back(std::to_string(no_expr) + " genes have no row in an expression table: not used");
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (cells[c].expression.empty()) continue;
    std::size_t found = 0;
    for (const Gene& g : ann.genes) found += expr[c].value.count(g.id);
    if (found == 0)
      throw DataError(cells[c].expression, "no gene id of the annotation " + o.annotation + " is in this expression table",
                      "ids are compared without version suffixes; are both Ensembl gene ids?");
  }
  if (genes.empty()) throw DataError(o.annotation, "no gene has all inputs");
  // A gene reaching past the end of its chromosome in a BAM/bigWig header proves that the
  // annotation and the file come from different assemblies (an hg38 GTF on hg19 BAMs): every
  // window would be misplaced, most without any error. (tagAlign/BED carry no lengths.)
  for (const SignalFile& f : files) {
    if (f.lengths.empty()) continue;
    for (const Gene& g : genes) {
      const int k = find_chrom(f.chroms, g.chrom);
      const std::int64_t len = f.lengths[static_cast<std::size_t>(k)];
      if (g.end > len)
        throw DataError(f.path, "gene " + g.id + " (" + o.annotation + " line " + std::to_string(g.line) + ") spans " +
                                    g.chrom + ":" + std::to_string(g.start) + "-" + std::to_string(g.end) + ", past the end of " +
                                    f.chroms[static_cast<std::size_t>(k)] + " in this file (" + std::to_string(len) + " bp)",
                        "the annotation and this file are from different genome builds (e.g. GRCh38 genes on hg19 reads)");
    }
  }
  sum.genes_used = genes.size();
  if (o.check_size) {
    bool fractional = cpm;
    for (const CellInputs& c : cells) fractional = fractional || !c.input.empty();
    PrepareSize z = pd::estimate_size(genes, files, cell_files, o.bins, o.bin_size, threads, fractional);
    const fs::space_info sp = fs::space(writable, ec);
    if (!ec) z.free_bytes = static_cast<double>(sp.available);
    o.check_size(z);
  }
  log("prepare: " + std::to_string(cells.size()) + " cells, " + std::to_string(files.size()) + " signal files, " +
      std::to_string(genes.size()) + " of " + std::to_string(ann.genes.size()) + " genes with all inputs");
  {
    // Two cells with the same value for every gene used (one file named twice, or a copy)
    // give a target log2((eB+1)/(eA+1)) of 0 everywhere: nothing to learn, and train refuses
    // the pair (train/fit.hpp, check_target_varies). A mistake in the sheet, most likely, but
    // the other pairs of a many-cell root are fine, so a note rather than a refusal.
    std::vector<std::vector<double>> used(cells.size());
    for (std::size_t c = 0; c < cells.size(); ++c)
      if (!cells[c].expression.empty())
        for (const Gene& g : genes) used[c].push_back(expr[c].value.at(g.id));
    for (std::size_t a = 0; a < cells.size(); ++a)
      for (std::size_t b = a + 1; b < cells.size(); ++b)
        if (!used[a].empty() && used[a] == used[b])
          sum.notes.push_back("cells " + cells[a].name + " and " + cells[b].name + " have identical expression: " +
                              (cells[a].expression == cells[b].expression
                                   ? "both read " + cells[a].expression
                                   : cells[a].expression + " and " + cells[b].expression + " give the same value") +
                              " for all " + std::to_string(genes.size()) +
                              " genes used, so the pair's target log2((eB+1)/(eA+1)) is 0 for every gene (train refuses it)");
  }

  // 3. Splits, before counting: each cell is written as soon as its files are counted (a
  // failure explains itself with the notes on dropped genes).
  const std::vector<int> split = pd::assign_splits(o, genes, sum.notes);
  for (int s : split)
    if (s >= 0) ++sum.split_sizes[static_cast<std::size_t>(s)];

  // 4. Count and write. The tasks of all files go into one queue in cell order (larger files
  // first within a cell); a cell's tracks are made when its first task starts, and the thread
  // that finishes its last task writes the cell's files and frees them. Taken in order, at most
  // threads + 1 cells are in flight, so memory is bounded by that, not by the number of cells.
  const GeneWindows win = make_windows(genes, o.bins, o.bin_size);
  const std::size_t R = genes.size(), T = static_cast<std::size_t>(o.bins);
  std::vector<SignalTask> tasks;
  std::vector<std::size_t> first_task(cells.size() + 1, 0);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    first_task[c] = tasks.size();
    for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f)
      for (const SignalTask& t : plan_tasks(files[f], f, win)) tasks.push_back(t);
    // Whole-file tasks are the largest; then by size.
    std::stable_sort(tasks.begin() + static_cast<std::ptrdiff_t>(first_task[c]), tasks.end(),
                     [&](const SignalTask& a, const SignalTask& b) {
                       const bool wa = a.chrom < 0, wb = b.chrom < 0;
                       if (wa != wb) return wa;
                       return pd::file_size(files[a.file].path) > pd::file_size(files[b.file].path);
                     });
  }
  first_task[cells.size()] = tasks.size();
  const std::size_t checksum_jobs = o.checksums ? paths.size() + 1 : 0;
  const std::size_t jobs = tasks.size() + checksum_jobs;
  const int io_threads = static_cast<int>(std::max<std::size_t>(1, static_cast<std::size_t>(threads) / std::max<std::size_t>(1, tasks.size())));
  std::vector<TaskStats> stats(tasks.size());
  std::vector<std::uint64_t> sums(checksum_jobs, 0);
  std::vector<Track> tracks(files.size());  // made when the cell's first task starts, freed once it is written
  std::vector<char> cell_started(cells.size(), 0);
  std::vector<std::array<double, 5>> mark_totals(cells.size());  // the values written, summed (depth warning)
  std::vector<std::atomic<std::size_t>> remaining(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c) remaining[c] = first_task[c + 1] - first_task[c];
  std::vector<std::vector<std::string>> file_notes(files.size());  // in file order at the end
  std::vector<TaskStats> per_file(files.size());  // each summed by the thread that finishes its cell
  std::atomic<std::size_t> peak_track_bytes{0}, track_bytes{0};

  // A cell whose files are all counted: checks on what was read, then its three CSVs and its
  // expression table, then its tracks are freed.
  auto finish_cell = [&](std::size_t c, const fs::path& tmp) {
    for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f) {
      TaskStats& p = per_file[f];
      for (std::size_t k = first_task[c]; k < first_task[c + 1]; ++k)
        if (tasks[k].file == f) {
          p.records += stats[k].records;
          p.usable += stats[k].usable;
          p.used += stats[k].used;
          p.on_genes_chroms += stats[k].on_genes_chroms;
          for (const std::string& n : stats[k].notes) p.notes.push_back(files[f].path + ": " + n);
        }
      // A file read from start to end without one usable read would give an all-zero mark (an
      // indexed BAM is checked by its index, in inspect_signal; a text file without data lines too).
      if (files[f].format == SignalFormat::bam && !files[f].indexed && p.usable == 0)
        throw DataError(files[f].path, "no usable alignment in " + std::to_string(p.records) +
                                           " records: all unmapped, duplicates or QC-failed",
                        "a mark's reads must be aligned (bedtools multicov would count nothing either)");
      if (files[f].format == SignalFormat::reads && p.records > 0 && p.on_genes_chroms == 0)
        throw DataError(files[f].path, "no read falls on any chromosome of the annotation " + o.annotation,
                        "the annotation has " + pd::chrom_list(ann.chroms));
      // Genes whose window holds no read: expected for some, but a whole chromosome of them
      // means the file lacks it (a tagAlign of another build or of chr1 only).
      const Track& tr = tracks[f];
      std::size_t empty = 0;
      std::vector<std::string> bare;
      for (std::size_t ci = 0; ci < win.chroms.size(); ++ci) {
        std::size_t n = 0;
        for (const int r : win.per_chrom[ci].row) {
          bool zero = true;
          for (std::size_t t = 0; t < T && zero; ++t) zero = tr[static_cast<std::size_t>(r) * T + t] == 0;
          n += zero;
        }
        empty += n;
        if (n == win.per_chrom[ci].row.size()) bare.push_back(win.chroms[ci]);
      }
      if (empty)
        file_notes[f].push_back(files[f].path + ": " + std::to_string(empty) + " of " + std::to_string(R) + " genes have " +
                                (files[f].format == SignalFormat::bigwig ? "no signal" : "no read") + " in their window" +
                                (bare.empty() ? "" : "; none at all on " + pd::chrom_list(bare)));
    }
    // What each mark's column holds: its replicates pooled (read counts summed as one library,
    // bigWig means averaged), minus the input scaled to the mark's library (floored at 0: a
    // negative count has no meaning), times 1e6 / library for cpm. Plain counts stay integers.
    struct Column {
      std::vector<const Track*> reps;
      bool counts = true, integer = true;
      double input_scale = 0, scale = 1;
    };
    std::array<Column, 5> col;
    std::vector<const Track*> input;
    double input_reads = 0;
    for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f)
      if (roles[f].slot == pd::kInputSlot) {
        input.push_back(&tracks[f]);
        input_reads += static_cast<double>(per_file[f].usable);
      }
    for (std::size_t m = 0; m < 5; ++m) {
      Column& k = col[m];
      double reads = 0;
      for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f)
        if (roles[f].slot == m) {
          k.reps.push_back(&tracks[f]);
          reads += static_cast<double>(per_file[f].usable);
        }
      k.counts = k.integer = k.reps[0]->is_counts();
      if (!k.counts) continue;  // bigWig: left as it is (notes at the start)
      if (!input.empty() && input_reads > 0) k.input_scale = reads / input_reads;
      if (cpm && reads > 0) k.scale = 1e6 / reads;
      k.integer = input.empty() && !cpm;
    }
    // v: the replicates' values summed (what the depth warning compares: before the input and
    // cpm, which are not depth and the fix for it).
    auto value = [&](const Column& k, std::size_t i, double v) {
      if (!k.counts) return v / static_cast<double>(k.reps.size());
      if (k.input_scale > 0) {
        double in = 0;
        for (const Track* r : input) in += (*r)[i];
        v = std::max(0.0, v - in * k.input_scale);
      }
      return v * k.scale;
    };
    std::array<double, 5>& totals = mark_totals[c];  // pooled counts (bigWig: means), before input and cpm
    totals.fill(0);
    std::string text;
    for (int s = 0; s < 3; ++s) {
      if (interrupted()) throw PrepareInterrupted();
      text.clear();
      text.reserve(sum.split_sizes[static_cast<std::size_t>(s)] * T * 48);
      for (std::size_t g = 0; g < R; ++g) {
        if (split[g] != s) continue;
        const Gene& gene = genes[g];
        const bool flip = o.order == BinOrder::strand && gene.strand == '-';
        for (std::size_t b = 0; b < T; ++b) {
          const std::size_t t = flip ? T - 1 - b : b;
          text += gene.id;
          text += '_';
          text += gene.symbol;
          text += '_';
          pd::append_int(text, static_cast<long long>(b + 1));
          for (std::size_t m = 0; m < 5; ++m) {
            const Column& k = col[m];
            const std::size_t i = g * T + t;
            text += ',';
            if (k.integer) {
              long long n = 0;
              for (const Track* r : k.reps) n += r->counts[i];
              totals[m] += static_cast<double>(n);
              pd::append_int(text, n);
            } else {
              double v = 0;
              for (const Track* r : k.reps) v += (*r)[i];
              totals[m] += k.counts ? v : v / static_cast<double>(k.reps.size());
              pd::append_double(text, value(k, i, v));
            }
          }
          text += '\n';
        }
      }
      write_file_atomic((tmp / (cells[c].name + "." + pd::split_names()[static_cast<std::size_t>(s)] + ".csv")).string(), text);
    }
    std::size_t freed = 0;
    for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f) {
      freed += tracks[f].bytes();
      tracks[f] = Track();
    }
    track_bytes -= freed;
    if (!cells[c].expression.empty()) {
      text.clear();
      for (int s = 0; s < 3; ++s)
        for (std::size_t g = 0; g < R; ++g)
          if (split[g] == s) text += genes[g].id + "," + csv_number(expr[c].value.at(genes[g].id)) + "\n";
      write_file_atomic((tmp / (cells[c].name + ".expr.csv")).string(), text);
    }
  };

  // Everything is written into a temporary folder beside DIR, then renamed.
  make_directories(parent.string());
  const fs::path tmp = parent / (pd::temporary_prefix(out) + std::to_string(static_cast<long>(::getpid())));
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp);
  try {
    // The tasks' exceptions, kept as they are (a DataError stays a DataError) and rethrown
    // after the parallel loop, the first in task order.
    std::vector<std::exception_ptr> errors(jobs);
    const double read_start = elapsed();
    std::atomic<std::size_t> done{0}, cells_done{0};
    std::atomic<bool> failed{false};
    double last_report = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (long long j = 0; j < static_cast<long long>(jobs); ++j) {
      if (failed.load() || interrupted()) continue;
      const std::size_t k = static_cast<std::size_t>(j);
      try {
        if (k < tasks.size()) {
          const SignalTask& t = tasks[k];
          const std::size_t c = roles[t.file].cell;
#pragma omp critical(deepdiff_prepare_tracks)
          if (!cell_started[c]) {
            cell_started[c] = 1;
            std::size_t bytes = 0;
            for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f) {
              tracks[f] = Track(files[f].format, R * T);
              bytes += tracks[f].bytes();
            }
            const std::size_t now = track_bytes += bytes;
            if (now > peak_track_bytes) peak_track_bytes = now;
          }
          stats[k] = run_task(files[t.file], t, win, tracks[t.file], io_threads, o.interrupt);
          if (--remaining[c] == 0 && !failed.load() && !interrupted()) {
            finish_cell(c, tmp);
            ++cells_done;
          }
        } else {
          const std::size_t c = k - tasks.size();
          sums[c] = fnv1a64_file(c < paths.size() ? paths[c] : o.annotation);
        }
      } catch (...) {
        errors[k] = std::current_exception();
        failed = true;
      }
      const std::size_t d = ++done;
#pragma omp critical(deepdiff_prepare_progress)
      {
        const double s = elapsed();
        if (o.log && (s - last_report > 2.0 || d == jobs) && !failed.load()) {
          last_report = s;
          const double eta = s / static_cast<double>(d) * static_cast<double>(jobs - d);
          log("prepare: " + std::to_string(d) + "/" + std::to_string(jobs) + " reading tasks done, " +
              std::to_string(cells_done.load()) + "/" + std::to_string(cells.size()) + " cells written, " +
              pd::seconds_text(s) + (d < jobs ? ", about " + pd::seconds_text(eta) + " left" : ""));
        }
      }
    }
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
    if (interrupted()) throw PrepareInterrupted();
    sum.read_seconds = elapsed() - read_start;
    sum.peak_track_bytes = peak_track_bytes.load();
    for (const TaskStats& p : per_file) sum.notes.insert(sum.notes.end(), p.notes.begin(), p.notes.end());
    for (const auto& fn : file_notes) sum.notes.insert(sum.notes.end(), fn.begin(), fn.end());
    pd::depth_warnings(cells, mark_totals, files, roles, cpm, sum.warnings);
    pd::expression_warnings(cells, genes, expr, split, sum.warnings);

    const double write_start = elapsed();
    std::string tsv = "gene\tsymbol\tchrom\ttss\tstrand\tsplit\n";
    for (std::size_t g = 0; g < R; ++g) {
      const Gene& gene = genes[g];
      tsv += gene.id + "\t" + gene.symbol + "\t" + gene.chrom + "\t" + std::to_string(gene.tss()) + "\t" + gene.strand +
             "\t" + (split[g] < 0 ? "unused" : pd::split_names()[static_cast<std::size_t>(split[g])]) + "\n";
    }
    write_file_atomic((tmp / "genes.tsv").string(), tsv);

    nlohmann::ordered_json j;
    j["format"] = "deepdiff-prepare 1";
    j["settings"] = {{"bins", o.bins},
                     {"bin_size", o.bin_size},
                     {"window", "TSS +/- " + std::to_string(o.bins * o.bin_size / 2) + " bp"},
                     {"bin_order", ann.format == AnnotationFormat::windows ? "genomic (a gene-window file has no strand)"
                                   : o.order == BinOrder::strand                ? "strand"
                                                                                : "genomic"},
                     {"seed", o.seed},
                     {"threads", threads},
                     {"use_index", o.use_index},
                     {"normalize_marks", cpm ? "cpm" : "none"},
                     {"gene_types", o.gene_types.empty() ? nlohmann::ordered_json("all") : nlohmann::ordered_json(o.gene_types)},
                     {"no_overlap", o.no_overlap}};
    {
      bool any_input = false;
      for (const CellInputs& c : cells) any_input = any_input || !c.input.empty();
      if (any_input)
        j["settings"]["input_control"] = "subtracted from each read-count mark of its cell after scaling by the mark's "
                                         "library / the input's library, floored at 0";
    }
    if (!o.split_from.empty()) j["settings"]["split_from"] = o.split_from;
    else if (!o.test_chroms.empty()) j["settings"]["test_chromosomes"] = o.test_chroms, j["settings"]["valid_chromosomes"] = o.valid_chroms;
    else j["settings"]["split"] = o.split_counts[0] < 0 ? "default" : "counts";
    auto input = [&](const std::string& path, std::size_t sum_index) {
      nlohmann::ordered_json x;
      x["path"] = path;
      x["bytes"] = pd::file_size(path);
      if (o.checksums && sum_index < sums.size()) x["fnv1a64"] = hex64(sums[sum_index]);
      return x;
    };
    j["samplesheet"] = input(o.samplesheet, SIZE_MAX);
    j["annotation"] = input(o.annotation, paths.size());
    j["annotation"]["format"] = format_name(ann.format);
    j["annotation"]["genes"] = ann.genes.size();
    nlohmann::ordered_json in = nlohmann::ordered_json::array();
    for (std::size_t c = 0; c < cells.size(); ++c) {
      for (std::size_t f = cell_files[c]; f < cell_files[c + 1]; ++f) {
        nlohmann::ordered_json x = input(paths[f], f);
        const CellInputs& ci = cells[c];
        const std::vector<std::string>& reps = roles[f].slot < 5 ? ci.marks[roles[f].slot] : ci.input;
        x["cell"] = ci.name;
        x["assay"] = pd::slot_name(roles[f].slot);
        if (reps.size() > 1) {
          x["replicate"] = std::find(reps.begin(), reps.end(), paths[f]) - reps.begin() + 1;
          x["replicates"] = reps.size();
        }
        x["format"] = files[f].detail + (files[f].indexed ? " (indexed)" : "");
        x["records_read"] = per_file[f].records;
        x["records_in_bins"] = per_file[f].used;
        // Read whole, a file's usable reads are its library size (cpm, input scaling).
        if (files[f].format != SignalFormat::bigwig && !files[f].indexed) x["library_reads"] = per_file[f].usable;
        in.push_back(x);
      }
      if (!cells[c].expression.empty()) {
        nlohmann::ordered_json x = input(cells[c].expression, SIZE_MAX);
        if (o.checksums) x["fnv1a64"] = hex64(fnv1a64_file(cells[c].expression));
        x["cell"] = cells[c].name;
        x["assay"] = "expression";
        x["format"] = format_name(expr[c].format);
        if (!expr[c].column.empty()) x["column"] = expr[c].column;
        in.push_back(x);
      }
    }
    j["inputs"] = in;
    j["genes"] = {{"annotated", ann.genes.size()},
                  {"with_all_inputs", R},
                  {"train", sum.split_sizes[0]},
                  {"valid", sum.split_sizes[1]},
                  {"test", sum.split_sizes[2]},
                  {"unused", R - sum.split_sizes[0] - sum.split_sizes[1] - sum.split_sizes[2]}};
    {
      // Genes per type (when the annotation gives types): all of the annotation's, and those
      // kept (of --gene-types and with all inputs: the rows of genes.tsv).
      bool typed = false;
      for (const Gene& g : ann.genes) typed = typed || !g.type.empty();
      if (typed) {
        nlohmann::ordered_json t;
        t["selected"] = o.gene_types.empty() ? nlohmann::ordered_json("all") : nlohmann::ordered_json(o.gene_types);
        t["annotated"] = gene_type_counts(ann.genes);
        t["kept"] = gene_type_counts(genes);
        j["gene_types"] = t;
      }
      // How much the splits share (split_overlap.hpp): valid and test genes whose window overlaps
      // a training gene's window, and the bp of their windows that training windows cover;
      // valid_test: test genes against the valid windows.
      const SplitOverlap so = split_overlap(genes, split, o.bins, o.bin_size);
      auto count = [](const OverlapCount& c) { return nlohmann::ordered_json{{"genes", c.genes}, {"bp", c.bp}}; };
      j["split_overlap"] = {{"valid", count(so.valid)},
                            {"test", count(so.test)},
                            {"valid_test", count(so.valid_test)},
                            {"no_overlap", o.no_overlap}};
    }
    j["notes"] = sum.notes;
    j["warnings"] = sum.warnings;
    if (!sum.removed.empty()) j["removed_leftovers"] = sum.removed;
    sum.write_seconds = elapsed() - write_start;
    sum.seconds = elapsed();
    j["seconds"] = {{"total", sum.seconds}, {"reading", sum.read_seconds}, {"writing", sum.write_seconds}};
    j["peak_counted_bytes"] = sum.peak_track_bytes;
    // Names from the inputs (paths, a matrix column) need not be UTF-8: such bytes become U+FFFD
    // rather than the run failing at its very end.
    write_file_atomic((tmp / "prepare.json").string(), j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");

    if (interrupted()) throw PrepareInterrupted();
    if (fs::exists(out, ec)) fs::remove(out);  // an empty folder (checked at the start)
    fs::rename(tmp, out);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  return sum;
}

}  // namespace genomics
}  // namespace deepdiff
