// DeepDiff<T>: the seven variants of the spec, composed from the core's encoders, linear
// heads and losses, with PyTorch's parameter names and registration order.
//
// Shapes: B genes, T bins, M = 5 marks, H1 = 32, H2 = 16 (defaults).
//   inputs xa, xb                  [B, T, M]    (raw counts of cell A and cell B)
//   level-1 channels               [B, T] each  (a column of XA, XB, D = XA - XB)
//   level-1 representations        [B, K * 2H1] (channel k in columns k*2H1 .. (k+1)*2H1)
//   level-2 z                      [B, 2H2]
//   predictions y, yA, yB          [B, 1]
//   beta (level-2 attention)       [B, K2]      alpha (level-1 attention)  [B, K1, T]
//
// Level 1 runs every channel of the variant in one call (one fused node by default, so the
// kernel can parallelize over all genes x channels x directions); level 2 and the heads are
// small and use the composed autograd operations.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/marks.hpp"
#include "deepdiff/model/variant.hpp"
#include "deepdiff/nn/encoder.hpp"
#include "deepdiff/kernels/fused_encoder.hpp"
#include "deepdiff/nn/linear.hpp"
#include "deepdiff/nn/loss.hpp"

namespace deepdiff {

// How level 1 is computed: the fused kernel (default), the composed autograd reference, or
// the fused inference kernel that keeps no activations (no gradients then). The inference
// path is batch-invariant: a gene's outputs are the same bits whatever batch it is in (level
// 2 and the heads run on a Tape::batch_invariant tape; the fused kernel is per gene).
enum class EncoderPath { fused, composed, inference };

template <class T>
struct ModelOutput {
  Var<T> pred;            // [B, 1]   y = log2((eB+1)/(eA+1))
  Var<T> pred_a, pred_b;  // [B, 1]   aux variants: log2(eA+1), log2(eB+1)
  Var<T> emb_a, emb_b;    // [B, 5*2H1] siamese variants: A's and B's level-1 representations
  Tensor<T> beta;         // [B, K2]
  Tensor<T> alpha;        // [B, K1, T]
};

template <class T>
struct ModelLoss {
  Var<T> total;
  T diff = 0, aux_a = 0, aux_b = 0, contrastive = 0;  // the terms (contrastive unweighted)
};

template <class T>
class DeepDiff {
 public:
  explicit DeepDiff(const ModelConfig& cfg) : cfg_(cfg) {
    if (cfg.bins < 1 || cfg.marks < 1 || cfg.hidden1 < 2 || cfg.hidden1 % 2 != 0)
      throw std::invalid_argument("DeepDiff: bins and marks must be >= 1 and hidden1 an even number >= 2");
    build();
  }

  const ModelConfig& config() const { return cfg_; }
  Variant variant() const { return cfg_.variant; }

  // What the prediction is scored against (train/trainer.hpp): the differential target y.
  double target(const Split& s, Index g) const { return s.y(g); }
  std::string target_name() const { return kDifferentialTargetName; }
  // No dropout: the public code passes 0.5 to a one-layer LSTM, where it has no effect.
  void set_dropout_key(std::optional<std::uint64_t>) {}
  // The precision of the LSTM products, level 1 (kernels/bf16_product.hpp) and level 2
  // (nn/lstm.hpp): a run-time choice, not part of the model (checkpoints hold float weights; a
  // model trained with bf16 predicts in either). bf16 needs the fused or inference level-1 path
  // and float; the composed path refuses it.
  void set_precision(kernels::Precision p) { precision_ = p; }
  kernels::Precision precision() const { return precision_; }
  ParameterStore<T>& params() { return store_; }
  const ParameterStore<T>& params() const { return store_; }

  // Level-1 channel count feeding alpha, and level-2 width of beta.
  Index alpha_channels() const { return alpha_count_; }
  Index beta_channels() const { return beta_count_; }

  // Names of the channels behind beta and alpha, e.g. "D.H3K4me3" (D = A - B); in the
  // raw_aux variants the level-2 sequence is R's 15 channels then A's and B's own encoders.
  std::vector<std::string> beta_names() const { return beta_names_; }
  std::vector<std::string> alpha_names() const {
    return std::vector<std::string>(channel_names_.begin(), channel_names_.begin() + alpha_count_);
  }

  ModelOutput<T> forward(Tape<T>& tape, const Tensor<T>& xa, const Tensor<T>& xb,
                         EncoderPath path = EncoderPath::fused) {
    check_inputs(xa, xb);
    return forward(tape, tape.constant(xa), tape.constant(xb), path);
  }

