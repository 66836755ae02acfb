// Tests of include/deepdiff/nn/linear.hpp.
#include "nn_fixtures.hpp"

TEST_CASE("linear: PyTorch names and shapes, gradient check", "[nn][gradcheck]") {
  Rng rng(21);
  ParameterStore<double> store;
  Linear l = make_linear(store, "fdiff1_1", 5, 3);
  CHECK(store.info(l.weight).name == "fdiff1_1.weight");
  CHECK(store.info(l.weight).shape == Shape{3, 5});
  CHECK(store.info(l.bias).name == "fdiff1_1.bias");
  CHECK(store.info(l.bias).shape == Shape{3});
  store.init_uniform(rng, -0.5, 0.5);
  std::vector<Tensor<double>> in = {random_tensor<double>(rng, {4, 5})};
  expect_good(gradcheck([&](Tape<double>& t, const std::vector<Var<double>>& v) { return linear_forward(t, store, l, v[0]); },
                        in, rng, &store),
              "linear");
}
