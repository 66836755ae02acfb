// fit: the epoch loop of the published recipe, the one `deepdiff train` and the Python
// package (`Model.fit`) both run, so the two give the same numbers for the same seed.
//
//   Rng init(seed); model.params().init_uniform(init, -0.1, 0.1);   // the caller's part
//   Trainer<float> trainer(model, options);                          // (or one restored for --resume)
//   FitEnd end = fit(trainer, train, valid, hooks);
//
// Epochs run until the trainer has done TrainOptions::epochs of them (a resumed state counts
// the ones it holds). After each epoch hooks.on_epoch sees its record and may return false to
// stop there. When the loop ends - all epochs done, stopped, or a hook threw (e.g. a Python
// KeyboardInterrupt raised from on_batch between batches) - the model holds the best
// validation epoch's parameters; when no epoch has finished yet, the parameters it had when
// fit was called. So an interrupted fit leaves a usable model, never a half-updated one.
#pragma once

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "deepdiff/train/trainer.hpp"

namespace deepdiff {

struct FitHooks {
  // After every training batch: genes done and genes in all, of the current epoch. May throw
  // to abort the run between batches.
  BatchProgress on_batch;
  // After every epoch (validation done, best epoch updated): false stops the run after it.
  std::function<bool(const EpochRecord&)> on_epoch;
};

enum class FitEnd { completed, stopped };

// The options fit accepts, checked before anything runs (a batch size of 0 would never end).
inline void check_train_options(const TrainOptions& o) {
  if (o.epochs < 0) throw std::invalid_argument("epochs must be >= 0, got " + std::to_string(o.epochs));
  if (o.batch_size < 1) throw std::invalid_argument("batch_size must be >= 1, got " + std::to_string(o.batch_size));
  if (!(o.lr > 0) || !std::isfinite(o.lr)) throw std::invalid_argument("lr must be a finite number > 0");
  if (std::isnan(o.clip) || std::isinf(o.clip)) throw std::invalid_argument("clip must be finite (<= 0: no clipping)");
  if (o.path == EncoderPath::inference) throw std::invalid_argument("the inference path keeps no gradients: use fused or composed");
}

// The split must fit the model and carry targets.
template <class T>
void check_split_for(const DeepDiff<T>& model, const Split& s, const char* role) {
  const ModelConfig& c = model.config();
  const std::string who = std::string(role) + " split '" + s.name + "'";
  if (s.genes() < 1) throw std::invalid_argument(who + " has no genes");
  if (s.bins != c.bins || s.marks != c.marks)
    throw std::invalid_argument(who + " has " + std::to_string(s.bins) + " bins x " + std::to_string(s.marks) +
                                " marks, the model expects " + std::to_string(c.bins) + " x " + std::to_string(c.marks));
  if (!s.has_expression) throw std::invalid_argument(who + " has no expression values (training needs the targets)");
  const std::size_t n = static_cast<std::size_t>(s.genes() * s.bins * s.marks);
  if (s.xa.size() != n || s.xb.size() != n || s.ea.size() != s.gene_ids.size() || s.eb.size() != s.gene_ids.size())
    throw std::invalid_argument(who + " is inconsistent: its arrays do not match " + std::to_string(s.genes()) +
                                " genes x " + std::to_string(s.bins) + " bins x " + std::to_string(s.marks) + " marks");
}

template <class T>
FitEnd fit(Trainer<T>& trainer, const Split& train, const Split& valid, const FitHooks& hooks = {}) {
  DeepDiff<T>& model = trainer.model();
  check_train_options(trainer.options());
  check_split_for(model, train, "train");
  check_split_for(model, valid, "valid");
  TrainState<T>& st = trainer.state();
  const AlignedVector<T> start = model.params().values();
  auto keep_best = [&] { model.params().values() = st.best_params.empty() ? start : st.best_params; };
  FitEnd end = FitEnd::completed;
  try {
    while (st.epochs_done < trainer.options().epochs) {
      const EpochRecord r = trainer.epoch(train, valid, hooks.on_batch);
      if (hooks.on_epoch && !hooks.on_epoch(r)) {
        end = FitEnd::stopped;
        break;
      }
    }
  } catch (...) {
    keep_best();
    throw;
  }
  keep_best();
  return end;
}

}  // namespace deepdiff
