// Attributions (model/attribution.hpp): the model's input gradients against central
// differences for every variant (fused and composed level 1, double); integrated gradients'
// completeness and its convergence in S; gradient x input against a direct tape computation;
// the same result for 1 and 2 threads and any batch; bad calls refused.
#include <catch2/catch.hpp>

#include <deepdiff/model/attribution.hpp>
#include <deepdiff/nn/gradcheck.hpp>

#include <cmath>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "model_fixtures.hpp"

namespace {

// A split of `genes` random genes (counts uniform in [0, 6), as floats like the CSV reader's).
Split random_split(Rng& rng, Index genes, Index bins, Index marks = 5) {
  Split s;
  s.name = "test";
  s.bins = bins;
  s.marks = marks;
  for (Index g = 0; g < genes; ++g) s.gene_ids.push_back("G" + std::to_string(g));
  s.gene_symbols.assign(static_cast<std::size_t>(genes), "");
  for (Index i = 0; i < genes * bins * marks; ++i) {
    s.xa.push_back(static_cast<float>(std::floor(6.0 * rng.uniform())));
    s.xb.push_back(static_cast<float>(std::floor(6.0 * rng.uniform())));
  }
  return s;
}

template <class T>
DeepDiff<T> small_model(Rng& rng, Variant v, Index bins, Index hidden = 4, double range = 0.5) {
  ModelConfig c;
  c.variant = v;
  c.bins = bins;
  c.hidden1 = hidden;
  DeepDiff<T> m(c);
  m.params().init_uniform(rng, -range, range);
  return m;
}

}  // namespace

TEST_CASE("model: the input gradient of y passes a gradient check in every variant", "[model][gradcheck][attribution]") {
  Rng rng(221);
  const Index B = 2, T = 4;
  for (const Expect& e : kExpect)
    for (EncoderPath path : {EncoderPath::fused, EncoderPath::composed}) {
      INFO(variant_name(e.v) << (path == EncoderPath::fused ? " fused" : " composed"));
      DeepDiff<double> m = small_model<double>(rng, e.v, T, 2);
      const Tensor<double> xa = random_tensor<double>(rng, {B, T, 5}, 0.0, 3.0);
      const Tensor<double> xb = random_tensor<double>(rng, {B, T, 5}, 0.0, 3.0);
      const GradCheckResult r = gradcheck(
          [&](Tape<double>& tape, const std::vector<Var<double>>& x) {
            return m.forward(tape, x[0], x[1], path).pred;
          },
          {xa, xb}, rng);
      INFO("max rel " << r.max_rel_error << " over " << r.checked << " (" << r.nonzero << " non-zero)");
      CHECK(r.checked == 2 * B * T * 5);
      // raw_d reads A and B only through D = A - B: every input still moves y.
      CHECK(r.nonzero == r.checked);
      CHECK(r.max_rel_error <= 1e-6);
    }
}

TEST_CASE("model: fused and composed level 1 give the same input gradients", "[model][attribution]") {
  Rng rng(222);
  for (const Expect& e : kExpect) {
    INFO(variant_name(e.v));
    DeepDiff<double> m = small_model<double>(rng, e.v, 9, 6);
    const Tensor<double> xa = random_tensor<double>(rng, {3, 9, 5}, 0.0, 4.0);
    const Tensor<double> xb = random_tensor<double>(rng, {3, 9, 5}, 0.0, 4.0);
    Tensor<double> grads[2][2];
    for (int p = 0; p < 2; ++p) {
      Tape<double> tape;
      Var<double> a = tape.leaf(xa), b = tape.leaf(xb);
      ModelOutput<double> out = m.forward(tape, a, b, p == 0 ? EncoderPath::fused : EncoderPath::composed);
      tape.backward(out.pred, Tensor<double>(out.pred.shape(), 1.0));
      grads[p][0] = a.grad();
      grads[p][1] = b.grad();
    }
    for (int c = 0; c < 2; ++c)
      for (Index i = 0; i < xa.size(); ++i) CHECK(grads[0][c][i] == Approx(grads[1][c][i]).epsilon(1e-10).margin(1e-13));
  }
}

TEST_CASE("attribute: integrated gradients are complete, and more so as S grows", "[model][attribution]") {
  Rng rng(223);
  const Split s = random_split(rng, 7, 12);
  for (Variant v : {Variant::raw_d, Variant::aux, Variant::raw_aux_siamese}) {
    INFO(variant_name(v));
    DeepDiff<double> m = small_model<double>(rng, v, 12, 4, 0.4);
    AttributionOptions o;
    o.batch = 3;
    double worst[3] = {0, 0, 0};
    const Index steps[3] = {4, 16, 64};
    for (int k = 0; k < 3; ++k) {
      o.steps = steps[k];
      const Attributions a = attribute(m, s, o);
      REQUIRE(a.count() == 7);
      for (Index i = 0; i < a.count(); ++i) {
        const double change = a.prediction[static_cast<std::size_t>(i)] - a.baseline[static_cast<std::size_t>(i)];
        worst[k] = std::max(worst[k], std::abs(a.gap(i)) / std::max(std::abs(change), 1e-3));
      }
    }
    INFO("worst relative gap at S = 4, 16, 64: " << worst[0] << ", " << worst[1] << ", " << worst[2]);
    CHECK(worst[2] <= 0.01);
    // The midpoint rule's error falls as 1/S^2: a clear drop from 4 to 64 steps.
    CHECK(worst[2] < worst[0] / 4);
  }
}

