// Attributions of a DeepDiff prediction to its inputs (spec, "Attributions: checking what the
// attention says"): how much each input count XA[t, m], XB[t, m] moved the differential
// prediction y^ of its gene. Attention says where the model looked; an attribution says what
// the prediction needed, and the two can be scored against a planted truth
// (data/explanation_scores.hpp).
//
//   integrated gradients, baseline x' = 0 (no reads), S steps of the midpoint rule:
//     IG_i = x_i * (1/S) sum_{k=1..S} dy^/dx_i (((k - 1/2) / S) x)
//     completeness: sum_i IG_i ~ y^(x) - y^(0); the gap is reported and shrinks as S grows
//   gradient x input:
//     GI_i = x_i * dy^/dx_i (x)
//
// The gradients come from the fused level-1 kernel's backward (kernels/bilstm_attention.hpp,
// input gradients on request) and the composed level 2 and heads, on a tape per batch of
// genes. Genes are independent in a forward pass, so the gradient of the sum of the batch's
// predictions is, per gene, the gradient of that gene's own prediction. Gene batches are fixed
// by the gene count and `batch` only, and the kernel is thread-count invariant, so the result
// is the same for any number of threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/model/deepdiff_model.hpp"

namespace deepdiff {

enum class AttributionMethod { integrated_gradients, gradient_x_input };

// "ig" or "grad_input", the names the programs and files use.
inline const char* attribution_method_name(AttributionMethod m) {
  return m == AttributionMethod::integrated_gradients ? "ig" : "grad_input";
}
inline AttributionMethod parse_attribution_method(const std::string& s) {
  if (s == "ig") return AttributionMethod::integrated_gradients;
  if (s == "grad_input") return AttributionMethod::gradient_x_input;
  throw std::invalid_argument("unknown attribution method '" + s + "' (expected ig or grad_input)");
}

struct AttributionOptions {
  AttributionMethod method = AttributionMethod::integrated_gradients;
  Index steps = 64;  // S, integrated gradients only
  Index batch = 64;  // genes per forward/backward pass
  // Called after each batch with (genes done, genes in all); may be empty.
  std::function<void(Index, Index)> progress;
};

// Attributions of the genes asked for, in that order. a and b: [genes, T, M] row-major, the
// attribution of XA and XB. prediction = y^(x), baseline = y^(0) (the same for every gene:
// the model on no reads), both from the training forward path the gradients differentiate.
struct Attributions {
  AttributionMethod method = AttributionMethod::integrated_gradients;
  Index steps = 0;
  Index bins = 0, marks = 0;
  std::vector<Index> genes;  // indices into the split
  std::vector<double> a, b;
  std::vector<double> prediction, baseline;

