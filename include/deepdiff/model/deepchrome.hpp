// DeepChrome<T>: the spec's `deepchrome` baseline (Singh et al., Bioinformatics 2016, with a
// regression head) on D = XA - XB: one convolution over the bins, max pooling, dropout, three
// fully connected layers. It has DeepDiff's interface (train/trainer.hpp), so the trainer
// trains it with the published recipe; it has no attention.
//
// Shapes: B genes, T bins, M marks.
//   D = xa - xb            [B, T, M] -> transposed to [B, M, T] (marks as channels)
//   conv1 Conv1d(M -> 50, kernel 10)           [B, 50, T - 9]
//   ReLU, MaxPool1d(5, stride 5)                [B, 50, P],  P = floor((T - 9 - 5) / 5) + 1
//   Dropout(0.5) (training steps only)
//   flatten, channel-major                      [B, 50 P]    (1,900 at T = 200)
//   fc1 -> 625, ReLU, fc2 -> 125, ReLU, fc3 -> 1
// Parameters conv1.weight [50, M, 10], conv1.bias, fc1.*, fc2.*, fc3.* in PyTorch's order
// (1,269,051 at T = 200, M = 5).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/autograd/conv_ops.hpp"
#include "deepdiff/data/dataset.hpp"
#include "deepdiff/model/deepdiff_model.hpp"
#include "deepdiff/nn/linear.hpp"
#include "deepdiff/nn/loss.hpp"
#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

struct DeepChromeConfig {
  Index bins = 200;  // T
  Index marks = 5;   // M
  Index channels = 50, kernel = 10, pool = 5, hidden1 = 625, hidden2 = 125;
  double dropout = 0.5;
  // Pooled positions per channel; < 1 when T is too short for one pooling window.
  Index pooled() const { return bins - kernel + 1 < pool ? 0 : (bins - kernel + 1 - pool) / pool + 1; }
};

inline double deepchrome_parameter_count(const DeepChromeConfig& c) {
  const double conv = static_cast<double>(c.channels) * static_cast<double>(c.marks * c.kernel + 1);
  const double flat = static_cast<double>(c.channels * c.pooled());
  return conv + (flat + 1) * static_cast<double>(c.hidden1) + static_cast<double>((c.hidden1 + 1) * c.hidden2) +
         static_cast<double>(c.hidden2 + 1);
}

template <class T>
class DeepChrome {
 public:
  using scalar_type = T;

  explicit DeepChrome(const DeepChromeConfig& cfg) : cfg_(cfg) {
    if (cfg.marks < 1 || cfg.channels < 1 || cfg.kernel < 1 || cfg.pool < 1 || cfg.hidden1 < 1 || cfg.hidden2 < 1)
      throw std::invalid_argument("DeepChrome: marks and layer sizes must be >= 1");
    if (cfg.pooled() < 1)
      throw std::invalid_argument("DeepChrome needs at least " + std::to_string(cfg.kernel + cfg.pool - 1) +
                                  " bins (a convolution of " + std::to_string(cfg.kernel) + " and one pooling window of " +
                                  std::to_string(cfg.pool) + "), the data has " + std::to_string(cfg.bins));
    if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw std::invalid_argument("DeepChrome: dropout must be in [0, 1)");
    conv_w_ = store_.add("conv1.weight", Shape{cfg.channels, cfg.marks, cfg.kernel});
    conv_b_ = store_.add("conv1.bias", Shape{cfg.channels});
    fc1_ = make_linear(store_, "fc1", cfg.channels * cfg.pooled(), cfg.hidden1);
    fc2_ = make_linear(store_, "fc2", cfg.hidden1, cfg.hidden2);
    fc3_ = make_linear(store_, "fc3", cfg.hidden2, 1);
  }

  const DeepChromeConfig& config() const { return cfg_; }
  ParameterStore<T>& params() { return store_; }
  const ParameterStore<T>& params() const { return store_; }
  Index alpha_channels() const { return 0; }
  Index beta_channels() const { return 0; }
  std::vector<std::string> beta_names() const { return {}; }
  std::vector<std::string> alpha_names() const { return {}; }
  double target(const Split& s, Index g) const { return s.y(g); }
  std::string target_name() const { return kDifferentialTargetName; }
  void set_dropout_key(std::optional<std::uint64_t> key) { dropout_key_ = key; }

  // pred [B, 1]; beta [B, 0] and alpha [B, 0, T] (no attention). Dropout only on a training
  // path (not inference) with a key set by set_dropout_key, which this call consumes.
  ModelOutput<T> forward(Tape<T>& tape, const Tensor<T>& xa, const Tensor<T>& xb, EncoderPath path) {
    if (xa.rank() != 3 || xa.dim(1) != cfg_.bins || xa.dim(2) != cfg_.marks || xa.shape() != xb.shape())
      throw std::invalid_argument("DeepChrome::forward: xa " + shape_string(xa.shape()) + ", xb " +
                                  shape_string(xb.shape()) + ", expected [B, " + std::to_string(cfg_.bins) + ", " +
                                  std::to_string(cfg_.marks) + "] each");
    struct Restore {
      Tape<T>& tape;
      bool was;
      ~Restore() { tape.set_batch_invariant(was); }
    } restore{tape, tape.batch_invariant()};
    if (path == EncoderPath::inference) tape.set_batch_invariant(true);
    const std::optional<std::uint64_t> key = dropout_key_;
    dropout_key_.reset();

    const Index B = xa.dim(0), Tn = cfg_.bins, M = cfg_.marks;
    Tensor<T> d(Shape{B, M, Tn});
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < Tn; ++t)
        for (Index m = 0; m < M; ++m) {
          const Index i = (b * Tn + t) * M + m;
          d.data()[(b * M + m) * Tn + t] = xa.data()[i] - xb.data()[i];
        }
    Var<T> h = relu(conv1d(tape.constant(std::move(d)), store_.var(tape, conv_w_), store_.var(tape, conv_b_)));
    h = max_pool1d(h, cfg_.pool, cfg_.pool);
    if (key && path != EncoderPath::inference && cfg_.dropout > 0) {
      Rng rng(*key);
      h = dropout(h, cfg_.dropout, rng);
    }
    h = flatten_rows(h);
    h = relu(linear_forward(tape, store_, fc1_, h));
    h = relu(linear_forward(tape, store_, fc2_, h));
    ModelOutput<T> out;
    out.pred = linear_forward(tape, store_, fc3_, h);
    out.beta = Tensor<T>(Shape{B, 0});
    out.alpha = Tensor<T>(Shape{B, 0, Tn});
    return out;
  }

  ModelLoss<T> loss(Tape<T>& tape, const ModelOutput<T>& out, const Tensor<T>& y, const Tensor<T>&,
                    const Tensor<T>&) const {
    ModelLoss<T> l;
    l.total = mse_loss(out.pred, tape.constant(y));
    l.diff = l.total.value()[0];
    return l;
  }

 private:
  DeepChromeConfig cfg_;
  ParameterStore<T> store_;
  Index conv_w_ = -1, conv_b_ = -1;
  Linear fc1_, fc2_, fc3_;
  std::optional<std::uint64_t> dropout_key_;
};

}  // namespace deepdiff
