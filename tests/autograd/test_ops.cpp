// Tests of include/deepdiff/autograd/ops.hpp.
#include "autograd_fixtures.hpp"

TEST_CASE("gradcheck: elementwise operations with broadcasting", "[autograd][gradcheck]") {
  Rng rng(11);
  for (int trial = 0; trial < 4; ++trial) {
    const Index R = rnd(rng, 1, 5), C = rnd(rng, 1, 6);
    // (shape of a, shape of b): same, row-broadcast (rank 1), column-broadcast, scalar-like
    const std::vector<std::pair<Shape, Shape>> cases = {
        {{R, C}, {R, C}}, {{R, C}, {C}}, {{R, 1}, {R, C}}, {{1, 1}, {R, C}}, {{R, C}, {1, C}}};
    for (const auto& sh : cases) {
      std::vector<Tensor<double>> in = {random_tensor<double>(rng, sh.first), random_tensor<double>(rng, sh.second)};
      expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return add(v[0], v[1]); }, in, rng), "add");
      expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return sub(v[0], v[1]); }, in, rng), "sub");
      expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return mul(v[0], v[1]); }, in, rng), "mul");
    }
  }
}

TEST_CASE("gradcheck: nonlinearities, affine, square", "[autograd][gradcheck]") {
  Rng rng(12);
  const Shape s{rnd(rng, 2, 5), rnd(rng, 2, 7)};
  std::vector<Tensor<double>> in = {random_tensor<double>(rng, s, -3.0, 3.0)};
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return sigmoid(v[0]); }, in, rng), "sigmoid");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return deepdiff::tanh(v[0]); }, in, rng), "tanh");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return relu(v[0]); }, in, rng), "relu");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return square(v[0]); }, in, rng), "square");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return affine(v[0], -1.7, 0.3); }, in, rng), "affine");
  // sigmoid stays finite and exact far out in both tails
  CHECK(sigmoid_value(-800.0) >= 0.0);
  CHECK(sigmoid_value(800.0) == 1.0);
  CHECK(sigmoid_value(-30.0) == Approx(std::exp(-30.0) / (1 + std::exp(-30.0))));
}

TEST_CASE("gradcheck: matrix products", "[autograd][gradcheck]") {
  Rng rng(13);
  for (int trial = 0; trial < 4; ++trial) {
    const Index m = rnd(rng, 1, 6), k = rnd(rng, 1, 6), n = rnd(rng, 1, 6);
    std::vector<Tensor<double>> in = {random_tensor<double>(rng, {m, k}), random_tensor<double>(rng, {k, n})};
    expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return matmul(v[0], v[1]); }, in, rng), "matmul");
    std::vector<Tensor<double>> in_t = {random_tensor<double>(rng, {m, k}), random_tensor<double>(rng, {n, k})};
    expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return matmul(v[0], v[1], true); }, in_t, rng), "matmul_nt");
  }
}

