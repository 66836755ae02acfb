// Scoring an explanation of a model (attention, attributions) against a planted truth: which
// marks carry the signal, and which bins of a peaked mark were planted (the synthetic data's
// truth_marks.csv and truth_bins.csv, data/synthetic.hpp). Three figures per method, each per
// gene, then summarized over genes (mean, sample sd, how many genes had it):
//
//   mark AUROC  informative marks (positives) against noise marks (negatives), ranked by the
//               method's importance per mark: 1 = every informative mark above every noise one
//   bin AUROC   the planted bins of a peaked mark against its other bins, ranked by the method's
//               importance per bin of that mark; a gene's value is the mean over its planted
//               ranges (one per peaked mark and cell) that the method explains
//   noise rank  the rank of each noise mark among all marks, 1 = the most important
//
// AUROC is the Mann-Whitney form: the probability that a random positive scores above a random
// negative, ties counting one half, i.e. U / (n1 n0) with U from mid-ranks. 1 is perfect, 0.5
// chance, 0 inverted. A gene where one class is empty (no noise mark; a range covering every
// bin) has no AUROC (NaN) and is left out of the summary, not counted as 0.5.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

// Mid-ranks in ascending order of v (1 = smallest), ties sharing the mean of their ranks.
inline std::vector<double> ascending_midranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&v](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && v[order[j]] == v[order[i]]) ++j;
    const double mid = 0.5 * static_cast<double>(i + 1 + j);  // mean of the ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k) rank[order[k]] = mid;
    i = j;
  }
  return rank;
}

// AUROC of `score` for `label` (nonzero = positive). NaN when either class is empty, or when a
// score is NaN (no order to rank by). Sizes must agree.
inline double auroc(const std::vector<double>& score, const std::vector<int>& label) {
  if (score.size() != label.size())
    throw std::invalid_argument("auroc: " + std::to_string(score.size()) + " scores, " + std::to_string(label.size()) +
                                " labels");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double n1 = 0, n0 = 0;
  for (std::size_t i = 0; i < score.size(); ++i) {
    if (std::isnan(score[i])) return nan;
    (label[i] ? n1 : n0) += 1;
  }
  if (n1 == 0 || n0 == 0) return nan;
  const std::vector<double> rank = ascending_midranks(score);
  double r1 = 0;  // rank sum of the positives
  for (std::size_t i = 0; i < rank.size(); ++i)
    if (label[i]) r1 += rank[i];
  return (r1 - n1 * (n1 + 1) / 2) / (n1 * n0);
}

// Ranks by importance, 1 = the largest, ties sharing the mean rank. NaN has no place in the
// order: score_explanations leaves a gene with a NaN importance out of the ranks.
inline std::vector<double> importance_ranks(const std::vector<double>& importance) {
  std::vector<double> r = ascending_midranks(importance);
  for (double& x : r) x = static_cast<double>(importance.size()) + 1 - x;
  return r;
}

// The planted range of a peaked mark in one cell (0 = A, 1 = B): bins first_bin..last_bin,
// 1-based and inclusive, as truth_bins.csv has them.
struct PlantedBins {
  Index mark = 0;
  int cell = 0;
  Index first_bin = 0, last_bin = 0;
};

// One gene's planted answer.
struct PlantedGene {
  std::vector<int> informative;   // [M] 1 = informative, 0 = noise
  std::vector<PlantedBins> bins;  // the peaked marks' ranges, per cell; empty: none known
};

// One gene's explanation by one method (larger = more important). A part the method does not
// give is left empty: attention beta has no bins, alpha no per-mark importance.
struct GeneExplanation {
  std::vector<double> marks;              // [M] importance per mark, or empty
  std::vector<std::vector<double>> bins;  // [2 M]: cell c, mark m at c * M + m: [T] per bin, or empty
};

struct ScoreSummary {
  double mean = std::numeric_limits<double>::quiet_NaN();
  double sd = std::numeric_limits<double>::quiet_NaN();  // sample sd (n - 1); NaN below 2 genes
  Index genes = 0;                                        // genes with a value (NaN ones left out)
};

struct ExplanationScores {
  ScoreSummary mark_auroc, bin_auroc;
  std::vector<ScoreSummary> noise_rank;  // [M]: the mark's rank over the genes where it is noise (genes 0: never)
  std::vector<double> gene_mark_auroc, gene_bin_auroc;  // per gene, NaN where it has none
};

