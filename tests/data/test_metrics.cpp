// pearson and mean_squared_error (data/metrics.hpp): the one correlation of the project; and
// the calibration figures beside it (Spearman, R^2, slope, the training-mean baseline, sds),
// by hand here and against scipy / numpy in test_statistics_reference.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "test_helpers.hpp"

using namespace deepdiff;

TEST_CASE("pearson: the correlation of two series, computed with centred sums", "[data][metrics]") {
  CHECK(pearson({1, 2, 3}, {2, 4, 6}) == 1.0);
  CHECK(pearson({1, 2, 3}, {3, 2, 1}) == -1.0);
  CHECK(pearson({1, 2, 3, 4}, {1, 3, 2, 4}) == Approx(0.8).epsilon(1e-15));  // 4 / sqrt(5 * 5)
  // centred sums: a large offset does not cancel the signal away
  CHECK(pearson({1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4}, {1, 3, 2, 4}) == Approx(0.8).epsilon(1e-12));
  // symmetric, and blind to scale and shift
  CHECK(pearson({1, 3, 2, 4}, {1, 2, 3, 4}) == pearson({1, 2, 3, 4}, {1, 3, 2, 4}));
  CHECK(pearson({1, 2, 3, 4}, {-5, 1, -2, 4}) == Approx(pearson({10, 20, 30, 40}, {-5, 1, -2, 4})));
}

TEST_CASE("pearson: NaN for a constant or too short series, the decided value", "[data][metrics]") {
  CHECK(std::isnan(pearson({2, 2, 2}, {1, 2, 3})));
  CHECK(std::isnan(pearson({1, 2, 3}, {0, 0, 0})));
  CHECK(std::isnan(pearson({1}, {2})));
  // a constant whose mean does not come back exactly (0.1 + 0.1 + 0.1 != 0.3): still NaN
  CHECK(std::isnan(pearson({0.1, 0.1, 0.1}, {1, 2, 4})));
  CHECK(std::isnan(pearson(std::vector<double>(7, 0.7), {1, 2, 4, 3, 5, 6, 0})));
  CHECK(std::isnan(pearson({}, {})));
  CHECK_THROWS_WITH(pearson({1, 2}, {1, 2, 3}), Catch::Contains("different lengths"));
}

TEST_CASE("mean_squared_error", "[data][metrics]") {
  CHECK(mean_squared_error({1, 2}, {2, 4}) == 2.5);
  CHECK(mean_squared_error({1, -1}, {1, -1}) == 0.0);
  CHECK(std::isnan(mean_squared_error({}, {})));
  CHECK_THROWS_WITH(mean_squared_error({1}, {1, 2}), Catch::Contains("different lengths"));
}

TEST_CASE("average_ranks: 1..n, ties share the mean of their ranks", "[data][metrics]") {
  CHECK(average_ranks({3, 1, 4, 1, 5}) == std::vector<double>{3, 1.5, 4, 1.5, 5});
  CHECK(average_ranks({2, 2, 2}) == std::vector<double>{2, 2, 2});
  CHECK(average_ranks({-1, 10, 0}) == std::vector<double>{1, 3, 2});
  CHECK(average_ranks({}).empty());
  CHECK_THROWS_WITH(average_ranks({1, std::nan(""), 2}), Catch::Contains("NaN"));
}

TEST_CASE("spearman: pearson of the average ranks, NaN where pearson is, and for NaN values", "[data][metrics]") {
  // by hand: ranks of b are 1, 2, 3.5, 5, 3.5; centred sums 8 / sqrt(10 * 9.5)
  CHECK(spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}) == Approx(8 / std::sqrt(95.0)).epsilon(1e-15));
  // any monotone relation is 1 (or -1), where pearson is not
  CHECK(spearman({1, 2, 3, 4}, {1, 8, 27, 64}) == 1.0);
  CHECK(pearson({1, 2, 3, 4}, {1, 8, 27, 64}) < 1.0);
  CHECK(spearman({1, 2, 3, 4}, {0, -1, -5, -50}) == -1.0);
  // blind to monotone transforms, symmetric
  const std::vector<double> x = {0.3, -1.2, 2.5, 0.9, -0.4, 1.7}, y = {1, 0, 3, 2, 2, 5};
  std::vector<double> ex;
  for (double v : x) ex.push_back(std::exp(v));
  CHECK(spearman(ex, y) == Approx(spearman(x, y)).epsilon(1e-15));
  CHECK(spearman(y, x) == spearman(x, y));
  CHECK(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
  CHECK(std::isnan(spearman({1}, {2})));
  CHECK(std::isnan(spearman({1, std::nan(""), 3}, {1, 2, 3})));
  CHECK_THROWS_WITH(spearman({1, 2}, {1}), Catch::Contains("different lengths"));
}

