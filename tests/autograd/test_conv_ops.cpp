// Tests of include/deepdiff/autograd/conv_ops.hpp: conv1d, max_pool1d and dropout against
// central differences (double), the first-maximum rule of the pooling on ties, and the
// dropout mask's determinism.
#include "autograd_fixtures.hpp"

#include "deepdiff/autograd/conv_ops.hpp"

TEST_CASE("gradcheck: conv1d on random shapes, kernels up to the whole length", "[autograd][gradcheck][conv]") {
  Rng rng(31);
  for (int trial = 0; trial < 6; ++trial) {
    const Index B = rnd(rng, 1, 3), C = rnd(rng, 1, 4), O = rnd(rng, 1, 4), L = rnd(rng, 1, 12);
    const Index K = trial == 0 ? L : rnd(rng, 1, L);  // trial 0: one output per channel (the edge)
    std::vector<Tensor<double>> in = {random_tensor<double>(rng, {B, C, L}), random_tensor<double>(rng, {O, C, K}),
                                      random_tensor<double>(rng, {O})};
    expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return conv1d(v[0], v[1], v[2]); }, in, rng),
                "conv1d");
  }
}

TEST_CASE("conv1d: PyTorch's cross-correlation, by hand", "[autograd][conv]") {
  Tape<double> t;
  Tensor<double> x(Shape{1, 2, 4}), w(Shape{1, 2, 2}), b(Shape{1});
  const double xs[] = {1, 2, 3, 4, 10, 20, 30, 40}, ws[] = {1, -1, 0.5, 2};
  std::copy(xs, xs + 8, x.data());
  std::copy(ws, ws + 4, w.data());
  b.data()[0] = 0.25;
  const Var<double> y = conv1d(t.constant(x), t.constant(w), t.constant(b));
  REQUIRE(y.shape() == Shape{1, 1, 3});
  // y[t] = 0.25 + (x0[t] - x0[t+1]) + (0.5 x1[t] + 2 x1[t+1])
  CHECK(y.value().data()[0] == Approx(0.25 - 1 + 5 + 40));
  CHECK(y.value().data()[2] == Approx(0.25 - 1 + 15 + 80));
  CHECK_THROWS_WITH(conv1d(t.constant(Tensor<double>(Shape{1, 2, 1})), t.constant(w), t.constant(b)),
                    Catch::Contains("K <= L"));
}

TEST_CASE("gradcheck: max_pool1d with windows at the edges", "[autograd][gradcheck][conv]") {
  Rng rng(32);
  for (int trial = 0; trial < 6; ++trial) {
    const Index B = rnd(rng, 1, 3), C = rnd(rng, 1, 3), L = rnd(rng, 1, 13);
    const Index k = rnd(rng, 1, L), s = rnd(rng, 1, 4);
    // distinct values far apart: the arg max does not move within the finite-difference step
    Tensor<double> x(Shape{B, C, L});
    std::vector<double> v(static_cast<std::size_t>(x.size()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.1 * static_cast<double>(i);
    rng.shuffle(v);
    std::copy(v.begin(), v.end(), x.data());
    expect_good(gradcheck([k, s](Tape<double>&, const std::vector<Var<double>>& in) { return max_pool1d(in[0], k, s); },
                          {x}, rng),
                "max_pool1d");
  }
}

TEST_CASE("max_pool1d: ties send the gradient to the first maximum, as PyTorch", "[autograd][conv]") {
  Tape<double> t;
  Tensor<double> x(Shape{1, 1, 7});
  const double xs[] = {3, 5, 5, 1, 2, 2, 0};  // windows of 3, stride 2: [0..2] {3,5,5} [2..4] {5,1,2} [4..6] {2,2,0}
  std::copy(xs, xs + 7, x.data());
  const Var<double> in = t.leaf(x);
  const Var<double> y = max_pool1d(in, 3, 2);
  REQUIRE(y.shape() == Shape{1, 1, 3});
  CHECK(y.value().data()[0] == 5);
  CHECK(y.value().data()[2] == 2);
  t.backward(y, Tensor<double>(Shape{1, 1, 3}, 1.0));
  // window 0: the tie 5, 5 at 1 and 2 -> 1; window 1: 5 at 2; window 2: the tie 2, 2 at 4 and 5 -> 4
  const double want[] = {0, 1, 1, 0, 1, 0, 0};
  const double* g = in.grad().data();
  for (int i = 0; i < 7; ++i) CHECK(g[i] == want[i]);
  CHECK_THROWS_WITH(max_pool1d(in, 8, 1), Catch::Contains("window"));
}

TEST_CASE("dropout: inverted, its mask a function of the stream, gradient through the mask", "[autograd][conv]") {
  Rng rng(33);
  Tensor<double> x = random_tensor<double>(rng, {4, 50});
  Tape<double> t;
  Rng a(7), b(7), c(8);
  const Var<double> in = t.leaf(x);
  const Var<double> y1 = dropout(in, 0.5, a), y2 = dropout(t.constant(x), 0.5, b), y3 = dropout(t.constant(x), 0.5, c);
  int kept = 0, same = 0, differ = 0;
  for (Index i = 0; i < x.size(); ++i) {
    const double v = y1.value().data()[i];
    CHECK((v == 0 || v == Approx(2 * x.data()[i])));
    kept += v != 0;
    same += v == y2.value().data()[i];
    differ += v != y3.value().data()[i];
  }
  CHECK(same == x.size());
  CHECK(differ > 20);
  CHECK(kept > 70);  // about half of 200
  CHECK(kept < 130);
  t.backward(y1, Tensor<double>(y1.shape(), 1.0));
  for (Index i = 0; i < x.size(); ++i) CHECK(in.grad().data()[i] == (y1.value().data()[i] != 0 ? 2.0 : 0.0));
  Rng r(9);
  const Var<double> id = dropout(t.constant(x), 0.0, r);  // p = 0 keeps everything
  CHECK(id.value().data()[3] == x.data()[3]);
  CHECK_THROWS(dropout(in, 1.0, r));
}
