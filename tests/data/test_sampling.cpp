// Tests of include/deepdiff/data/sampling.hpp.
#include "synthetic_fixtures.hpp"

TEST_CASE("samplers: Poisson, gamma and negative binomial moments", "[synthetic][sampling]") {
  Rng rng(123);
  const int n = 40000;
  for (double lambda : {0.5, 3.0, 9.5, 10.0, 40.0, 5000.0}) {
    INFO("Poisson mean " << lambda);
    const Moments m = moments(n, [&] { return static_cast<double>(sample_poisson(rng, lambda)); });
    const double se = std::sqrt(lambda / n);
    CHECK(std::fabs(m.mean - lambda) < 5 * se);
    CHECK(m.var == Approx(lambda).epsilon(0.05));
  }
  // P(X = 0) and P(X = 3) of Poisson(3) against the mass function
  int zeros = 0, threes = 0;
  for (int i = 0; i < n; ++i) {
    const auto k = sample_poisson(rng, 3.0);
    zeros += k == 0;
    threes += k == 3;
  }
  CHECK(zeros / double(n) == Approx(std::exp(-3.0)).margin(0.006));
  CHECK(threes / double(n) == Approx(std::exp(-3.0) * 27 / 6).margin(0.01));
  CHECK(sample_poisson(rng, 0.0) == 0);

  for (auto sk : {std::pair<double, double>{0.5, 2.0}, {3.0, 1.5}, {6.0, 0.25}}) {
    INFO("gamma shape " << sk.first << " scale " << sk.second);
    const Moments m = moments(n, [&] { return sample_gamma(rng, sk.first, sk.second); });
    CHECK(m.mean == Approx(sk.first * sk.second).epsilon(0.03));
    CHECK(m.var == Approx(sk.first * sk.second * sk.second).epsilon(0.08));
  }
  const Moments nb = moments(n, [&] { return static_cast<double>(sample_negative_binomial(rng, 10.0, 6.0)); });
  CHECK(nb.mean == Approx(10.0).epsilon(0.03));
  CHECK(nb.var == Approx(10.0 + 100.0 / 6.0).epsilon(0.08));
  CHECK_THROWS(sample_poisson(rng, -1.0));
  CHECK_THROWS(sample_gamma(rng, 0.0));

  // the same seed gives the same numbers
  Rng a(9), b(9);
  for (int i = 0; i < 100; ++i) CHECK(sample_negative_binomial(a, 20, 3) == sample_negative_binomial(b, 20, 3));
}
