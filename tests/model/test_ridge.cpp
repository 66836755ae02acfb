// The ridge baseline (model/ridge.hpp). Against scikit-learn: tests/model/test_ridge_reference.py.
#include <catch2/catch.hpp>

#include <Eigen/QR>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <deepdiff/model/ridge.hpp>

#include "baseline_fixtures.hpp"
#include "test_helpers.hpp"

using namespace deepdiff;

namespace {

// The ridge solution at lambda by another route: least squares on the augmented system
// [Z; sqrt(lambda) I] w = [y - mean y; 0] with a pivoted QR (no normal equations).
std::vector<double> ridge_by_qr(const Split& s, const RidgeModel& m, double lambda) {
  const Index N = s.genes(), F = static_cast<Index>(m.mean.size());
  const std::vector<double> x = summary_features(s.xa.data(), s.xb.data(), N, s.bins, s.marks, m.windows);
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(N + F, F);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(N + F);
  double ymean = 0;
  for (Index n = 0; n < N; ++n) ymean += s.y(n) / static_cast<double>(N);
  for (Index n = 0; n < N; ++n) {
    for (Index j = 0; j < F; ++j) {
      const std::size_t k = static_cast<std::size_t>(j);
      a(n, j) = m.sd[k] > 0 ? (x[static_cast<std::size_t>(n * F + j)] - m.mean[k]) / m.sd[k] : 0.0;
    }
    b(n) = s.y(n) - ymean;
  }
  for (Index j = 0; j < F; ++j) a(N + j, j) = std::sqrt(lambda);
  const Eigen::VectorXd w = a.colPivHouseholderQr().solve(b);
  return std::vector<double>(w.data(), w.data() + F);
}

std::vector<double> targets_of(const Split& s) {
  std::vector<double> y;
  for (Index g = 0; g < s.genes(); ++g) y.push_back(s.y(g));
  return y;
}

}  // namespace

TEST_CASE("ridge: recovers a planted linear rule of the summary features", "[model][ridge][baselines]") {
  Rng rng(3);
  const Split train = deepdiff_test::planted_split(rng, "train", 400), valid = deepdiff_test::planted_split(rng, "valid", 100),
              test = deepdiff_test::planted_split(rng, "test", 100);
  const RidgeModel m = fit_ridge(train, valid);
  CHECK(m.bins == 20);
  CHECK(m.marks == 5);
  CHECK(m.lambda <= 1e-1);  // an exact rule: the least shrinkage predicts best
  const std::vector<double> p = predict_ridge(m, test.xa.data(), test.xb.data(), test.genes());
  const std::vector<double> y = targets_of(test);
  double worst = 0;
  for (std::size_t i = 0; i < p.size(); ++i) worst = std::max(worst, std::abs(p[i] - y[i]));
  CHECK(worst < 1e-3);
  CHECK(pearson(p, y) > 0.99999);
  // b = the training mean of y (standardized features have mean 0)
  double ymean = 0;
  for (double v : targets_of(train)) ymean += v / static_cast<double>(train.genes());
  CHECK(m.bias == Approx(ymean).epsilon(1e-14));
  // standardization: population sd of a feature, by hand for feature 0
  const std::vector<double> x = summary_features(train.xa.data(), train.xb.data(), train.genes(), 20, 5, 10);
  double mu = 0, ss = 0;
  for (Index n = 0; n < train.genes(); ++n) mu += x[static_cast<std::size_t>(n * 150)] / 400.0;
  for (Index n = 0; n < train.genes(); ++n) ss += std::pow(x[static_cast<std::size_t>(n * 150)] - mu, 2);
  CHECK(m.mean[0] == Approx(mu).epsilon(1e-13));
  CHECK(m.sd[0] == Approx(std::sqrt(ss / 400.0)).epsilon(1e-13));
}

TEST_CASE("ridge: lambda by validation PCC over the spec's grid, weights from the training genes", "[model][ridge][baselines]") {
  Rng rng(4);
  // few, noisy training genes: the grid's scores differ
  const Split train = deepdiff_test::planted_split(rng, "train", 60, 20, 5, 0.8),
              valid = deepdiff_test::planted_split(rng, "valid", 80, 20, 5, 0.8);
  const RidgeModel m = fit_ridge(train, valid);
  REQUIRE(m.lambdas == ridge_lambdas());
  REQUIRE(m.lambdas == std::vector<double>{1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3, 1e4});
  REQUIRE(m.valid_pcc.size() == 8);
  const std::vector<double> yv = targets_of(valid);
  std::size_t best = 0;
  for (std::size_t k = 0; k < 8; ++k) {
    // every score is the PCC of the ridge solution at that lambda, solved another way
    const std::vector<double> w = ridge_by_qr(train, m, m.lambdas[k]);
    RidgeModel mk = m;
    mk.weights = w;
    const double pcc = pearson(predict_ridge(mk, valid.xa.data(), valid.xb.data(), valid.genes()), yv);
    CHECK(m.valid_pcc[k] == Approx(pcc).margin(1e-9));
    if (m.valid_pcc[k] >= m.valid_pcc[best]) best = k;  // ties: the larger lambda
  }
  CHECK(m.lambda == m.lambdas[best]);
  // the kept weights are the training-only solution at the chosen lambda
  const std::vector<double> w = ridge_by_qr(train, m, m.lambda);
  for (std::size_t j = 0; j < w.size(); ++j) CHECK(m.weights[j] == Approx(w[j]).margin(1e-9));
  // the scores really differ, so the choice above was a choice
  CHECK(*std::max_element(m.valid_pcc.begin(), m.valid_pcc.end()) -
            *std::min_element(m.valid_pcc.begin(), m.valid_pcc.end()) > 1e-3);
}

