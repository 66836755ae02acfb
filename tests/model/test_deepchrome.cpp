// model/deepchrome.hpp: the DeepChrome baseline (spec, "Baselines"): sizes and names, a
// gradient check of the whole model (double), dropout only on a keyed training pass, and the
// input it reads (XA - XB). Agreement with PyTorch: test_baseline_parity.cpp.
#include <catch2/catch.hpp>

#include <deepdiff/model/deepchrome.hpp>
#include <deepdiff/nn/gradcheck.hpp>

#include <cmath>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

namespace {

DeepChromeConfig tiny(double dropout = 0.5) {
  DeepChromeConfig c;
  c.bins = 16;
  c.marks = 3;
  c.channels = 4;
  c.kernel = 3;
  c.pool = 2;
  c.hidden1 = 5;
  c.hidden2 = 3;
  c.dropout = dropout;
  return c;
}

template <class T>
std::vector<T> predict(DeepChrome<T>& m, const Tensor<T>& xa, const Tensor<T>& xb, EncoderPath path) {
  Tape<T> tape;
  const ModelOutput<T> out = m.forward(tape, xa, xb, path);
  return std::vector<T>(out.pred.value().data(), out.pred.value().data() + out.pred.value().size());
}

// The inference path sums in another order (batch-invariant products): equal to round-off.
bool near(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(a[i] - b[i]) > 1e-12 * (1 + std::abs(b[i]))) return false;
  return true;
}

}  // namespace

TEST_CASE("deepchrome: the spec's sizes and PyTorch names", "[model][deepchrome]") {
  const DeepChromeConfig c;  // the spec: T = 200, 5 marks, 50 filters of 10, pool 5, 625, 125
  CHECK(c.pooled() == 38);   // floor((200 - 9) / 5)
  CHECK(deepchrome_parameter_count(c) == 1269051);
  DeepChrome<float> m(c);
  CHECK(m.params().numel() == 1269051);
  std::vector<std::string> names;
  for (const ParamInfo& p : m.params().infos()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"conv1.weight", "conv1.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                                          "fc2.bias", "fc3.weight", "fc3.bias"});
  CHECK(m.params().info(m.params().id("fc1.weight")).shape == Shape{625, 1900});
  CHECK(m.beta_names().empty());
  CHECK(m.alpha_channels() == 0);

  DeepChromeConfig short_data = c;
  short_data.bins = 13;  // kernel 10 + pool 5 - 1 = 14 bins at least
  CHECK(short_data.pooled() == 0);
  CHECK_THROWS_WITH(DeepChrome<float>(short_data), Catch::Contains("needs at least 14 bins"));
  short_data.bins = 14;
  CHECK(short_data.pooled() == 1);
  CHECK_NOTHROW(DeepChrome<float>(short_data));
}

TEST_CASE("deepchrome: a gradient check of the whole model, with and without dropout", "[model][deepchrome][gradcheck]") {
  Rng rng(41);
  for (bool with_dropout : {false, true}) {
    INFO("dropout " << with_dropout);
    DeepChrome<double> m(tiny());
    m.params().init_uniform(rng, -0.5, 0.5);
    const Index B = 3;
    const Tensor<double> xa = random_tensor<double>(rng, {B, 16, 3}, 0.0, 3.0);
    const Tensor<double> xb = random_tensor<double>(rng, {B, 16, 3}, 0.0, 3.0);
    Tensor<double> y({B, 1});
    for (Index b = 0; b < B; ++b) y[b] = 0.5 * static_cast<double>(b) - 0.3;
    // The same key on every evaluation: one fixed mask, so the function is smooth in x.
    GradCheckResult r = gradcheck(
        [&](Tape<double>& tape, const std::vector<Var<double>>&) {
          if (with_dropout) m.set_dropout_key(7);
          return m.loss(tape, m.forward(tape, xa, xb, EncoderPath::composed), y, y, y).total;
        },
        {}, rng, &m.params());
    INFO("max rel " << r.max_rel_error << " over " << r.checked);
    CHECK(r.checked == m.params().numel());
    CHECK(r.nonzero > r.checked / 3);
    CHECK(r.max_rel_error <= 1e-6);
  }
}

TEST_CASE("deepchrome: dropout only on a keyed training pass, it reads XA - XB", "[model][deepchrome]") {
  Rng rng(42);
  DeepChrome<double> m(tiny(0.5));
  m.params().init_uniform(rng, -0.5, 0.5);
  const Tensor<double> xa = random_tensor<double>(rng, {4, 16, 3}, 0.0, 3.0);
  const Tensor<double> xb = random_tensor<double>(rng, {4, 16, 3}, 0.0, 3.0);
  const std::vector<double> plain = predict(m, xa, xb, EncoderPath::composed);
  CHECK(near(predict(m, xa, xb, EncoderPath::inference), plain));  // no key: the identity
  m.set_dropout_key(11);
  const std::vector<double> masked = predict(m, xa, xb, EncoderPath::composed);
  CHECK(masked != plain);
  CHECK(predict(m, xa, xb, EncoderPath::composed) == plain);  // the key is used once
  m.set_dropout_key(11);
  CHECK(predict(m, xa, xb, EncoderPath::composed) == masked);  // the same key, the same mask
  m.set_dropout_key(12);
  CHECK(predict(m, xa, xb, EncoderPath::composed) != masked);
  m.set_dropout_key(11);
  CHECK(near(predict(m, xa, xb, EncoderPath::inference), plain));  // never at inference

  // Only the difference matters: adding the same counts to both cells changes nothing.
  Tensor<double> xa2 = xa, xb2 = xb;
  for (Index i = 0; i < xa2.size(); ++i) {
    xa2.data()[i] += 1.5;
    xb2.data()[i] += 1.5;
  }
  const std::vector<double> shifted = predict(m, xa2, xb2, EncoderPath::composed);
  for (std::size_t g = 0; g < plain.size(); ++g) CHECK(shifted[g] == Approx(plain[g]).epsilon(1e-12));
  Tensor<double> wrong({4, 15, 3});
  Tape<double> tape;
  CHECK_THROWS_WITH(m.forward(tape, wrong, wrong, EncoderPath::composed), Catch::Contains("expected [B, 16, 3]"));
}