TEST_CASE("attribute: the baseline is the model on no reads, the prediction the model on the gene", "[model][attribution]") {
  Rng rng(224);
  const Split s = random_split(rng, 4, 6);
  DeepDiff<double> m = small_model<double>(rng, Variant::raw, 6);
  AttributionOptions o;
  o.steps = 3;
  const Attributions a = attribute(m, s, o, {2, 0});
  REQUIRE(a.genes == std::vector<Index>{2, 0});
  Tensor<double> xa(Shape{1, 6, 5}), xb(Shape{1, 6, 5}), zero(Shape{1, 6, 5});
  for (Index j = 0; j < 30; ++j) {
    xa[j] = s.xa[static_cast<std::size_t>(2 * 30 + j)];
    xb[j] = s.xb[static_cast<std::size_t>(2 * 30 + j)];
  }
  Tape<double> tape;
  CHECK(a.prediction[0] == Approx(m.forward(tape, xa, xb).pred.value()[0]).epsilon(1e-12));
  CHECK(a.baseline[0] == Approx(m.forward(tape, zero, zero).pred.value()[0]).epsilon(1e-12));
  CHECK(a.baseline[1] == a.baseline[0]);
}

TEST_CASE("attribute: gradient x input is the input times the tape's gradient", "[model][attribution]") {
  Rng rng(225);
  const Split s = random_split(rng, 5, 7);
  DeepDiff<double> m = small_model<double>(rng, Variant::raw_aux, 7);
  AttributionOptions o;
  o.method = AttributionMethod::gradient_x_input;
  o.batch = 2;
  const Attributions a = attribute(m, s, o);
  CHECK(a.steps == 1);
  // The model's parameter gradients were scratch: zero again.
  CHECK(m.params().grads() == AlignedVector<double>(m.params().grads().size(), 0.0));
  for (Index g = 0; g < 5; ++g) {
    Tensor<double> xa(Shape{1, 7, 5}), xb(Shape{1, 7, 5});
    for (Index j = 0; j < 35; ++j) {
      xa[j] = s.xa[static_cast<std::size_t>(g * 35 + j)];
      xb[j] = s.xb[static_cast<std::size_t>(g * 35 + j)];
    }
    Tape<double> tape;
    Var<double> va = tape.leaf(xa), vb = tape.leaf(xb);
    tape.backward(m.forward(tape, va, vb).pred);
    for (Index t = 0; t < 7; ++t)
      for (Index k = 0; k < 5; ++k) {
        CHECK(a.at_a(g, t, k) == Approx(xa[t * 5 + k] * va.grad()[t * 5 + k]).epsilon(1e-10).margin(1e-14));
        CHECK(a.at_b(g, t, k) == Approx(xb[t * 5 + k] * vb.grad()[t * 5 + k]).epsilon(1e-10).margin(1e-14));
      }
  }
}

TEST_CASE("attribute: the same numbers for 1 and 2 threads", "[model][attribution]") {
#ifndef _OPENMP
  WARN("built without OpenMP: nothing to compare");
#else
  Rng rng(226);
  const Split s = random_split(rng, 2 * kernels::kMaxBlockGenes + 3, 20);
  DeepDiff<float> m = small_model<float>(rng, Variant::raw_aux_siamese, 20, 32, 0.2);
  AttributionOptions o;
  o.steps = 5;
  o.batch = 40;
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const Attributions one = attribute(m, s, o);
  omp_set_num_threads(2);
  const Attributions two = attribute(m, s, o);
  omp_set_num_threads(before);
  CHECK(one.a == two.a);
  CHECK(one.b == two.b);
  CHECK(one.prediction == two.prediction);
#endif
}

TEST_CASE("attribute: refuses bad calls with the reason", "[model][attribution]") {
  Rng rng(227);
  const Split s = random_split(rng, 3, 6);
  DeepDiff<double> m = small_model<double>(rng, Variant::raw_d, 6);
  AttributionOptions o;
  o.steps = 0;
  CHECK_THROWS_WITH(attribute(m, s, o), Catch::Contains("steps must be >= 1"));
  o.steps = 2;
  o.batch = 0;
  CHECK_THROWS_WITH(attribute(m, s, o), Catch::Contains("batch must be >= 1"));
  o.batch = 2;
  CHECK_THROWS_WITH(attribute(m, s, o, {5}), Catch::Contains("gene index 5"));
  DeepDiff<double> other = small_model<double>(rng, Variant::raw_d, 8);
  CHECK_THROWS_WITH(attribute(other, s, o), Catch::Contains("expects 8 bins"));
  CHECK(parse_attribution_method("grad_input") == AttributionMethod::gradient_x_input);
  CHECK_THROWS_WITH(parse_attribution_method("shap"), Catch::Contains("expected ig or grad_input"));
}
