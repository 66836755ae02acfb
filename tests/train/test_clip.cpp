// Tests of include/deepdiff/train/clip.hpp.
#include "train_fixtures.hpp"

TEST_CASE("clip_grad_norm: global norm over parameters, PyTorch coefficient", "[train][clip]") {
  ParameterStore<double> store;
  store.add("a", {2});
  store.add("b", {1, 1});
  store.grads() = {3.0, 0.0, 4.0};  // norms 3 and 4 -> total 5
  const double total = clip_grad_norm(store, 1.0);
  CHECK(total == Approx(5.0));
  const double coef = 1.0 / (5.0 + 1e-6);
  CHECK(store.grads()[0] == Approx(3.0 * coef).epsilon(1e-15));
  CHECK(store.grads()[2] == Approx(4.0 * coef).epsilon(1e-15));

  store.grads() = {0.3, 0.0, 0.4};  // total 0.5 < 1: unchanged
  CHECK(clip_grad_norm(store, 1.0) == Approx(0.5));
  CHECK(store.grads()[0] == 0.3);
  CHECK(store.grads()[2] == 0.4);
}
