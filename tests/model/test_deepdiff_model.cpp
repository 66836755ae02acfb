// Tests of include/deepdiff/model/deepdiff_model.hpp.
#include "model_fixtures.hpp"

TEST_CASE("model: parameter counts and PyTorch names of every variant", "[model]") {
  for (const Expect& e : kExpect) {
    ModelConfig c;
    c.variant = e.v;
    DeepDiff<float> m(c);
    INFO(variant_name(e.v));
    CHECK(m.params().numel() == e.params);
    CHECK(m.alpha_channels() == e.alpha);
    CHECK(m.beta_channels() == e.beta);
    CHECK(m.params().info(0).name == "rnn_hms.0.rnn.weight_ih_l0");
    CHECK(static_cast<Index>(m.beta_names().size()) == e.beta);
  }
  ModelConfig c;
  c.variant = Variant::raw_d;
  DeepDiff<float> m(c);
  const ParameterStore<float>& s = m.params();
  CHECK(s.info(s.id("rnn_hms.4.bin_attention.bin_context_vector")).shape == Shape{64, 1});
  CHECK(s.info(s.id("hm_level_rnn_1.rnn.weight_ih_l0")).shape == Shape{64, 64});
  CHECK(s.info(s.id("hm_level_rnn_1.rnn.weight_hh_l0_reverse")).shape == Shape{64, 16});
  CHECK(s.info(s.id("hm_level_rnn_1.bin_attention.bin_context_vector")).shape == Shape{32, 1});
  CHECK(s.info(s.id("fdiff1_1.weight")).shape == Shape{1, 32});
  CHECK(m.params().info(m.params().count() - 1).name == "fdiff1_1.bias");
  CHECK(parse_variant("raw_aux_siamese") == Variant::raw_aux_siamese);
  CHECK_THROWS_WITH(parse_variant("rawd"), Catch::Contains("unknown model name 'rawd'"));
}

TEST_CASE("model: output and attention shapes of every variant", "[model]") {
  Rng rng(31);
  const Index B = 3, T = 6;
  for (const Expect& e : kExpect) {
    INFO(variant_name(e.v));
    ModelConfig c;
    c.variant = e.v;
    c.bins = T;
    c.hidden1 = 4;
    DeepDiff<double> m(c);
    m.params().init_uniform(rng, -0.1, 0.1);
    Tensor<double> xa = random_tensor<double>(rng, {B, T, 5}, 0.0, 4.0), xb = random_tensor<double>(rng, {B, T, 5}, 0.0, 4.0);
    Tape<double> tape;
    ModelOutput<double> out = m.forward(tape, xa, xb, EncoderPath::composed);
    CHECK(out.pred.shape() == Shape{B, 1});
    CHECK(out.beta.shape() == Shape{B, e.beta});
    CHECK(out.alpha.shape() == Shape{B, e.alpha, T});
    CHECK(out.pred_a.valid() == has_aux_heads(e.v));
    CHECK(out.pred_b.valid() == has_aux_heads(e.v));
    CHECK(out.emb_a.valid() == is_siamese(e.v));
    if (is_siamese(e.v)) CHECK(out.emb_a.shape() == Shape{B, 5 * 8});
    // aux variants concatenate the two level-2 softmaxes (A's, then B's)
    const double beta_total = (e.v == Variant::aux || e.v == Variant::aux_siamese) ? 2.0 : 1.0;
    for (Index b = 0; b < B; ++b) {
      CHECK(out.beta.matrix().row(b).sum() == Approx(beta_total));
      for (Index k = 0; k < e.alpha; ++k) {
        double s = 0;
        for (Index t = 0; t < T; ++t) s += out.alpha(b, k, t);
        CHECK(s == Approx(1.0));
      }
    }
  }
  ModelConfig c;
  DeepDiff<float> m(c);
  Tape<float> tape;
  CHECK_THROWS_WITH(m.forward(tape, Tensor<float>({2, 100, 5}), Tensor<float>({2, 100, 5})),
                    Catch::Contains("expected [B, 200, 5]"));
}

