// Parity of the neural baselines with PyTorch: golden files written by tools/make_golden.py
// (tools/deepdiff_torch.py's DeepChrome and AttentiveChrome, float64, eval mode so that
// DeepChrome's dropout is off) hold parameters, inputs, the forward outputs, the loss each
// model trains on, every parameter's gradient and a 5-step Adam + clipping trajectory.
//   deepchrome.random          T = 20 (two pooling windows and a left-over bin), the spec's
//                              convolution, narrow fc layers (the spec's make the file 9 MB)
//   attentivechrome.random     cell A (reads xa, trained on ya), T = 7
//   attentivechrome.sample     cell A on 4 genes of the real sample, T = 200
//   attentivechrome_b.random   cell B (reads xb, trained on yb)
// Bounds as for the seven variants (test_torch_parity.cpp): 1e-9 in double, 1e-4 in float,
// per tensor relative to its largest value (tests/golden.hpp golden_check::scaled_error).
// AttentiveChrome runs through the composed autograd reference and the fused kernel; both
// models' inference path (what predict uses) must give the same prediction.
#include <catch2/catch.hpp>

#include <deepdiff/model/attentivechrome.hpp>
#include <deepdiff/model/deepchrome.hpp>

#include <string>

#include "golden.hpp"
#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::golden_check::Checker;
using deepdiff_test::golden_check::meta_index;

namespace {

std::string golden_path(const std::string& stem) { return deepdiff_test::source_dir() + "/tests/golden/" + stem + ".txt"; }

// Forward, loss and gradients on the file's batch, then the Adam trajectory, then (on fresh
// parameters) the inference path's prediction. `check_outputs` checks the model's own outputs.
template <class T, class Model, class CheckOutputs>
void check_model(Model& m, const deepdiff_test::Golden& g, EncoderPath path, double tol, CheckOutputs check_outputs) {
  deepdiff_test::golden_check::load_params(m.params(), g);
  Checker ck{g, tol, 0.0, std::string()};
  const Tensor<T> xa = ck.ref("input/xa").cast<T>(), xb = ck.ref("input/xb").cast<T>();
  const Tensor<T> y = ck.ref("target/y").cast<T>(), ya = ck.ref("target/ya").cast<T>(),
                  yb = ck.ref("target/yb").cast<T>();
  {
    Tape<T> tape;
    ModelOutput<T> out = m.forward(tape, xa, xb, path);
    ModelLoss<T> l = m.loss(tape, out, y, ya, yb);
    ck.check("out/pred", out.pred.value());
    check_outputs(ck, out);
    // The baselines' loss is a single term: total, and diff (what the trainer logs) equal to it.
    ck.check("loss/total", l.total.value()[0]);
    ck.check("loss/total", l.diff);
    m.params().zero_grad();
    tape.backward(l.total);
    deepdiff_test::golden_check::check_grads(m.params(), ck);
  }
  {
    // The inference path (batch-invariant, no tape records kept) predicts the same values.
    Tape<T> tape;
    ck.check("out/pred", m.forward(tape, xa, xb, EncoderPath::inference).pred.value());
  }
  deepdiff_test::golden_check::check_adam(m, ck, xa, xb, y, ya, yb, path);
  WARN(g.path << (sizeof(T) == 8 ? " double " : " float ") << deepdiff_test::golden_check::path_name(path)
              << ": worst scaled error " << ck.worst << " (" << ck.worst_name << ")");
}

template <class T>
void check_deepchrome(EncoderPath path, double tol) {
  const deepdiff_test::Golden g = deepdiff_test::read_golden(golden_path("deepchrome.random"));
  REQUIRE(g.meta_at("variant") == "deepchrome");
  DeepChromeConfig c;
  c.bins = meta_index(g, "bins");
  c.marks = meta_index(g, "marks");
  c.channels = meta_index(g, "channels");
  c.kernel = meta_index(g, "kernel");
  c.pool = meta_index(g, "pool");
  c.hidden1 = meta_index(g, "hidden1");
  c.hidden2 = meta_index(g, "hidden2");
  // The file's kernel and pool are the spec's, so the code the study trains is the code tested.
  REQUIRE(c.kernel == DeepChromeConfig{}.kernel);
  REQUIRE(c.pool == DeepChromeConfig{}.pool);
  DeepChrome<T> m(c);  // no dropout key: the deterministic forward, PyTorch's eval mode
  const Index B = meta_index(g, "batch");
  check_model<T>(m, g, path, tol, [&](Checker&, const ModelOutput<T>& out) {
    // No attention: empty beta and alpha of the documented shapes.
    CHECK(out.beta.shape() == Shape{B, 0});
    CHECK(out.alpha.shape() == Shape{B, 0, c.bins});
  });
}

template <class T>
void check_attentivechrome(const std::string& stem, EncoderPath path, double tol) {
  const deepdiff_test::Golden g = deepdiff_test::read_golden(golden_path(stem));
  AttentiveChromeConfig c;
  c.bins = meta_index(g, "bins");
  c.marks = meta_index(g, "marks");
  c.hidden1 = meta_index(g, "hidden1");
  REQUIRE(meta_index(g, "hidden2") == c.hidden2());
  const std::string cell = g.meta_at("cell");
  REQUIRE((cell == "a" || cell == "b"));
  c.cell = cell == "b" ? AttentiveChromeCell::b : AttentiveChromeCell::a;
  AttentiveChrome<T> m(c);
  check_model<T>(m, g, path, tol, [](Checker& ck, const ModelOutput<T>& out) {
    ck.check("out/beta", out.beta);
    ck.check("out/alpha", out.alpha);
  });
}

const char* const kAttentiveChromeFiles[] = {"attentivechrome.random", "attentivechrome.sample",
                                             "attentivechrome_b.random"};

}  // namespace

