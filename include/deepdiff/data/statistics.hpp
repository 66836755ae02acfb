// The study's statistics (spec, "Statistics: is a difference real?"): a bootstrap interval of
// one run's test PCC, the paired bootstrap of the PCC difference of two methods on the same
// genes, the exact one-sided Wilcoxon signed-rank test across pairs and Holm's correction.
// Plain functions over vectors; the correlation is data/metrics.hpp's pearson, so every PCC of
// the project is the same arithmetic.
//
// Resamples. bootstrap_indices(n, R, seed) defines them once: one Rng(seed) stream, resample
// r = 0..R-1 drawing its n indices in order with Rng::below(n). The interval of a run and the
// paired comparisons that involve it (same seed) therefore use the same resamples, and a test
// can write the indices out for an independent (numpy) implementation.
//
// A resample whose PCC is undefined (a constant series: every draw the same gene, or a
// constant prediction) is left out of the percentiles and of p, like numpy's nanpercentile;
// `resamples` reports how many counted. With no defined resample the results are NaN.
//
// Percentiles are numpy's default ("linear": position q (m - 1) in the sorted values,
// interpolated between its neighbours).
//
// Wilcoxon: differences d = m - n; zeros dropped; |d| ranked with mid-ranks for ties;
// W+ = the sum of the ranks of the positive d; p = P(W+ >= w) under the exact null
// distribution of W+ for the count of non-zero differences (all 2^n sign patterns equally
// likely). That is scipy.stats.wilcoxon(d[d != 0], alternative="greater", method="exact"),
// including its handling of ties: the tail starts at the integer part of a mid-rank W+ (scipy
// 1.10 truncates; with ties the exact distribution is then an approximation, as in scipy).
// scipy itself switches to the normal approximation when d holds zeros; the spec asks for the
// exact distribution always, hence the zeros are dropped first.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/data/metrics.hpp"
#include "deepdiff/tensor/random.hpp"
#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

struct Interval {
  double estimate = std::numeric_limits<double>::quiet_NaN();  // the PCC on all genes
  double lo = std::numeric_limits<double>::quiet_NaN(), hi = std::numeric_limits<double>::quiet_NaN();
  int resamples = 0;  // resamples with a defined PCC
};

struct PairedDelta {
  double delta = std::numeric_limits<double>::quiet_NaN();  // PCC(m) - PCC(n) on all genes
  double lo = std::numeric_limits<double>::quiet_NaN(), hi = std::numeric_limits<double>::quiet_NaN();
  double p = std::numeric_limits<double>::quiet_NaN();  // share of resamples with dPCC <= 0
  int resamples = 0;
};

struct SignedRank {
  double statistic = std::numeric_limits<double>::quiet_NaN();  // W+
  double p = std::numeric_limits<double>::quiet_NaN();          // one-sided, "m > n"
  int n = 0;                                                    // non-zero differences
};

namespace stats_detail {

inline void check_same_length(std::size_t a, std::size_t b, const char* what) {
  if (a != b)
    throw std::invalid_argument(std::string(what) + ": series of different lengths (" + std::to_string(a) + " and " +
                                std::to_string(b) + ")");
}

inline void check_resamples(int resamples, double level) {
  if (resamples < 1) throw std::invalid_argument("bootstrap: resamples must be >= 1, got " + std::to_string(resamples));
  if (!(level > 0 && level < 1)) throw std::invalid_argument("bootstrap: level must be in (0, 1)");
}

// numpy.percentile(v, 100 q) with the default linear method; v sorted ascending, non-empty.
inline double percentile_sorted(const std::vector<double>& v, double q) {
  const double pos = q * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double t = pos - static_cast<double>(lo);
  return v[lo] + (v[hi] - v[lo]) * t;
}

// Draws the next resample's indices into idx (size n) from rng.
inline void draw(Rng& rng, std::vector<Index>& idx) {
  const std::uint64_t n = static_cast<std::uint64_t>(idx.size());
  for (Index& i : idx) i = static_cast<Index>(rng.below(n));
}

inline void gather(const std::vector<double>& src, const std::vector<Index>& idx, std::vector<double>& out) {
  out.resize(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) out[i] = src[static_cast<std::size_t>(idx[i])];
}

}  // namespace stats_detail

// The resamples of `n` genes: `resamples` vectors of n indices in [0, n) (see the top).
inline std::vector<std::vector<Index>> bootstrap_indices(Index n, int resamples, std::uint64_t seed) {
  if (n < 1) throw std::invalid_argument("bootstrap: no genes to resample");
  stats_detail::check_resamples(resamples, 0.5);
  Rng rng(seed);
  std::vector<std::vector<Index>> out(static_cast<std::size_t>(resamples), std::vector<Index>(static_cast<std::size_t>(n)));
  for (std::vector<Index>& idx : out) stats_detail::draw(rng, idx);
  return out;
}

