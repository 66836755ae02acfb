// AttentiveChrome<T>: one cell's model of the spec's `attentivechrome_diff` baseline
// (AttentiveChrome, Singh et al., NeurIPS 2017, as a regressor). It is exactly DeepDiff's
// per-cell branch - M level-1 encoders (bi-LSTM + attention) over the cell's marks, a level-2
// encoder over their representations, Linear(2 H2 -> 1) - predicting log2(e + 1) of its own
// cell. attentivechrome_diff trains one for cell A and one for cell B, each alone with the
// published recipe, and predicts y = f_B(X_B) - f_A(X_A) (train/any_model.hpp).
//
// Shapes: B genes, T bins, M marks, H1 = 32, H2 = 16.
//   the cell's X  [B, T, M] -> M channels [B, T]
//   level 1       reps [B, M 2H1], alpha [B, M, T]
//   level 2       z [B, 2H2], beta [B, M]
//   pred          [B, 1]   log2(e + 1) of the cell
// Parameter names are the aux variant's A branch for either cell: rnn_hms.{0..M-1}.*,
// hm_level_rnn_1.*, f1_1.* (each cell is a model of its own).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/marks.hpp"
#include "deepdiff/kernels/fused_encoder.hpp"
#include "deepdiff/model/deepdiff_model.hpp"
#include "deepdiff/nn/encoder.hpp"
#include "deepdiff/nn/linear.hpp"
#include "deepdiff/nn/loss.hpp"

namespace deepdiff {

enum class AttentiveChromeCell { a, b };

struct AttentiveChromeConfig {
  Index bins = 200;   // T
  Index marks = 5;    // M
  Index hidden1 = 32; // level-1 hidden size per direction; level 2 uses hidden1 / 2
  AttentiveChromeCell cell = AttentiveChromeCell::a;
  Index hidden2() const { return hidden1 / 2; }
};

inline double attentivechrome_parameter_count(const AttentiveChromeConfig& c) {
  const double h1 = static_cast<double>(c.hidden1), h2 = static_cast<double>(c.hidden2());
  const auto bilstm_attention = [](double in, double h) { return 2.0 * (4 * h * in + 4 * h * h + 8 * h) + 2 * h; };
  return static_cast<double>(c.marks) * bilstm_attention(1, h1) + bilstm_attention(2 * h1, h2) + 2 * h2 + 1;
}

template <class T>
class AttentiveChrome {
 public:
  using scalar_type = T;

  explicit AttentiveChrome(const AttentiveChromeConfig& cfg) : cfg_(cfg) {
    if (cfg.bins < 1 || cfg.marks < 1 || cfg.hidden1 < 2 || cfg.hidden1 % 2 != 0)
      throw std::invalid_argument("AttentiveChrome: bins and marks must be >= 1 and hidden1 an even number >= 2");
    for (Index k = 0; k < cfg.marks; ++k)
      l1_.push_back(make_encoder(store_, "rnn_hms." + std::to_string(k), 1, cfg.hidden1));
    l2_ = make_encoder(store_, "hm_level_rnn_1", 2 * cfg.hidden1, cfg.hidden2());
    head_ = make_linear(store_, "f1_1", 2 * cfg.hidden2(), 1);
  }

  const AttentiveChromeConfig& config() const { return cfg_; }
  bool cell_b() const { return cfg_.cell == AttentiveChromeCell::b; }
  ParameterStore<T>& params() { return store_; }
  const ParameterStore<T>& params() const { return store_; }
  Index alpha_channels() const { return cfg_.marks; }
  Index beta_channels() const { return cfg_.marks; }
  // "A.H3K4me1" ... (or "B." for cell B's model)
  std::vector<std::string> beta_names() const {
    std::vector<std::string> n;
    for (Index k = 0; k < cfg_.marks; ++k) n.push_back(std::string(cell_b() ? "B." : "A.") + mark_name(k));
    return n;
  }
  std::vector<std::string> alpha_names() const { return beta_names(); }
  // Its own cell's log2(e + 1): what it is trained on and selected by.
  double target(const Split& s, Index g) const { return cell_b() ? s.yb(g) : s.ya(g); }
  std::string target_name() const { return cell_b() ? "cell B's target log2(eB+1)" : "cell A's target log2(eA+1)"; }
  void set_dropout_key(std::optional<std::uint64_t>) {}  // no dropout
  // The precision of the LSTM products, level 1 (kernels/bf16_product.hpp) and level 2
  // (nn/lstm.hpp): a run-time choice, not part of the model (checkpoints hold float weights; a
  // model trained with bf16 predicts in either). bf16 needs the fused or inference level-1 path
  // and float; the composed path refuses it.
  void set_precision(kernels::Precision p) { precision_ = p; }
  kernels::Precision precision() const { return precision_; }