// Mean and sample sd of the finite values.
inline ScoreSummary summarize(const std::vector<double>& values) {
  ScoreSummary s;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++s.genes;
    }
  if (s.genes == 0) return s;
  s.mean = sum / static_cast<double>(s.genes);
  if (s.genes < 2) return s;
  double ss = 0;
  for (double v : values)
    if (std::isfinite(v)) ss += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(ss / static_cast<double>(s.genes - 1));
  return s;
}

// Informative against noise marks by e.marks; NaN when the method has no per-mark importance.
inline double gene_mark_auroc(const PlantedGene& truth, const GeneExplanation& e) {
  if (e.marks.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (e.marks.size() != truth.informative.size())
    throw std::invalid_argument("gene_mark_auroc: " + std::to_string(e.marks.size()) + " mark importances, the truth has " +
                                std::to_string(truth.informative.size()) + " marks");
  return auroc(e.marks, truth.informative);
}

// The planted bins of `p` against the other bins, ranked by `importance` (one value per bin).
inline double planted_bins_auroc(const std::vector<double>& importance, const PlantedBins& p) {
  const Index T = static_cast<Index>(importance.size());
  if (p.first_bin < 1 || p.last_bin < p.first_bin || p.last_bin > T)
    throw std::invalid_argument("planted_bins_auroc: bins " + std::to_string(p.first_bin) + ".." +
                                std::to_string(p.last_bin) + " are not a range of 1.." + std::to_string(T));
  std::vector<int> label(importance.size(), 0);
  for (Index t = p.first_bin; t <= p.last_bin; ++t) label[static_cast<std::size_t>(t - 1)] = 1;
  return auroc(importance, label);
}

// The mean over the gene's planted ranges that e explains of planted_bins_auroc; NaN when none.
inline double gene_bin_auroc(const PlantedGene& truth, const GeneExplanation& e) {
  const Index M = static_cast<Index>(truth.informative.size());
  double sum = 0;
  int n = 0;
  for (const PlantedBins& p : truth.bins) {
    if (p.mark < 0 || p.mark >= M || p.cell < 0 || p.cell > 1)
      throw std::invalid_argument("gene_bin_auroc: a planted range of mark " + std::to_string(p.mark) + ", cell " +
                                  std::to_string(p.cell) + " (the truth has " + std::to_string(M) + " marks, cells 0 and 1)");
    const std::size_t k = static_cast<std::size_t>(p.cell * M + p.mark);
    if (k >= e.bins.size() || e.bins[k].empty()) continue;
    const double a = planted_bins_auroc(e.bins[k], p);
    if (std::isfinite(a)) {
      sum += a;
      ++n;
    }
  }
  return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

// The three figures over genes; truth[g] and explanations[g] are the same gene.
inline ExplanationScores score_explanations(const std::vector<PlantedGene>& truth,
                                            const std::vector<GeneExplanation>& explanations) {
  if (truth.size() != explanations.size())
    throw std::invalid_argument("score_explanations: " + std::to_string(truth.size()) + " genes of truth, " +
                                std::to_string(explanations.size()) + " explained");
  ExplanationScores s;
  const std::size_t M = truth.empty() ? 0 : truth[0].informative.size();
  std::vector<std::vector<double>> ranks(M);  // per mark: its rank in the genes where it is noise
  for (std::size_t g = 0; g < truth.size(); ++g) {
    if (truth[g].informative.size() != M)
      throw std::invalid_argument("score_explanations: genes with different numbers of marks");
    s.gene_mark_auroc.push_back(gene_mark_auroc(truth[g], explanations[g]));
    s.gene_bin_auroc.push_back(gene_bin_auroc(truth[g], explanations[g]));
    const std::vector<double>& imp = explanations[g].marks;
    if (imp.empty() || std::any_of(imp.begin(), imp.end(), [](double v) { return std::isnan(v); })) continue;
    const std::vector<double> r = importance_ranks(imp);
    for (std::size_t m = 0; m < M; ++m)
      if (!truth[g].informative[m]) ranks[m].push_back(r[m]);
  }
  s.mark_auroc = summarize(s.gene_mark_auroc);
  s.bin_auroc = summarize(s.gene_bin_auroc);
  for (const std::vector<double>& r : ranks) s.noise_rank.push_back(summarize(r));
  return s;
}

}  // namespace deepdiff
