// The published training recipe: Adam (lr 1e-4), batches of 10 shuffled training genes,
// global-norm clipping to 1, validation PCC after every epoch, the best epoch (ties: the
// later) kept. Deterministic for a seed: the gene order of epoch e is a pure function of
// (seed, e), so a run resumed from a checkpoint continues exactly as if never stopped.
//
// Memory of one training step: the tape of one batch (level-1 activations cached by the
// fused kernel, the small level-2 graph) — bounded by the batch size, not the data set.
#pragma once

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/expression_scale.hpp"
#include "deepdiff/data/metrics.hpp"
#include "deepdiff/model/deepdiff_model.hpp"
#include "deepdiff/train/adam.hpp"
#include "deepdiff/train/clip.hpp"
#include "deepdiff/train/thread_governor.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace deepdiff {

struct TrainOptions {
  int epochs = 120;
  double lr = 1e-4;
  Index batch_size = 10;
  double clip = 1.0;  // <= 0: no clipping
  std::uint64_t seed = 1;
  bool shuffle = true;
  EncoderPath path = EncoderPath::fused;
  // Let the OpenMP thread count follow the machine's load batch by batch (thread_governor.hpp):
  // the caller's count while it keeps its pace, 1 while that is faster. Speed only: results are
  // the same for any thread count. Not part of the recipe (not in checkpoints).
  bool adapt_threads = true;
  // How the splits' targets are scaled for sequencing depth (data/expression_scale.hpp). Not
  // used by the training step - the splits carry their divisors - but part of the recipe: fit
  // refuses splits loaded with another scale, and a resume with another one (state_io.hpp).
  ExpressionScale expression_scale = ExpressionScale::none;
};

struct EpochRecord {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_pcc = 0, train_mse = 0;
  double valid_pcc = 0, valid_mse = 0;
  double train_seconds = 0, valid_seconds = 0;
};

// Predictions of a model on a split, with attention when asked for.
struct Predictions {
  std::vector<double> pred, pred_a, pred_b;        // per gene (aux heads: empty when absent)
  std::vector<double> target, target_a, target_b;  // empty when the split has no expression
  Tensor<float> beta;                              // [N, K2]
  Tensor<float> alpha;                             // [N, K1, T] (empty unless asked for)
};

using BatchProgress = std::function<void(Index done, Index total)>;

// Training went non-finite: the loss of a batch is NaN or infinite (exploding updates, or
// data the model cannot represent). Thrown by Trainer::epoch before the epoch is recorded,
// so the state of the last finished epoch is what a caller has (and may have saved).
struct TrainingDiverged : std::runtime_error {
  TrainingDiverged(int epoch_, Index batch_, Index batches_, double loss_)
      : std::runtime_error("training diverged: the loss is " + std::string(std::isnan(loss_) ? "NaN" : "infinite") +
                           " at epoch " + std::to_string(epoch_) + ", batch " + std::to_string(batch_) + " of " +
                           std::to_string(batches_) +
                           " (a lower learning rate, or data with smaller counts, may help)"),
        epoch(epoch_), batch(batch_), batches(batches_), loss(loss_) {}
  int epoch;      // 1-based
  Index batch;    // 1-based, in the epoch's shuffled order
  Index batches;  // batches per epoch
  double loss;
};

// The stream of epoch `epoch` (1-based) of a run seeded with `seed`.
inline std::uint64_t epoch_order_seed(std::uint64_t seed, int epoch) {
  return seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(epoch);
}

// Genes of epoch `epoch` (1-based) in training order.
inline std::vector<Index> epoch_order(Index n, std::uint64_t seed, int epoch, bool shuffle) {
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  if (shuffle) {
    Rng rng(epoch_order_seed(seed, epoch));
    rng.shuffle(order);
  }
  return order;
}

// The trainer, fit and the prediction functions take any model class Net<T> of the library that
// has DeepDiff's interface (DeepDiff, and the baselines DeepChrome and AttentiveChrome):
//   config().bins, config().marks; params(); alpha_channels(), beta_channels();
//   forward(tape, xa, xb, EncoderPath) -> ModelOutput<T>; loss(tape, out, y, ya, yb) -> ModelLoss<T>;
//   target(split, g): the value its prediction is scored against (y, or one cell's log2(e+1));
//   target_name(): that value in words, for errors;
//   set_dropout_key(key): the next training forward draws its dropout masks from Rng(key).