// The PCC of pred and target with its `level` percentile bootstrap interval.
inline Interval bootstrap_pcc(const std::vector<double>& pred, const std::vector<double>& target, std::uint64_t seed,
                              int resamples = 2000, double level = 0.95) {
  stats_detail::check_same_length(pred.size(), target.size(), "bootstrap_pcc");
  stats_detail::check_resamples(resamples, level);
  Interval out;
  out.estimate = pearson(pred, target);
  if (pred.empty()) return out;
  Rng rng(seed);
  std::vector<Index> idx(pred.size());
  std::vector<double> a, b, values;
  for (int r = 0; r < resamples; ++r) {
    stats_detail::draw(rng, idx);
    stats_detail::gather(pred, idx, a);
    stats_detail::gather(target, idx, b);
    const double v = pearson(a, b);
    if (!std::isnan(v)) values.push_back(v);
  }
  out.resamples = static_cast<int>(values.size());
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  out.lo = stats_detail::percentile_sorted(values, (1 - level) / 2);
  out.hi = stats_detail::percentile_sorted(values, 1 - (1 - level) / 2);
  return out;
}

// Two methods' predictions of the same genes: dPCC = PCC(pred_m) - PCC(pred_n), both on each
// resample, its interval and the one-sided p of "m is better" (the share of resamples where
// it is not).
inline PairedDelta paired_bootstrap_delta(const std::vector<double>& pred_m, const std::vector<double>& pred_n,
                                          const std::vector<double>& target, std::uint64_t seed, int resamples = 2000,
                                          double level = 0.95) {
  stats_detail::check_same_length(pred_m.size(), target.size(), "paired_bootstrap_delta");
  stats_detail::check_same_length(pred_n.size(), target.size(), "paired_bootstrap_delta");
  stats_detail::check_resamples(resamples, level);
  PairedDelta out;
  out.delta = pearson(pred_m, target) - pearson(pred_n, target);
  if (target.empty()) return out;
  Rng rng(seed);
  std::vector<Index> idx(target.size());
  std::vector<double> a, b, y, values;
  int not_better = 0;
  for (int r = 0; r < resamples; ++r) {
    stats_detail::draw(rng, idx);
    stats_detail::gather(pred_m, idx, a);
    stats_detail::gather(pred_n, idx, b);
    stats_detail::gather(target, idx, y);
    const double v = pearson(a, y) - pearson(b, y);
    if (std::isnan(v)) continue;
    values.push_back(v);
    not_better += v <= 0;
  }
  out.resamples = static_cast<int>(values.size());
  if (values.empty()) return out;
  out.p = static_cast<double>(not_better) / static_cast<double>(values.size());
  std::sort(values.begin(), values.end());
  out.lo = stats_detail::percentile_sorted(values, (1 - level) / 2);
  out.hi = stats_detail::percentile_sorted(values, 1 - (1 - level) / 2);
  return out;
}

// P(W+ = w) for w = 0..n(n+1)/2 when each of the ranks 1..n is positive with probability 1/2:
// the product of (1 + x^k) / 2 over k, built one rank at a time (scipy's recursion).
inline std::vector<double> signed_rank_null(int n) {
  std::vector<double> c(1, 1.0);
  for (int k = 1; k <= n; ++k) {
    std::vector<double> next(static_cast<std::size_t>(k * (k + 1) / 2 + 1), 0.0);
    for (std::size_t w = 0; w < c.size(); ++w) {
      next[w] += 0.5 * c[w];
      next[w + static_cast<std::size_t>(k)] += 0.5 * c[w];
    }
    c.swap(next);
  }
  return c;
}

// One-sided exact Wilcoxon signed-rank test of "m > n" over paired values (see the top).
inline SignedRank wilcoxon_greater(const std::vector<double>& m, const std::vector<double>& n) {
  stats_detail::check_same_length(m.size(), n.size(), "wilcoxon_greater");
  std::vector<double> d;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const double x = m[i] - n[i];
    if (std::isnan(x)) throw std::invalid_argument("wilcoxon_greater: value " + std::to_string(i) + " is NaN");
    if (x != 0) d.push_back(x);
  }
  SignedRank out;
  out.n = static_cast<int>(d.size());
  if (d.empty()) return out;  // nothing to test: statistic and p NaN
  // mid-ranks of |d| (data/metrics.hpp's, Spearman's too)
  std::vector<double> magnitude(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) magnitude[i] = std::fabs(d[i]);
  const std::vector<double> rank = average_ranks(magnitude);
  double w = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d[i] > 0) w += rank[i];
  out.statistic = w;
  const std::vector<double> pmf = signed_rank_null(out.n);
  double p = 0;
  for (std::size_t k = static_cast<std::size_t>(w); k < pmf.size(); ++k) p += pmf[k];
  out.p = std::min(1.0, std::max(0.0, p));
  return out;
}

// Holm's step-down adjustment of the p-values of m tests (NaN entries are not tests: they
// stay NaN and do not count in m): sorted ascending, p_(i) x (m - i) (i from 0), made
// monotone with a running maximum and capped at 1; returned in the input's order.
inline std::vector<double> holm(const std::vector<double>& p) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p[i])) continue;
    if (p[i] < 0 || p[i] > 1) throw std::invalid_argument("holm: p-value " + std::to_string(p[i]) + " is not in [0, 1]");
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> out(p.size(), std::numeric_limits<double>::quiet_NaN());
  const double m = static_cast<double>(order.size());
  double running = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(i)) * p[order[i]]));
    out[order[i]] = running;
  }
  return out;
}

}  // namespace deepdiff
