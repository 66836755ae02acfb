// Tests of include/deepdiff/nn/loss.hpp.
#include "nn_fixtures.hpp"

TEST_CASE("losses: MSE and contrastive values and gradients", "[nn][loss][gradcheck]") {
  Rng rng(25);
  Tape<double> tape;
  Var<double> p = tape.constant(Tensor<double>::from({3, 1}, {1.0, 2.0, -1.0}));
  Var<double> y = tape.constant(Tensor<double>::from({3, 1}, {0.0, 2.5, 1.0}));
  CHECK(mse_loss(p, y).value()[0] == Approx((1.0 + 0.25 + 4.0) / 3.0));

  // contrastive by hand: rows (a, b, label)
  Var<double> a = tape.constant(Tensor<double>::from({2, 2}, {0.0, 0.0, 1.0, 0.0}));
  Var<double> b = tape.constant(Tensor<double>::from({2, 2}, {3.0, 4.0, 0.0, 0.0}));
  Var<double> l = tape.constant(Tensor<double>::from({2, 1}, {0.0, 1.0}));
  const double e = 1e-6;
  const double d0 = std::sqrt((-3 + e) * (-3 + e) + (-4 + e) * (-4 + e)), d1 = std::sqrt((1 + e) * (1 + e) + e * e);
  const double expect = (d0 * d0 + (2.0 - d1) * (2.0 - d1)) / 2.0;
  CHECK(contrastive_loss(a, b, l).value()[0] == Approx(expect).epsilon(1e-14));

  Tensor<double> labels = contrastive_labels(Tensor<double>::from({4}, {2.0, -2.5, 1.99, -0.1}));
  CHECK(labels.vec() == Eigen::Vector4d(1, 1, 0, 0));

  std::vector<Tensor<double>> in = {random_tensor<double>(rng, {4, 3}), random_tensor<double>(rng, {4, 3})};
  Tensor<double> lab = Tensor<double>::from({4, 1}, {0, 1, 1, 0});
  expect_good(gradcheck(
                  [&](Tape<double>& t, const std::vector<Var<double>>& v) {
                    return contrastive_loss(v[0], v[1], t.constant(lab));
                  },
                  in, rng),
              "contrastive");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return mse_loss(v[0], v[1]); }, in, rng),
              "mse");
}
