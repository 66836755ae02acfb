// The `ridge` baseline (spec, "Baselines"): y ~ w.z + b on the standardized summary features.
//
// Dimension legend: N genes, F = 3*M*W summary features (data/summary_features.hpp).
//
//   z_j = (x_j - mean_j) / sd_j    mean, population sd of the training genes; a constant
//                                  training column has sd 0 and z_j = 0 everywhere
//   minimize  sum_n (y_n - w.z_n - b)^2 + lambda |w|^2      (b not penalized)
//
// The training z have mean 0, so b = mean(y) and w solves the centered normal equations
//   (Z^T Z + lambda I) w = Z^T (y - mean(y)),       Z: [N, F], Gram Z^T Z: [F, F]
// by a Cholesky factorization in double (lambda > 0 makes the matrix positive definite even
// though B - A is a linear function of A and B). lambda is chosen from {1e-3, ..., 1e4} by the
// Pearson correlation of the validation predictions, ties going to the larger lambda (more
// shrinkage for the same score); the chosen model is the one fitted on the training genes.
//
// "Constant" means every training value equal, tested exactly: sd computed from a mean that is
// off by one ulp would be 1e-17, not 0, and would blow rounding noise up into a feature.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/metrics.hpp"
#include "deepdiff/data/summary_features.hpp"
#include "deepdiff/io/checkpoint.hpp"
#include "deepdiff/io/number_format.hpp"
#include "deepdiff/model/baseline_common.hpp"

