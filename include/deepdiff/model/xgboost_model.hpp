// The `xgboost` baseline (spec, "Baselines"): gradient-boosted regression trees from the
// XGBoost library (C API, xgboost/c_api.h) on the raw summary features (data/summary_features.hpp).
// Needs libxgboost: CMake's deepdiff::xgboost target (DEEPDIFF_HAVE_XGBOOST=1) where it is found.
//
// Dimension legend: N genes, F = 3*M*W summary features, R boosting rounds.
//
// Parameters exactly as the spec: reg:squarederror, max_depth 6, eta 0.05, subsample 0.8,
// colsample_bytree 0.8, min_child_weight 1, lambda 1, tree_method hist, seed = the run's seed;
// up to 2,000 rounds; after each round the validation RMSE (XGBoost's own rmse metric, read
// from the evaluation string as Python's xgb.train reads it) decides early stopping: a round
// improves when its RMSE is strictly below the best so far, so the first of equal RMSEs is the
// best iteration; training stops after `patience` rounds without improvement. This is the
// Python package's EarlyStopping callback step for step, so xgb.train(..., early_stopping_rounds
// = 50) gives the same best_iteration and the same trees (tests/model/test_xgboost_reference.py).
// Predictions use trees [0, best_iteration + 1) only.
//
// Threads: XGBoost's hist method gives the same trees for 1 and 2 threads (checked by
// tests/model/test_xgboost.cpp), so `threads` only changes the speed.
//
// Every C call is checked; its failure becomes a std::runtime_error carrying XGBGetLastError().
// Handles are freed by small RAII owners, also when an exception passes.
#pragma once

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/summary_features.hpp"
#include "deepdiff/io/checkpoint.hpp"
#include "deepdiff/model/baseline_common.hpp"

namespace deepdiff {

struct XGBoostOptions {
  std::uint64_t seed = 1;
  int max_rounds = 2000;
  int patience = 50;
  int threads = 0;  // 0 = OpenMP default (XGBoost's nthread 0)
  std::function<void(int round, double valid_rmse)> progress;  // after each round, if set
};

struct XGBoostModel {
  Index bins = 0, marks = 0, windows = 10;
  std::vector<std::uint8_t> booster;  // every round's trees, XGBoost's UBJSON model format
  int best_iteration = -1;            // 0-based round with the lowest validation RMSE
  int rounds = 0;                     // rounds trained (R)
  std::vector<double> valid_rmse;     // [R]
};

namespace xgb_detail {

inline void check(int rc, const char* call) {
  if (rc != 0) throw std::runtime_error(std::string("xgboost: ") + call + " failed: " + XGBGetLastError());
}

class DMatrix {
 public:
  DMatrix() = default;
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
  DMatrixHandle h = nullptr;
};

class Booster {
 public:
  Booster() = default;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster() {
    if (h) XGBoosterFree(h);
  }
  BoosterHandle h = nullptr;
};

// The summary features as XGBoost's float32 [N, F] matrix, labels y when given.
inline void make_dmatrix(DMatrix& d, const float* xa, const float* xb, Index N, Index T, Index M, Index W,
                         const std::vector<double>* y) {
  const std::vector<double> x = summary_features(xa, xb, N, T, M, W);
  const std::vector<float> xf(x.begin(), x.end());
  check(XGDMatrixCreateFromMat(xf.data(), static_cast<bst_ulong>(N),
                               static_cast<bst_ulong>(summary_feature_count(M, W)),
                               std::numeric_limits<float>::quiet_NaN(), &d.h),
        "XGDMatrixCreateFromMat");
  if (y) {
    const std::vector<float> yf(y->begin(), y->end());
    check(XGDMatrixSetFloatInfo(d.h, "label", yf.data(), static_cast<bst_ulong>(yf.size())), "XGDMatrixSetFloatInfo");
  }
}

inline void set_param(BoosterHandle h, const char* key, const std::string& value) {
  check(XGBoosterSetParam(h, key, value.c_str()), ("XGBoosterSetParam(" + std::string(key) + ")").c_str());
}

// The number after "valid-rmse:" in XGBoost's evaluation string ("[12]\tvalid-rmse:0.73...").
inline double parse_rmse(const char* text) {
  const std::string s(text);
  const std::string key = "valid-rmse:";
  const std::size_t at = s.find(key);
  if (at == std::string::npos) throw std::runtime_error("xgboost: no valid-rmse in the evaluation '" + s + "'");
  const char* begin = s.c_str() + at + key.size();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(v)) throw std::runtime_error("xgboost: cannot read the RMSE in '" + s + "'");
  return v;
}

inline void load_booster(Booster& b, const std::vector<std::uint8_t>& bytes, int threads) {
  check(XGBoosterCreate(nullptr, 0, &b.h), "XGBoosterCreate");
  check(XGBoosterLoadModelFromBuffer(b.h, bytes.data(), static_cast<bst_ulong>(bytes.size())),
        "XGBoosterLoadModelFromBuffer");
  if (threads > 0) set_param(b.h, "nthread", std::to_string(threads));
}

}  // namespace xgb_detail

