// AnyModel: one model of the study, whichever it is - a DeepDiff variant or one of the four
// baselines of the spec ("Baselines") - behind the few operations every command needs:
// load it from a checkpoint (the file's "model" entry says which; files written before the
// baselines hold a variant), write it back, and predict a split. `deepdiff eval`, `predict`
// and `attention`, deepdiff-pairs and the Python package go through here, so a baseline is
// a first-class model everywhere without each caller knowing the five kinds.
//
//   AnyModel m = load_any_model("run/checkpoint.bin");
//   Predictions p = predict_any(m, test, 10, false);   // p.pred: y for every gene
//
// Plain data: the one member that matches `name` is set. The xgboost baseline needs the
// XGBoost C API (CMake target deepdiff::xgboost defines DEEPDIFF_HAVE_XGBOOST); without it
// an xgboost checkpoint is refused with that reason.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/expression_scale.hpp"
#include "deepdiff/io/checkpoint.hpp"
#include "deepdiff/model/attentivechrome.hpp"
#include "deepdiff/model/baseline_io.hpp"
#include "deepdiff/model/deepchrome.hpp"
#include "deepdiff/model/deepdiff_model.hpp"
#include "deepdiff/model/model_io.hpp"
#include "deepdiff/model/ridge.hpp"
#include "deepdiff/train/fit.hpp"
#include "deepdiff/train/trainer.hpp"
#ifdef DEEPDIFF_HAVE_XGBOOST
#include "deepdiff/model/xgboost_model.hpp"
#endif

