// Tests of include/deepdiff/nn/lstm.hpp.
#include "nn_fixtures.hpp"

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

TEST_CASE("lstm cell: bf16 is the float cell over bf16-rounded x, h and weights", "[nn][lstm][bf16]") {
  // Precision::bf16 rounds the two products' operands (round_bf16) and nothing else: the same
  // bits as the fp32 cell fed pre-rounded x, h, W_ih and W_hh; and not the fp32 cell's bits.
  ParameterStore<float> store;
  BiLSTM m = make_bilstm(store, "rnn", 6, 5);
  Rng rng(41);
  store.init_uniform(rng, -0.6, 0.6);
  const Tensor<float> x = random_tensor<float>(rng, {3, 6}, -2.0, 2.0), h = random_tensor<float>(rng, {3, 5}, -1.0, 1.0),
                      c = random_tensor<float>(rng, {3, 5}, -1.0, 1.0);
  auto rounded = [](Tensor<float> t) {
    for (Index i = 0; i < t.size(); ++i) t[i] = bf16_round(t[i]);
    return t;
  };
  Tape<float> tape;
  const LSTMWeights<float> w16 = lstm_weights(tape, store, m.fwd, Precision::bf16);
  const auto bf16 = lstm_cell(tape.constant(x), tape.constant(h), tape.constant(c), w16, Precision::bf16);
  const LSTMWeights<float> w32 = lstm_weights(tape, store, m.fwd);
  const LSTMWeights<float> pre{tape.constant(rounded(w32.w_ih.value())), tape.constant(rounded(w32.w_hh.value())), w32.b_ih,
                               w32.b_hh};
  const auto ref = lstm_cell(tape.constant(rounded(x)), tape.constant(rounded(h)), tape.constant(c), pre);
  const auto fp32 = lstm_cell(tape.constant(x), tape.constant(h), tape.constant(c), w32);
  CHECK(bf16.first.value().storage() == ref.first.value().storage());
  CHECK(bf16.second.value().storage() == ref.second.value().storage());
  CHECK(bf16.first.value().storage() != fp32.first.value().storage());
  // The weights' gradient reaches the float leaves straight through the rounding: the same as
  // the gradient with respect to the rounded weights of the reference.
  tape.backward(sum(bf16.first));
  const Tensor<float> g16 = store.var(tape, m.fwd.w_hh).grad();
  Tape<float> t2;
  const Var<float> w_hh = t2.leaf(rounded(store.var(t2, m.fwd.w_hh).value()));
  const LSTMWeights<float> leaf{t2.constant(rounded(store.var(t2, m.fwd.w_ih).value())), w_hh,
                                store.var(t2, m.fwd.b_ih), store.var(t2, m.fwd.b_hh)};
  t2.backward(sum(lstm_cell(t2.constant(rounded(x)), t2.constant(rounded(h)), t2.constant(c), leaf).first));
  CHECK(g16.storage() == w_hh.grad().storage());
  CHECK(g16.matrix().norm() > 0);
}
