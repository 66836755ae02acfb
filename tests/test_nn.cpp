// Modules (Linear, LSTM cell, bidirectional LSTM, attention, encoder) and losses: gradient
// checks over inputs and every parameter, closed-form LSTM values, PyTorch naming.
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

namespace {

void expect_good(const GradCheckResult& r, const char* what) {
  INFO(what << ": max rel " << r.max_rel_error << ", mean rel " << r.mean_rel_error << ", max abs "
            << r.max_abs_error << ", " << r.checked << " elements (" << r.nonzero << " non-zero)");
  CHECK(r.nonzero > 0);
  CHECK(r.max_rel_error <= 1e-6);
}

// Sequence of T steps [B, I] taken from the columns of one leaf [B, T*I].
std::vector<Var<double>> as_steps(const Var<double>& x, Index T, Index I) {
  std::vector<Var<double>> xs;
  for (Index t = 0; t < T; ++t) xs.push_back(slice_cols(x, t * I, I));
  return xs;
}

}  // namespace

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

TEST_CASE("lstm cell: closed form with all weights zero but one gate", "[nn][lstm]") {
  // Only the input weight of the cell gate g is non-zero (w); every bias is zero, so
  // i = f = o = sigma(0) = 1/2 and g_t = tanh(w x_t):
  //   c_1 = tanh(w x_1) / 2,            h_1 = tanh(c_1) / 2
  //   c_2 = c_1 / 2 + tanh(w x_2) / 2,  h_2 = tanh(c_2) / 2
  ParameterStore<double> store;
  BiLSTM m = make_bilstm(store, "rnn", 1, 1);
  const double w = 0.7, x1 = 1.3, x2 = -0.4;
  store.view(m.fwd.w_ih)(2, 0) = w;  // rows: i, f, g, o
  Tape<double> tape;
  LSTMWeights<double> wts = lstm_weights(tape, store, m.fwd);
  Var<double> h0 = tape.constant(Tensor<double>({1, 1}));
  Var<double> c0 = tape.constant(Tensor<double>({1, 1}));
  auto s1 = lstm_cell(tape.constant(Tensor<double>::from({1, 1}, {x1})), h0, c0, wts);
  auto s2 = lstm_cell(tape.constant(Tensor<double>::from({1, 1}, {x2})), s1.first, s1.second, wts);
  const double c1 = std::tanh(w * x1) / 2, h1 = std::tanh(c1) / 2;
  const double c2 = c1 / 2 + std::tanh(w * x2) / 2, h2 = std::tanh(c2) / 2;
  CHECK(s1.second.value()[0] == Approx(c1).epsilon(1e-15));
  CHECK(s1.first.value()[0] == Approx(h1).epsilon(1e-15));
  CHECK(s2.second.value()[0] == Approx(c2).epsilon(1e-12));
  CHECK(s2.first.value()[0] == Approx(h2).epsilon(1e-12));
}

TEST_CASE("lstm cell: closed form for the forget and output gates through their biases", "[nn][lstm]") {
  // All weights zero; biases bi, bf, bg, bo (split between b_ih and b_hh, which add):
  //   c_1 = s(bi) tanh(bg), c_2 = s(bf) c_1 + s(bi) tanh(bg), h_t = s(bo) tanh(c_t)
  ParameterStore<double> store;
  BiLSTM m = make_bilstm(store, "rnn", 1, 1);
  const double bi = 0.3, bf = -1.1, bg = 0.9, bo = 2.0;
  MatrixMap<double> b_ih = store.view(m.fwd.b_ih), b_hh = store.view(m.fwd.b_hh);
  b_ih(0, 0) = bi;
  b_hh(0, 1) = bf;
  b_ih(0, 2) = bg / 2;
  b_hh(0, 2) = bg / 2;
  b_hh(0, 3) = bo;
  Tape<double> tape;
  std::vector<Var<double>> xs = {tape.constant(Tensor<double>::from({1, 1}, {5.0})),
                                 tape.constant(Tensor<double>::from({1, 1}, {-5.0}))};
  std::vector<Var<double>> hs = lstm_sequence(tape, xs, lstm_weights(tape, store, m.fwd), 1, false);
  auto s = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  const double c1 = s(bi) * std::tanh(bg), c2 = s(bf) * c1 + s(bi) * std::tanh(bg);
  CHECK(hs[0].value()[0] == Approx(s(bo) * std::tanh(c1)).epsilon(1e-15));
  CHECK(hs[1].value()[0] == Approx(s(bo) * std::tanh(c2)).epsilon(1e-15));
}

