// Sequencing depth in the target (issue 25). DeepDiff's published target is
// y = log2((eB + 1) / (eA + 1)) on raw counts, so two cells sequenced to different depths get a
// y that is mostly their depth ratio: Roadmap's E003 sums to 2.11e8 reads, E037 to 5.84e7, and
// the median y of E037 over E003 is -1.97 on the genes both express well. A scale divides each
// cell's counts by one number before the +1, y = log2((eB/sB + 1) / (eA/sA + 1)):
//
//   none          sA = sB = 1: the paper's numbers exactly (the default)
//   cpm           s = (sum of the cell's table) / 1e6: counts per million
//   size-factors  DESeq2's median of ratios over the genes both tables list with both counts
//                 > 0: s_j = exp(median_g(log k_gj - mean_j' log k_gj')); robust to the few
//                 genes that dominate a cell's total, which cpm is not
//
// The divisors are of the whole expression tables (CELL.expr.csv, every gene they list), not
// of a split: train, valid and test get the same two numbers, and so do eval and predict
// reading the same tables. The per-cell targets (aux heads, attentivechrome_diff) use the same
// scaled counts, log2(e/s + 1), so that y = yB - yA still holds.
//
// Plain data and free functions; dataset.hpp applies them when it loads a split. A checkpoint
// records a scale other than none in three metadata entries (absent: none, as every file
// written before this option), so eval and predict use the scale the model was trained on.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "deepdiff/io/number_format.hpp"

namespace deepdiff {

enum class ExpressionScale { none, cpm, size_factors };

// The spelling of the command line and of every file that records a scale.
inline const char* expression_scale_name(ExpressionScale s) {
  switch (s) {
    case ExpressionScale::none: return "none";
    case ExpressionScale::cpm: return "cpm";
    case ExpressionScale::size_factors: return "size-factors";
  }
  return "none";
}

// "none", "cpm" or "size-factors"; std::invalid_argument naming the choices otherwise.
inline ExpressionScale parse_expression_scale(std::string_view s) {
  for (ExpressionScale e : {ExpressionScale::none, ExpressionScale::cpm, ExpressionScale::size_factors})
    if (s == expression_scale_name(e)) return e;
  throw std::invalid_argument("'" + std::string(s) + "' is not an expression scale (none, cpm or size-factors)");
}

// What a split's targets divide the counts by: cell A's (cell 1) and cell B's (cell 2).
struct ExpressionScaling {
  ExpressionScale scale = ExpressionScale::none;
  double divisor_a = 1.0, divisor_b = 1.0;
};

inline bool operator==(const ExpressionScaling& x, const ExpressionScaling& y) {
  return x.scale == y.scale && x.divisor_a == y.divisor_a && x.divisor_b == y.divisor_b;
}
inline bool operator!=(const ExpressionScaling& x, const ExpressionScaling& y) { return !(x == y); }

// One cell's expression table: every gene it lists, with its count.
using ExpressionCounts = std::unordered_map<std::string, double>;

// The median as R and numpy take it: the middle value, or the mean of the two middle values of
// an even count. NaN for no values.
inline double median_of(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  const std::size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  const double upper = v[h];
  if (v.size() % 2) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h));
  return (lower + upper) / 2;
}

// cpm's divisor: the table's sum / 1e6. Summed in ascending order, so the divisor does not
// depend on the order a hash map happens to hold the genes in.
inline double cpm_divisor(const ExpressionCounts& t, const std::string& name = "the cell") {
  std::vector<double> v;
  v.reserve(t.size());
  for (const auto& kv : t) v.push_back(kv.second);
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  if (!(sum > 0) || !std::isfinite(sum))
    throw std::invalid_argument("cpm: the expression table of " + name + " sums to " + format_number(sum) +
                                ", there is nothing to take counts per million of");
  return sum / 1e6;
}

// DESeq2's size factors of two cells (estimateSizeFactorsForMatrix): over the genes both
// tables list with both counts > 0 (a zero has no logarithm, and DESeq2 drops those genes from
// the geometric means), log geometric mean lg = (log kA + log kB) / 2, then
// sA = exp(median(log kA - lg)), sB = exp(median(log kB - lg)). Returns {sA, sB}.
inline std::pair<double, double> size_factors(const ExpressionCounts& a, const ExpressionCounts& b,
                                              const std::string& name_a = "cell A",
                                              const std::string& name_b = "cell B") {
  std::vector<double> ra, rb;
  ra.reserve(std::min(a.size(), b.size()));
  rb.reserve(ra.capacity());
  for (const auto& kv : a) {
    const auto it = b.find(kv.first);
    if (it == b.end() || !(kv.second > 0) || !(it->second > 0)) continue;
    const double la = std::log(kv.second), lb = std::log(it->second);
    const double lg = (la + lb) / 2;
    ra.push_back(la - lg);
    rb.push_back(lb - lg);
  }
  if (ra.empty())
    throw std::invalid_argument("size-factors: no gene has a count above 0 in both " + name_a + "'s and " + name_b +
                                "'s expression tables, there is no ratio to take the median of");
  return {std::exp(median_of(std::move(ra))), std::exp(median_of(std::move(rb)))};
}

