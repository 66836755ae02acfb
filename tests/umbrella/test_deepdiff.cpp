// With test_odr_b.cpp: the umbrella header in two translation units of one binary.
#include <catch2/catch.hpp>
#include <deepdiff/deepdiff.hpp>

double odr_b_value();

static double odr_a_value() {
  deepdiff::Rng rng(3);
  deepdiff::Tensor<double> t({2, 2});
  deepdiff::fill_uniform(t, rng, 0.0, 1.0);
  return t.vec().sum() + deepdiff::sigmoid_value(0.25);
}

TEST_CASE("umbrella header links from two translation units", "[tensor][odr]") {
  CHECK(odr_a_value() == odr_b_value());
}