TEST_CASE("baseline parity with PyTorch: DeepChrome, double and float", "[parity][deepchrome]") {
  // DeepChrome has no encoder: the path only matters for inference (checked inside).
  check_deepchrome<double>(EncoderPath::composed, 1e-9);
  check_deepchrome<float>(EncoderPath::composed, 1e-4);
}

TEST_CASE("baseline parity with PyTorch: AttentiveChrome, double", "[parity][attentivechrome]") {
  for (const char* f : kAttentiveChromeFiles) {
    check_attentivechrome<double>(f, EncoderPath::composed, 1e-9);
    check_attentivechrome<double>(f, EncoderPath::fused, 1e-9);
  }
}

TEST_CASE("baseline parity with PyTorch: AttentiveChrome, float", "[parity][attentivechrome][kernels]") {
  for (const char* f : kAttentiveChromeFiles) {
    check_attentivechrome<float>(f, EncoderPath::composed, 1e-4);
    check_attentivechrome<float>(f, EncoderPath::fused, 1e-4);
  }
}

TEST_CASE("baseline parity: the checks can fail", "[parity][deepchrome]") {
  // A golden comparison that cannot fail proves nothing: one parameter moved by 1e-6 of its
  // scale must move the prediction past the double bound.
  deepdiff_test::Golden g = deepdiff_test::read_golden(golden_path("deepchrome.random"));
  DeepChromeConfig c;
  c.bins = meta_index(g, "bins");
  c.marks = meta_index(g, "marks");
  c.channels = meta_index(g, "channels");
  c.hidden1 = meta_index(g, "hidden1");
  c.hidden2 = meta_index(g, "hidden2");
  DeepChrome<double> m(c);
  deepdiff_test::golden_check::load_params(m.params(), g);
  m.params().value(m.params().id("fc3.bias"))[0] += 1e-6;
  Tape<double> tape;
  const ModelOutput<double> out = m.forward(tape, g.at("input/xa"), g.at("input/xb"), EncoderPath::composed);
  CHECK(deepdiff_test::golden_check::scaled_error(out.pred.value(), g.at("out/pred")) > 1e-9);
}