TEST_CASE("r_squared: 1 - SS_res / SS_tot about the mean of the target", "[data][metrics]") {
  const std::vector<double> y = {1, 2, 3, 4};
  CHECK(r_squared(y, y) == 1.0);
  CHECK(r_squared({2.5, 2.5, 2.5, 2.5}, y) == 0.0);          // the target's own mean: nothing explained
  CHECK(r_squared({2, 3, 4}, {1, 2, 3}) == Approx(-0.5));    // off by 1: SS_res 3, SS_tot 2
  CHECK(r_squared({10, 20, 30, 40}, y) < 0);                 // PCC 1, scale wrong: R^2 says so
  CHECK(std::isnan(r_squared({1, 2}, {3, 3})));              // nothing to explain
  CHECK(std::isnan(r_squared({}, {})));
  CHECK_THROWS_WITH(r_squared({1}, {1, 2}), Catch::Contains("different lengths"));
}

TEST_CASE("calibration_slope: cov(pred, y) / var(pred), NaN for a constant prediction", "[data][metrics]") {
  CHECK(calibration_slope({1, 2, 3}, {2, 4, 6}) == Approx(2.0).epsilon(1e-15));
  CHECK(calibration_slope({1, 2, 3}, {4, 7, 10}) == Approx(3.0).epsilon(1e-15));  // y = 3 pred + 1
  CHECK(calibration_slope({2, 4, 6}, {1, 2, 3}) == Approx(0.5).epsilon(1e-15));   // too spread: < 1
  CHECK(calibration_slope({1, 2, 3}, {5, 5, 5}) == 0.0);
  CHECK(std::isnan(calibration_slope({0.1, 0.1, 0.1}, {1, 2, 3})));
  CHECK(std::isnan(calibration_slope({1}, {1})));
  CHECK_THROWS_WITH(calibration_slope({1, 2}, {1}), Catch::Contains("different lengths"));
}

TEST_CASE("constant_prediction_mse, mean_of_values, standard_deviation", "[data][metrics]") {
  CHECK(constant_prediction_mse({1, 3}, 2) == 1.0);
  CHECK(constant_prediction_mse({1, 3}, 0) == 5.0);
  CHECK(std::isnan(constant_prediction_mse({}, 0)));
  CHECK(mean_of_values({1, 2, 6}) == 3.0);
  CHECK(std::isnan(mean_of_values({})));
  CHECK(standard_deviation({2, 4, 4, 4, 5, 5, 7, 9}) == 2.0);  // population sd (ddof 0)
  CHECK(standard_deviation({0.1, 0.1, 0.1}) == 0.0);           // exactly, whatever the mean's rounding
  CHECK(std::isnan(standard_deviation({})));
}

TEST_CASE("prediction_scores: every figure, and their relations on random data", "[data][metrics]") {
  Rng rng(11);
  std::vector<double> y, p;
  for (int i = 0; i < 300; ++i) {
    y.push_back(rng.normal() * 2 + 0.5);
    p.push_back(0.4 * y.back() + rng.normal() - 0.3);
  }
  const double mean_train = 0.2;
  const PredictionScores s = prediction_scores(p, y, mean_train);
  CHECK(s.pcc == pearson(p, y));
  CHECK(s.spearman == spearman(p, y));
  CHECK(s.r2 == r_squared(p, y));
  CHECK(s.slope == calibration_slope(p, y));
  CHECK(s.mse == mean_squared_error(p, y));
  CHECK(s.mse_train_mean == constant_prediction_mse(y, mean_train));
  CHECK(s.sd_prediction == standard_deviation(p));
  CHECK(s.sd_target == standard_deviation(y));
  // R^2 = 1 - MSE / var(y); the least-squares line through p scores R^2 = PCC^2
  CHECK(s.r2 == Approx(1 - s.mse / (s.sd_target * s.sd_target)).epsilon(1e-12));
  std::vector<double> fitted;
  const double a = mean_of_values(y) - s.slope * mean_of_values(p);
  for (double v : p) fitted.push_back(a + s.slope * v);
  CHECK(r_squared(fitted, y) == Approx(s.pcc * s.pcc).epsilon(1e-12));
  CHECK(calibration_slope(fitted, y) == Approx(1.0).epsilon(1e-12));
  // the slope is PCC x sd(y) / sd(pred)
  CHECK(s.slope == Approx(s.pcc * s.sd_target / s.sd_prediction).epsilon(1e-12));
  CHECK(std::isnan(prediction_scores(p, y, std::numeric_limits<double>::quiet_NaN()).mse_train_mean));
}

TEST_CASE("near_constant_prediction: sd of the predictions under 5% of the target's", "[data][metrics]") {
  PredictionScores s;
  s.sd_target = 4.9;
  s.sd_prediction = 0.013;  // the 3-epoch raw_d run of issue 21
  CHECK(near_constant_prediction(s));
  s.sd_prediction = 0.049 * 4.9;
  CHECK(near_constant_prediction(s));
  s.sd_prediction = 0.051 * 4.9;
  CHECK_FALSE(near_constant_prediction(s));
  s.sd_prediction = 0;
  s.sd_target = 0;  // nothing to compare with: no verdict
  CHECK_FALSE(near_constant_prediction(s));
  // one value for every gene (aux kept epoch 1: -0.094 everywhere)
  CHECK(near_constant_prediction(prediction_scores(std::vector<double>(5, -0.094), {1, -2, 3, 0, 4}, 0)));
}
