// The summary features of the two non-neural baselines (spec, "Baselines": ridge, xgboost).
//
// Dimension legend: N genes, T bins, M marks, W windows (10 in the spec).
// Input xa, xb: [N, T, M] row-major, as Split holds them. Output: [N, 3*M*W] row-major.
//
// For a cell c, a mark m and a window w covering bins [w*T/W, (w+1)*T/W) (integer division):
//   s = sum of the window's counts,  f = log2(1 + s).
// A gene's vector is [f_A (M*W), f_B (M*W), f_B - f_A (M*W)], ordered cell block (A, B, B-A),
// then mark (column order), then window: feature index = block*M*W + m*W + w.
// With T % W == 0 every window has T/W bins, the spec's definition; otherwise the windows
// differ by at most one bin, so small test bins (T = 20, 45) still give W windows.
//
// Sums are in double (a window of 20 float counts is exact in double; the order is fixed, so
// the features are the same on every machine and thread count).
#pragma once

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/data/marks.hpp"
#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

// Number of summary features for M marks and W windows: three cell blocks of M*W.
inline Index summary_feature_count(Index M, Index W) { return 3 * M * W; }

// [N, 3*M*W] row-major; throws std::invalid_argument for T < W, non-positive sizes, or a window
// whose sum makes log2(1 + s) undefined (s <= -1 or not finite: counts are >= 0).
inline std::vector<double> summary_features(const float* xa, const float* xb, Index N, Index T, Index M,
                                            Index windows = 10) {
  const Index W = windows;
  if (N < 0 || T < 1 || M < 1 || W < 1)
    throw std::invalid_argument("summary_features: need N >= 0 and T, M, windows >= 1");
  if (T < W)
    throw std::invalid_argument("summary_features: " + std::to_string(T) + " bins cannot make " + std::to_string(W) +
                                " windows (need bins >= windows)");
  const Index F = summary_feature_count(M, W);
  std::vector<double> out(static_cast<std::size_t>(N * F));
  std::vector<double> sums(static_cast<std::size_t>(M));  // [M] one window of one cell
  for (Index n = 0; n < N; ++n) {
    double* row = out.data() + n * F;
    for (Index c = 0; c < 2; ++c) {
      const float* x = (c == 0 ? xa : xb) + n * T * M;  // [T, M] of this gene and cell
      for (Index w = 0; w < W; ++w) {
        const Index t0 = w * T / W, t1 = (w + 1) * T / W;
        for (double& s : sums) s = 0;
        for (Index t = t0; t < t1; ++t)
          for (Index m = 0; m < M; ++m) sums[static_cast<std::size_t>(m)] += static_cast<double>(x[t * M + m]);
        for (Index m = 0; m < M; ++m) {
          const double s = sums[static_cast<std::size_t>(m)];
          if (!(s > -1.0) || !std::isfinite(s))
            throw std::invalid_argument("summary_features: gene " + std::to_string(n) + ", cell " +
                                        (c == 0 ? "A" : "B") + ", mark " + std::to_string(m) + ", window " +
                                        std::to_string(w + 1) + ": window sum " + std::to_string(s) +
                                        " has no log2(1 + s) (counts must be finite and >= 0)");
          row[c * M * W + m * W + w] = std::log2(1.0 + s);
        }
      }
    }
    for (Index k = 0; k < M * W; ++k) row[2 * M * W + k] = row[M * W + k] - row[k];  // B - A
  }
  return out;
}

// Names in the same order: "A.H3K4me3.w1", "B.H3K4me3.w1", "B-A.H3K4me3.w1" (windows 1-based,
// as the spec counts them). The histone names only when M == 5, the public data's columns;
// other M give "mark1".."markM", since the first columns need not be those marks.
inline std::vector<std::string> summary_feature_names(Index M, Index W) {
  if (M < 1 || W < 1) throw std::invalid_argument("summary_feature_names: need M, W >= 1");
  static const char* const blocks[3] = {"A", "B", "B-A"};
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(summary_feature_count(M, W)));
  for (const char* b : blocks)
    for (Index m = 0; m < M; ++m) {
      const std::string mark = M == mark::count ? mark_name(m) : "mark" + std::to_string(m + 1);
      for (Index w = 0; w < W; ++w) names.push_back(std::string(b) + "." + mark + ".w" + std::to_string(w + 1));
    }
  return names;
}

}  // namespace deepdiff