TEST_CASE("model: the inference path is batch-invariant for its call only", "[model][batch]") {
  // forward(inference) runs level 2 and the heads on a batch-invariant tape (a gene's outputs
  // do not depend on its batch; tests/train/test_trainer.cpp checks the bits) and gives the
  // caller's tape back as it was; it agrees with the fused training forward to float rounding.
  Rng rng(32);
  ModelConfig c;
  c.variant = Variant::raw_aux;
  c.bins = 8;
  DeepDiff<float> m(c);
  m.params().init_uniform(rng, -0.3, 0.3);
  const Tensor<float> xa = random_tensor<float>(rng, {10, 8, 5}, 0.0, 4.0), xb = random_tensor<float>(rng, {10, 8, 5}, 0.0, 4.0);
  Tape<float> fused, inference;
  const ModelOutput<float> f = m.forward(fused, xa, xb, EncoderPath::fused);
  const ModelOutput<float> i = m.forward(inference, xa, xb, EncoderPath::inference);
  CHECK_FALSE(fused.batch_invariant());
  CHECK_FALSE(inference.batch_invariant());
  inference.set_batch_invariant(true);
  m.forward(inference, xa, xb, EncoderPath::fused);
  CHECK(inference.batch_invariant());
  for (Index b = 0; b < 10; ++b) {
    CHECK(i.pred.value()[b] == Approx(f.pred.value()[b]).epsilon(1e-5).margin(1e-6));
    CHECK(i.pred_a.value()[b] == Approx(f.pred_a.value()[b]).epsilon(1e-5).margin(1e-6));
  }
  for (Index k = 0; k < i.beta.size(); ++k) CHECK(i.beta.data()[k] == Approx(f.beta.data()[k]).epsilon(1e-5));
}

TEST_CASE("model: every variant passes a gradient check (composed level 1)", "[model][gradcheck]") {
  Rng rng(32);
  const Index B = 3, T = 3;
  // The loss sums many terms; a larger step keeps round-off in L(x +- h) below truncation.
  GradCheckOptions opts;
  opts.step = 1e-5;
  for (const Expect& e : kExpect) {
    INFO(variant_name(e.v));
    ModelConfig c;
    c.variant = e.v;
    c.bins = T;
    c.hidden1 = 2;
    DeepDiff<double> m(c);
    m.params().init_uniform(rng, -0.5, 0.5);
    Tensor<double> xa = random_tensor<double>(rng, {B, T, 5}, 0.0, 3.0), xb = random_tensor<double>(rng, {B, T, 5}, 0.0, 3.0);
    Tensor<double> y, ya, yb;
    targets(B, y, ya, yb);
    GradCheckResult r = gradcheck(
        [&](Tape<double>& tape, const std::vector<Var<double>>&) {
          ModelOutput<double> out = m.forward(tape, xa, xb, EncoderPath::composed);
          return m.loss(tape, out, y, ya, yb).total;
        },
        {}, rng, &m.params(), opts);
    INFO("max rel " << r.max_rel_error << " mean rel " << r.mean_rel_error << " over " << r.checked);
    CHECK(r.nonzero > r.checked / 2);
    CHECK(r.max_rel_error <= 1e-6);
  }
}