inline XGBoostModel fit_xgboost(const Split& train, const Split& valid, const XGBoostOptions& opt = {}) {
  namespace xd = xgb_detail;
  constexpr Index W = 10;
  baseline_detail::check_splits("xgboost", train, valid, W, 1);
  if (opt.max_rounds < 1 || opt.patience < 1 || opt.threads < 0)
    throw std::invalid_argument("xgboost: max_rounds and patience must be >= 1 and threads >= 0");
  XGBoostModel m;
  m.bins = train.bins;
  m.marks = train.marks;
  m.windows = W;
  const std::vector<double> y = baseline_detail::targets(train), yv = baseline_detail::targets(valid);
  xd::DMatrix dtrain, dvalid;
  xd::make_dmatrix(dtrain, train.xa.data(), train.xb.data(), train.genes(), m.bins, m.marks, W, &y);
  xd::make_dmatrix(dvalid, valid.xa.data(), valid.xb.data(), valid.genes(), m.bins, m.marks, W, &yv);

  xd::Booster b;
  DMatrixHandle cache[2] = {dtrain.h, dvalid.h};  // as xgb.train: [dtrain] + the eval sets
  xd::check(XGBoosterCreate(cache, 2, &b.h), "XGBoosterCreate");
  xd::set_param(b.h, "validate_parameters", "1");  // a misspelt name is an error, not ignored
  xd::set_param(b.h, "objective", "reg:squarederror");
  xd::set_param(b.h, "max_depth", "6");
  xd::set_param(b.h, "eta", "0.05");
  xd::set_param(b.h, "subsample", "0.8");
  xd::set_param(b.h, "colsample_bytree", "0.8");
  xd::set_param(b.h, "min_child_weight", "1");
  xd::set_param(b.h, "lambda", "1");
  xd::set_param(b.h, "tree_method", "hist");
  xd::set_param(b.h, "eval_metric", "rmse");
  xd::set_param(b.h, "seed", std::to_string(opt.seed));
  if (opt.threads > 0) xd::set_param(b.h, "nthread", std::to_string(opt.threads));

  DMatrixHandle evals[1] = {dvalid.h};
  const char* names[1] = {"valid"};
  double best = 0;
  int since_best = 0;
  for (int round = 0; round < opt.max_rounds; ++round) {
    xd::check(XGBoosterUpdateOneIter(b.h, round, dtrain.h), "XGBoosterUpdateOneIter");
    const char* text = nullptr;
    xd::check(XGBoosterEvalOneIter(b.h, round, evals, names, 1, &text), "XGBoosterEvalOneIter");
    const double rmse = xd::parse_rmse(text);
    m.valid_rmse.push_back(rmse);
    m.rounds = round + 1;
    if (round == 0 || rmse < best) {  // strictly lower: the first of equal RMSEs stays best
      best = rmse;
      m.best_iteration = round;
      since_best = 0;
    } else {
      ++since_best;
    }
    if (opt.progress) opt.progress(round, rmse);
    if (since_best >= opt.patience) break;
  }
  bst_ulong len = 0;
  const char* bytes = nullptr;
  xd::check(XGBoosterSaveModelToBuffer(b.h, "{\"format\": \"ubj\"}", &len, &bytes), "XGBoosterSaveModelToBuffer");
  m.booster.assign(reinterpret_cast<const std::uint8_t*>(bytes), reinterpret_cast<const std::uint8_t*>(bytes) + len);
  return m;
}