// The divisors of `scale` for cells A and B from their whole expression tables. The names go
// into the messages (std::invalid_argument: a table with nothing to scale by).
inline ExpressionScaling expression_scaling(ExpressionScale scale, const ExpressionCounts& a, const ExpressionCounts& b,
                                            const std::string& name_a = "cell A", const std::string& name_b = "cell B") {
  ExpressionScaling s;
  s.scale = scale;
  if (scale == ExpressionScale::cpm) {
    s.divisor_a = cpm_divisor(a, name_a);
    s.divisor_b = cpm_divisor(b, name_b);
  } else if (scale == ExpressionScale::size_factors) {
    const std::pair<double, double> f = size_factors(a, b, name_a, name_b);
    s.divisor_a = f.first;
    s.divisor_b = f.second;
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// In a checkpoint's metadata (docs/checkpoint-format.md): written only for a scale other than
// none, so a checkpoint of the paper's recipe is byte for byte what it was before the option.

inline constexpr const char* kExpressionScaleKey = "expression_scale";
inline constexpr const char* kExpressionDivisorAKey = "expression_divisor_a";
inline constexpr const char* kExpressionDivisorBKey = "expression_divisor_b";

inline void expression_scaling_to_meta(const ExpressionScaling& s, std::map<std::string, std::string>& meta) {
  meta.erase(kExpressionScaleKey);
  meta.erase(kExpressionDivisorAKey);
  meta.erase(kExpressionDivisorBKey);
  if (s.scale == ExpressionScale::none) return;
  meta[kExpressionScaleKey] = expression_scale_name(s.scale);
  meta[kExpressionDivisorAKey] = format_number(s.divisor_a);  // shortest text that reads back exactly
  meta[kExpressionDivisorBKey] = format_number(s.divisor_b);
}

// The scaling a checkpoint records; none (divisors 1) when it records none. std::invalid_argument
// naming the entry for an unknown scale, a missing divisor, or one that is not a finite
// number > 0.
inline ExpressionScaling expression_scaling_from_meta(const std::map<std::string, std::string>& meta) {
  ExpressionScaling s;
  const auto it = meta.find(kExpressionScaleKey);
  if (it == meta.end()) return s;
  try {
    s.scale = parse_expression_scale(it->second);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("checkpoint entry ") + kExpressionScaleKey + ": " + e.what());
  }
  if (s.scale == ExpressionScale::none) return s;
  const auto divisor = [&](const char* key) {
    const auto d = meta.find(key);
    if (d == meta.end())
      throw std::invalid_argument(std::string("checkpoint has ") + kExpressionScaleKey + "=" + it->second + " but no '" +
                                  key + "' entry");
    double v = 0;
    const std::string& t = d->second;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(v) || !(v > 0))
      throw std::invalid_argument(std::string("checkpoint entry ") + key + "='" + t + "' is not a finite number > 0");
    return v;
  };
  s.divisor_a = divisor(kExpressionDivisorAKey);
  s.divisor_b = divisor(kExpressionDivisorBKey);
  return s;
}

// ---------------------------------------------------------------------------------------
// The depth warning of `deepdiff train`. A median y far from 0 over a pair's training genes
// says that most genes "change" by the same amount: the cells' depth, not their biology. The
// model then spends its capacity on a constant, and a reader of its predictions sees thousands
// of "differential" genes. 0.5 is a fold change of 1.41 for the typical gene.
inline constexpr double kDepthWarningMedian = 0.5;

// The warning line (without "warning: " and without a newline), or "" when |median_y| <=
// kDepthWarningMedian (or it is NaN: no genes). cell1 = A, cell2 = B.
inline std::string depth_warning(double median_y, long long genes, const std::string& cell1, const std::string& cell2,
                                 ExpressionScale scale) {
  if (!(std::fabs(median_y) > kDepthWarningMedian)) return "";
  char m[32];
  std::snprintf(m, sizeof m, "%.2f", median_y);
  std::string w = std::string("the median target y over the ") + std::to_string(genes) + " training genes is " + m +
                  " (" + cell2 + " over " + cell1 + ")";
  switch (scale) {
    case ExpressionScale::none:
      return w + ": y mostly measures the cells' sequencing depth; --expression-scale size-factors corrects it";
    case ExpressionScale::cpm:
      return w + " even in counts per million: a few genes that dominate a cell's total skew cpm; "
                 "--expression-scale size-factors corrects it";
    case ExpressionScale::size_factors:
      return w + " even with --expression-scale size-factors: the training genes are not the typical genes the size "
                 "factors are the median of; check the expression tables";
  }
  return w;
}

}  // namespace deepdiff