  // The same with the inputs as tape values: where xa or xb requires a gradient (a leaf),
  // backward() gives d/dxa and d/dxb (attributions: model/attribution.hpp). Not on the
  // inference path, which keeps no tape for level 1.
  ModelOutput<T> forward(Tape<T>& tape, const Var<T>& xa, const Var<T>& xb, EncoderPath path = EncoderPath::fused) {
    check_inputs(xa.value(), xb.value());
    if (path == EncoderPath::inference && (xa.requires_grad() || xb.requires_grad()))
      throw std::invalid_argument("DeepDiff::forward: the inference path gives no input gradients");
    if (path == EncoderPath::composed && precision_ == kernels::Precision::bf16)
      throw std::invalid_argument("DeepDiff::forward: bf16 runs on the fused and inference paths, not the composed one");
    const Index B = xa.shape()[0];
    const Index D1 = 2 * cfg_.hidden1;

    // Every level-1 channel of the variant, in the order the level-2 encoders read them.
    std::vector<Var<T>> channels;
    channels.reserve(l1_.size());
    for (const Source& s : sources_) channels.push_back(channel(tape, xa, xb, s));

    // Inference: level 2 and the heads batch-invariant for this call (the tape's setting is
    // restored on return, so a caller's tape keeps its own).
    struct Restore {
      Tape<T>& tape;
      bool was;
      ~Restore() { tape.set_batch_invariant(was); }
    } restore{tape, tape.batch_invariant()};
    if (path == EncoderPath::inference) tape.set_batch_invariant(true);

    Var<T> reps;
    Tensor<T> alpha_all;
    if (path == EncoderPath::inference) {
      Tensor<T> r;
      std::vector<Tensor<T>> values;
      for (const Var<T>& c : channels) values.push_back(c.value());
      encode_channels_inference(store_, l1_, values, r, alpha_all, precision_);
      reps = tape.constant(std::move(r));
    } else {
      EncodedChannels<T> enc = path == EncoderPath::fused ? encode_channels_fused(tape, store_, l1_, channels, precision_)
                                                          : encode_channels_composed(tape, store_, l1_, channels);
      reps = enc.reps;
      alpha_all = std::move(enc.alpha);
    }
    auto steps = [&](Index first, Index count) {
      std::vector<Var<T>> s;
      for (Index k = first; k < first + count; ++k) s.push_back(slice_cols(reps, k * D1, D1));
      return s;
    };

    ModelOutput<T> out;
    const Index M = cfg_.marks;
    const Variant v = cfg_.variant;
    if (!has_aux_heads(v)) {
      Pooled<T> z = encoder_forward(tape, store_, l2_main_, steps(0, n_main_), precision_);
      out.pred = linear_forward(tape, store_, head_main_, z.rep);
      out.beta = z.alpha.value();
    } else {
      // A's and B's channels come after the raw block (if any).
      const Index a0 = has_raw_block(v) ? 3 * M : 0, b0 = a0 + M;
      Pooled<T> za = encoder_forward(tape, store_, l2_a_, steps(a0, M), precision_);
      Pooled<T> zb = encoder_forward(tape, store_, l2_b_, steps(b0, M), precision_);
      out.pred_a = linear_forward(tape, store_, head_a_, za.rep);
      out.pred_b = linear_forward(tape, store_, head_b_, zb.rep);
      if (has_raw_block(v)) {
        Pooled<T> z = encoder_forward(tape, store_, l2_main_, steps(0, 5 * M), precision_);
        out.pred = linear_forward(tape, store_, head_main_, z.rep);
        out.beta = z.alpha.value();
      } else {
        Var<T> hidden = relu(linear_forward(tape, store_, mlp_hidden_, concat_cols<T>({za.rep, zb.rep})));
        out.pred = linear_forward(tape, store_, head_main_, hidden);
        out.beta = concat_cols<T>({za.alpha, zb.alpha}).value();
      }
      if (is_siamese(v)) {
        out.emb_a = slice_cols(reps, a0 * D1, M * D1);
        out.emb_b = slice_cols(reps, b0 * D1, M * D1);
      }
    }
    // alpha of the channels feeding the main level-2 encoder: the first alpha_count_ channels.
    const Index Tn = cfg_.bins;
    out.alpha = Tensor<T>(Shape{B, alpha_count_, Tn});
    for (Index b = 0; b < B; ++b)
      std::copy(alpha_all.data() + b * alpha_all.dim(1) * Tn, alpha_all.data() + b * alpha_all.dim(1) * Tn + alpha_count_ * Tn,
                out.alpha.data() + b * alpha_count_ * Tn);
    return out;
  }

