// The xgboost baseline (model/xgboost_model.hpp). Compiled only with the XGBoost C API
// (tests/CMakeLists.txt reports test_model_xgboost skipped without it). Against the Python
// package's xgb.train: tests/model/test_xgboost_reference.py.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <deepdiff/data/metrics.hpp>
#include <deepdiff/model/xgboost_model.hpp>

#include "baseline_fixtures.hpp"
#include "test_helpers.hpp"

using namespace deepdiff;

namespace {

struct Data {
  Split train, valid, test;
};

Data planted(std::uint64_t seed, double noise) {
  Rng rng(seed);
  Data d{deepdiff_test::planted_split(rng, "train", 300, 20, 5, noise),
         deepdiff_test::planted_split(rng, "valid", 100, 20, 5, noise),
         deepdiff_test::planted_split(rng, "test", 100, 20, 5, noise)};
  return d;
}

std::vector<double> targets_of(const Split& s) {
  std::vector<double> y;
  for (Index g = 0; g < s.genes(); ++g) y.push_back(s.y(g));
  return y;
}

}  // namespace

TEST_CASE("xgboost: fits a planted rule, best iteration = first lowest validation RMSE", "[model][xgboost][baselines]") {
  const Data d = planted(11, 0.05);
  XGBoostOptions opt;
  opt.max_rounds = 400;
  int calls = 0;
  opt.progress = [&](int round, double rmse) {
    CHECK(round == calls);
    CHECK(rmse > 0);
    ++calls;
  };
  const XGBoostModel m = fit_xgboost(d.train, d.valid, opt);
  CHECK(calls == m.rounds);
  REQUIRE(static_cast<int>(m.valid_rmse.size()) == m.rounds);
  REQUIRE(m.best_iteration >= 0);
  REQUIRE(m.best_iteration < m.rounds);
  const auto first_min = std::min_element(m.valid_rmse.begin(), m.valid_rmse.end());  // the first of equal minima
  CHECK(first_min - m.valid_rmse.begin() == m.best_iteration);
  CHECK((m.rounds == opt.max_rounds || m.rounds == m.best_iteration + 1 + opt.patience));
  CHECK(m.valid_rmse.back() < m.valid_rmse.front());  // boosting learns
  const std::vector<double> p = predict_xgboost(m, d.test.xa.data(), d.test.xb.data(), d.test.genes());
  CHECK(pearson(p, targets_of(d.test)) > 0.9);
  // the validation RMSE XGBoost reported is the RMSE of these predictions (float32 predictions)
  const std::vector<double> pv = predict_xgboost(m, d.valid.xa.data(), d.valid.xb.data(), d.valid.genes());
  CHECK(std::sqrt(mean_squared_error(pv, targets_of(d.valid))) == Approx(m.valid_rmse[static_cast<std::size_t>(m.best_iteration)]).epsilon(1e-5));
}

TEST_CASE("xgboost: early stopping after `patience` rounds without improvement", "[model][xgboost][baselines]") {
  // y unrelated to the features: validation RMSE soon stops improving
  Data d = planted(12, 0.0);
  Rng rng(99);
  for (Split* s : {&d.train, &d.valid})
    for (double& e : s->eb) e = std::exp2(rng.normal()) - 1.0;
  XGBoostOptions opt;
  opt.patience = 5;
  const XGBoostModel m = fit_xgboost(d.train, d.valid, opt);
  CHECK(m.rounds < 2000);
  CHECK(m.rounds == m.best_iteration + 1 + 5);
  for (int r = m.best_iteration + 1; r < m.rounds; ++r)
    CHECK(m.valid_rmse[static_cast<std::size_t>(r)] >= m.valid_rmse[static_cast<std::size_t>(m.best_iteration)]);
}

TEST_CASE("xgboost: the same for a seed, for 1 and 2 threads, another seed differs", "[model][xgboost][baselines]") {
  const Data d = planted(13, 0.3);
  XGBoostOptions opt;
  opt.max_rounds = 150;
  opt.seed = 5;
  opt.threads = 1;
  const XGBoostModel a = fit_xgboost(d.train, d.valid, opt);
  opt.threads = 2;
  const XGBoostModel b = fit_xgboost(d.train, d.valid, opt);
  const XGBoostModel b2 = fit_xgboost(d.train, d.valid, opt);
  opt.seed = 6;
  const XGBoostModel c = fit_xgboost(d.train, d.valid, opt);
  auto pred = [&](const XGBoostModel& m, int threads) {
    return predict_xgboost(m, d.test.xa.data(), d.test.xb.data(), d.test.genes(), threads);
  };
  CHECK(a.valid_rmse == b.valid_rmse);
  CHECK(a.best_iteration == b.best_iteration);
  CHECK(pred(a, 1) == pred(b, 2));
  CHECK(pred(b, 1) == pred(b, 2));
  CHECK(b.booster == b2.booster);
  CHECK(c.valid_rmse != b.valid_rmse);
  CHECK(pred(c, 2) != pred(b, 2));
}