TEST_CASE("ridge: constant training features become 0, constant predictions keep the largest lambda", "[model][ridge][baselines]") {
  Rng rng(5);
  Split train = deepdiff_test::planted_split(rng, "train", 50), valid = deepdiff_test::planted_split(rng, "valid", 30);
  // every training count equal: every feature is constant, sd 0, so each lambda predicts mean(y)
  for (float& v : train.xa) v = 2.0f;
  for (float& v : train.xb) v = 5.0f;
  const RidgeModel m = fit_ridge(train, valid);
  for (double sd : m.sd) CHECK(sd == 0.0);
  for (double pcc : m.valid_pcc) CHECK(std::isnan(pcc));
  CHECK(m.lambda == 1e4);
  const std::vector<double> p = predict_ridge(m, valid.xa.data(), valid.xb.data(), valid.genes());
  for (double v : p) CHECK(v == m.bias);
}

TEST_CASE("ridge: refuses splits without expression, of other sizes, or too small", "[model][ridge][baselines]") {
  Rng rng(6);
  const Split train = deepdiff_test::planted_split(rng, "train", 20), valid = deepdiff_test::planted_split(rng, "valid", 10);
  Split no_expr = valid;
  no_expr.has_expression = false;
  CHECK_THROWS_WITH(fit_ridge(train, no_expr), Catch::Contains("no expression"));
  CHECK_THROWS_WITH(fit_ridge(train, deepdiff_test::planted_split(rng, "valid", 10, 30)), Catch::Contains("30 x 5"));
  CHECK_THROWS_WITH(fit_ridge(deepdiff_test::planted_split(rng, "train", 1), valid), Catch::Contains("at least 2 training genes"));
  CHECK_THROWS_AS(fit_ridge(train, valid, 21), std::invalid_argument);  // 20 bins, 21 windows
}

TEST_CASE("ridge: checkpoint round trip predicts bit for bit, bad checkpoints are refused", "[model][ridge][baselines][checkpoint]") {
  Rng rng(7);
  const Split train = deepdiff_test::planted_split(rng, "train", 80, 20, 5, 0.3),
              valid = deepdiff_test::planted_split(rng, "valid", 40, 20, 5, 0.3);
  const RidgeModel m = fit_ridge(train, valid);
  const deepdiff_test::TempDir tmp("deepdiff_ridge");
  const std::string path = tmp.file("ridge.bin");
  write_checkpoint(path, ridge_checkpoint(m));
  const Checkpoint ck = read_checkpoint(path);
  CHECK(ck.scalar_bytes == 8);
  CHECK(ck.meta.at("model") == "ridge");
  CHECK(ck.meta.at("windows") == "10");
  const RidgeModel back = ridge_from_checkpoint(ck, path);
  CHECK(back.lambda == m.lambda);
  CHECK(back.weights == m.weights);
  CHECK(predict_ridge(back, valid.xa.data(), valid.xb.data(), valid.genes()) ==
        predict_ridge(m, valid.xa.data(), valid.xb.data(), valid.genes()));

  auto refused = [&](const Checkpoint& bad, const std::string& words) {
    CHECK_THROWS_WITH(ridge_from_checkpoint(bad, "bad.bin"), Catch::Contains(words) && Catch::Contains("bad.bin"));
  };
  Checkpoint bad = ck;
  bad.meta["model"] = "xgboost";
  refused(bad, "model='xgboost'");
  bad = ck;
  bad.meta.erase("lambda");
  refused(bad, "no 'lambda'");
  bad = ck;
  bad.meta["lambda"] = "-1";
  refused(bad, "lambda='-1'");
  bad = ck;
  bad.meta["bins"] = "20x";
  refused(bad, "bins='20x'");
  bad = ck;
  bad.meta["windows"] = "21";  // more windows than bins
  refused(bad, "windows='21'");
  bad = ck;
  bad.meta["marks"] = "4";  // the tensors hold 150 = 3 * 5 * 10 values
  refused(bad, "'ridge.mean' has shape [150], expected [120]");
  bad = ck;
  bad.tensors[2].values[7] = std::numeric_limits<double>::quiet_NaN();
  refused(bad, "'ridge.weight' holds a non-finite value at index 7");
  bad = ck;
  bad.tensors[1].values[3] = -1;
  refused(bad, "'ridge.sd' holds a negative value at index 3");
  bad = ck;
  bad.tensors.pop_back();
  refused(bad, "no tensor 'ridge.bias'");
  bad = ck;
  bad.tensors.push_back({"ridge.extra", {1}, {0.0}});
  refused(bad, "unexpected tensor 'ridge.extra'");
}
