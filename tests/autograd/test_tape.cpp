// Tests of include/deepdiff/autograd/tape.hpp.
#include "autograd_fixtures.hpp"

TEST_CASE("autograd: gradient accumulates over uses and over backward passes", "[autograd]") {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>::from({1, 2}, {3.0, -2.0}));
  Var<double> y = sum(add(mul(x, x), x));  // dy/dx = 2x + 1
  tape.backward(y);
  CHECK(x.grad()[0] == Approx(7.0));
  CHECK(x.grad()[1] == Approx(-3.0));

  ParameterStore<double> store;
  const Index w = store.add("w", {2});
  store.values() = {0.5, -1.5};
  for (int pass = 1; pass <= 2; ++pass) {
    Tape<double> t2;
    Var<double> wv = store.var(t2, w);
    Var<double> wv_again = store.var(t2, w);  // same leaf: a shared weight
    CHECK(wv.id == wv_again.id);
    t2.backward(sum(mul(wv, wv_again)));  // d/dw sum(w^2) = 2w
    CHECK(store.grads()[0] == Approx(pass * 1.0));
    CHECK(store.grads()[1] == Approx(pass * -3.0));
  }
  store.zero_grad();
  CHECK(store.grads()[0] == 0.0);
}

TEST_CASE("autograd: constants get no gradient and no closure", "[autograd]") {
  Tape<double> tape;
  Var<double> a = tape.constant(Tensor<double>::from({2}, {1, 2}));
  Var<double> b = tape.constant(Tensor<double>::from({2}, {3, 4}));
  Var<double> c = add(a, b);
  CHECK_FALSE(c.requires_grad());
  CHECK_THROWS_AS(tape.backward(c), std::invalid_argument);  // not a scalar
}

TEST_CASE("autograd: shape errors name the shapes", "[autograd]") {
  Tape<double> tape;
  Var<double> a = tape.leaf(Tensor<double>({2, 3}));
  Var<double> b = tape.leaf(Tensor<double>({4, 3}));
  CHECK_THROWS_WITH(matmul(a, b), Catch::Contains("[2,3]") && Catch::Contains("[4,3]"));
  CHECK_THROWS_WITH(add(a, b), Catch::Contains("do not broadcast"));
  CHECK_THROWS_AS(slice_cols(a, 2, 2), std::invalid_argument);
}