namespace deepdiff {

struct RidgeModel {
  Index bins = 0, marks = 0, windows = 10;
  std::vector<double> mean, sd, weights;  // [F] each; weights act on the standardized features
  double bias = 0, lambda = 0;
  std::vector<double> lambdas, valid_pcc;  // the search: each lambda tried and its validation PCC (NaN: constant predictions)
};

// The spec's grid, 1e-3 .. 1e4 (decimal literals, so the values are the doubles nearest them).
inline const std::vector<double>& ridge_lambdas() {
  static const std::vector<double> grid = {1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4};
  return grid;
}

namespace ridge_detail {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Z [N, F]: x standardized with the model's mean and sd (sd 0 -> 0).
inline RowMatrix standardize(const std::vector<double>& x, Index N, const std::vector<double>& mean,
                             const std::vector<double>& sd) {
  const Index F = static_cast<Index>(mean.size());
  RowMatrix z(N, F);
  for (Index n = 0; n < N; ++n)
    for (Index j = 0; j < F; ++j) {
      const std::size_t k = static_cast<std::size_t>(j);
      z(n, j) = sd[k] > 0 ? (x[static_cast<std::size_t>(n * F + j)] - mean[k]) / sd[k] : 0.0;
    }
  return z;
}

// prediction = Z w + b, one gene at a time in feature order.
inline std::vector<double> predict_standardized(const RowMatrix& z, const std::vector<double>& w, double b) {
  std::vector<double> p(static_cast<std::size_t>(z.rows()));
  for (Index n = 0; n < z.rows(); ++n) {
    double s = 0;
    for (Index j = 0; j < z.cols(); ++j) s += z(n, j) * w[static_cast<std::size_t>(j)];
    p[static_cast<std::size_t>(n)] = s + b;
  }
  return p;
}

}  // namespace ridge_detail

inline RidgeModel fit_ridge(const Split& train, const Split& valid, Index windows = 10) {
  namespace bd = baseline_detail;
  namespace rd = ridge_detail;
  bd::check_splits("ridge", train, valid, windows, 2);
  RidgeModel m;
  m.bins = train.bins;
  m.marks = train.marks;
  m.windows = windows;
  const Index N = train.genes(), F = summary_feature_count(m.marks, windows);
  const std::vector<double> x = summary_features(train.xa.data(), train.xb.data(), N, m.bins, m.marks, windows);
  const std::vector<double> xv =
      summary_features(valid.xa.data(), valid.xb.data(), valid.genes(), m.bins, m.marks, windows);
  const std::vector<double> y = bd::targets(train), yv = bd::targets(valid);

  // Training mean and population sd per feature (two passes, exact constant test).
  m.mean.assign(static_cast<std::size_t>(F), 0.0);
  m.sd.assign(static_cast<std::size_t>(F), 0.0);
  for (Index j = 0; j < F; ++j) {
    const std::size_t k = static_cast<std::size_t>(j);
    bool constant = true;
    double s = 0;
    for (Index n = 0; n < N; ++n) {
      const double v = x[static_cast<std::size_t>(n * F + j)];
      s += v;
      constant = constant && v == x[k];
    }
    m.mean[k] = constant ? x[k] : s / static_cast<double>(N);
    if (constant) continue;
    double ss = 0;
    for (Index n = 0; n < N; ++n) {
      const double d = x[static_cast<std::size_t>(n * F + j)] - m.mean[k];
      ss += d * d;
    }
    m.sd[k] = std::sqrt(ss / static_cast<double>(N));
  }

  const rd::RowMatrix z = rd::standardize(x, N, m.mean, m.sd);    // [N, F]
  const rd::RowMatrix zv = rd::standardize(xv, valid.genes(), m.mean, m.sd);
  double ymean = 0;
  for (double v : y) ymean += v;
  ymean /= static_cast<double>(N);
  Eigen::VectorXd yc(N);  // [N] centered targets
  for (Index n = 0; n < N; ++n) yc(n) = y[static_cast<std::size_t>(n)] - ymean;
  Eigen::MatrixXd gram(F, F);  // Z^T Z
  gram.noalias() = z.transpose() * z;
  Eigen::VectorXd rhs(F);  // Z^T (y - mean y)
  rhs.noalias() = z.transpose() * yc;

  m.bias = ymean;
  double best = -std::numeric_limits<double>::infinity();
  bool any = false;
  for (double lambda : ridge_lambdas()) {
    Eigen::MatrixXd a = gram;
    a.diagonal().array() += lambda;
    const Eigen::LLT<Eigen::MatrixXd> llt(a);
    if (llt.info() != Eigen::Success)
      throw std::runtime_error("ridge: the Cholesky factorization failed at lambda " + format_number(lambda) +
                               " (non-finite features?)");
    const Eigen::VectorXd w = llt.solve(rhs);
    std::vector<double> wv(w.data(), w.data() + F);
    const std::vector<double> pv = rd::predict_standardized(zv, wv, ymean);
    const double pcc = pearson(pv, yv);  // NaN for equal predictions (data/metrics.hpp)
    m.lambdas.push_back(lambda);
    m.valid_pcc.push_back(pcc);
    // >= on an ascending grid: a tie goes to the larger lambda. NaN (constant predictions)
    // loses to any number; when every lambda gives NaN the largest one is kept.
    const bool better = !any || (std::isnan(pcc) ? std::isnan(best) : (std::isnan(best) || pcc >= best));
    if (better) {
      best = pcc;
      m.lambda = lambda;
      m.weights = std::move(wv);
      any = true;
    }
  }
  return m;
}

// Predictions for N genes: xa, xb [N, T, M] with the model's T and M.
inline std::vector<double> predict_ridge(const RidgeModel& m, const float* xa, const float* xb, Index N) {
  const std::vector<double> x = summary_features(xa, xb, N, m.bins, m.marks, m.windows);
  return ridge_detail::predict_standardized(ridge_detail::standardize(x, N, m.mean, m.sd), m.weights, m.bias);
}

// float64 values (scalar_bytes 8): the loaded model predicts bit for bit what this one does.
// hidden1/hidden2 = 0: every checkpoint carries them (docs/checkpoint-format.md); ridge has none.
inline Checkpoint ridge_checkpoint(const RidgeModel& m) {
  const Index F = summary_feature_count(m.marks, m.windows);
  if (static_cast<Index>(m.mean.size()) != F || static_cast<Index>(m.sd.size()) != F ||
      static_cast<Index>(m.weights.size()) != F)
    throw std::invalid_argument("ridge_checkpoint: the model's vectors do not have 3*marks*windows entries");
  Checkpoint ck;
  ck.scalar_bytes = 8;
  ck.meta = {{"model", "ridge"},
             {"variant", "ridge"},
             {"bins", std::to_string(m.bins)},
             {"marks", std::to_string(m.marks)},
             {"windows", std::to_string(m.windows)},
             {"lambda", format_number(m.lambda)},
             {"hidden1", "0"},
             {"hidden2", "0"}};
  ck.tensors.push_back({"ridge.mean", {F}, m.mean});
  ck.tensors.push_back({"ridge.sd", {F}, m.sd});
  ck.tensors.push_back({"ridge.weight", {F}, m.weights});
  ck.tensors.push_back({"ridge.bias", {1}, {m.bias}});
  return ck;
}

// Checks every entry; a CheckpointError names the first one that is wrong.
inline RidgeModel ridge_from_checkpoint(const Checkpoint& ck, const std::string& path) {
  namespace bd = baseline_detail;
  bd::expect_meta(ck, "model", "ridge", path);
  bd::expect_meta(ck, "variant", "ridge", path);
  RidgeModel m;
  constexpr long long kMax = 1LL << 24;  // far above any real T or M; keeps 3*M*W from overflowing
  m.bins = static_cast<Index>(checkpoint_meta_integer(ck, "bins", 1, kMax, path));
  m.marks = static_cast<Index>(checkpoint_meta_integer(ck, "marks", 1, kMax, path));
  m.windows = static_cast<Index>(checkpoint_meta_integer(ck, "windows", 1, m.bins, path));
  const std::string& ls = checkpoint_meta(ck, "lambda", path);
  double lambda = 0;
  const auto r = std::from_chars(ls.data(), ls.data() + ls.size(), lambda);
  if (ls.empty() || r.ec != std::errc() || r.ptr != ls.data() + ls.size() || !std::isfinite(lambda) || lambda <= 0)
    throw CheckpointError(path, "checkpoint entry lambda='" + ls + "' is not a positive number");
  m.lambda = lambda;
  const Index F = summary_feature_count(m.marks, m.windows);
  bd::only_tensors(ck, {"ridge.mean", "ridge.sd", "ridge.weight", "ridge.bias"}, path);
  m.mean = bd::tensor(ck, "ridge.mean", {F}, path).values;
  m.sd = bd::tensor(ck, "ridge.sd", {F}, path).values;
  for (std::size_t j = 0; j < m.sd.size(); ++j)
    if (m.sd[j] < 0) throw CheckpointError(path, "tensor 'ridge.sd' holds a negative value at index " + std::to_string(j));
  m.weights = bd::tensor(ck, "ridge.weight", {F}, path).values;
  m.bias = bd::tensor(ck, "ridge.bias", {1}, path).values[0];
  return m;
}

}  // namespace deepdiff
