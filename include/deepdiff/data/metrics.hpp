// Evaluation metrics: Pearson correlation (the paper's PCC) and mean squared error, the one
// answer for every correlation in the project (training, test scores, the sanity figures of
// the synthetic data, the study tables, Python's deepdiff.pearson), and the calibration
// figures reported beside them (Spearman, R^2, the slope of y on the prediction, the MSE of
// predicting the training mean, the spread of both series). PCC alone is blind to scale and
// shift: a model whose predictions are 100 times too small, or all offset by 3, scores the same
// PCC as a perfect one; R^2, the slope and the MSE against the mean baseline are not.
// In data/ because the synthetic-data writer reports correlations too, and data/ is below
// train/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
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

namespace metrics_detail {

inline bool any_nan(const std::vector<double>& v) {
  for (double x : v)
    if (std::isnan(x)) return true;
  return false;
}

inline bool all_equal(const std::vector<double>& v) {
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] != v[0]) return false;
  return true;
}

inline double mean(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m += x;
  return m / static_cast<double>(v.size());
}

}  // namespace metrics_detail

// The ranks 1..n of v's values, ties given the mean of the ranks they span (mid-ranks: 1, 2.5,
// 2.5, 4), the convention of Spearman's rho and of the Wilcoxon test (data/statistics.hpp uses
// these). NaN has no rank: std::invalid_argument.
inline std::vector<double> average_ranks(const std::vector<double>& v) {
  if (metrics_detail::any_nan(v)) throw std::invalid_argument("average_ranks: a value is NaN");
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mid = 0.5 * static_cast<double>(i + j) + 1.0;  // ranks i+1 .. j+1
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = mid;
    i = j + 1;
  }
  return rank;
}

// Spearman's rank correlation: pearson of the average ranks (so ties count as scipy's
// spearmanr counts them). NaN where pearson is NaN (a constant or too short series) and when
// a value is NaN (it has no rank); different lengths throw.
inline double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("spearman: series of different lengths");
  if (metrics_detail::any_nan(a) || metrics_detail::any_nan(b)) return std::numeric_limits<double>::quiet_NaN();
  return pearson(average_ranks(a), average_ranks(b));
}

// The coefficient of determination of `pred` as a prediction of `target`: 1 - SS_res / SS_tot,
// SS_tot about the mean of target. 1 is perfect, 0 is no better than predicting target's own
// mean, below 0 is worse (unlike PCC^2, a scale or offset error lowers it). NaN for an empty
// or constant target (SS_tot = 0: nothing to explain); different lengths throw.
inline double r_squared(const std::vector<double>& pred, const std::vector<double>& target) {
  if (pred.size() != target.size()) throw std::invalid_argument("r_squared: series of different lengths");
  if (target.empty() || metrics_detail::all_equal(target)) return std::numeric_limits<double>::quiet_NaN();
  const double m = metrics_detail::mean(target);
  double res = 0, tot = 0;
  for (std::size_t i = 0; i < target.size(); ++i) {
    res += (target[i] - pred[i]) * (target[i] - pred[i]);
    tot += (target[i] - m) * (target[i] - m);
  }
  return 1.0 - res / tot;
}

// The slope of target regressed on pred by least squares, cov(pred, target) / var(pred): 1 for
// a calibrated model; below 1, predictions spread more than the truth they track (too
// confident); above 1, less (shrunk toward a constant). NaN when pred is constant (or shorter
// than 2): no line through it; different lengths throw.
inline double calibration_slope(const std::vector<double>& pred, const std::vector<double>& target) {
  if (pred.size() != target.size()) throw std::invalid_argument("calibration_slope: series of different lengths");
  if (pred.size() < 2 || metrics_detail::all_equal(pred)) return std::numeric_limits<double>::quiet_NaN();
  const double mp = metrics_detail::mean(pred), mt = metrics_detail::mean(target);
  double spt = 0, spp = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) {
    spt += (pred[i] - mp) * (target[i] - mt);
    spp += (pred[i] - mp) * (pred[i] - mp);
  }
  return spt / spp;
}

// The MSE of the trivial model that predicts `value` for every gene, mean of (target - value)^2:
// with the training genes' mean y as `value`, the baseline a model's MSE must beat to have
// learnt anything from the marks. NaN for an empty target.
inline double constant_prediction_mse(const std::vector<double>& target, double value) {
  if (target.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (double t : target) s += (t - value) * (t - value);
  return s / static_cast<double>(target.size());
}

// The mean of v (NaN when empty).
inline double mean_of_values(const std::vector<double>& v) {
  return v.empty() ? std::numeric_limits<double>::quiet_NaN() : metrics_detail::mean(v);
}

// The population standard deviation, sqrt(mean of (v - mean)^2) (numpy's np.std, ddof 0): it is
// compared between two series of one length (predictions against targets), where the n - 1
// correction cancels. 0 for a constant series, NaN when empty.
inline double standard_deviation(const std::vector<double>& v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (metrics_detail::all_equal(v)) return 0.0;  // exactly, whatever the rounding of the mean
  const double m = metrics_detail::mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

// Every figure of a prediction against its target, as the programs report them (metrics.json
// "test", `deepdiff eval`). `mean_y_train`: the training genes' mean target, the constant whose
// MSE is the baseline (NaN: unknown, and mse_train_mean is NaN).
struct PredictionScores {
  double pcc = 0, spearman = 0, r2 = 0, slope = 0;
  double mse = 0, mse_train_mean = 0;
  double sd_prediction = 0, sd_target = 0;
};

inline PredictionScores prediction_scores(const std::vector<double>& pred, const std::vector<double>& target,
                                          double mean_y_train) {
  PredictionScores s;
  s.pcc = pearson(pred, target);
  s.spearman = spearman(pred, target);
  s.r2 = r_squared(pred, target);
  s.slope = calibration_slope(pred, target);
  s.mse = mean_squared_error(pred, target);
  s.mse_train_mean = std::isnan(mean_y_train) ? mean_y_train : constant_prediction_mse(target, mean_y_train);
  s.sd_prediction = standard_deviation(pred);
  s.sd_target = standard_deviation(target);
  return s;
}

// Below this fraction of the target's standard deviation, predictions are called a
// near-constant: the model has not learnt to tell genes apart, whatever its PCC (a PCC of a
// nearly flat prediction is the correlation of its rounding-sized wiggles). Measured on
// data/sample (test sd of y 3.8): 3 epochs at the recipe's lr 1e-4 keep epoch 1 with 0.04%
// (raw_d) and 0.01% (aux); 30 epochs at lr 1e-3 give 61% (raw_d), 67% (raw_aux_siamese) and
// 6.9% (aux, whose kept epoch still barely varies), ridge 66%; on real data a 3-epoch raw_d
// run kept 0.3% (0.013 against 4.9). 5% lies in the gap between the two groups.
inline constexpr double kNearConstantSdFraction = 0.05;

inline bool near_constant_prediction(const PredictionScores& s) {
  return s.sd_target > 0 && s.sd_prediction < kNearConstantSdFraction * s.sd_target;
}

}  // namespace deepdiff
