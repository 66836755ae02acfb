// The study's statistics (spec, "Statistics: is a difference real?") from the rows of a
// results table and the test predictions their runs left (predictions.csv in each run folder,
// found through Row::source_root, so a merge recomputes them from wherever the shards ran):
//   - per run: its test PCC with a 95% bootstrap interval (2,000 resamples seeded by the run's
//     seed);
//   - per pair and seed, every DeepDiff variant against every baseline: the paired bootstrap
//     of dPCC = PCC(variant) - PCC(baseline) on the same resamples, its interval and the
//     one-sided p = share of resamples with dPCC <= 0;
//   - across pairs: per pair the mean test PCC over seeds; the exact one-sided Wilcoxon
//     signed-rank test of "the variant's PCC > the baseline's" and the median dPCC; p-values
//     corrected with Holm's method over all the comparisons of the table.
// The library's statistics (deepdiff/data/statistics.hpp) do the arithmetic; this file
// gathers the runs and writes comparisons.csv and comparisons.md.
#pragma once

#include <deepdiff/data/statistics.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/read_file.hpp>
#include <deepdiff/model/variant.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pairs.hpp"
#include "results.hpp"

namespace deepdiff_study {

// A run's test predictions, in the test file's gene order.
struct RunPredictions {
  std::vector<std::string> genes;
  std::vector<double> pred, target;
};

inline std::string predictions_path(const Row& r) {
  return (std::filesystem::path(run_dir(r.source_root.empty() ? "." : r.source_root, r.pair, r.variant, r.seed())) /
          "predictions.csv")
      .string();
}

// Throws (DataError, runtime_error) when the file is missing or lacks the columns.
inline RunPredictions read_run_predictions(const Row& r) {
  const std::string path = predictions_path(r);
  const deepdiff::CsvTable t = deepdiff::read_csv_table(path, deepdiff::read_file(path));
  const auto col = [&](const char* name) {
    const auto it = std::find(t.header.begin(), t.header.end(), name);
    if (it == t.header.end()) throw std::runtime_error(path + ": no column '" + name + "'");
    return static_cast<std::size_t>(it - t.header.begin());
  };
  const std::size_t g = col("gene_id"), p = col("prediction"), y = col("target");
  RunPredictions out;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    double a = 0, b = 0;
    if (!parse_double(t.rows[i][p], a) || !parse_double(t.rows[i][y], b))
      throw deepdiff::DataError(path, t.lines[i], "prediction or target is not a number");
    out.genes.push_back(t.rows[i][g]);
    out.pred.push_back(a);
    out.target.push_back(b);
  }
  return out;
}

struct RunInterval {
  std::string pair, model;
  std::uint64_t seed = 0;
  deepdiff::Interval pcc;
};

struct PairComparison {
  std::string variant, baseline, pair;
  std::uint64_t seed = 0;
  deepdiff::PairedDelta delta;
};

struct AcrossPairs {
  std::string variant, baseline;
  int pairs = 0;  // pairs where both have a finished run
  double median_delta = std::numeric_limits<double>::quiet_NaN();
  deepdiff::SignedRank test;
  double holm_p = std::numeric_limits<double>::quiet_NaN();
};

struct StudyStatistics {
  std::vector<RunInterval> intervals;
  std::vector<PairComparison> per_pair;
  std::vector<AcrossPairs> across;
  std::vector<std::string> notes;  // runs whose predictions could not be read

  const deepdiff::Interval* interval(const std::string& pair, const std::string& model, std::uint64_t seed) const {
    for (const RunInterval& r : intervals)
      if (r.pair == pair && r.model == model && r.seed == seed) return &r.pcc;
    return nullptr;
  }
};

constexpr int kBootstrapResamples = 2000;

