// Tests of include/deepdiff/train/adam.hpp.
#include "train_fixtures.hpp"

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

TEST_CASE("adam: the vectorized slab update equals the scalar one element by element", "[train][adam]") {
  // Packets cover the slab's start and a scalar loop its tail; every element must get the
  // bits a one-element slab (all tail) gets from the same values, in float and double.
  auto check = [](auto zero) {
    using T = decltype(zero);
    const std::size_t n = 67;  // not a multiple of any packet width
    AdamState<T> slab_state;
    AdamOptions o;
    o.lr = 1e-3;
    AlignedVector<T> p(n), g(n);
    for (std::size_t i = 0; i < n; ++i) {
      p[i] = static_cast<T>(0.1) * static_cast<T>(static_cast<int>(i % 13) - 6);
      g[i] = static_cast<T>(std::ldexp(static_cast<double>(static_cast<int>(i % 11) - 5) / 3.0, -static_cast<int>(i % 7)));
    }
    const AlignedVector<T> p0 = p;
    for (int t = 0; t < 3; ++t) adam_step(p, g, slab_state, o);
    for (std::size_t i = 0; i < n; ++i) {
      AlignedVector<T> one = {p0[i]};
      AdamState<T> s;
      for (int t = 0; t < 3; ++t) adam_step(one, AlignedVector<T>{g[i]}, s, o);
      CHECK(one[0] == p[i]);
      CHECK(s.m[0] == slab_state.m[i]);
      CHECK(s.v[0] == slab_state.v[i]);
    }
  };
  check(0.0f);
  check(0.0);
}