TEST_CASE("model: loss terms add up as the spec says", "[model][loss]") {
  Rng rng(33);
  const Index B = 4, T = 5;
  ModelConfig c;
  c.variant = Variant::raw_aux_siamese;
  c.bins = T;
  c.hidden1 = 4;
  DeepDiff<double> m(c);
  m.params().init_uniform(rng, -0.3, 0.3);
  Tensor<double> xa = random_tensor<double>(rng, {B, T, 5}, 0.0, 3.0), xb = random_tensor<double>(rng, {B, T, 5}, 0.0, 3.0);
  Tensor<double> y, ya, yb;
  targets(B, y, ya, yb);
  Tape<double> tape;
  ModelOutput<double> out = m.forward(tape, xa, xb, EncoderPath::composed);
  ModelLoss<double> l = m.loss(tape, out, y, ya, yb);
  CHECK(l.total.value()[0] == Approx(l.diff + l.aux_a + l.aux_b + 4.0 * l.contrastive).epsilon(1e-14));
  double mse = 0;
  for (Index b = 0; b < B; ++b) mse += (out.pred.value()[b] - y[b]) * (out.pred.value()[b] - y[b]);
  CHECK(l.diff == Approx(mse / B).epsilon(1e-14));
  CHECK(l.contrastive > 0.0);
}

TEST_CASE("model: channel names (attention CSV headers) spell marks with mark_name", "[model]") {
  ModelConfig c;
  c.variant = Variant::raw_c;  // A's and B's encoders: "A." and "B." channels
  c.marks = 6;
  c.bins = 3;
  c.hidden1 = 2;
  const DeepDiff<float> m(c);
  std::vector<std::string> expected;
  for (const char* cell : {"A.", "B."})
    for (Index k = 0; k < 6; ++k) expected.push_back(cell + mark_name(k));
  CHECK(m.alpha_names() == expected);
}

// Issue 14, item 2: a program refuses a model too large for the machine before building it,
// from these numbers; they must be right without allocating anything.

TEST_CASE("model: bf16 precision, close to fp32, the same on the inference path, not on the composed one", "[model][bf16]") {
  Rng rng(33);
  ModelConfig c;
  c.variant = Variant::raw_aux;  // both level-2 kinds: the main encoder and the aux ones
  c.bins = 12;
  DeepDiff<float> m(c);
  m.params().init_uniform(rng, -0.1, 0.1);
  const Tensor<float> xa = random_tensor<float>(rng, {7, 12, 5}, 0.0, 4.0), xb = random_tensor<float>(rng, {7, 12, 5}, 0.0, 4.0);
  CHECK(m.precision() == Precision::fp32);
  Tape<float> t32;
  const ModelOutput<float> f32 = m.forward(t32, xa, xb, EncoderPath::fused);
  m.set_precision(Precision::bf16);
  Tape<float> t16, ti;
  const ModelOutput<float> f16 = m.forward(t16, xa, xb, EncoderPath::fused);
  const ModelOutput<float> i16 = m.forward(ti, xa, xb, EncoderPath::inference);
  double scale = 0, diff = 0;
  for (Index b = 0; b < 7; ++b) {
    scale = std::max(scale, std::abs(double(f32.pred.value()[b])));
    diff = std::max(diff, std::abs(double(f16.pred.value()[b]) - f32.pred.value()[b]));
    CHECK(i16.pred.value()[b] == Approx(f16.pred.value()[b]).epsilon(1e-5).margin(1e-6));
  }
  INFO("max |pred bf16 - pred fp32| " << diff << ", max |pred| " << scale);
  CHECK(diff > 0);
  CHECK(diff <= 2e-2 * scale + 1e-4);
  Tape<float> tc;
  CHECK_THROWS_WITH(m.forward(tc, xa, xb, EncoderPath::composed), Catch::Contains("bf16"));
  // Training in bf16: a finite gradient for every parameter.
  m.params().zero_grad();
  Tensor<float> y(Shape{7, 1}), ya(Shape{7, 1}), yb(Shape{7, 1});
  const ModelLoss<float> l = m.loss(t16, f16, y, ya, yb);
  t16.backward(l.total);
  Index finite = 0;
  for (Index i = 0; i < m.params().numel(); ++i) finite += std::isfinite(m.params().grads()[static_cast<std::size_t>(i)]) ? 1 : 0;
  CHECK(finite == m.params().numel());
}