TEST_CASE("xgboost: checkpoint round trip gives identical predictions, bad checkpoints are refused", "[model][xgboost][baselines][checkpoint]") {
  const Data d = planted(14, 0.2);
  XGBoostOptions opt;
  opt.max_rounds = 60;
  const XGBoostModel m = fit_xgboost(d.train, d.valid, opt);
  const deepdiff_test::TempDir tmp("deepdiff_xgboost");
  const std::string path = tmp.file("xgb.bin");
  write_checkpoint(path, xgboost_checkpoint(m));
  const Checkpoint ck = read_checkpoint(path);
  CHECK(ck.meta.at("booster_bytes") == std::to_string(m.booster.size()));
  CHECK(ck.find("xgboost.booster")->values.size() == (m.booster.size() + 5) / 6);
  const XGBoostModel back = xgboost_from_checkpoint(ck, path);
  CHECK(back.booster == m.booster);
  CHECK(back.valid_rmse == m.valid_rmse);
  CHECK(back.best_iteration == m.best_iteration);
  CHECK(back.rounds == m.rounds);
  CHECK(predict_xgboost(back, d.test.xa.data(), d.test.xb.data(), d.test.genes()) ==
        predict_xgboost(m, d.test.xa.data(), d.test.xb.data(), d.test.genes()));

  auto refused = [&](const Checkpoint& bad, const std::string& words) {
    CHECK_THROWS_WITH(xgboost_from_checkpoint(bad, "bad.bin"), Catch::Contains(words) && Catch::Contains("bad.bin"));
  };
  Checkpoint bad = ck;
  bad.meta["model"] = "ridge";
  refused(bad, "model='ridge'");
  bad = ck;
  bad.meta["best_iteration"] = std::to_string(m.rounds);
  refused(bad, "best_iteration=");
  bad = ck;
  bad.meta["rounds"] = std::to_string(m.rounds + 1);  // the tensor and the booster disagree
  refused(bad, "'xgboost.valid_rmse' has shape");
  bad = ck;
  bad.meta["marks"] = "4";
  refused(bad, "the booster takes 150 features, the metadata make 120");
  bad = ck;
  bad.tensors[0].values[3] = 0.5;
  refused(bad, "value 3 is not an integer");
  bad = ck;
  bad.tensors[0].values[1] = 281474976710656.0;  // 2^48: 7 bytes
  refused(bad, "value 1 is not an integer");
  bad = ck;  // the booster cut in half: XGBoost cannot parse it
  {
    std::vector<double>& v = bad.tensors[0].values;
    v.resize(v.size() / 2);
    bad.tensors[0].shape = {static_cast<Index>(v.size())};
    bad.meta["booster_bytes"] = std::to_string(6 * v.size());
  }
  refused(bad, "not a model XGBoost can load");
  bad = ck;
  bad.tensors.push_back({"xgboost.extra", {1}, {0.0}});
  refused(bad, "unexpected tensor 'xgboost.extra'");
  bad = ck;
  bad.tensors[1].values[0] = -1.0;
  refused(bad, "'xgboost.valid_rmse' holds a negative value at index 0");
}

TEST_CASE("xgboost: refuses splits without expression or of other sizes", "[model][xgboost][baselines]") {
  const Data d = planted(15, 0.0);
  Split no_expr = d.valid;
  no_expr.has_expression = false;
  CHECK_THROWS_WITH(fit_xgboost(d.train, no_expr), Catch::Contains("no expression"));
  Rng rng(1);
  CHECK_THROWS_WITH(fit_xgboost(d.train, deepdiff_test::planted_split(rng, "valid", 10, 30)), Catch::Contains("30 x 5"));
  XGBoostModel empty;
  CHECK_THROWS_AS(predict_xgboost(empty, d.test.xa.data(), d.test.xb.data(), 1), std::invalid_argument);
}
