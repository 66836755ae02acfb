// Tests of include/deepdiff/nn/encoder.hpp.
#include "nn_fixtures.hpp"

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