// Predictions for N genes (xa, xb [N, T, M] with the model's T and M) from trees
// [0, best_iteration + 1). threads as XGBoostOptions::threads (the result does not depend on it).
inline std::vector<double> predict_xgboost(const XGBoostModel& m, const float* xa, const float* xb, Index N,
                                           int threads = 0) {
  namespace xd = xgb_detail;
  if (m.best_iteration < 0 || m.booster.empty()) throw std::invalid_argument("predict_xgboost: the model is empty");
  if (N == 0) return {};
  xd::Booster b;
  xd::load_booster(b, m.booster, threads);
  xd::DMatrix d;
  xd::make_dmatrix(d, xa, xb, N, m.bins, m.marks, m.windows, nullptr);
  const std::string config = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": " +
                             std::to_string(m.best_iteration + 1) + ", \"strict_shape\": false}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  xd::check(XGBoosterPredictFromDMatrix(b.h, d.h, config.c_str(), &shape, &dim, &out), "XGBoosterPredictFromDMatrix");
  if (dim != 1 || shape[0] != static_cast<bst_ulong>(N))
    throw std::runtime_error("xgboost: prediction has an unexpected shape");
  return std::vector<double>(out, out + N);
}

// Checkpoint (docs/checkpoint-format.md, "XGBoost baseline"): float64 values; the booster's
// bytes packed 6 to a value (b0 + 256 b1 + ... + 256^5 b5 < 2^48, exact in a double, the last
// value zero-padded), meta booster_bytes = their count. valid_rmse is kept exactly.
inline Checkpoint xgboost_checkpoint(const XGBoostModel& m) {
  if (m.best_iteration < 0 || m.best_iteration >= m.rounds || static_cast<int>(m.valid_rmse.size()) != m.rounds ||
      m.booster.empty())
    throw std::invalid_argument("xgboost_checkpoint: the model is empty or its counters disagree");
  Checkpoint ck;
  ck.scalar_bytes = 8;
  ck.meta = {{"model", "xgboost"},
             {"variant", "xgboost"},
             {"bins", std::to_string(m.bins)},
             {"marks", std::to_string(m.marks)},
             {"windows", std::to_string(m.windows)},
             {"best_iteration", std::to_string(m.best_iteration)},
             {"rounds", std::to_string(m.rounds)},
             {"booster_format", "ubj"},
             {"booster_bytes", std::to_string(m.booster.size())},
             {"hidden1", "0"},
             {"hidden2", "0"}};
  const std::size_t n = (m.booster.size() + 5) / 6;
  std::vector<double> packed(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < 6 && 6 * i + k < m.booster.size(); ++k)
      v |= static_cast<std::uint64_t>(m.booster[6 * i + k]) << (8 * k);
    packed[i] = static_cast<double>(v);
  }
  ck.tensors.push_back({"xgboost.booster", {static_cast<Index>(n)}, std::move(packed)});
  ck.tensors.push_back({"xgboost.valid_rmse", {static_cast<Index>(m.rounds)}, m.valid_rmse});
  return ck;
}

