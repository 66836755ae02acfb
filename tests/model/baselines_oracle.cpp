// The C++ side of the baseline reference tests (test_ridge_reference.py, test_xgboost_reference.py).
//
//   baselines_oracle ridge   DATA_ROOT CELL_A CELL_B
//   baselines_oracle xgboost DATA_ROOT CELL_A CELL_B SEED THREADS
//       loads train/valid/test with the library's reader, fits, prints one JSON object: the
//       summary features and targets of each split, the fit's choices, and the predictions
//       (shortest round-trip numbers, so Python reads the very doubles used here).
//   baselines_oracle timing GENES
//       fit times of both baselines on GENES random-ish training genes (T = 200, M = 5: 150 features).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/summary_features.hpp"
#include "deepdiff/io/number_format.hpp"
#include "deepdiff/model/ridge.hpp"
#include "deepdiff/tensor/random.hpp"
#ifdef DEEPDIFF_HAVE_XGBOOST
#include "deepdiff/model/xgboost_model.hpp"
#endif

using namespace deepdiff;

namespace {

std::string num(double v) { return std::isfinite(v) ? format_number(v) : "null"; }

std::string array(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + num(v[i]);
  return s + "]";
}

std::string targets(const Split& s) {
  std::vector<double> y;
  for (Index g = 0; g < s.genes(); ++g) y.push_back(s.y(g));
  return array(y);
}

// "name": {"x": [N*F row-major], "y": [N]}
std::string split_json(const Split& s, Index windows) {
  return "\"" + s.name + "\": {\"genes\": " + std::to_string(s.genes()) +
         ", \"x\": " + array(summary_features(s.xa.data(), s.xb.data(), s.genes(), s.bins, s.marks, windows)) +
         ", \"y\": " + targets(s) + "}";
}

// Random-ish counts with a planted signal: a gene's level per cell and mark, Poisson-like noise.
Split random_split(Rng& rng, const std::string& name, Index genes) {
  constexpr Index T = 200, M = 5;
  Split s;
  s.name = name;
  s.bins = T;
  s.marks = M;
  s.has_expression = true;
  s.xa.resize(static_cast<std::size_t>(genes * T * M));
  s.xb.resize(s.xa.size());
  for (Index g = 0; g < genes; ++g) {
    s.gene_ids.push_back("G" + std::to_string(g));
    s.gene_symbols.push_back("");
    double la = 0, lb = 0;
    for (Index c = 0; c < 2; ++c)
      for (Index m = 0; m < M; ++m) {
        const double level = 3.0 * rng.uniform();
        (c == 0 ? la : lb) += m == 1 ? level : -0.2 * level;
        float* x = (c == 0 ? s.xa : s.xb).data() + g * T * M;
        for (Index t = 0; t < T; ++t) x[t * M + m] = static_cast<float>(static_cast<int>(level * 2.0 * rng.uniform()));
      }
    s.ea.push_back(std::exp2(2.0 + la + 0.3 * rng.normal()));
    s.eb.push_back(std::exp2(2.0 + lb + 0.3 * rng.normal()));
  }
  return s;
}

int timing(Index genes) {
  Rng rng(7);
  const Split train = random_split(rng, "train", genes), valid = random_split(rng, "valid", genes / 5);
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  const RidgeModel r = fit_ridge(train, valid);
  const double ridge_s = std::chrono::duration<double>(clock::now() - t0).count();
  std::printf("ridge: %lld train genes x 150 features, 8 lambdas: %.3f s (lambda %g, valid PCC %.4f)\n",
              static_cast<long long>(genes), ridge_s, r.lambda, r.valid_pcc.back());
#ifdef DEEPDIFF_HAVE_XGBOOST
  t0 = clock::now();
  const XGBoostModel x = fit_xgboost(train, valid);
  const double xgb_s = std::chrono::duration<double>(clock::now() - t0).count();
  std::printf("xgboost: %lld train genes x 150 features: %.3f s, %d rounds (%.2f ms/round), best iteration %d\n",
              static_cast<long long>(genes), xgb_s, x.rounds, 1e3 * xgb_s / x.rounds, x.best_iteration);
#else
  std::printf("xgboost: built without the XGBoost C API\n");
#endif
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string what = argc > 1 ? argv[1] : "";
    if (what == "timing" && argc == 3) return timing(std::atoll(argv[2]));
    if (!((what == "ridge" && argc == 5) || (what == "xgboost" && argc == 7))) {
      std::cerr << "usage: baselines_oracle ridge DATA_ROOT CELL_A CELL_B\n"
                   "       baselines_oracle xgboost DATA_ROOT CELL_A CELL_B SEED THREADS\n"
                   "       baselines_oracle timing GENES\n";
      return 2;
    }
    const Split train = load_split(argv[2], argv[3], argv[4], "train");
    const Split valid = load_split(argv[2], argv[3], argv[4], "valid");
    const Split test = load_split(argv[2], argv[3], argv[4], "test");
    std::string out = "{" + split_json(train, 10) + ", " + split_json(valid, 10) + ", " + split_json(test, 10);
    if (what == "ridge") {
      const RidgeModel m = fit_ridge(train, valid);
      out += ", \"lambda\": " + num(m.lambda) + ", \"lambdas\": " + array(m.lambdas) +
             ", \"valid_pcc\": " + array(m.valid_pcc) +
             ", \"pred_valid\": " + array(predict_ridge(m, valid.xa.data(), valid.xb.data(), valid.genes())) +
             ", \"pred_test\": " + array(predict_ridge(m, test.xa.data(), test.xb.data(), test.genes()));
    } else {
#ifdef DEEPDIFF_HAVE_XGBOOST
      XGBoostOptions opt;
      opt.seed = std::strtoull(argv[5], nullptr, 10);
      opt.threads = std::atoi(argv[6]);
      const XGBoostModel m = fit_xgboost(train, valid, opt);
      out += ", \"best_iteration\": " + std::to_string(m.best_iteration) + ", \"rounds\": " + std::to_string(m.rounds) +
             ", \"valid_rmse\": " + array(m.valid_rmse) +
             ", \"pred_valid\": " + array(predict_xgboost(m, valid.xa.data(), valid.xb.data(), valid.genes())) +
             ", \"pred_test\": " + array(predict_xgboost(m, test.xa.data(), test.xb.data(), test.genes()));
#else
      std::cerr << "baselines_oracle: built without the XGBoost C API\n";
      return 77;
#endif
    }
    std::cout << out << "}\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "baselines_oracle: " << e.what() << "\n";
    return 1;
  }
}
