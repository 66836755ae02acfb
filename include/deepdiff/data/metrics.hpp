// Evaluation metrics: Pearson correlation (the paper's PCC) and mean squared error, the one
// answer for every correlation in the project (training, test scores, the sanity figures of
// the synthetic data, the study tables, Python's deepdiff.pearson). In data/ because the
// synthetic-data writer reports correlations too, and data/ is below train/.
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace deepdiff {

// Pearson correlation of two equally long series, computed in double with centred sums.
//
// A constant series (or one shorter than 2) gives NaN, decided once here: its correlation is
// undefined, and 0 would claim "uncorrelated" - a model that predicts one value for every gene
// would score as a real, poor, result, and could be kept as a best epoch. NaN keeps it
// visible: the trainer never keeps an epoch whose validation PCC is NaN, metrics.json writes
// null, CSV files "NaN". Series of different lengths throw std::invalid_argument.
inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("pearson: series of different lengths");
  const std::size_t n = a.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  // Constant is decided on the values, not on the centred sums: the mean of n equal values
  // need not come back exactly (0.1 x 3 / 3), and the sums of its rounding residue would make
  // a constant series look correlated (a ridge model predicting one value scored -1e-16).
  const auto constant = [n](const std::vector<double>& v) {
    for (std::size_t i = 1; i < n; ++i)
      if (v[i] != v[0]) return false;
    return true;
  };
  if (constant(a) || constant(b)) return std::numeric_limits<double>::quiet_NaN();
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