  // Reads the model's cell (xb for cell B, xa for A); both are passed so that it is called
  // like every model of the trainer.
  ModelOutput<T> forward(Tape<T>& tape, const Tensor<T>& xa, const Tensor<T>& xb, EncoderPath path) {
    const Tensor<T>& x = cell_b() ? xb : xa;
    if (path == EncoderPath::composed && precision_ == kernels::Precision::bf16)
      throw std::invalid_argument("AttentiveChrome::forward: bf16 runs on the fused and inference paths, not the composed one");
    if (x.rank() != 3 || x.dim(1) != cfg_.bins || x.dim(2) != cfg_.marks)
      throw std::invalid_argument("AttentiveChrome::forward: input has shape " + shape_string(x.shape()) +
                                  ", expected [B, " + std::to_string(cfg_.bins) + ", " + std::to_string(cfg_.marks) + "]");
    const Index B = x.dim(0), Tn = cfg_.bins, M = cfg_.marks, D1 = 2 * cfg_.hidden1;
    std::vector<Tensor<T>> channels;
    for (Index m = 0; m < M; ++m) {
      Tensor<T> c(Shape{B, Tn});
      for (Index b = 0; b < B; ++b)
        for (Index t = 0; t < Tn; ++t) c.data()[b * Tn + t] = x.data()[(b * Tn + t) * M + m];
      channels.push_back(std::move(c));
    }
    struct Restore {
      Tape<T>& tape;
      bool was;
      ~Restore() { tape.set_batch_invariant(was); }
    } restore{tape, tape.batch_invariant()};
    if (path == EncoderPath::inference) tape.set_batch_invariant(true);
    Var<T> reps;
    ModelOutput<T> out;
    if (path == EncoderPath::inference) {
      Tensor<T> r;
      encode_channels_inference(store_, l1_, channels, r, out.alpha, precision_);
      reps = tape.constant(std::move(r));
    } else {
      EncodedChannels<T> enc = path == EncoderPath::fused ? encode_channels_fused(tape, store_, l1_, channels, precision_)
                                                          : encode_channels_composed(tape, store_, l1_, channels);
      reps = enc.reps;
      out.alpha = std::move(enc.alpha);
    }
    std::vector<Var<T>> steps;
    for (Index k = 0; k < M; ++k) steps.push_back(slice_cols(reps, k * D1, D1));
    Pooled<T> z = encoder_forward(tape, store_, l2_, steps, precision_);
    out.pred = linear_forward(tape, store_, head_, z.rep);
    out.beta = z.alpha.value();
    return out;
  }

  // MSE of the prediction against its own cell's log2(e + 1): ya for cell A, yb for B.
  ModelLoss<T> loss(Tape<T>& tape, const ModelOutput<T>& out, const Tensor<T>&, const Tensor<T>& ya,
                    const Tensor<T>& yb) const {
    ModelLoss<T> l;
    l.total = mse_loss(out.pred, tape.constant(cell_b() ? yb : ya));
    l.diff = l.total.value()[0];
    return l;
  }

 private:
  AttentiveChromeConfig cfg_;
  ParameterStore<T> store_;
  kernels::Precision precision_ = kernels::Precision::fp32;
  std::vector<Encoder> l1_;
  Encoder l2_;
  Linear head_;
};

}  // namespace deepdiff
