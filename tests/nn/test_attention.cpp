// Tests of include/deepdiff/nn/attention.hpp.
#include "nn_fixtures.hpp"

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
