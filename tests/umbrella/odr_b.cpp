#include <deepdiff/deepdiff.hpp>

double odr_b_value() {
  deepdiff::Rng rng(3);
  deepdiff::Tensor<double> t({2, 2});
  deepdiff::fill_uniform(t, rng, 0.0, 1.0);
  return t.vec().sum() + deepdiff::sigmoid_value(0.25);
}