inline double median_of(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Everything above from the finished rows. `resamples` is the spec's 2,000 (smaller only in
// tests).
inline StudyStatistics study_statistics(const std::vector<Row>& rows, int resamples = kBootstrapResamples) {
  StudyStatistics st;
  std::map<std::tuple<std::string, std::string, std::uint64_t>, RunPredictions> preds;
  for (const Row& r : rows) {
    if (!r.ok()) continue;
    try {
      RunPredictions p = read_run_predictions(r);
      RunInterval ri{r.pair, r.variant, r.seed(), deepdiff::bootstrap_pcc(p.pred, p.target, r.seed(), resamples)};
      st.intervals.push_back(ri);
      preds.emplace(std::make_tuple(r.pair, r.variant, r.seed()), std::move(p));
    } catch (const std::exception& e) {
      st.notes.push_back(r.pair + " " + r.variant + " seed " + std::to_string(r.seed()) +
                         ": no interval or comparison (" + e.what() + ")");
    }
  }
  const std::vector<std::string> models = variants_of(rows), pairs = pairs_of(rows);
  std::vector<std::string> variants, baselines;
  for (const std::string& m : models) (deepdiff::is_baseline_name(m) ? baselines : variants).push_back(m);
  for (const std::string& v : variants)
    for (const std::string& b : baselines) {
      AcrossPairs a;
      a.variant = v;
      a.baseline = b;
      std::vector<double> mv, mb, deltas;
      for (const std::string& pair : pairs) {
        const std::vector<double> xv = test_pccs(rows, pair, v), xb = test_pccs(rows, pair, b);
        if (!xv.empty() && !xb.empty()) {
          mv.push_back(mean_of(xv));
          mb.push_back(mean_of(xb));
          deltas.push_back(mv.back() - mb.back());
        }
        for (const Row& r : rows) {
          if (!r.ok() || r.pair != pair || r.variant != v) continue;
          const auto pv = preds.find(std::make_tuple(pair, v, r.seed()));
          const auto pb = preds.find(std::make_tuple(pair, b, r.seed()));
          if (pv == preds.end() || pb == preds.end()) continue;
          if (pv->second.genes != pb->second.genes) {
            st.notes.push_back(pair + " seed " + std::to_string(r.seed()) + ": " + v + " and " + b +
                               " were scored on different test genes; not compared");
            continue;
          }
          st.per_pair.push_back(PairComparison{
              v, b, pair, r.seed(),
              deepdiff::paired_bootstrap_delta(pv->second.pred, pb->second.pred, pv->second.target, r.seed(), resamples)});
        }
      }
      a.pairs = static_cast<int>(mv.size());
      a.median_delta = median_of(deltas);
      if (!mv.empty()) a.test = deepdiff::wilcoxon_greater(mv, mb);
      st.across.push_back(a);
    }
  std::vector<double> p;
  for (const AcrossPairs& a : st.across) p.push_back(a.test.p);
  const std::vector<double> h = deepdiff::holm(p);
  for (std::size_t i = 0; i < st.across.size(); ++i) st.across[i].holm_p = h[i];
  return st;
}

inline std::string comparisons_csv(const StudyStatistics& st) {
  deepdiff::CsvWriter w;
  w.header({"variant", "baseline", "scope", "pair", "seed", "delta_pcc", "delta_lo", "delta_hi", "bootstrap_p",
            "pairs", "median_delta_pcc", "wilcoxon_w", "wilcoxon_p", "holm_p"});
  for (const AcrossPairs& a : st.across)
    w.row(std::vector<std::string>{a.variant, a.baseline, "across pairs", "", "", "", "", "", "", std::to_string(a.pairs),
                                   num_or_blank(a.median_delta), num_or_blank(a.test.statistic),
                                   num_or_blank(a.test.p), num_or_blank(a.holm_p)});
  for (const PairComparison& c : st.per_pair)
    w.row(std::vector<std::string>{c.variant, c.baseline, "pair", c.pair, std::to_string(c.seed),
                                   num_or_blank(c.delta.delta), num_or_blank(c.delta.lo), num_or_blank(c.delta.hi),
                                   num_or_blank(c.delta.p), "", "", "", "", ""});
  return w.str();
}

inline std::string p_text(double p) {
  if (!std::isfinite(p)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, p < 1e-3 ? "%.1e" : "%.3f", p);
  return b;
}

inline std::string comparisons_md(const StudyStatistics& st, const std::string& source) {
  std::string o = "# DeepDiff against the baselines\n\n";
  if (!source.empty()) o += source + "\n\n";
  o += "How to read it: dPCC = test PCC of the DeepDiff variant minus that of the baseline, on the same "
       "test genes. Across pairs, each pair counts once (its mean test PCC over seeds); the one-sided exact "
       "Wilcoxon signed-rank test asks whether the variant's PCC is higher than the baseline's over the pairs "
       "(W = the sum of the ranks of the positive differences; zero differences dropped), and Holm's method "
       "corrects its p for the " +
       std::to_string(std::count_if(st.across.begin(), st.across.end(),
                                    [](const AcrossPairs& a) { return std::isfinite(a.test.p); })) +
       " comparisons of this table that have one (no p: no pair with both, or every difference zero). With fewer than 5 pairs no p can fall below 0.05 (the smallest exact p of "
       "n pairs is 1/2^n). Per pair, the paired bootstrap resamples the test genes " +
       std::to_string(kBootstrapResamples) +
       " times (seeded by the run's seed), scores both methods on each resample, and gives the 95% percentile "
       "interval of dPCC and p = the share of resamples where the variant is not better.\n\n";
  o += "## Across pairs\n\n| variant | baseline | pairs | median dPCC | W | p | Holm p |\n|---|---|---:|---:|---:|---:|---:|\n";
  for (const AcrossPairs& a : st.across)
    o += "| " + a.variant + " | " + a.baseline + " | " + std::to_string(a.pairs) + " | " + fixed(a.median_delta, 4) +
         " | " + (std::isfinite(a.test.statistic) ? fixed(a.test.statistic, 1) : "-") + " | " + p_text(a.test.p) + " | " + p_text(a.holm_p) + " |\n";
  const std::vector<std::string> pairs = [&] {
    std::vector<std::string> v;
    for (const PairComparison& c : st.per_pair)
      if (std::find(v.begin(), v.end(), c.pair) == v.end()) v.push_back(c.pair);
    return v;
  }();
  if (!pairs.empty()) {
    o += "\n## Per pair: dPCC [95% interval], bootstrap p (one row per seed)\n\n| variant | baseline | seed |";
    for (const std::string& p : pairs) o += " " + md_cell(p) + " |";
    o += "\n|---|---|---:|";
    for (std::size_t i = 0; i < pairs.size(); ++i) o += "---|";
    o += "\n";
    std::vector<std::tuple<std::string, std::string, std::uint64_t>> keys;
    for (const PairComparison& c : st.per_pair) {
      const auto k = std::make_tuple(c.variant, c.baseline, c.seed);
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
    for (const auto& k : keys) {
      o += "| " + std::get<0>(k) + " | " + std::get<1>(k) + " | " + std::to_string(std::get<2>(k)) + " |";
      for (const std::string& p : pairs) {
        std::string cell = "-";
        for (const PairComparison& c : st.per_pair)
          if (c.variant == std::get<0>(k) && c.baseline == std::get<1>(k) && c.seed == std::get<2>(k) && c.pair == p)
            // no resample where the variant is not better: p is below one in the resample count
            cell = fixed(c.delta.delta, 3) + " [" + fixed(c.delta.lo, 3) + ", " + fixed(c.delta.hi, 3) + "], p " +
                   (c.delta.p == 0 && c.delta.resamples > 0 ? "< 1/" + std::to_string(c.delta.resamples)
                                                            : p_text(c.delta.p));
        o += " " + cell + " |";
      }
      o += "\n";
    }
  }
  if (!st.notes.empty()) {
    o += "\n## Notes\n\n";
    for (const std::string& n : st.notes) o += "- " + md_cell(n) + "\n";
  }
  return o;
}

}  // namespace deepdiff_study
