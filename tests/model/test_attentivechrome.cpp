// model/attentivechrome.hpp: one AttentiveChrome regressor per cell (spec, "Baselines"):
// sizes and the aux branch's PyTorch names, a gradient check (double), the cell it reads and
// the target it is trained on, and the fused level 1 against the composed reference.
// Agreement with PyTorch: test_baseline_parity.cpp.
#include <catch2/catch.hpp>

#include <deepdiff/model/attentivechrome.hpp>
#include <deepdiff/nn/gradcheck.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

TEST_CASE("attentivechrome: sizes, names, attention channels of each cell", "[model][attentivechrome]") {
  AttentiveChromeConfig c;  // T = 200, 5 marks, hidden 32
  AttentiveChrome<float> a(c);
  CHECK(a.params().numel() == static_cast<Index>(attentivechrome_parameter_count(c)));
  CHECK(a.params().find("rnn_hms.0.rnn.weight_ih_l0") >= 0);
  CHECK(a.params().find("hm_level_rnn_1.rnn.weight_hh_l0_reverse") >= 0);
  CHECK(a.params().find("f1_1.weight") >= 0);
  CHECK(a.beta_names() == std::vector<std::string>{"A.H3K4me1", "A.H3K4me3", "A.H3K9me3", "A.H3K27me3", "A.H3K36me3"});
  c.cell = AttentiveChromeCell::b;
  AttentiveChrome<float> b(c);
  CHECK(b.alpha_names().front() == "B.H3K4me1");
  c.hidden1 = 3;
  CHECK_THROWS_WITH(AttentiveChrome<float>(c), Catch::Contains("even number"));

  Split s;
  s.ea = {3, 0};
  s.eb = {1, 7};
  CHECK(a.target(s, 0) == Approx(2.0));  // log2(3 + 1): its own cell's expression
  CHECK(b.target(s, 1) == Approx(3.0));  // log2(7 + 1)
}

TEST_CASE("attentivechrome: a gradient check of cell B's model, it reads only its cell", "[model][attentivechrome][gradcheck]") {
  Rng rng(51);
  AttentiveChromeConfig c;
  c.bins = 3;
  c.marks = 2;
  c.hidden1 = 2;
  c.cell = AttentiveChromeCell::b;
  AttentiveChrome<double> m(c);
  m.params().init_uniform(rng, -0.5, 0.5);
  const Index B = 3;
  const Tensor<double> xa = random_tensor<double>(rng, {B, 3, 2}, 0.0, 3.0);
  const Tensor<double> xb = random_tensor<double>(rng, {B, 3, 2}, 0.0, 3.0);
  Tensor<double> ya({B, 1}), yb({B, 1});
  for (Index b = 0; b < B; ++b) ya[b] = 1, yb[b] = 0.5 + static_cast<double>(b);
  GradCheckOptions opts;
  opts.step = 1e-5;
  GradCheckResult r = gradcheck(
      [&](Tape<double>& tape, const std::vector<Var<double>>&) {
        return m.loss(tape, m.forward(tape, xa, xb, EncoderPath::composed), ya, ya, yb).total;
      },
      {}, rng, &m.params(), opts);
  INFO("max rel " << r.max_rel_error << " over " << r.checked);
  CHECK(r.checked == m.params().numel());
  CHECK(r.nonzero > r.checked / 2);
  CHECK(r.max_rel_error <= 1e-6);

  // The loss is against yb (cell B's target): another ya changes nothing.
  Tape<double> t1, t2;
  Tensor<double> other_ya = ya;
  other_ya[0] = 100;
  CHECK(m.loss(t1, m.forward(t1, xa, xb, EncoderPath::composed), ya, ya, yb).diff ==
        m.loss(t2, m.forward(t2, xa, xb, EncoderPath::composed), ya, other_ya, yb).diff);
  // Cell B's model does not read xa.
  Tensor<double> other_xa = random_tensor<double>(rng, {B, 3, 2}, 0.0, 3.0);
  Tape<double> t3, t4;
  const ModelOutput<double> o1 = m.forward(t3, xa, xb, EncoderPath::composed);
  const ModelOutput<double> o2 = m.forward(t4, other_xa, xb, EncoderPath::composed);
  for (Index b = 0; b < B; ++b) CHECK(o1.pred.value()[b] == o2.pred.value()[b]);
  CHECK(o1.beta.dim(1) == 2);
  CHECK(o1.alpha.dim(1) == 2);
}

TEST_CASE("attentivechrome: fused, composed and inference paths agree", "[model][attentivechrome][kernels]") {
  Rng rng(52);
  AttentiveChromeConfig c;
  c.bins = 7;
  c.marks = 5;
  c.hidden1 = 4;
  AttentiveChrome<double> m(c);
  m.params().init_uniform(rng, -0.3, 0.3);
  const Tensor<double> x = random_tensor<double>(rng, {5, 7, 5}, 0.0, 4.0);
  Tape<double> tf, tc, ti;
  const ModelOutput<double> f = m.forward(tf, x, x, EncoderPath::fused);
  const ModelOutput<double> co = m.forward(tc, x, x, EncoderPath::composed);
  const ModelOutput<double> in = m.forward(ti, x, x, EncoderPath::inference);
  for (Index b = 0; b < 5; ++b) {
    CHECK(f.pred.value()[b] == Approx(co.pred.value()[b]).epsilon(1e-12));
    CHECK(in.pred.value()[b] == Approx(co.pred.value()[b]).epsilon(1e-12));
  }
  for (Index k = 0; k < co.alpha.size(); ++k) CHECK(f.alpha.data()[k] == Approx(co.alpha.data()[k]).epsilon(1e-12));
  for (Index k = 0; k < co.beta.size(); ++k) CHECK(in.beta.data()[k] == Approx(co.beta.data()[k]).epsilon(1e-12));
}