  // Loss of the spec: MSE(y) [+ MSE(yA) + MSE(yB)] [+ gamma * contrastive]. Targets [B, 1].
  ModelLoss<T> loss(Tape<T>& tape, const ModelOutput<T>& out, const Tensor<T>& y, const Tensor<T>& ya,
                    const Tensor<T>& yb) const {
    ModelLoss<T> l;
    Var<T> total = mse_loss(out.pred, tape.constant(y));
    l.diff = total.value()[0];
    if (has_aux_heads(cfg_.variant)) {
      Var<T> la = mse_loss(out.pred_a, tape.constant(ya));
      Var<T> lb = mse_loss(out.pred_b, tape.constant(yb));
      l.aux_a = la.value()[0];
      l.aux_b = lb.value()[0];
      total = add(add(total, la), lb);
    }
    if (is_siamese(cfg_.variant)) {
      Var<T> lc = contrastive_loss(out.emb_a, out.emb_b, tape.constant(contrastive_labels(y)), static_cast<T>(cfg_.margin));
      l.contrastive = lc.value()[0];
      total = add(total, scale(lc, static_cast<T>(cfg_.gamma)));
    }
    l.total = total;
    return l;
  }

 private:
  // Where a level-1 channel comes from: mark `mark` of A, of B, or of D = A - B.
  enum class Cell { a, b, d };
  struct Source {
    Cell cell;
    Index mark;
  };

  void check_inputs(const Tensor<T>& xa, const Tensor<T>& xb) const {
    check_input(xa, "xa");
    check_input(xb, "xb");
    if (xa.shape() != xb.shape()) throw std::invalid_argument("DeepDiff::forward: xa and xb shapes differ");
  }
  void check_input(const Tensor<T>& x, const char* name) const {
    if (x.rank() != 3 || x.dim(1) != cfg_.bins || x.dim(2) != cfg_.marks)
      throw std::invalid_argument(std::string("DeepDiff::forward: ") + name + " has shape " + shape_string(x.shape()) +
                                  ", expected [B, " + std::to_string(cfg_.bins) + ", " + std::to_string(cfg_.marks) + "]");
  }

  // Channel [B, T] of source s from xa, xb [B, T, M]; its gradient goes back to the column
  // it was read from (D = A - B: + to xa, - to xb).
  static Var<T> channel(Tape<T>& tape, const Var<T>& xa_v, const Var<T>& xb_v, const Source& s) {
    const Tensor<T>& xa = xa_v.value();
    const Tensor<T>& xb = xb_v.value();
    const Index B = xa.dim(0), Tn = xa.dim(1), M = xa.dim(2);
    Tensor<T> c(Shape{B, Tn});
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < Tn; ++t) {
        const Index i = (b * Tn + t) * M + s.mark;
        c.data()[b * Tn + t] = s.cell == Cell::a ? xa.data()[i] : s.cell == Cell::b ? xb.data()[i] : xa.data()[i] - xb.data()[i];
      }
    return tape.record(std::move(c), {xa_v, xb_v}, [=](Tape<T>& tp, const Tensor<T>& g) {
      auto send = [&](const Var<T>& to, T sign) {
        if (!to.requires_grad()) return;
        T* d = tp.grad(to.id).data();
        for (Index b = 0; b < B; ++b)
          for (Index t = 0; t < Tn; ++t) d[(b * Tn + t) * M + s.mark] += sign * g.data()[b * Tn + t];
      };
      if (s.cell != Cell::b) send(xa_v, T(1));
      if (s.cell != Cell::a) send(xb_v, s.cell == Cell::d ? T(-1) : T(1));
    });
  }

  std::vector<Encoder> make_level1(const std::string& prefix, Index count) {
    std::vector<Encoder> e;
    for (Index k = 0; k < count; ++k)
      e.push_back(make_encoder(store_, prefix + "." + std::to_string(k), 1, cfg_.hidden1));
    return e;
  }
  Encoder make_level2(const std::string& prefix) { return make_encoder(store_, prefix, 2 * cfg_.hidden1, cfg_.hidden2()); }

  // Encoder k reads mark k of `cell`.
  void add_sources(const std::vector<Encoder>& enc, Cell cell) {
    for (std::size_t k = 0; k < enc.size(); ++k) {
      l1_.push_back(enc[k]);
      sources_.push_back(Source{cell, static_cast<Index>(k)});
    }
  }
  // R = [XA, XB, D]: 3M encoders reading A's marks, then B's, then D's.
  void add_raw_sources(const std::vector<Encoder>& enc) {
    const Index M = cfg_.marks;
    for (Index k = 0; k < 3 * M; ++k) {
      l1_.push_back(enc[static_cast<std::size_t>(k)]);
      sources_.push_back(Source{k < M ? Cell::a : (k < 2 * M ? Cell::b : Cell::d), k % M});
    }
  }