// On a batch-invariant tape, row i of a product or a softmax is a function of row i alone:
// the same bits as the one-row operation, whatever the row count and the row's place. Eigen's
// GEMM (row panels of 4 with split accumulators; one row as GEMV) and its vectorized exp and
// sum (packets from the first aligned element) are not; the inference path relies on this.
TEST_CASE("batch-invariant tape: matmul and softmax rows do not depend on the other rows", "[autograd][batch]") {
  Tape<float> plain;
  CHECK_FALSE(plain.batch_invariant());
  Rng rng(17);
  for (const Index k : {Index(5), Index(16), Index(64)})
    for (const Index n : {Index(1), Index(5), Index(64)})
      for (const bool trans_b : {false, true}) {
        const Tensor<float> b = random_tensor<float>(rng, trans_b ? Shape{n, k} : Shape{k, n});
        const Tensor<float> a = random_tensor<float>(rng, {13, k});
        Tape<float> tape;
        tape.set_batch_invariant(true);
        const Var<float> bv = tape.leaf(b);
        std::vector<float> rows;  // each row of A alone
        for (Index i = 0; i < 13; ++i) {
          Tensor<float> ai(Shape{1, k});
          std::copy(a.data() + i * k, a.data() + (i + 1) * k, ai.data());
          const Tensor<float>& ci = matmul(tape.leaf(ai), bv, trans_b).value();
          rows.insert(rows.end(), ci.data(), ci.data() + n);
        }
        Tape<float> eigen;
        const Tensor<float> ref = matmul(eigen.leaf(a), eigen.leaf(b), trans_b).value();
        for (const Index m : {Index(2), Index(7), Index(10), Index(13)}) {
          INFO("m=" << m << " k=" << k << " n=" << n << (trans_b ? " B^T" : ""));
          Tensor<float> am(Shape{m, k});
          std::copy(a.data() + (13 - m) * k, a.data() + 13 * k, am.data());  // the last m rows
          const Tensor<float>& c = matmul(tape.leaf(am), bv, trans_b).value();
          CHECK(std::vector<float>(c.data(), c.data() + m * n) == std::vector<float>(rows.end() - m * n, rows.end()));
          for (Index i = 0; i < m * n; ++i)
            CHECK(c.data()[i] == Approx(ref.data()[(13 - m) * n + i]).epsilon(1e-5).margin(1e-5));
        }
      }
  for (const Index cols : {Index(5), Index(25), Index(40)}) {
    const Tensor<float> x = random_tensor<float>(rng, {11, cols}, -4.0, 4.0);
    Tape<float> tape;
    tape.set_batch_invariant(true);
    const Tensor<float> all = softmax_rows(tape.constant(x)).value();
    Tape<float> eigen;
    const Tensor<float> ref = softmax_rows(eigen.constant(x)).value();
    for (Index i = 0; i < 11; ++i) {
      INFO("softmax row " << i << " of 11, " << cols << " columns");
      Tensor<float> xi(Shape{1, cols});
      std::copy(x.data() + i * cols, x.data() + (i + 1) * cols, xi.data());
      const Tensor<float> yi = softmax_rows(tape.constant(xi)).value();
      CHECK(std::vector<float>(yi.data(), yi.data() + cols) ==
            std::vector<float>(all.data() + i * cols, all.data() + (i + 1) * cols));
      for (Index j = 0; j < cols; ++j) CHECK(yi[j] == Approx(ref.data()[i * cols + j]).epsilon(1e-6));
    }
  }
}

TEST_CASE("gradcheck: matmul and softmax on a batch-invariant tape", "[autograd][gradcheck][batch]") {
  Rng rng(18);
  for (int trial = 0; trial < 4; ++trial) {
    const Index m = rnd(rng, 1, 6), k = rnd(rng, 1, 6), n = rnd(rng, 1, 6);
    std::vector<Tensor<double>> in = {random_tensor<double>(rng, {m, k}), random_tensor<double>(rng, {k, n})};
    expect_good(gradcheck([](Tape<double>& t, const std::vector<Var<double>>& v) {
                  t.set_batch_invariant(true);
                  return matmul(v[0], v[1]);
                }, in, rng), "matmul (batch-invariant)");
    std::vector<Tensor<double>> in_t = {random_tensor<double>(rng, {m, k}), random_tensor<double>(rng, {n, k})};
    expect_good(gradcheck([](Tape<double>& t, const std::vector<Var<double>>& v) {
                  t.set_batch_invariant(true);
                  return matmul(v[0], v[1], true);
                }, in_t, rng), "matmul_nt (batch-invariant)");
    std::vector<Tensor<double>> in_s = {random_tensor<double>(rng, {m, n + 1}, -4.0, 4.0)};
    expect_good(gradcheck([](Tape<double>& t, const std::vector<Var<double>>& v) {
                  t.set_batch_invariant(true);
                  return softmax_rows(v[0]);
                }, in_s, rng), "softmax (batch-invariant)");
  }
}

