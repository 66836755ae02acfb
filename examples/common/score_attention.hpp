// deepdiff score-attention RUN_DIR --truth SYNTH_DIR [--out FILE] [--split test]: how well a run's
// attention and attributions find the planted answer of synthetic data (truth_marks.csv and
// truth_bins.csv of `deepdiff synth`, data/synthetic.hpp), scored per gene by
// data/explanation_scores.hpp (mark AUROC, bin AUROC, rank of each noise mark) and summarized
// over the genes the run and the truth share. Prints a table and writes attention_scores.json
// into RUN_DIR (or --out), atomically.
//
// The methods, and the importance each gives (M marks, T bins, cells A and B):
//   beta        attention_beta.csv: gene_id, one column per level-2 channel ("D.H3K4me3",
//               "A.H3K4me1", "raw:A.H3K4me3", "aux:B.H3K36me3"). A mark's importance is the sum
//               of the beta of its channels; beta has no bins.
//   alpha       attention_alpha.csv: gene_id, channel, bin_1..bin_T. A bin's importance for a
//               peaked mark is the mean alpha of the mark's channels, one profile for both cells.
//               alpha sums to 1 over the bins of each channel, so every mark gets the same total:
//               it ranks bins, never marks (no mark AUROC, no ranks).
//   ig, grad_input (`deepdiff attribute`, when its files are there)
//               attributions_mark.csv: gene_id, method, steps, ..., A.<mark>, B.<mark>, abs.<mark>;
//               a mark's importance is abs.<mark> (|attribution| summed over bins and both cells).
//               attributions_bin.csv: gene_id, bin (1-based), A.<mark>, B.<mark>; a bin's
//               importance for a peaked mark in cell c is |c.<mark>|. The files may carry the
//               method in their name (attributions_mark_ig.csv, attributions_bin_grad_input.csv);
//               a plain attributions_mark.csv names it in its method column, and the plain
//               attributions_bin.csv goes with it. Columns are found by name.
// Every file is STEM.csv for the test split (what `deepdiff train` writes; STEM_test.csv is
// taken first when there is one) and STEM_SPLIT.csv for --split SPLIT (`deepdiff attention`).
//
// Exit codes: 0; 2 a usage error naming the flag; 1 a file that cannot be read or does not fit
// (FILE[:LINE]: reason), or no gene in common with the truth.
#pragma once

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include <deepdiff/data/explanation_scores.hpp>
#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/errors.hpp>
#include <deepdiff/io/read_file.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cli.hpp"