// Model predictions for N genes held as two [N, T, M] row-major float arrays (T, M the
// model's), in batches of `batch_size` through the inference path. No targets. The arrays
// are read in place, a batch at a time (the Python package passes numpy buffers here).
template <class T, template <class> class Net>
Predictions predict_arrays(Net<T>& model, const float* xa, const float* xb, Index N, Index batch_size,
                           bool keep_alpha, const BatchProgress& progress = nullptr) {
  if (batch_size < 1) throw std::invalid_argument("batch_size must be >= 1, got " + std::to_string(batch_size));
  const Index Tn = model.config().bins, M = model.config().marks, per = Tn * M;
  Predictions p;
  p.beta = Tensor<float>(Shape{N, model.beta_channels()});
  if (keep_alpha) p.alpha = Tensor<float>(Shape{N, model.alpha_channels(), Tn});
  Tensor<T> ta, tb;
  for (Index start = 0; start < N; start += batch_size) {
    const Index B = std::min(batch_size, N - start);
    if (ta.rank() != 3 || ta.dim(0) != B) {  // once, and once more for a shorter last batch
      ta = Tensor<T>(Shape{B, Tn, M});
      tb = Tensor<T>(Shape{B, Tn, M});
    }
    for (Index i = 0; i < B * per; ++i) {
      ta.data()[i] = static_cast<T>(xa[start * per + i]);
      tb.data()[i] = static_cast<T>(xb[start * per + i]);
    }
    Tape<T> tape;
    ModelOutput<T> out = model.forward(tape, ta, tb, EncoderPath::inference);
    const bool aux = out.pred_a.valid();
    for (Index b = 0; b < B; ++b) {
      p.pred.push_back(static_cast<double>(out.pred.value()[b]));
      if (aux) {
        p.pred_a.push_back(static_cast<double>(out.pred_a.value()[b]));
        p.pred_b.push_back(static_cast<double>(out.pred_b.value()[b]));
      }
    }
    const Index K2 = out.beta.dim(1);
    for (Index i = 0; i < B * K2; ++i) p.beta.data()[start * K2 + i] = static_cast<float>(out.beta.data()[i]);
    if (keep_alpha) {
      const Index pa = out.alpha.size() / B;
      for (Index i = 0; i < B * pa; ++i) p.alpha.data()[start * pa + i] = static_cast<float>(out.alpha.data()[i]);
    }
    if (progress) progress(start + B, N);
  }
  return p;
}

// Model predictions on every gene of `s`, in the file's order, with the targets when the
// split has expression (`target` is what the model predicts: model.target(s, g)).
template <class T, template <class> class Net>
Predictions predict_split(Net<T>& model, const Split& s, Index batch_size, bool keep_alpha,
                          const BatchProgress& progress = nullptr) {
  const Index N = s.genes();
  if (s.bins != model.config().bins || s.marks != model.config().marks ||
      s.xa.size() != static_cast<std::size_t>(N * s.bins * s.marks) || s.xb.size() != s.xa.size())
    throw std::invalid_argument("split '" + s.name + "' has " + std::to_string(s.bins) + " bins x " +
                                std::to_string(s.marks) + " marks, the model expects " +
                                std::to_string(model.config().bins) + " x " + std::to_string(model.config().marks));
  Predictions p = predict_arrays(model, s.xa.data(), s.xb.data(), N, batch_size, keep_alpha, progress);
  if (s.has_expression) {
    for (Index g = 0; g < N; ++g) {
      p.target.push_back(model.target(s, g));
      p.target_a.push_back(s.ya(g));
      p.target_b.push_back(s.yb(g));
    }
  }
  return p;
}

template <class T>
struct TrainState {
  int epochs_done = 0;
  int best_epoch = 0;  // 1-based; 0 = none yet
  double best_valid_pcc = -std::numeric_limits<double>::infinity();
  AlignedVector<T> best_params;
  std::vector<EpochRecord> history;
  AdamState<T> adam;
};

// Trainer<T> trains a DeepDiff<T>; Trainer<T, DeepChrome<T>> a baseline of the same interface.
template <class T, class Model = DeepDiff<T>>
class Trainer {
 public:
  Trainer(Model& model, TrainOptions opt) : model_(model), opt_(opt) {}

  Model& model() { return model_; }
  TrainState<T>& state() { return state_; }
  const TrainState<T>& state() const { return state_; }
  const TrainOptions& options() const { return opt_; }

  // The thread count of the next batch while epoch() runs (opt.adapt_threads), and the
  // caller's count restored when it returns or throws.
  class ThreadCount {
   public:
    ThreadCount(bool adapt, ThreadGovernor& g) : adapt_(adapt), g_(g) {
#if defined(_OPENMP)
      caller_ = omp_get_max_threads();
      if (g_.n != caller_) g_ = ThreadGovernor(caller_);  // first epoch, or the caller changed it
      if (adapt_) omp_set_num_threads(g_.current);
#endif
    }
    void batch_done(double seconds, Index genes) {
#if defined(_OPENMP)
      if (adapt_) omp_set_num_threads(g_.next(seconds, static_cast<long>(genes)));
#else
      (void)seconds;
      (void)genes;
#endif
    }
    ~ThreadCount() {
#if defined(_OPENMP)
      if (adapt_) omp_set_num_threads(caller_);
#endif
    }
    ThreadCount(const ThreadCount&) = delete;
    ThreadCount& operator=(const ThreadCount&) = delete;