  Index count() const { return static_cast<Index>(genes.size()); }
  double at_a(Index i, Index t, Index m) const { return a[static_cast<std::size_t>((i * bins + t) * marks + m)]; }
  double at_b(Index i, Index t, Index m) const { return b[static_cast<std::size_t>((i * bins + t) * marks + m)]; }
  // Sum of gene i's attributions over everything (both cells, all bins and marks).
  double total(Index i) const {
    double s = 0.0;
    const std::size_t n = static_cast<std::size_t>(bins * marks), o = static_cast<std::size_t>(i) * n;
    for (std::size_t j = 0; j < n; ++j) s += a[o + j] + b[o + j];
    return s;
  }
  // Completeness gap: sum of attributions - (y^(x) - y^(0)). Integrated gradients make it
  // small; gradient x input has no such property, and the gap says how far it is.
  double gap(Index i) const {
    const std::size_t g = static_cast<std::size_t>(i);
    return total(i) - (prediction[g] - baseline[g]);
  }
};

namespace attribution_detail {

// Genes `idx` of the split as model inputs: xa, xb [n, T, M], each count times `scale`.
template <class T>
void gather(const Split& s, const std::vector<Index>& idx, double scale, Tensor<T>& xa, Tensor<T>& xb) {
  const Index n = static_cast<Index>(idx.size()), per = s.bins * s.marks;
  xa = Tensor<T>(Shape{n, s.bins, s.marks});
  xb = Tensor<T>(Shape{n, s.bins, s.marks});
  for (Index i = 0; i < n; ++i) {
    const std::size_t from = static_cast<std::size_t>(idx[static_cast<std::size_t>(i)] * per);
    for (Index j = 0; j < per; ++j) {
      xa.data()[i * per + j] = static_cast<T>(scale * static_cast<double>(s.xa[from + static_cast<std::size_t>(j)]));
      xb.data()[i * per + j] = static_cast<T>(scale * static_cast<double>(s.xb[from + static_cast<std::size_t>(j)]));
    }
  }
}

// y^ of each gene, and (with want_grad) dy^/dxa, dy^/dxb added into ga, gb [n*T*M].
template <class T>
std::vector<double> pass(DeepDiff<T>& model, const Tensor<T>& xa, const Tensor<T>& xb, bool want_grad,
                         std::vector<double>* ga, std::vector<double>* gb) {
  Tape<T> tape;
  Var<T> va = want_grad ? tape.leaf(xa) : tape.constant(xa);
  Var<T> vb = want_grad ? tape.leaf(xb) : tape.constant(xb);
  ModelOutput<T> out = model.forward(tape, va, vb, EncoderPath::fused);
  const Index n = xa.dim(0);
  std::vector<double> pred(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) pred[static_cast<std::size_t>(i)] = static_cast<double>(out.pred.value()[i]);
  if (want_grad) {
    tape.backward(out.pred, Tensor<T>(out.pred.shape(), T(1)));
    const Tensor<T>& da = va.grad();
    const Tensor<T>& db = vb.grad();
    for (Index j = 0; j < da.size(); ++j) {
      (*ga)[static_cast<std::size_t>(j)] += static_cast<double>(da[j]);
      (*gb)[static_cast<std::size_t>(j)] += static_cast<double>(db[j]);
    }
  }
  return pred;
}

}  // namespace attribution_detail

// Attributions of `genes` (indices into `split`; empty: every gene) by opt.method. The model's
// parameter gradients are used as scratch (the tape's parameter leaves add into them) and are
// zero when this returns. Throws std::invalid_argument on a split of other shape than the
// model's, steps < 1 or batch < 1, a gene index out of range.
template <class T>
Attributions attribute(DeepDiff<T>& model, const Split& split, const AttributionOptions& opt,
                       std::vector<Index> genes = {}) {
  const ModelConfig& cfg = model.config();
  if (split.bins != cfg.bins || split.marks != cfg.marks)
    throw std::invalid_argument("attribute: the model expects " + std::to_string(cfg.bins) + " bins x " +
                                std::to_string(cfg.marks) + " marks, the split has " + std::to_string(split.bins) +
                                " x " + std::to_string(split.marks));
  if (opt.steps < 1) throw std::invalid_argument("attribute: steps must be >= 1, not " + std::to_string(opt.steps));
  if (opt.batch < 1) throw std::invalid_argument("attribute: batch must be >= 1, not " + std::to_string(opt.batch));
  if (genes.empty())
    for (Index g = 0; g < split.genes(); ++g) genes.push_back(g);
  for (Index g : genes)
    if (g < 0 || g >= split.genes())
      throw std::invalid_argument("attribute: gene index " + std::to_string(g) + " is not in the split (" +
                                  std::to_string(split.genes()) + " genes)");

  Attributions r;
  r.method = opt.method;
  r.steps = opt.method == AttributionMethod::integrated_gradients ? opt.steps : 1;
  r.bins = cfg.bins;
  r.marks = cfg.marks;
  r.genes = genes;
  const std::size_t per = static_cast<std::size_t>(cfg.bins * cfg.marks);
  r.a.assign(genes.size() * per, 0.0);
  r.b.assign(genes.size() * per, 0.0);
  r.prediction.resize(genes.size());
  r.baseline.resize(genes.size());

  model.params().zero_grad();
  const Index total = r.count();
  for (Index g0 = 0; g0 < total; g0 += opt.batch) {
    const Index n = std::min(opt.batch, total - g0);
    const std::vector<Index> idx(genes.begin() + g0, genes.begin() + g0 + n);
    const std::size_t o = static_cast<std::size_t>(g0) * per, len = static_cast<std::size_t>(n) * per;
    std::vector<double> ga(len, 0.0), gb(len, 0.0);
    Tensor<T> xa, xb;
    attribution_detail::gather(split, idx, 1.0, xa, xb);
    const bool gi = opt.method == AttributionMethod::gradient_x_input;
    const std::vector<double> pred = attribution_detail::pass(model, xa, xb, gi, &ga, &gb);
    Tensor<T> za, zb;
    attribution_detail::gather(split, idx, 0.0, za, zb);
    const std::vector<double> base = attribution_detail::pass<T>(model, za, zb, false, nullptr, nullptr);
    if (!gi) {
      // Midpoints (k - 1/2) / S; the gradients are summed, then divided by S once.
      for (Index k = 1; k <= opt.steps; ++k) {
        const double step = (static_cast<double>(k) - 0.5) / static_cast<double>(opt.steps);
        attribution_detail::gather(split, idx, step, za, zb);
        attribution_detail::pass(model, za, zb, true, &ga, &gb);
      }
      for (std::size_t j = 0; j < len; ++j) {
        ga[j] /= static_cast<double>(opt.steps);
        gb[j] /= static_cast<double>(opt.steps);
      }
    }
    // Times the input: the gathered counts (x - x', with x' = 0). + 0.0 turns the -0 of a
    // zero count times a negative gradient into 0, so files do not print "-0".
    for (std::size_t j = 0; j < len; ++j) {
      r.a[o + j] = ga[j] * static_cast<double>(xa.data()[j]) + 0.0;
      r.b[o + j] = gb[j] * static_cast<double>(xb.data()[j]) + 0.0;
    }
    std::copy(pred.begin(), pred.end(), r.prediction.begin() + g0);
    std::copy(base.begin(), base.end(), r.baseline.begin() + g0);
    if (opt.progress) opt.progress(g0 + n, total);
  }
  model.params().zero_grad();
  return r;
}

}  // namespace deepdiff