namespace deepdiff {

// Whether this build has the xgboost baseline.
constexpr bool xgboost_available() {
#ifdef DEEPDIFF_HAVE_XGBOOST
  return true;
#else
  return false;
#endif
}

inline std::string xgboost_missing_reason() {
  return "this build of deepdiff has no XGBoost (the xgboost baseline needs the XGBoost C API: apt-get install "
         "libxgboost-dev, then configure and build again)";
}

struct AnyModel {
  std::string name;                                       // one of model_names()
  std::unique_ptr<DeepDiff<float>> deepdiff;              // the seven variants
  std::unique_ptr<DeepChrome<float>> deepchrome;          // deepchrome
  std::unique_ptr<AttentiveChrome<float>> cell_a, cell_b; // attentivechrome_diff: f_A, f_B
  std::optional<RidgeModel> ridge;                        // ridge
#ifdef DEEPDIFF_HAVE_XGBOOST
  std::optional<XGBoostModel> xgboost;                    // xgboost
#endif
  // The scaling of the targets it was trained on (data/expression_scale.hpp), kept in its
  // checkpoint's metadata, so that eval and predict score it on targets of the same scale.
  ExpressionScaling target_scaling;
};

// A model of kind `name` for data of `bins` x `marks` (hidden1: the level-1 size of the
// variants and of attentivechrome_diff), its parameters zero until init_any_model. Throws
// std::invalid_argument for an unknown name, sizes the kind cannot take (deepchrome needs 14
// bins), or xgboost in a build without XGBoost. ridge and xgboost hold nothing until fitted.
inline AnyModel make_any_model(const std::string& name, Index bins, Index marks, Index hidden1 = 32) {
  AnyModel m;
  m.name = check_model_name(name);
  if (is_variant_name(name)) {
    ModelConfig c;
    c.variant = parse_variant(name);
    c.bins = bins;
    c.marks = marks;
    c.hidden1 = hidden1;
    m.deepdiff = std::make_unique<DeepDiff<float>>(c);
  } else if (name == "deepchrome") {
    DeepChromeConfig c;
    c.bins = bins;
    c.marks = marks;
    m.deepchrome = std::make_unique<DeepChrome<float>>(c);
  } else if (name == "attentivechrome_diff") {
    AttentiveChromeConfig c;
    c.bins = bins;
    c.marks = marks;
    c.hidden1 = hidden1;
    m.cell_a = std::make_unique<AttentiveChrome<float>>(c);
    c.cell = AttentiveChromeCell::b;
    m.cell_b = std::make_unique<AttentiveChrome<float>>(c);
  } else if (name == "xgboost" && !xgboost_available()) {
    throw std::invalid_argument(xgboost_missing_reason());
  } else if (bins < 1 || marks < 1) {
    throw std::invalid_argument(name + ": bins and marks must be >= 1");
  }
  return m;
}

// The published initialization, uniform(-0.1, 0.1) from Rng(seed), of a neural model's
// parameters; attentivechrome_diff's two models each from their own Rng(seed), as each is
// trained alone with the run's seed. ridge and xgboost: nothing to do.
inline void init_any_model(AnyModel& m, std::uint64_t seed) {
  const auto init = [seed](ParameterStore<float>& s) {
    Rng rng(seed);
    s.init_uniform(rng, -0.1, 0.1);
  };
  if (m.deepdiff) init(m.deepdiff->params());
  if (m.deepchrome) init(m.deepchrome->params());
  if (m.cell_a) init(m.cell_a->params());
  if (m.cell_b) init(m.cell_b->params());
}

// The precision of the LSTM products (level 1 and 2; tensor/bfloat16.hpp) of the kinds that have
// them: the seven variants and attentivechrome_diff. deepchrome (a CNN), ridge and xgboost have
// none and compute as before. Not saved: a checkpoint predicts in either precision.
inline void set_any_precision(AnyModel& m, kernels::Precision p) {
  if (m.deepdiff) m.deepdiff->set_precision(p);
  if (m.cell_a) m.cell_a->set_precision(p);
  if (m.cell_b) m.cell_b->set_precision(p);
}

// Parameters of the neural kinds (both cells' for attentivechrome_diff); 0 for ridge, xgboost.
inline Index any_parameter_count(const AnyModel& m) {
  if (m.deepdiff) return m.deepdiff->params().numel();
  if (m.deepchrome) return m.deepchrome->params().numel();
  if (m.cell_a) return m.cell_a->params().numel() + m.cell_b->params().numel();
  return 0;
}

struct AnyFitOptions {
  // The recipe of the neural kinds (deepdiff::fit; attentivechrome_diff trains each cell
  // with it, their state files named after fit.state_file with _a / _b: state_a.bin). ridge
  // ignores it; xgboost takes its seed.
  FitOptions fit;
  int threads = 0;  // xgboost's threads (0: OpenMP's default); the others use OpenMP's setting
  // Hooks of each neural fit, by its part: "" (one model), "cell A", "cell B".
  std::function<FitHooks<float>(const std::string& part)> hooks;
  std::function<void(int round, double valid_rmse)> xgboost_progress;
};

struct AnyFitResult {
  // Each neural fit: ("", result) or ("cell A", ...), ("cell B", ...); empty for ridge, xgboost.
  std::vector<std::pair<std::string, FitResult<float>>> parts;
  double seconds = 0;  // fitting time (the epochs' training and validation, or the fit)
};

// Trains `m` on data.train, selecting on data.valid, as the spec's row for its kind says: the
// recipe for the variants, deepchrome and each cell of attentivechrome_diff (which ends with
// each holding its best epoch); the closed form with the validation choice of lambda (ridge);
// boosting with early stopping (xgboost). data.test is not used (predict_any scores it).
// Throws fit's errors (RecipeMismatch on a resume of other settings, TrainingDiverged, ...).
inline AnyFitResult fit_any(AnyModel& m, const FitData& data, const AnyFitOptions& opt) {
  AnyFitResult r;
  const FitData no_test{data.train, data.valid, nullptr};
  const auto hooks = [&](const std::string& part) { return opt.hooks ? opt.hooks(part) : FitHooks<float>{}; };
  const auto seconds = [](const FitResult<float>& f) {
    double s = 0;
    for (const EpochRecord& e : f.state.history) s += e.train_seconds + e.valid_seconds;
    return s;
  };
  if (m.deepdiff) {
    r.parts.emplace_back("", fit(*m.deepdiff, no_test, opt.fit, hooks("")));
  } else if (m.deepchrome) {
    r.parts.emplace_back("", fit(*m.deepchrome, no_test, opt.fit, hooks("")));
  } else if (m.cell_a) {
    for (bool b : {false, true}) {
      FitOptions fo = opt.fit;
      if (!fo.state_file.empty()) {
        const std::filesystem::path p(fo.state_file);
        fo.state_file = (p.parent_path() / (p.stem().string() + (b ? "_b" : "_a") + p.extension().string())).string();
      }
      const std::string part = b ? "cell B" : "cell A";
      r.parts.emplace_back(part, fit(b ? *m.cell_b : *m.cell_a, no_test, fo, hooks(part)));
    }
  } else {
    check_split_scaling(data, opt.fit.train);  // fit checks it for the neural kinds
    const auto t0 = std::chrono::steady_clock::now();
    if (m.name == "ridge") {
      m.ridge = fit_ridge(data.train, data.valid);
    } else if (m.name == "xgboost") {
#ifdef DEEPDIFF_HAVE_XGBOOST
      XGBoostOptions xo;
      xo.seed = opt.fit.train.seed;
      xo.threads = opt.threads;
      xo.progress = opt.xgboost_progress;
      m.xgboost = fit_xgboost(data.train, data.valid, xo);
#else
      throw std::invalid_argument(xgboost_missing_reason());
#endif
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }
  for (const auto& p : r.parts) r.seconds += seconds(p.second);
  return r;
}

// T bins and M marks the model expects.
inline Index any_bins(const AnyModel& m) {
  if (m.deepdiff) return m.deepdiff->config().bins;
  if (m.deepchrome) return m.deepchrome->config().bins;
  if (m.cell_a) return m.cell_a->config().bins;
  if (m.ridge) return m.ridge->bins;
#ifdef DEEPDIFF_HAVE_XGBOOST
  if (m.xgboost) return m.xgboost->bins;
#endif
  throw std::logic_error("AnyModel holds no model");
}
inline Index any_marks(const AnyModel& m) {
  if (m.deepdiff) return m.deepdiff->config().marks;
  if (m.deepchrome) return m.deepchrome->config().marks;
  if (m.cell_a) return m.cell_a->config().marks;
  if (m.ridge) return m.ridge->marks;
#ifdef DEEPDIFF_HAVE_XGBOOST
  if (m.xgboost) return m.xgboost->marks;
#endif
  throw std::logic_error("AnyModel holds no model");
}

// Names of the columns of Predictions::beta / the channels of Predictions::alpha (empty for a
// model without attention). attentivechrome_diff: A's five channels, then B's.
inline std::vector<std::string> any_beta_names(const AnyModel& m) {
  if (m.deepdiff) return m.deepdiff->beta_names();
  if (m.cell_a) {
    std::vector<std::string> n = m.cell_a->beta_names(), b = m.cell_b->beta_names();
    n.insert(n.end(), b.begin(), b.end());
    return n;
  }
  return {};
}
inline std::vector<std::string> any_alpha_names(const AnyModel& m) {
  if (m.deepdiff) return m.deepdiff->alpha_names();
  if (m.cell_a) {
    std::vector<std::string> n = m.cell_a->alpha_names(), b = m.cell_b->alpha_names();
    n.insert(n.end(), b.begin(), b.end());
    return n;
  }
  return {};
}
inline bool has_attention(const AnyModel& m) { return m.deepdiff || m.cell_a; }

// The model as a checkpoint (docs/checkpoint-format.md): meta "model" names its kind, and
// the expression_scale entries its target_scaling (none: no entries).
inline Checkpoint any_checkpoint(const AnyModel& m) {
  Checkpoint ck;
  if (m.deepdiff) ck = model_checkpoint(*m.deepdiff);
  else if (m.deepchrome) ck = model_checkpoint(*m.deepchrome);
  else if (m.cell_a) ck = attentivechrome_diff_checkpoint(*m.cell_a, *m.cell_b);
  else if (m.ridge) ck = ridge_checkpoint(*m.ridge);
#ifdef DEEPDIFF_HAVE_XGBOOST
  else if (m.xgboost) ck = xgboost_checkpoint(*m.xgboost);
#endif
  else throw std::logic_error("AnyModel holds no model");
  expression_scaling_to_meta(m.target_scaling, ck.meta);
  return ck;
}

// Reads a checkpoint of any kind. A baseline this build cannot run (xgboost without XGBoost)
// is a CheckpointError naming the reason.
inline AnyModel load_any_model(const std::string& path) {
  const Checkpoint ck = read_checkpoint(path);
  AnyModel m;
  m.name = checkpoint_model_name(ck, path);
  if (is_variant_name(m.name)) {
    m.deepdiff = std::make_unique<DeepDiff<float>>(load_model<float>(path));
  } else if (m.name == "deepchrome") {
    m.deepchrome = std::make_unique<DeepChrome<float>>(load_deepchrome<float>(ck, path));
  } else if (m.name == "attentivechrome_diff") {
    auto pair = load_attentivechrome_diff<float>(ck, path);
    m.cell_a = std::make_unique<AttentiveChrome<float>>(std::move(pair.first));
    m.cell_b = std::make_unique<AttentiveChrome<float>>(std::move(pair.second));
  } else if (m.name == "ridge") {
    m.ridge = ridge_from_checkpoint(ck, path);
  } else if (m.name == "xgboost") {
#ifdef DEEPDIFF_HAVE_XGBOOST
    m.xgboost = xgboost_from_checkpoint(ck, path);
#else
    throw CheckpointError(path, "checkpoint holds an xgboost model, but " + xgboost_missing_reason());
#endif
  } else {
    throw CheckpointError(path, "model '" + m.name + "' has no loader");  // check_model_name knows it: a gap here
  }
  try {
    m.target_scaling = expression_scaling_from_meta(ck.meta);
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(path, e.what());
  }
  return m;
}

// Predictions of N genes held as two [N, T, M] float arrays (no targets), in batches of
// `batch_size` for the neural models.
inline Predictions predict_any_arrays(AnyModel& m, const float* xa, const float* xb, Index N, Index batch_size,
                                      bool keep_alpha, const BatchProgress& progress = nullptr) {
  if (m.deepdiff) return predict_arrays(*m.deepdiff, xa, xb, N, batch_size, keep_alpha, progress);
  if (m.deepchrome) return predict_arrays(*m.deepchrome, xa, xb, N, batch_size, keep_alpha, progress);
  if (m.cell_a) {
    // y = f_B(X_B) - f_A(X_A); the two cells' predictions are the aux columns, their
    // attention side by side (A's channels, then B's), as in the aux variants' files.
    Predictions a = predict_arrays(*m.cell_a, xa, xb, N, batch_size, keep_alpha);
    Predictions b = predict_arrays(*m.cell_b, xa, xb, N, batch_size, keep_alpha, progress);
    Predictions p;
    for (std::size_t g = 0; g < a.pred.size(); ++g) p.pred.push_back(b.pred[g] - a.pred[g]);
    p.pred_a = std::move(a.pred);
    p.pred_b = std::move(b.pred);
    const Index Ka = a.beta.dim(1), Kb = b.beta.dim(1);
    p.beta = Tensor<float>(Shape{N, Ka + Kb});
    for (Index g = 0; g < N; ++g) {
      for (Index k = 0; k < Ka; ++k) p.beta(g, k) = a.beta(g, k);
      for (Index k = 0; k < Kb; ++k) p.beta(g, Ka + k) = b.beta(g, k);
    }
    if (keep_alpha) {
      const Index T = a.alpha.dim(2), per_a = Ka * T, per_b = Kb * T;
      p.alpha = Tensor<float>(Shape{N, Ka + Kb, T});
      for (Index g = 0; g < N; ++g) {
        std::copy(a.alpha.data() + g * per_a, a.alpha.data() + (g + 1) * per_a, p.alpha.data() + g * (per_a + per_b));
        std::copy(b.alpha.data() + g * per_b, b.alpha.data() + (g + 1) * per_b,
                  p.alpha.data() + g * (per_a + per_b) + per_a);
      }
    }
    return p;
  }
  Predictions p;
  if (m.ridge) p.pred = predict_ridge(*m.ridge, xa, xb, N);
#ifdef DEEPDIFF_HAVE_XGBOOST
  else if (m.xgboost) p.pred = predict_xgboost(*m.xgboost, xa, xb, N);
#endif
  else throw std::logic_error("AnyModel holds no model");
  p.beta = Tensor<float>(Shape{N, 0});
  if (progress) progress(N, N);
  return p;
}

// Predictions on every gene of `s` with its targets when it has expression: target is y
// for every kind (the cell models' own targets go to target_a / target_b).
inline Predictions predict_any(AnyModel& m, const Split& s, Index batch_size, bool keep_alpha,
                               const BatchProgress& progress = nullptr) {
  const Index N = s.genes();
  if (s.bins != any_bins(m) || s.marks != any_marks(m) || s.xa.size() != static_cast<std::size_t>(N * s.bins * s.marks) ||
      s.xb.size() != s.xa.size())
    throw std::invalid_argument("split '" + s.name + "' has " + std::to_string(s.bins) + " bins x " +
                                std::to_string(s.marks) + " marks, the model expects " + std::to_string(any_bins(m)) +
                                " x " + std::to_string(any_marks(m)));
  Predictions p = predict_any_arrays(m, s.xa.data(), s.xb.data(), N, batch_size, keep_alpha, progress);
  if (s.has_expression) {
    for (Index g = 0; g < N; ++g) {
      p.target.push_back(s.y(g));
      p.target_a.push_back(s.ya(g));
      p.target_b.push_back(s.yb(g));
    }
  }
  return p;
}

}  // namespace deepdiff