TEST_CASE("lstm: PyTorch parameter names and order", "[nn][lstm]") {
  ParameterStore<float> store;
  make_bilstm(store, "rnn_hms.0.rnn", 1, 32);
  const std::vector<std::string> names = {
      "rnn_hms.0.rnn.weight_ih_l0",         "rnn_hms.0.rnn.weight_hh_l0",         "rnn_hms.0.rnn.bias_ih_l0",
      "rnn_hms.0.rnn.bias_hh_l0",           "rnn_hms.0.rnn.weight_ih_l0_reverse", "rnn_hms.0.rnn.weight_hh_l0_reverse",
      "rnn_hms.0.rnn.bias_ih_l0_reverse",   "rnn_hms.0.rnn.bias_hh_l0_reverse"};
  REQUIRE(store.count() == 8);
  for (Index i = 0; i < 8; ++i) CHECK(store.info(i).name == names[static_cast<std::size_t>(i)]);
  CHECK(store.info(0).shape == Shape{128, 1});
  CHECK(store.info(1).shape == Shape{128, 32});
  CHECK(store.info(2).shape == Shape{128});
  CHECK_THROWS_AS(make_bilstm(store, "rnn_hms.0.rnn", 1, 32), std::invalid_argument);  // duplicate names
}

TEST_CASE("lstm: cell and bidirectional sequence pass gradient checks", "[nn][lstm][gradcheck]") {
  Rng rng(22);
  for (int trial = 0; trial < 2; ++trial) {
    const Index B = 1 + static_cast<Index>(rng.below(3)), I = 1 + static_cast<Index>(rng.below(3));
    const Index H = 1 + static_cast<Index>(rng.below(3)), T = 2 + static_cast<Index>(rng.below(3));
    ParameterStore<double> store;
    BiLSTM m = make_bilstm(store, "rnn", I, H);
    store.init_uniform(rng, -0.8, 0.8);
    std::vector<Tensor<double>> cell_in = {random_tensor<double>(rng, {B, I}), random_tensor<double>(rng, {B, H}),
                                           random_tensor<double>(rng, {B, H})};
    expect_good(gradcheck(
                    [&](Tape<double>& t, const std::vector<Var<double>>& v) {
                      auto hc = lstm_cell(v[0], v[1], v[2], lstm_weights(t, store, m.fwd));
                      return concat_cols<double>({hc.first, hc.second});
                    },
                    cell_in, rng, &store),
                "lstm_cell");
    std::vector<Tensor<double>> seq_in = {random_tensor<double>(rng, {B, T * I}, -2.0, 2.0)};
    expect_good(gradcheck(
                    [&](Tape<double>& t, const std::vector<Var<double>>& v) {
                      return concat_cols(bilstm_forward(t, store, m, as_steps(v[0], T, I)));
                    },
                    seq_in, rng, &store),
                "bilstm");
  }
}