namespace deepdiff_score {

using deepdiff::DataError;
using deepdiff::Index;
using Json = nlohmann::ordered_json;

// The planted answer, by gene id (SYNTH_DIR's truth_marks.csv and truth_bins.csv).
struct ExplanationTruth {
  std::string dir;
  std::vector<std::string> marks;      // truth_marks.csv's mark columns, in order: the mark index everywhere below
  std::vector<Index> peaked;           // marks with planted bins (truth_bins.csv), in mark order
  std::unordered_map<std::string, deepdiff::PlantedGene> genes;
  Index last_bin = 0;                  // the largest last_bin, and the line it is on: a run of fewer bins
  std::size_t last_bin_line = 0;       // is of other data
};

// One method's importances, by gene id.
struct MethodExplanations {
  std::string method;              // beta, alpha, ig, grad_input, or what a plain file's method column says
  std::vector<std::string> files;  // paths read
  std::string mark_importance, bin_importance;  // what the importance is, "" when the method has none
  std::string mark_note, bin_note;              // why it has none
  Index bins = 0;                               // T of its per-bin importance (0: none)
  std::unordered_map<std::string, deepdiff::GeneExplanation> genes;
};

struct MethodScores {
  const MethodExplanations* explanations = nullptr;
  Index genes = 0, genes_not_in_truth = 0;
  deepdiff::ExplanationScores scores;
};

inline double number(std::string_view s, const deepdiff::CsvReader& in, const std::string& column) {
  double v = 0;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
    throw DataError(in.path(), in.line(), column + ": '" + std::string(s) + "' is not a number");
  return v;
}

inline std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

inline std::string join_path(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

// The mark of a level-1 or level-2 channel name ("raw:A.H3K4me3" -> H3K4me3): what follows an
// optional "raw:"/"aux:" prefix and the cell letter with its dot. Its index in `marks`, -1 if none.
inline int channel_mark(std::string_view channel, const std::vector<std::string>& marks) {
  const std::size_t colon = channel.find(':');
  if (colon != std::string_view::npos) channel.remove_prefix(colon + 1);
  const std::size_t dot = channel.find('.');
  if (dot != std::string_view::npos) channel.remove_prefix(dot + 1);
  for (std::size_t m = 0; m < marks.size(); ++m)
    if (channel == marks[m]) return static_cast<int>(m);
  return -1;
}

inline int required_column(const deepdiff::CsvTable& t, const std::string& path, const std::string& name) {
  const int c = t.column(name);
  if (c < 0) throw DataError(path, t.header_line, "no column '" + name + "' (columns: " + join(t.header) + ")");
  return c;
}

inline ExplanationTruth read_truth(const std::string& dir) {
  ExplanationTruth t;
  t.dir = dir;
  const std::string mp = join_path(dir, "truth_marks.csv"), bp = join_path(dir, "truth_bins.csv");
  for (const std::string& p : {mp, bp}) {
    const std::string problem = deepdiff::file_problem(p);
    if (!problem.empty())
      throw DataError(p, problem, "--truth names the output folder of deepdiff synth, which writes it");
  }
  const deepdiff::CsvTable marks = deepdiff::read_csv_table(mp, deepdiff::read_file(mp));
  if (marks.header.size() < 2 || marks.header[0] != "gene_id")
    throw DataError(mp, marks.header_line, "the header is not gene_id, then one column per mark");
  t.marks.assign(marks.header.begin() + 1, marks.header.end());
  for (std::size_t r = 0; r < marks.rows.size(); ++r) {
    deepdiff::PlantedGene g;
    for (std::size_t m = 0; m < t.marks.size(); ++m) {
      const std::string& v = marks.rows[r][m + 1];
      if (v != "0" && v != "1") throw DataError(mp, marks.lines[r], t.marks[m] + ": '" + v + "' is not 0 or 1");
      g.informative.push_back(v == "1");
    }
    if (!t.genes.emplace(marks.rows[r][0], std::move(g)).second)
      throw DataError(mp, marks.lines[r], "gene '" + marks.rows[r][0] + "' a second time");
  }
  if (t.genes.empty()) throw DataError(mp, "no genes");

  const deepdiff::CsvTable bins = deepdiff::read_csv_table(bp, deepdiff::read_file(bp));
  const int gc = required_column(bins, bp, "gene_id"), mc = required_column(bins, bp, "mark"),
            cc = required_column(bins, bp, "cell"), fc = required_column(bins, bp, "first_bin"),
            lc = required_column(bins, bp, "last_bin");
  std::set<Index> peaked;
  for (std::size_t r = 0; r < bins.rows.size(); ++r) {
    const std::vector<std::string>& row = bins.rows[r];
    const std::size_t line = bins.lines[r];
    auto it = t.genes.find(row[static_cast<std::size_t>(gc)]);
    if (it == t.genes.end()) throw DataError(bp, line, "gene '" + row[static_cast<std::size_t>(gc)] + "' is not in truth_marks.csv");
    deepdiff::PlantedBins p;
    const auto mark = std::find(t.marks.begin(), t.marks.end(), row[static_cast<std::size_t>(mc)]);
    if (mark == t.marks.end())
      throw DataError(bp, line, "mark '" + row[static_cast<std::size_t>(mc)] + "' is not one of truth_marks.csv's (" + join(t.marks) + ")");
    p.mark = static_cast<Index>(mark - t.marks.begin());
    const std::string& cell = row[static_cast<std::size_t>(cc)];
    if (cell != "A" && cell != "B") throw DataError(bp, line, "cell '" + cell + "' is not A or B");
    p.cell = cell == "A" ? 0 : 1;
    for (int k = 0; k < 2; ++k) {
      const std::string& s = row[static_cast<std::size_t>(k ? lc : fc)];
      long long v = 0;
      const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size() || v < 1)
        throw DataError(bp, line, std::string(k ? "last_bin" : "first_bin") + ": '" + s + "' is not a bin number (1, 2, ...)");
      (k ? p.last_bin : p.first_bin) = static_cast<Index>(v);
    }
    if (p.last_bin < p.first_bin) throw DataError(bp, line, "last_bin is before first_bin");
    if (p.last_bin > t.last_bin) {
      t.last_bin = p.last_bin;
      t.last_bin_line = line;
    }
    peaked.insert(p.mark);
    it->second.bins.push_back(p);
  }
  t.peaked.assign(peaked.begin(), peaked.end());
  return t;
}

// RUN_DIR's file of `stem` for the split (header comment); "" when there is none.
inline std::string run_file(const std::string& run_dir, const std::string& stem, const std::string& split) {
  std::vector<std::string> names = {stem + "_" + split + ".csv"};
  if (split == "test") names.push_back(stem + ".csv");
  for (const std::string& n : names)
    if (deepdiff::file_exists(join_path(run_dir, n))) return join_path(run_dir, n);
  return "";
}

// A method's bins must cover the truth's ranges.
inline void check_bins(const ExplanationTruth& t, const std::string& path, Index bins) {
  if (t.last_bin > bins)
    throw DataError(join_path(t.dir, "truth_bins.csv"), t.last_bin_line,
                    "bin " + std::to_string(t.last_bin) + " is past the " + std::to_string(bins) + " bins of " + path +
                        ": the run was trained on other data than --truth");
}

inline MethodExplanations read_beta(const std::string& path, const ExplanationTruth& t) {
  MethodExplanations e;
  e.method = "beta";
  e.files = {path};
  e.mark_importance = "sum of beta over the mark's level-2 channels";
  e.bin_note = "beta weighs channels, not bins";
  const std::string text = deepdiff::read_file(path);
  deepdiff::CsvReader in(path, text);
  std::vector<std::string_view> f;
  if (!in.next(f) || f.size() < 2 || f[0] != "gene_id")
    throw DataError(path, in.line(), "the header is not gene_id, then one column per level-2 channel");
  std::vector<int> mark_of;  // per column past gene_id
  std::vector<bool> seen(t.marks.size(), false);
  for (std::size_t k = 1; k < f.size(); ++k) {
    const int m = channel_mark(f[k], t.marks);
    if (m < 0)
      throw DataError(path, in.line(), "channel '" + std::string(f[k]) + "' is of no mark of truth_marks.csv (" + join(t.marks) +
                                           "): the run was trained on other data than --truth");
    mark_of.push_back(m);
    seen[static_cast<std::size_t>(m)] = true;
  }
  for (std::size_t m = 0; m < seen.size(); ++m)
    if (!seen[m]) throw DataError(path, in.line(), "no channel of mark " + t.marks[m]);
  const std::vector<std::string> header(f.begin(), f.end());
  while (in.next(f)) {
    if (f.size() != header.size())
      throw DataError(path, in.line(), std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
    deepdiff::GeneExplanation g;
    g.marks.assign(t.marks.size(), 0.0);
    for (std::size_t k = 1; k < f.size(); ++k) g.marks[static_cast<std::size_t>(mark_of[k - 1])] += number(f[k], in, header[k]);
    if (!e.genes.emplace(std::string(f[0]), std::move(g)).second)
      throw DataError(path, in.line(), "gene '" + std::string(f[0]) + "' a second time");
  }
  return e;
}

// attention_alpha.csv is a run's largest file (genes x channels x bins): read record by record,
// keeping only the peaked marks' channels.
inline MethodExplanations read_alpha(const std::string& path, const ExplanationTruth& t) {
  MethodExplanations e;
  e.method = "alpha";
  e.files = {path};
  e.bin_importance = "mean alpha over the peaked mark's level-1 channels, one profile for both cells";
  e.mark_note = "alpha sums to 1 over the bins of each channel: every mark gets the same total, so it ranks no marks";
  const std::string text = deepdiff::read_file(path);
  deepdiff::CsvReader in(path, text);
  std::vector<std::string_view> f;
  if (!in.next(f) || f.size() < 3 || f[0] != "gene_id" || f[1] != "channel")
    throw DataError(path, in.line(), "the header is not gene_id, channel, bin_1 ... bin_T");
  const std::size_t T = f.size() - 2;
  e.bins = static_cast<Index>(T);
  check_bins(t, path, e.bins);
  const std::size_t M = t.marks.size();
  // per gene: the sum of alpha over each peaked mark's channels and their count, at c * M + m (c = 0)
  std::unordered_map<std::string, std::vector<double>> count;
  while (in.next(f)) {
    if (f.size() != T + 2) throw DataError(path, in.line(), std::to_string(f.size()) + " fields, the header has " + std::to_string(T + 2));
    const int m = channel_mark(f[1], t.marks);
    if (m < 0)
      throw DataError(path, in.line(), "channel '" + std::string(f[1]) + "' is of no mark of truth_marks.csv (" + join(t.marks) +
                                           "): the run was trained on other data than --truth");
    const std::string gene(f[0]);
    deepdiff::GeneExplanation& g = e.genes[gene];
    std::vector<double>& n = count[gene];
    if (g.bins.empty()) {
      g.bins.resize(2 * M);
      n.assign(M, 0.0);
    }
    if (!std::binary_search(t.peaked.begin(), t.peaked.end(), static_cast<Index>(m))) continue;
    std::vector<double>& sum = g.bins[static_cast<std::size_t>(m)];
    if (sum.empty()) sum.assign(T, 0.0);
    for (std::size_t b = 0; b < T; ++b) sum[b] += number(f[b + 2], in, "bin_" + std::to_string(b + 1));
    n[static_cast<std::size_t>(m)] += 1;
  }
  for (auto& [gene, g] : e.genes)
    for (Index m : t.peaked) {
      std::vector<double>& v = g.bins[static_cast<std::size_t>(m)];
      for (double& x : v) x /= count[gene][static_cast<std::size_t>(m)];
      g.bins[static_cast<std::size_t>(static_cast<Index>(M) + m)] = v;  // cell B: the same profile
    }
  return e;
}

// attributions_mark[_METHOD].csv (and its attributions_bin file when `bin_path` is not empty).
// `method`: the method of the file's name, "" for the plain name (then its method column says).
inline MethodExplanations read_attributions(const std::string& mark_path, const std::string& bin_path,
                                            const std::string& method, const ExplanationTruth& t) {
  MethodExplanations e;
  e.method = method;
  const std::size_t M = t.marks.size();
  if (!mark_path.empty()) {
    e.mark_importance = "abs.<mark>: |attribution| summed over bins and both cells";
    e.files.push_back(mark_path);
    const deepdiff::CsvTable tab = deepdiff::read_csv_table(mark_path, deepdiff::read_file(mark_path));
    const int gc = required_column(tab, mark_path, "gene_id"), mc = required_column(tab, mark_path, "method");
    std::vector<int> abs_col;
    for (const std::string& m : t.marks) abs_col.push_back(required_column(tab, mark_path, "abs." + m));
    for (std::size_t r = 0; r < tab.rows.size(); ++r) {
      const std::vector<std::string>& row = tab.rows[r];
      const std::string& m = row[static_cast<std::size_t>(mc)];
      if (e.method.empty()) e.method = m;
      if (m != e.method)
        throw DataError(mark_path, tab.lines[r], "method '" + m + "', the file is of method '" + e.method + "'");
      deepdiff::GeneExplanation& g = e.genes[row[static_cast<std::size_t>(gc)]];
      if (!g.marks.empty()) throw DataError(mark_path, tab.lines[r], "gene '" + row[static_cast<std::size_t>(gc)] + "' a second time");
      for (std::size_t k = 0; k < M; ++k) {
        const std::string& s = row[static_cast<std::size_t>(abs_col[k])];
        double v = 0;
        const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size())
          throw DataError(mark_path, tab.lines[r], "abs." + t.marks[k] + ": '" + s + "' is not a number");
        g.marks.push_back(v);
      }
    }
    if (tab.rows.empty()) throw DataError(mark_path, "no genes");
  } else {
    e.mark_note = "no attributions_mark file";
  }
  if (bin_path.empty()) {
    e.bin_note = "no attributions_bin file";
    return e;
  }
  e.files.push_back(bin_path);
  e.bin_importance = "|attribution| of the peaked mark in the cell, per bin";
  const std::string text = deepdiff::read_file(bin_path);
  deepdiff::CsvReader in(bin_path, text);
  std::vector<std::string_view> f;
  if (!in.next(f)) throw DataError(bin_path, "empty file: no header");
  const std::vector<std::string> header(f.begin(), f.end());
  auto col = [&](const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw DataError(bin_path, in.line(), "no column '" + name + "' (columns: " + join(header) + ")");
  };
  const std::size_t gc = col("gene_id"), bc = col("bin");
  std::vector<std::pair<std::size_t, std::size_t>> want;  // (slot c * M + m, column) of each peaked mark and cell
  for (int c = 0; c < 2; ++c)
    for (Index m : t.peaked)
      want.emplace_back(static_cast<std::size_t>(c) * M + static_cast<std::size_t>(m),
                        col(std::string(c ? "B." : "A.") + t.marks[static_cast<std::size_t>(m)]));
  std::unordered_map<std::string, Index> filled;  // bins read per gene, to find one missing or twice
  Index T = 0;
  while (in.next(f)) {
    if (f.size() != header.size())
      throw DataError(bin_path, in.line(), std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
    const double bv = number(f[bc], in, "bin");
    if (!(bv >= 1 && bv <= 1e7 && bv == std::floor(bv)))
      throw DataError(bin_path, in.line(), "bin: '" + std::string(f[bc]) + "' is not a bin number (1, 2, ...)");
    const std::size_t b = static_cast<std::size_t>(bv) - 1;
    T = std::max(T, static_cast<Index>(b + 1));
    deepdiff::GeneExplanation& g = e.genes[std::string(f[gc])];
    if (g.bins.empty()) g.bins.resize(2 * M);
    for (const auto& [slot, c] : want) {
      std::vector<double>& v = g.bins[slot];
      if (v.size() <= b) v.resize(b + 1, std::numeric_limits<double>::infinity());  // inf: not read yet
      if (v[b] != std::numeric_limits<double>::infinity())
        throw DataError(bin_path, in.line(), "gene '" + std::string(f[gc]) + "', bin " + std::to_string(b + 1) + " a second time");
      v[b] = std::fabs(number(f[c], in, header[c]));
    }
    ++filled[std::string(f[gc])];
  }
  if (T == 0) throw DataError(bin_path, "no rows");
  for (auto& [gene, n] : filled)
    if (n != T)
      throw DataError(bin_path, "gene '" + gene + "' has " + std::to_string(n) + " of the " + std::to_string(T) +
                                    " bins (every gene needs bins 1.." + std::to_string(T) + ")");
  for (auto& [gene, g] : e.genes)
    for (std::vector<double>& v : g.bins)
      if (!v.empty()) v.resize(static_cast<std::size_t>(T));
  e.bins = T;
  check_bins(t, bin_path, T);
  if (e.method.empty()) e.method = "attributions";  // a plain bin file without its mark file
  return e;
}

// Every method whose files RUN_DIR has, in the order beta, alpha, then the attributions.
inline std::vector<MethodExplanations> read_methods(const std::string& run_dir, const std::string& split,
                                                    const ExplanationTruth& t) {
  std::vector<MethodExplanations> out;
  const std::string beta = run_file(run_dir, "attention_beta", split), alpha = run_file(run_dir, "attention_alpha", split);
  if (!beta.empty()) out.push_back(read_beta(beta, t));
  if (!alpha.empty()) out.push_back(read_alpha(alpha, t));
  for (const std::string method : {"ig", "grad_input"}) {
    const std::string mp = run_file(run_dir, "attributions_mark_" + method, split),
                      bp = run_file(run_dir, "attributions_bin_" + method, split);
    if (!mp.empty() || !bp.empty()) out.push_back(read_attributions(mp, bp, method, t));
  }
  const std::string mp = run_file(run_dir, "attributions_mark", split), bp = run_file(run_dir, "attributions_bin", split);
  if (!mp.empty() || !bp.empty()) {
    MethodExplanations e = read_attributions(mp, bp, "", t);
    // The method-named file of the same method wins: one method is scored once.
    const bool twice = std::any_of(out.begin(), out.end(), [&e](const MethodExplanations& o) { return o.method == e.method; });
    if (twice)
      std::cerr << "note: " << join(e.files) << " left out: " << e.method << " is scored from its method-named files\n";
    else
      out.push_back(std::move(e));
  }
  return out;
}

// Scores each method on the genes it shares with the truth.
inline MethodScores score_method(const MethodExplanations& e, const ExplanationTruth& t) {
  MethodScores s;
  s.explanations = &e;
  std::vector<std::string> ids;
  for (const auto& kv : e.genes) {
    if (t.genes.count(kv.first)) ids.push_back(kv.first);
    else ++s.genes_not_in_truth;
  }
  if (ids.empty())
    throw DataError(e.files.front(), "none of its " + std::to_string(e.genes.size()) + " genes is in " +
                                         join_path(t.dir, "truth_marks.csv") + ": the run was trained on other data than --truth");
  std::sort(ids.begin(), ids.end());  // the same order every time (the sd's sums)
  std::vector<deepdiff::PlantedGene> truth;
  std::vector<deepdiff::GeneExplanation> expl;
  for (const std::string& id : ids) {
    truth.push_back(t.genes.at(id));
    expl.push_back(e.genes.at(id));
  }
  s.genes = static_cast<Index>(ids.size());
  s.scores = deepdiff::score_explanations(truth, expl);
  return s;
}

inline Json summary_json(const deepdiff::ScoreSummary& s) {
  Json j;
  j["mean"] = s.mean;  // NaN is written as null
  j["sd"] = s.sd;
  j["genes"] = s.genes;
  return j;
}

// The marks that are noise in some gene of the truth, in mark order.
inline std::vector<Index> noise_marks(const ExplanationTruth& t) {
  std::vector<Index> out;
  for (std::size_t m = 0; m < t.marks.size(); ++m)
    for (const auto& kv : t.genes)
      if (!kv.second.informative[m]) {
        out.push_back(static_cast<Index>(m));
        break;
      }
  return out;
}

inline Json scores_json(const std::string& run_dir, const std::string& split, const ExplanationTruth& t,
                        const std::vector<MethodScores>& scores) {
  Json j;
  j["run_dir"] = run_dir;
  j["truth"] = t.dir;
  j["split"] = split;
  j["marks"] = t.marks;
  Json noise = Json::array(), peaked = Json::array();
  for (Index m : noise_marks(t)) noise.push_back(t.marks[static_cast<std::size_t>(m)]);
  for (Index m : t.peaked) peaked.push_back(t.marks[static_cast<std::size_t>(m)]);
  j["noise_marks"] = noise;
  j["peaked_marks"] = peaked;
  j["definitions"] = {
      {"mark_auroc", "per gene, informative marks against noise marks ranked by the method's importance per mark (ties "
                     "count 1/2); mean and sample sd over genes"},
      {"bin_auroc", "per gene, the planted bins of the peaked mark (truth_bins.csv) against its other bins, mean over "
                    "the cells; mean and sample sd over genes"},
      {"noise_mark_rank", "per noise mark, its rank among the marks by importance (1 = most important), mean over the "
                          "genes where it is noise"}};
  Json methods = Json::array();
  for (const MethodScores& s : scores) {
    const MethodExplanations& e = *s.explanations;
    Json m;
    m["method"] = e.method;
    Json files = Json::array();
    for (const std::string& f : e.files) files.push_back(std::filesystem::path(f).filename().string());
    m["files"] = files;
    m["genes"] = s.genes;
    m["genes_not_in_truth"] = s.genes_not_in_truth;
    m["mark_importance"] = e.mark_importance.empty() ? Json(nullptr) : Json(e.mark_importance);
    m["bin_importance"] = e.bin_importance.empty() ? Json(nullptr) : Json(e.bin_importance);
    const bool marks = !e.mark_importance.empty() && s.scores.mark_auroc.genes > 0;
    m["mark_auroc"] = marks ? summary_json(s.scores.mark_auroc) : Json(nullptr);
    if (!e.mark_note.empty()) m["mark_auroc_note"] = e.mark_note;
    m["bin_auroc"] = s.scores.bin_auroc.genes > 0 ? summary_json(s.scores.bin_auroc) : Json(nullptr);
    if (!e.bin_note.empty()) m["bin_auroc_note"] = e.bin_note;
    Json ranks;
    for (Index n : noise_marks(t))
      ranks[t.marks[static_cast<std::size_t>(n)]] = summary_json(s.scores.noise_rank[static_cast<std::size_t>(n)]);
    m["noise_mark_rank"] = e.mark_importance.empty() ? Json(nullptr) : ranks;
    methods.push_back(m);
  }
  j["methods"] = methods;
  return j;
}

inline std::string figure(const deepdiff::ScoreSummary& s, bool sd) {
  if (s.genes == 0 || !std::isfinite(s.mean)) return "-";
  char b[64];
  if (sd && std::isfinite(s.sd)) std::snprintf(b, sizeof b, "%.3f (%.3f)", s.mean, s.sd);
  else std::snprintf(b, sizeof b, "%.3f", s.mean);
  return b;
}

inline std::string table_text(const ExplanationTruth& t, const std::vector<MethodScores>& scores) {
  const std::vector<Index> noise = noise_marks(t);
  std::string out;
  char b[256];
  std::snprintf(b, sizeof b, "%-12s %7s  %-16s %-16s", "method", "genes", "mark AUROC (sd)", "bin AUROC (sd)");
  out += b;
  for (Index n : noise) out += "  rank " + t.marks[static_cast<std::size_t>(n)];
  out += "\n";
  for (const MethodScores& s : scores) {
    const bool marks = !s.explanations->mark_importance.empty();
    std::snprintf(b, sizeof b, "%-12s %7lld  %-16s %-16s", s.explanations->method.c_str(), static_cast<long long>(s.genes),
                  marks ? figure(s.scores.mark_auroc, true).c_str() : "-", figure(s.scores.bin_auroc, true).c_str());
    out += b;
    for (Index n : noise) {
      const std::string head = "  rank " + t.marks[static_cast<std::size_t>(n)];
      std::snprintf(b, sizeof b, "  %*s", static_cast<int>(head.size()) - 2,
                    marks ? figure(s.scores.noise_rank[static_cast<std::size_t>(n)], false).c_str() : "-");
      out += b;
    }
    out += "\n";
  }
  return out;
}

// The command (header comment); prints its own errors and returns the exit code.
inline int score_attention_command(int argc, char** argv) {
  try {
    cxxopts::Options o("deepdiff score-attention",
                       "Score a run's attention (beta per mark, alpha per bin) and attributions (deepdiff attribute:\n"
                       "ig, grad_input) against the planted answer of synthetic data (deepdiff synth writes\n"
                       "truth_marks.csv and truth_bins.csv): per gene the AUROC of informative against noise marks,\n"
                       "the AUROC of the planted H3K4me3 bins against the other bins, and the rank of each noise mark;\n"
                       "mean and sd over the genes the run shares with the truth. Prints a table and writes\n"
                       "RUN_DIR/attention_scores.json.");
    o.add_options()("h,help", "show this help")
        ("truth", "the output folder of deepdiff synth the run was trained on", cxxopts::value<std::string>())
        ("out", "write the scores here instead of RUN_DIR/attention_scores.json", cxxopts::value<std::string>())
        ("split", "the split of the run's files: test (attention_beta.csv, what train writes, or attention_beta_test.csv), "
                  "train or valid (attention_beta_SPLIT.csv, what deepdiff attention writes)",
         cxxopts::value<std::string>()->default_value("test"));
    cxxopts::ParseResult r;
    const std::optional<std::string> given = deepdiff_cli::parse_run_dir_command(o, argc, argv, r);
    if (!given) return 0;
    if (!r.count("truth")) throw deepdiff_cli::UsageError("--truth is required (the folder of deepdiff synth)");
    const std::string truth_dir = r["truth"].as<std::string>();
    if (truth_dir.empty()) throw deepdiff_cli::UsageError("--truth: an empty path");
    const std::string split = r["split"].as<std::string>();
    if (split != "train" && split != "valid" && split != "test")
      throw deepdiff_cli::UsageError("--split must be train, valid or test (got '" + split + "')");
    if (r.count("out") && r["out"].as<std::string>().empty()) throw deepdiff_cli::UsageError("--out: an empty path");
    const std::string run_dir = *given;
    std::error_code ec;
    if (!std::filesystem::is_directory(run_dir, ec)) throw DataError(run_dir, "not a folder (RUN_DIR)");
    if (!std::filesystem::is_directory(truth_dir, ec)) throw DataError(truth_dir, "not a folder (--truth)");
    const std::string out = r.count("out") ? r["out"].as<std::string>() : join_path(run_dir, "attention_scores.json");

    const ExplanationTruth truth = read_truth(truth_dir);
    const std::vector<MethodExplanations> methods = read_methods(run_dir, split, truth);
    if (methods.empty())
      throw DataError(run_dir, "none of attention_beta, attention_alpha, attributions_mark or attributions_bin" +
                                   std::string(split == "test" ? "[_test]" : "_" + split) +
                                   ".csv is there: nothing to score (a model without attention, or --split of another run?)");
    std::vector<MethodScores> scores;
    for (const MethodExplanations& e : methods) scores.push_back(score_method(e, truth));
    for (const MethodScores& s : scores) {
      std::cout << s.explanations->method << ": " << s.genes << " genes of " << join(s.explanations->files)
                << " scored against " << truth_dir;
      if (s.genes_not_in_truth) std::cout << " (" << s.genes_not_in_truth << " not in truth_marks.csv, left out)";
      std::cout << "\n";
    }
    std::cout << "\n" << table_text(truth, scores);
    for (const MethodExplanations& e : methods)
      if (!e.mark_note.empty() && e.mark_importance.empty()) std::cout << e.method << ": no mark AUROC or ranks (" << e.mark_note << ")\n";
    deepdiff::write_file_atomic(out, scores_json(run_dir, split, truth, scores).dump(2) + "\n");
    std::cout << "scores written to " << out << "\n";
    return 0;
  } catch (const deepdiff_cli::UsageError& e) {
    std::cerr << "deepdiff score-attention: " << e.what() << "\n(see deepdiff score-attention --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "deepdiff score-attention: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace deepdiff_score