// Checks every entry, and that XGBoost loads the booster with R rounds and F features;
// a CheckpointError names the first thing that is wrong.
inline XGBoostModel xgboost_from_checkpoint(const Checkpoint& ck, const std::string& path) {
  namespace bd = baseline_detail;
  bd::expect_meta(ck, "model", "xgboost", path);
  bd::expect_meta(ck, "variant", "xgboost", path);
  bd::expect_meta(ck, "booster_format", "ubj", path);
  XGBoostModel m;
  constexpr long long kMax = 1LL << 24;
  m.bins = static_cast<Index>(checkpoint_meta_integer(ck, "bins", 1, kMax, path));
  m.marks = static_cast<Index>(checkpoint_meta_integer(ck, "marks", 1, kMax, path));
  m.windows = static_cast<Index>(checkpoint_meta_integer(ck, "windows", 1, m.bins, path));
  m.rounds = static_cast<int>(checkpoint_meta_integer(ck, "rounds", 1, std::numeric_limits<int>::max(), path));
  m.best_iteration = static_cast<int>(checkpoint_meta_integer(ck, "best_iteration", 0, m.rounds - 1, path));
  const long long nbytes = checkpoint_meta_integer(ck, "booster_bytes", 1, std::numeric_limits<long long>::max() / 2, path);
  bd::only_tensors(ck, {"xgboost.booster", "xgboost.valid_rmse"}, path);
  const NamedArray& packed = bd::tensor(ck, "xgboost.booster", {static_cast<Index>((nbytes + 5) / 6)}, path);
  m.booster.resize(static_cast<std::size_t>(nbytes));
  for (std::size_t i = 0; i < packed.values.size(); ++i) {
    const double v = packed.values[i];
    if (!(v >= 0 && v < 281474976710656.0) || v != std::floor(v))  // 2^48
      throw CheckpointError(path, "tensor 'xgboost.booster' value " + std::to_string(i) + " is not an integer in [0, 2^48)");
    const std::uint64_t u = static_cast<std::uint64_t>(v);
    for (std::size_t k = 0; k < 6; ++k) {
      const std::uint8_t byte = static_cast<std::uint8_t>((u >> (8 * k)) & 0xFF);
      if (6 * i + k < m.booster.size())
        m.booster[6 * i + k] = byte;
      else if (byte != 0)
        throw CheckpointError(path, "tensor 'xgboost.booster' has non-zero padding past booster_bytes");
    }
  }
  m.valid_rmse = bd::tensor(ck, "xgboost.valid_rmse", {static_cast<Index>(m.rounds)}, path).values;
  for (std::size_t i = 0; i < m.valid_rmse.size(); ++i)
    if (m.valid_rmse[i] < 0)
      throw CheckpointError(path, "tensor 'xgboost.valid_rmse' holds a negative value at index " + std::to_string(i));

  xgb_detail::Booster b;
  try {
    xgb_detail::load_booster(b, m.booster, 1);
  } catch (const std::runtime_error& e) {
    throw CheckpointError(path, std::string("the booster is not a model XGBoost can load (") + e.what() + ")");
  }
  int boosted = 0;
  bst_ulong features = 0;
  xgb_detail::check(XGBoosterBoostedRounds(b.h, &boosted), "XGBoosterBoostedRounds");
  xgb_detail::check(XGBoosterGetNumFeature(b.h, &features), "XGBoosterGetNumFeature");
  if (boosted != m.rounds)
    throw CheckpointError(path, "the booster holds " + std::to_string(boosted) + " rounds, rounds=" + std::to_string(m.rounds));
  if (static_cast<Index>(features) != summary_feature_count(m.marks, m.windows))
    throw CheckpointError(path, "the booster takes " + std::to_string(features) + " features, the metadata make " +
                                    std::to_string(summary_feature_count(m.marks, m.windows)));
  return m;
}

}  // namespace deepdiff
