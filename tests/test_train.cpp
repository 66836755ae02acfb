// Adam and gradient clipping against values computed by hand (PyTorch semantics).
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;

TEST_CASE("adam: three steps match the PyTorch update computed by hand", "[train][adam]") {
  AlignedVector<double> p = {0.5, -0.25};
  const std::vector<AlignedVector<double>> grads = {{0.1, -2.0}, {0.3, 1.0}, {-0.2, 0.5}};
  AdamState<double> st;
  AdamOptions o;
  o.lr = 0.01;
  double m[2] = {0, 0}, v[2] = {0, 0}, q[2] = {0.5, -0.25};
  for (int t = 1; t <= 3; ++t) {
    adam_step(p, grads[static_cast<std::size_t>(t - 1)], st, o);
    for (int i = 0; i < 2; ++i) {
      const double g = grads[static_cast<std::size_t>(t - 1)][static_cast<std::size_t>(i)];
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      const double mhat_step = 0.01 / (1 - std::pow(0.9, t));
      q[i] -= mhat_step * m[i] / (std::sqrt(v[i]) / std::sqrt(1 - std::pow(0.999, t)) + 1e-8);
      CHECK(p[static_cast<std::size_t>(i)] == Approx(q[i]).epsilon(1e-15));
    }
  }
  // the first step of Adam moves each parameter by lr (times sign of the gradient)
  AlignedVector<double> r = {1.0};
  AdamState<double> s2;
  adam_step(r, AlignedVector<double>{-3.0}, s2, o);
  CHECK(r[0] == Approx(1.0 + 0.01).epsilon(1e-9));
  CHECK(st.step == 3);
  AlignedVector<double> wrong = {1.0, 2.0, 3.0};
  CHECK_THROWS(adam_step(wrong, AlignedVector<double>{1, 2, 3}, st, o));
}

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

TEST_CASE("parameter store: one slab, named views, layout comparison", "[train][params]") {
  ParameterStore<float> s;
  const Index w = s.add("w", {2, 3});
  const Index b = s.add("b", {3});
  CHECK(s.numel() == 9);
  CHECK(s.info(b).offset == 6);
  s.view(w)(1, 2) = 5.0f;
  CHECK(s.values()[5] == 5.0f);
  CHECK(s.find("b") == b);
  CHECK(s.find("nope") == -1);
  CHECK_THROWS_AS(s.id("nope"), std::out_of_range);
  ParameterStore<float> t;
  t.add("w", {2, 3});
  CHECK_FALSE(s.same_layout(t));
  t.add("b", {3});
  CHECK(s.same_layout(t));
  Rng rng(1);
  s.init_uniform(rng, -0.1, 0.1);
  for (float v : s.values()) {
    CHECK(v >= -0.1f);
    CHECK(v < 0.1f);
  }
}
