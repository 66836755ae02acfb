// Evaluation metrics: Pearson correlation (the paper's PCC) and mean squared error.
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace deepdiff {

// Pearson correlation of two equally long series, computed in double with centred sums.
// NaN when either series is constant or shorter than 2 (there is no correlation to report).
inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("pearson: series of different lengths");
  const std::size_t n = a.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= static_cast<double>(n);
  mb /= static_cast<double>(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa == 0 || sbb == 0) return std::numeric_limits<double>::quiet_NaN();
  return sab / std::sqrt(saa * sbb);
}

inline double mean_squared_error(const std::vector<double>& pred, const std::vector<double>& target) {
  if (pred.size() != target.size()) throw std::invalid_argument("mean_squared_error: series of different lengths");
  if (pred.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) s += (pred[i] - target[i]) * (pred[i] - target[i]);
  return s / static_cast<double>(pred.size());
}

}  // namespace deepdiff