TEST_CASE("gradcheck: reductions and softmax", "[autograd][gradcheck]") {
  Rng rng(14);
  const Shape s{rnd(rng, 1, 5), rnd(rng, 2, 9)};
  std::vector<Tensor<double>> in = {random_tensor<double>(rng, s, -4.0, 4.0)};
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return sum(v[0]); }, in, rng), "sum");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return mean(v[0]); }, in, rng), "mean");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return softmax_rows(v[0]); }, in, rng), "softmax");

  // stable for large inputs, rows sum to one
  Tape<double> tape;
  Var<double> big = tape.constant(Tensor<double>::from({1, 3}, {1000.0, 1001.0, 999.0}));
  Var<double> p = softmax_rows(big);
  CHECK(p.value().vec().sum() == Approx(1.0));
  CHECK(std::isfinite(p.value()[0]));
  CHECK(p.value()[1] == Approx(std::exp(1.0) / (1.0 + std::exp(1.0) + std::exp(-1.0))));
}

TEST_CASE("gradcheck: column slices and concatenation", "[autograd][gradcheck]") {
  Rng rng(15);
  const Index R = rnd(rng, 1, 4), C = rnd(rng, 3, 8);
  std::vector<Tensor<double>> in = {random_tensor<double>(rng, {R, C}), random_tensor<double>(rng, {R, 2})};
  expect_good(gradcheck([C](Tape<double>&, const std::vector<Var<double>>& v) { return slice_cols(v[0], 1, C - 2); }, in, rng), "slice_cols");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return concat_cols<double>({v[0], v[1], v[0]}); }, in, rng), "concat_cols");
}

TEST_CASE("gradcheck: pairwise distance matches PyTorch's definition", "[autograd][gradcheck]") {
  Rng rng(16);
  const Index R = rnd(rng, 1, 5), C = rnd(rng, 2, 10);
  std::vector<Tensor<double>> in = {random_tensor<double>(rng, {R, C}), random_tensor<double>(rng, {R, C})};
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return pairwise_distance(v[0], v[1]); }, in, rng), "pairwise_distance");
  Tape<double> tape;
  Var<double> a = tape.constant(Tensor<double>::from({1, 2}, {1.0, 2.0}));
  Var<double> b = tape.constant(Tensor<double>::from({1, 2}, {4.0, -2.0}));
  const double e = 1e-6;
  CHECK(pairwise_distance(a, b).value()[0] == Approx(std::sqrt((-3.0 + e) * (-3.0 + e) + (4.0 + e) * (4.0 + e))).epsilon(1e-14));
}

TEST_CASE("round_bf16: values rounded to bfloat16, the gradient passed through unchanged", "[autograd][bf16]") {
  // Straight-through by design: the finite-difference derivative of a rounding is 0 almost
  // everywhere, so the check is that backward hands the gradient on as it came.
  Tape<float> tape;
  Tensor<float> x(Shape{1, 4});
  x[0] = 1.0f + 1.0f / 512;  // halfway between two bf16 neighbours of 1: to even, 1
  x[1] = 1.0f + 3.0f / 512;  // just above halfway: up to 1 + 1/128
  x[2] = -3.0f;              // a bf16 value: unchanged
  x[3] = 0.1f;
  Var<float> v = tape.leaf(x);
  Var<float> r = round_bf16(v);
  CHECK(r.value()[0] == 1.0f);
  CHECK(r.value()[1] == 1.0f + 1.0f / 128);
  CHECK(r.value()[2] == -3.0f);
  CHECK(r.value()[3] == bf16_round(0.1f));
  CHECK(r.value()[3] != 0.1f);
  Tensor<float> g(Shape{1, 4});
  for (Index i = 0; i < 4; ++i) g[i] = 0.5f + static_cast<float>(i);
  tape.backward(r, g);
  for (Index i = 0; i < 4; ++i) CHECK(tape.grad(v.id)[i] == g[i]);
}
