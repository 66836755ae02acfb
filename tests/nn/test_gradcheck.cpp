// Tests of include/deepdiff/nn/gradcheck.hpp: the checker itself must fail a wrong gradient,
// a non-finite one and a missing one, and must not fail a right one for want of a good step.
#include "nn_fixtures.hpp"

namespace {

// y = x * s elementwise, whose backward multiplies by `claimed` instead of s, and writes
// `poison` into element `poison_at` of the input gradient (when poison_at >= 0).
Var<double> scaled(const Var<double>& x, double s, double claimed, Index poison_at = -1,
                   double poison = 0.0) {
  Tensor<double> out = x.value();
  out.vec() *= s;
  const int ix = x.id;
  return x.tape->record(std::move(out), {x}, [ix, claimed, poison_at, poison](Tape<double>& tp, const Tensor<double>& g) {
    Tensor<double>& gx = tp.grad(ix);
    gx.vec() += claimed * g.vec();
    if (poison_at >= 0) gx[poison_at] = poison;
  });
}

}  // namespace

TEST_CASE("gradcheck: a right gradient passes, a wrong one fails", "[nn][gradcheck]") {
  Rng rng(3);
  const std::vector<Tensor<double>> in = {random_tensor<double>(rng, {3, 4})};
  const GradCheckResult good =
      gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return scaled(v[0], 1.5, 1.5); }, in, rng);
  CHECK(good.max_rel_error < 1e-8);
  CHECK(good.checked == 12);
  CHECK(good.nonzero == 12);
  CHECK(good.non_finite == 0);
  // 0.1 % off: wrong at both step sizes.
  const GradCheckResult bad =
      gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return scaled(v[0], 1.5, 1.5 * 1.001); }, in, rng);
  CHECK(bad.max_rel_error > 5e-4);
}

TEST_CASE("gradcheck: an element left unwritten or NaN cannot pass", "[nn][gradcheck]") {
  Rng rng(4);
  const std::vector<Tensor<double>> in = {random_tensor<double>(rng, {2, 3})};
  // A backward that forgot element 4 (it stays 0 while the true gradient is 1.5).
  const GradCheckResult zero = gradcheck(
      [](Tape<double>&, const std::vector<Var<double>>& v) { return scaled(v[0], 1.5, 1.5, 4, 0.0); }, in, rng);
  CHECK(zero.max_rel_error > 0.9);
  CHECK(zero.nonzero == 5);
  // The same element as the NaN a checked kernel build pre-fills its buffers with.
  const GradCheckResult nan = gradcheck(
      [](Tape<double>&, const std::vector<Var<double>>& v) {
        return scaled(v[0], 1.5, 1.5, 4, std::numeric_limits<double>::quiet_NaN());
      },
      in, rng);
  CHECK(nan.non_finite == 1);
  CHECK(std::isinf(nan.max_rel_error));
  CHECK_FALSE(nan.max_rel_error <= 1e-6);
}

TEST_CASE("gradcheck: the second step size rescues a sharply curved function", "[nn][gradcheck]") {
  // tanh(1e4 x) near 0: the central difference at h = 1e-6 is off by ~h^2 f'''/6f' = 3e-5
  // relative; at h / 10 by 3e-7. One step would fail a 1e-6 tolerance, the check passes it.
  Rng rng(5);
  Tensor<double> x({2, 2});
  for (Index i = 0; i < x.size(); ++i) x[i] = 1e-7 * static_cast<double>(i + 1);
  const GradCheckResult r = gradcheck(
      [](Tape<double>&, const std::vector<Var<double>>& v) { return tanh(scale(v[0], 1e4)); }, {x}, rng);
  CHECK(r.nonzero == 4);
  CHECK(r.max_rel_error < 1e-6);
  // ...and the coarse step alone is indeed not good enough (so this test can fail).
  GradCheckOptions coarse;
  coarse.step = 1e-5;
  const GradCheckResult c = gradcheck(
      [](Tape<double>&, const std::vector<Var<double>>& v) { return tanh(scale(v[0], 1e4)); }, {x}, rng, nullptr, coarse);
  CHECK(c.max_rel_error > 1e-6);
}