  // Registration order = the public code's module order = its state_dict order.
  void build() {
    build_modules();
    for (const Source& s : sources_)
      channel_names_.push_back(std::string(s.cell == Cell::a ? "A." : s.cell == Cell::b ? "B." : "D.") + mark_name(s.mark));
    if (has_raw_block(cfg_.variant)) {
      for (std::size_t k = 0; k < channel_names_.size(); ++k)
        beta_names_.push_back((k < static_cast<std::size_t>(3 * cfg_.marks) ? "raw:" : "aux:") + channel_names_[k]);
    } else {
      beta_names_ = channel_names_;
    }
  }

  void build_modules() {
    const Index M = cfg_.marks, Z = 2 * cfg_.hidden2();
    switch (cfg_.variant) {
      case Variant::raw_d:
      case Variant::raw_c:
      case Variant::raw: {
        const Index K = cfg_.variant == Variant::raw_d ? M : (cfg_.variant == Variant::raw_c ? 2 * M : 3 * M);
        std::vector<Encoder> enc = make_level1("rnn_hms", K);
        if (cfg_.variant == Variant::raw_d) {
          add_sources(enc, Cell::d);
        } else if (cfg_.variant == Variant::raw_c) {  // C = [XA, XB]
          add_sources(std::vector<Encoder>(enc.begin(), enc.begin() + M), Cell::a);
          add_sources(std::vector<Encoder>(enc.begin() + M, enc.end()), Cell::b);
        } else {
          add_raw_sources(enc);
        }
        l2_main_ = make_level2("hm_level_rnn_1");
        head_main_ = make_linear(store_, "fdiff1_1", Z, 1);
        n_main_ = K;
        alpha_count_ = K;
        beta_count_ = K;
        break;
      }
      case Variant::aux:
      case Variant::aux_siamese: {
        std::vector<Encoder> a = make_level1("rnn_hms", M);
        std::vector<Encoder> b = cfg_.variant == Variant::aux ? make_level1("rnn_hms2", M) : a;
        add_sources(a, Cell::a);
        add_sources(b, Cell::b);
        l2_a_ = make_level2("hm_level_rnn_1");
        l2_b_ = make_level2("hm_level_rnn_2");
        head_a_ = make_linear(store_, "f1_1", Z, 1);
        head_b_ = make_linear(store_, "f2_1", Z, 1);
        mlp_hidden_ = make_linear(store_, "predictor_1", 2 * Z, Z);
        head_main_ = make_linear(store_, "predictor_", Z, 1);
        alpha_count_ = 2 * M;
        beta_count_ = 2 * M;
        break;
      }
      case Variant::raw_aux:
      case Variant::raw_aux_siamese: {
        // raw_aux: rnn_hms (A), rnn_hms3 (R), rnn_hms2 (B); the siamese variant shares rnn_hms
        // between A and B and names the raw block rnn_hmsx and its level 2 hm_level_rnn_1x.
        const bool siamese = cfg_.variant == Variant::raw_aux_siamese;
        std::vector<Encoder> a = make_level1("rnn_hms", M);
        std::vector<Encoder> raw = make_level1(siamese ? "rnn_hmsx" : "rnn_hms3", 3 * M);
        std::vector<Encoder> b = siamese ? a : make_level1("rnn_hms2", M);
        add_raw_sources(raw);
        add_sources(a, Cell::a);
        add_sources(b, Cell::b);
        l2_a_ = make_level2("hm_level_rnn_1");
        l2_main_ = make_level2(siamese ? "hm_level_rnn_1x" : "hm_level_rnn_3");
        l2_b_ = make_level2("hm_level_rnn_2");
        head_a_ = make_linear(store_, "f1_1", Z, 1);
        head_b_ = make_linear(store_, "f2_1", Z, 1);
        head_main_ = make_linear(store_, "predictor_", Z, 1);
        alpha_count_ = 3 * M;
        beta_count_ = 5 * M;
        break;
      }
    }
  }

  ModelConfig cfg_;
  ParameterStore<T> store_;
  kernels::Precision precision_ = kernels::Precision::fp32;
  std::vector<Encoder> l1_;      // one per level-1 channel, in level-2 reading order
  std::vector<Source> sources_;  // what each level-1 encoder reads
  Encoder l2_main_, l2_a_, l2_b_;
  Linear head_main_, head_a_, head_b_, mlp_hidden_;
  Index n_main_ = 0, alpha_count_ = 0, beta_count_ = 0;
  std::vector<std::string> channel_names_, beta_names_;
};

}  // namespace deepdiff