TEST_CASE("attention pooling: weights sum to one, gradient check", "[nn][gradcheck]") {
  Rng rng(23);
  const Index B = 3, T = 5, D = 4;
  ParameterStore<double> store;
  Attention a = make_attention(store, "x.bin_attention", D);
  CHECK(store.info(a.context).name == "x.bin_attention.bin_context_vector");
  CHECK(store.info(a.context).shape == Shape{D, 1});
  store.init_uniform(rng, -1.0, 1.0);
  std::vector<Tensor<double>> in = {random_tensor<double>(rng, {B, T * D})};
  expect_good(gradcheck(
                  [&](Tape<double>& t, const std::vector<Var<double>>& v) {
                    Pooled<double> p = attention_forward(t, store, a, as_steps(v[0], T, D));
                    return concat_cols<double>({p.rep, p.alpha});
                  },
                  in, rng, &store),
              "attention");
  Tape<double> tape;
  Pooled<double> p = attention_forward(tape, store, a, as_steps(tape.constant(in[0]), T, D));
  REQUIRE(p.alpha.shape() == Shape{B, T});
  for (Index b = 0; b < B; ++b) CHECK(p.alpha.value().matrix().row(b).sum() == Approx(1.0));
  // r is the alpha-weighted sum of the steps
  double r00 = 0;
  for (Index t = 0; t < T; ++t) r00 += p.alpha.value()(0, t) * in[0](0, t * D);
  CHECK(p.rep.value()(0, 0) == Approx(r00));
}

TEST_CASE("encoder: bidirectional LSTM + attention, gradient check", "[nn][gradcheck]") {
  Rng rng(24);
  const Index B = 2, T = 3, I = 2, H = 2;
  ParameterStore<double> store;
  Encoder e = make_encoder(store, "hm_level_rnn_1", I, H);
  CHECK(store.info(store.count() - 1).name == "hm_level_rnn_1.bin_attention.bin_context_vector");
  store.init_uniform(rng, -0.5, 0.5);
  std::vector<Tensor<double>> in = {random_tensor<double>(rng, {B, T * I})};
  expect_good(gradcheck(
                  [&](Tape<double>& t, const std::vector<Var<double>>& v) {
                    Pooled<double> p = encoder_forward(t, store, e, as_steps(v[0], T, I));
                    return concat_cols<double>({p.rep, p.alpha});
                  },
                  in, rng, &store),
              "encoder");
}

TEST_CASE("losses: MSE and contrastive values and gradients", "[nn][loss][gradcheck]") {
  Rng rng(25);
  Tape<double> tape;
  Var<double> p = tape.constant(Tensor<double>::from({3, 1}, {1.0, 2.0, -1.0}));
  Var<double> y = tape.constant(Tensor<double>::from({3, 1}, {0.0, 2.5, 1.0}));
  CHECK(mse_loss(p, y).value()[0] == Approx((1.0 + 0.25 + 4.0) / 3.0));

  // contrastive by hand: rows (a, b, label)
  Var<double> a = tape.constant(Tensor<double>::from({2, 2}, {0.0, 0.0, 1.0, 0.0}));
  Var<double> b = tape.constant(Tensor<double>::from({2, 2}, {3.0, 4.0, 0.0, 0.0}));
  Var<double> l = tape.constant(Tensor<double>::from({2, 1}, {0.0, 1.0}));
  const double e = 1e-6;
  const double d0 = std::sqrt((-3 + e) * (-3 + e) + (-4 + e) * (-4 + e)), d1 = std::sqrt((1 + e) * (1 + e) + e * e);
  const double expect = (d0 * d0 + (2.0 - d1) * (2.0 - d1)) / 2.0;
  CHECK(contrastive_loss(a, b, l).value()[0] == Approx(expect).epsilon(1e-14));

  Tensor<double> labels = contrastive_labels(Tensor<double>::from({4}, {2.0, -2.5, 1.99, -0.1}));
  CHECK(labels.vec() == Eigen::Vector4d(1, 1, 0, 0));

  std::vector<Tensor<double>> in = {random_tensor<double>(rng, {4, 3}), random_tensor<double>(rng, {4, 3})};
  Tensor<double> lab = Tensor<double>::from({4, 1}, {0, 1, 1, 0});
  expect_good(gradcheck(
                  [&](Tape<double>& t, const std::vector<Var<double>>& v) {
                    return contrastive_loss(v[0], v[1], t.constant(lab));
                  },
                  in, rng),
              "contrastive");
  expect_good(gradcheck([](Tape<double>&, const std::vector<Var<double>>& v) { return mse_loss(v[0], v[1]); }, in, rng),
              "mse");
}