   private:
    bool adapt_;
    ThreadGovernor& g_;
    int caller_ = 1;
  };

  // One optimisation step on a batch; returns the batch's total loss.
  T step(const Tensor<T>& xa, const Tensor<T>& xb, const Tensor<T>& y, const Tensor<T>& ya, const Tensor<T>& yb,
         std::vector<double>* batch_pred = nullptr) {
    ParameterStore<T>& store = model_.params();
    store.zero_grad();
    Tape<T> tape;
    model_.set_dropout_key(dropout_key_);
    dropout_key_.reset();
    ModelOutput<T> out = model_.forward(tape, xa, xb, opt_.path);
    ModelLoss<T> l = model_.loss(tape, out, y, ya, yb);
    tape.backward(l.total);
    if (opt_.clip > 0) clip_grad_norm(store, opt_.clip);
    AdamOptions ao;
    ao.lr = opt_.lr;
    adam_step(store, state_.adam, ao);
    if (batch_pred)
      for (Index b = 0; b < out.pred.value().size(); ++b) batch_pred->push_back(static_cast<double>(out.pred.value()[b]));
    return l.total.value()[0];
  }

  // Train one epoch on `train`, then score `valid`; keeps the best epoch's parameters.
  EpochRecord epoch(const Split& train, const Split& valid, const BatchProgress& progress = nullptr) {
    using clock = std::chrono::steady_clock;
    if (opt_.batch_size < 1)
      throw std::invalid_argument("batch_size must be >= 1, got " + std::to_string(opt_.batch_size));
    const auto t0 = clock::now();
    EpochRecord r;
    r.epoch = state_.epochs_done + 1;
    const std::vector<Index> order = epoch_order(train.genes(), opt_.seed, r.epoch, opt_.shuffle);
    std::vector<double> pred, target;
    Tensor<T> xa, xb, y, ya, yb;
    double loss_sum = 0;
    Index batches = 0;
    ThreadCount threads(opt_.adapt_threads, governor_);
    for (Index start = 0; start < train.genes(); start += opt_.batch_size) {
      const Index B = std::min(opt_.batch_size, train.genes() - start);
      std::vector<Index> idx(order.begin() + start, order.begin() + start + B);
      gather_batch(train, idx, xa, xb, y, ya, yb);
      // Dropout masks (models that have dropout) are a pure function of (seed, epoch, batch),
      // like the gene order, so a resumed run draws the masks it would have drawn.
      dropout_key_ = epoch_order_seed(opt_.seed, r.epoch) ^ (0xD1B54A32D192ED03ull * static_cast<std::uint64_t>(batches + 1));
      const auto ts = clock::now();
      const double loss = static_cast<double>(step(xa, xb, y, ya, yb, &pred));
      threads.batch_done(std::chrono::duration<double>(clock::now() - ts).count(), B);
      if (!std::isfinite(loss))
        throw TrainingDiverged(r.epoch, batches + 1, (train.genes() + opt_.batch_size - 1) / opt_.batch_size, loss);
      loss_sum += loss;
      for (Index g : idx) target.push_back(model_.target(train, g));
      ++batches;
      if (progress) progress(start + B, train.genes());
    }
    r.train_loss = batches ? loss_sum / static_cast<double>(batches) : 0.0;
    r.train_pcc = pearson(pred, target);
    r.train_mse = mean_squared_error(pred, target);
    const auto t1 = clock::now();
    Predictions v = predict_split(model_, valid, opt_.batch_size, false);
    r.valid_pcc = pearson(v.pred, v.target);
    r.valid_mse = mean_squared_error(v.pred, v.target);
    r.train_seconds = std::chrono::duration<double>(t1 - t0).count();
    r.valid_seconds = std::chrono::duration<double>(clock::now() - t1).count();
    // Ties go to the later epoch, as in the public code (valid >= best).
    if (!std::isnan(r.valid_pcc) && r.valid_pcc >= state_.best_valid_pcc) {
      state_.best_valid_pcc = r.valid_pcc;
      state_.best_epoch = r.epoch;
      state_.best_params = model_.params().values();
    }
    // No epoch with a defined validation PCC yet (constant predictions): keep the latest.
    if (state_.best_epoch == 0) state_.best_params = model_.params().values();
    state_.epochs_done = r.epoch;
    state_.history.push_back(r);
    return r;
  }

 private:
  Model& model_;
  TrainOptions opt_;
  TrainState<T> state_;
  std::optional<std::uint64_t> dropout_key_;  // for the next step(); none for a direct step() call
  ThreadGovernor governor_;                    // kept across epochs: its pace and its choice
};

}  // namespace deepdiff
