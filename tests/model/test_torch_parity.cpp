// Parity with PyTorch: golden files written by tools/make_golden.py (torch, float64) hold
// parameters, inputs, outputs, both attentions, every loss term, every parameter gradient
// and a 5-step Adam + clipping trajectory for each of the seven variants, on random data
// (T = 7) and on a real batch of the sample data (T = 200). Our model must reproduce them in
// double (<= 1e-9) and float (<= 1e-4), through the fused kernel and the composed reference.
//
// Error measure, per tensor: max_i |ours_i - torch_i| / max_i |torch_i| (relative to the
// tensor's scale, so entries that are zero up to round-off do not divide by noise).
#include <catch2/catch.hpp>

#include <deepdiff/model/deepdiff_model.hpp>

#include <string>

#include "golden.hpp"
#include "test_helpers.hpp"

using namespace deepdiff;

namespace {

template <class T>
double scaled_error(const Tensor<T>& ours, const Tensor<double>& ref) {
  REQUIRE(ours.size() == ref.size());
  double diff = 0, scale = 0;
  for (Index i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(ours.data()[i]) - ref.data()[i]));
    scale = std::max(scale, std::abs(ref.data()[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

template <class T>
double scaled_error(T ours, const Tensor<double>& ref) {
  return std::abs(static_cast<double>(ours) - ref[0]) / std::max(std::abs(ref[0]), 1e-300);
}

Index meta_index(const deepdiff_test::Golden& g, const std::string& key) {
  auto it = g.meta.find(key);
  REQUIRE(it != g.meta.end());
  return static_cast<Index>(std::stoll(it->second));
}

template <class T>
struct Checker {
  const deepdiff_test::Golden& g;
  double tol;
  double worst = 0;
  std::string worst_name;

  const Tensor<double>& ref(const std::string& name) const {
    auto it = g.tensors.find(name);
    if (it == g.tensors.end()) FAIL("golden file has no tensor " << name);
    return it->second;
  }
  template <class V>
  void check(const std::string& name, const V& ours) {
    const double e = scaled_error(ours, ref(name));
    if (e > worst) {
      worst = e;
      worst_name = name;
    }
    INFO(name << ": scaled error " << e);
    CHECK(e <= tol);
  }
};

template <class T>
void load_params(DeepDiff<T>& m, const deepdiff_test::Golden& g) {
  ParameterStore<T>& s = m.params();
  for (const ParamInfo& p : s.infos()) {
    auto it = g.tensors.find("param/" + p.name);
    INFO("parameter " << p.name);
    REQUIRE(it != g.tensors.end());
    REQUIRE(it->second.shape() == p.shape);
    for (Index i = 0; i < p.size; ++i) s.values()[static_cast<std::size_t>(p.offset + i)] = static_cast<T>(it->second[i]);
  }
  Index golden_params = 0;
  for (const auto& kv : g.tensors) golden_params += kv.first.rfind("param/", 0) == 0;
  CHECK(golden_params == s.count());  // no parameter of torch's is left unused
}

template <class T>
Tensor<T> cast(const Tensor<double>& t) {
  return t.cast<T>();
}

template <class T>
void check_case(const std::string& file, EncoderPath path, double tol) {
  const deepdiff_test::Golden g = deepdiff_test::read_golden(file);
  ModelConfig c;
  c.variant = parse_variant(g.meta.at("variant"));
  c.bins = meta_index(g, "bins");
  c.marks = meta_index(g, "marks");
  c.hidden1 = meta_index(g, "hidden1");
  REQUIRE(meta_index(g, "hidden2") == c.hidden2());
  DeepDiff<T> m(c);
  load_params(m, g);
  Checker<T> ck{g, tol, 0.0, std::string()};

  const Tensor<T> xa = cast<T>(ck.ref("input/xa")), xb = cast<T>(ck.ref("input/xb"));
  const Tensor<T> y = cast<T>(ck.ref("target/y")), ya = cast<T>(ck.ref("target/ya")), yb = cast<T>(ck.ref("target/yb"));
  {
    Tape<T> tape;
    ModelOutput<T> out = m.forward(tape, xa, xb, path);
    ModelLoss<T> l = m.loss(tape, out, y, ya, yb);
    ck.check("out/pred", out.pred.value());
    ck.check("out/beta", out.beta);
    ck.check("out/alpha", out.alpha);
    ck.check("loss/total", l.total.value()[0]);
    ck.check("loss/diff", l.diff);
    if (has_aux_heads(c.variant)) {
      ck.check("out/pred_a", out.pred_a.value());
      ck.check("out/pred_b", out.pred_b.value());
      ck.check("loss/aux_a", l.aux_a);
      ck.check("loss/aux_b", l.aux_b);
    }
    if (is_siamese(c.variant)) {
      ck.check("out/emb_a", out.emb_a.value());
      ck.check("out/emb_b", out.emb_b.value());
      ck.check("loss/contrastive", l.contrastive);
    }
    m.params().zero_grad();
    tape.backward(l.total);
    for (const ParamInfo& p : m.params().infos()) {
      Tensor<T> gr(p.shape);
      std::copy(m.params().grad(m.params().id(p.name)), m.params().grad(m.params().id(p.name)) + p.size, gr.data());
      ck.check("grad/" + p.name, gr);
    }
  }

  // Five Adam steps with clipping; the loss before each step, the parameters after.
  const Tensor<double>& losses = ck.ref("adam/loss");
  AdamState<T> adam;
  AdamOptions ao;
  ao.lr = 1e-3;
  for (Index step = 0; step < losses.size(); ++step) {
    m.params().zero_grad();
    Tape<T> tape;
    ModelOutput<T> out = m.forward(tape, xa, xb, path);
    ModelLoss<T> l = m.loss(tape, out, y, ya, yb);
    const double le = std::abs(static_cast<double>(l.total.value()[0]) - losses[step]) / std::abs(losses[step]);
    INFO("adam step " << step << " loss: relative error " << le);
    CHECK(le <= tol);
    tape.backward(l.total);
    const double norm = clip_grad_norm(m.params(), 1.0);
    const double ne = std::abs(norm - ck.ref("adam/grad_norm")[step]) / ck.ref("adam/grad_norm")[step];
    INFO("adam step " << step << " gradient norm: relative error " << ne);
    CHECK(ne <= tol);
    adam_step(m.params(), adam, ao);
  }
  for (const ParamInfo& p : m.params().infos()) {
    Tensor<T> v(p.shape);
    std::copy(m.params().value(m.params().id(p.name)), m.params().value(m.params().id(p.name)) + p.size, v.data());
    ck.check("adam/param/" + p.name, v);
  }
  WARN(file << (sizeof(T) == 8 ? " double " : " float ") << (path == EncoderPath::fused ? "fused" : "composed")
            << ": worst scaled error " << ck.worst << " (" << ck.worst_name << ")");
}

std::vector<std::string> golden_files() {
  std::vector<std::string> files;
  for (Variant v : all_variants())
    for (const char* c : {"random", "sample"})
      files.push_back(deepdiff_test::source_dir() + "/tests/golden/" + variant_name(v) + "." + c + ".txt");
  return files;
}

}  // namespace

TEST_CASE("parity with PyTorch: double, composed reference", "[parity][model]") {
  for (const std::string& f : golden_files()) check_case<double>(f, EncoderPath::composed, 1e-9);
}

TEST_CASE("parity with PyTorch: double, fused kernel", "[parity][model][kernels]") {
  for (const std::string& f : golden_files()) check_case<double>(f, EncoderPath::fused, 1e-9);
}

TEST_CASE("parity with PyTorch: float, fused kernel", "[parity][model][kernels]") {
  for (const std::string& f : golden_files()) check_case<float>(f, EncoderPath::fused, 1e-4);
}

TEST_CASE("parity with PyTorch: float, composed reference", "[parity][model]") {
  for (const std::string& f : golden_files()) check_case<float>(f, EncoderPath::composed, 1e-4);
}
