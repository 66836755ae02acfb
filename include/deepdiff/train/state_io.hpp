// The training state in a checkpoint (state.bin, for --resume): writing it, restoring it with
// every counter checked, and the recipe it was trained with. In train/ because it stores
// TrainState (train/trainer.hpp); the model's own checkpoint is model/model_io.hpp.
#pragma once

#include <cmath>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "deepdiff/model/model_io.hpp"
#include "deepdiff/tensor/bfloat16.hpp"
#include "deepdiff/train/trainer.hpp"

namespace deepdiff {

// The state file's entry for the precision of the LSTM products a run trained in, written only
// for bf16: a file without it trained in fp32 (every file written before the option).
inline constexpr const char* kPrecisionKey = "precision";

// The precision a model computes its LSTM products in: its precision() where it has one
// (DeepDiff, AttentiveChrome), else fp32 (DeepChrome: a CNN). The model, not TrainOptions, holds
// it, so that fit trains in whatever precision the caller set.
template <class Net, class = void>
struct HasPrecision : std::false_type {};
template <class Net>
struct HasPrecision<Net, std::void_t<decltype(std::declval<const Net&>().precision())>> : std::true_type {};

template <class Net>
Precision model_precision(const Net& model) {
  if constexpr (HasPrecision<Net>::value) return model.precision();
  else return Precision::fp32;
}

// Training state for --resume: the current parameters, Adam's moments and step, the best
// epoch's parameters and the per-epoch history.
template <class T, template <class> class Net>
Checkpoint training_checkpoint(const Net<T>& model, const TrainState<T>& st, const TrainOptions& opt) {
  Checkpoint ck = model_checkpoint(model);
  ck.scalar_bytes = 8;  // float parameters convert exactly; the history keeps full precision
  ck.meta["epochs_done"] = std::to_string(st.epochs_done);
  ck.meta["best_epoch"] = std::to_string(st.best_epoch);
  ck.meta["adam_step"] = std::to_string(st.adam.step);
  // The recipe, so that a resume with other settings is refused (recipe_differences).
  ck.meta["seed"] = std::to_string(opt.seed);
  ck.meta["batch_size"] = std::to_string(opt.batch_size);
  ck.meta["lr"] = model_io_detail::exact_number(opt.lr);
  ck.meta["clip"] = model_io_detail::exact_number(opt.clip);
  // Only a scale other than none: a file without the entry was trained with none (every state
  // file written before the option), so the paper's recipe writes the same file as before.
  if (opt.expression_scale != ExpressionScale::none) ck.meta[kExpressionScaleKey] = expression_scale_name(opt.expression_scale);
  // The same for the precision: a resume in another one would mix both in one run's epochs.
  if (model_precision(model) != Precision::fp32) ck.meta[kPrecisionKey] = precision_name(model_precision(model));
  auto flat = [](const std::string& name, const AlignedVector<T>& v) {
    NamedArray a{name, Shape{static_cast<Index>(v.size())}, std::vector<double>(v.begin(), v.end())};
    return a;
  };
  ck.tensors.push_back(flat("__adam.m", st.adam.m));
  ck.tensors.push_back(flat("__adam.v", st.adam.v));
  ck.tensors.push_back(flat("__best_params", st.best_params));
  NamedArray h{"__history", Shape{static_cast<Index>(st.history.size()), 8}, {}};
  for (const EpochRecord& r : st.history)
    for (double x : {static_cast<double>(r.epoch), r.train_loss, r.train_pcc, r.train_mse, r.valid_pcc, r.valid_mse,
                     r.train_seconds, r.valid_seconds})
      h.values.push_back(x);
  ck.tensors.push_back(std::move(h));
  return ck;
}

template <class T, template <class> class Net>
void restore_training(Net<T>& model, TrainState<T>& st, const Checkpoint& ck, const std::string& path) {
  load_parameters(model, ck, path);
  auto need = [&](const char* name) -> const NamedArray& {
    const NamedArray* a = ck.find(name);
    if (!a) throw CheckpointError(path, std::string("not a training checkpoint (no ") + name + "); resume needs the state file");
    return *a;
  };
  auto to_vec = [&](const NamedArray& a) {
    if (static_cast<Index>(a.values.size()) != model.params().numel())
      throw CheckpointError(path, a.name + " has " + std::to_string(a.values.size()) + " values, expected " +
                            std::to_string(model.params().numel()));
    return AlignedVector<T>(a.values.begin(), a.values.end());
  };
  auto finite = [&](const NamedArray& a, bool non_negative) {
    for (std::size_t i = 0; i < a.values.size(); ++i)
      if (!std::isfinite(a.values[i]) || (non_negative && a.values[i] < 0))
        throw CheckpointError(path, "training state '" + a.name + "' has " +
                                        (std::isfinite(a.values[i]) ? "a negative" : "a non-finite") + " value (" +
                                        std::to_string(a.values[i]) + ") at index " + std::to_string(i));
    return to_vec(a);
  };
  st.adam.m = finite(need("__adam.m"), false);
  st.adam.v = finite(need("__adam.v"), true);  // a running mean of squares
  st.best_params = finite(need("__best_params"), false);
  // The counters must agree with each other and with the history: a state that claims more
  // epochs than it recorded, or a negative Adam step, would train wrongly or "finish" at once.
  const long long epochs_done = checkpoint_meta_integer(ck, "epochs_done", 0, 100000000, path);
  const NamedArray& h = need("__history");
  if (h.shape.size() != 2 || h.shape[1] != 8 || h.shape[0] != epochs_done)
    throw CheckpointError(path, "training counters disagree: epochs_done=" + std::to_string(epochs_done) +
                                    " but __history has shape " + shape_string(h.shape) + " (expected [" +
                                    std::to_string(epochs_done) + ", 8])");
  const long long best_epoch = checkpoint_meta_integer(ck, "best_epoch", 0, epochs_done, path);
  const long long adam_step = checkpoint_meta_integer(ck, "adam_step", 0, std::numeric_limits<long long>::max(), path);
  // Every epoch takes at least one optimizer step, and none is taken before the first epoch.
  if (adam_step < epochs_done || (epochs_done == 0 && adam_step != 0))
    throw CheckpointError(path, "training counters disagree: adam_step=" + std::to_string(adam_step) +
                                    " with epochs_done=" + std::to_string(epochs_done));
  st.adam.step = adam_step;
  st.epochs_done = static_cast<int>(epochs_done);
  st.best_epoch = static_cast<int>(best_epoch);
  st.history.clear();
  for (std::size_t i = 0; i + 8 <= h.values.size(); i += 8) {
    EpochRecord r;
    if (h.values[i] != static_cast<double>(i / 8 + 1))
      throw CheckpointError(path, "__history row " + std::to_string(i / 8 + 1) + " is of epoch " +
                                      std::to_string(h.values[i]) + ", expected " + std::to_string(i / 8 + 1));
    r.epoch = static_cast<int>(h.values[i]);
    r.train_loss = h.values[i + 1];
    r.train_pcc = h.values[i + 2];
    r.train_mse = h.values[i + 3];
    r.valid_pcc = h.values[i + 4];
    r.valid_mse = h.values[i + 5];
    r.train_seconds = h.values[i + 6];
    r.valid_seconds = h.values[i + 7];
    st.history.push_back(r);
  }
  st.best_valid_pcc = -std::numeric_limits<double>::infinity();
  for (const EpochRecord& r : st.history)
    if (r.epoch == st.best_epoch) st.best_valid_pcc = r.valid_pcc;
}

// The recipe settings stored in a training checkpoint that differ from `opt` and the model's
// `precision` (model_precision), one line each
// ("lr: 0.001 in state.bin, 0.002 now"), and a line when the checkpoint already has more
// epochs than opt.epochs. Resuming with another recipe would record the new settings for
// epochs trained with the old ones. Settings the file does not store (written before lr and
// clip were recorded) go to `unchecked` when given.
inline std::vector<std::string> recipe_differences(const Checkpoint& ck, const TrainOptions& opt,
                                                   Precision precision,
                                                   std::vector<std::string>* unchecked = nullptr) {
  std::vector<std::string> diff;
  const std::string file = "in the state file";
  auto compare = [&](const std::string& key, const std::string& now, bool numeric) {
    const auto it = ck.meta.find(key);
    if (it == ck.meta.end()) {
      if (unchecked) unchecked->push_back(key);
      return;
    }
    bool same = it->second == now;
    if (!same && numeric) {
      try {
        same = std::stod(it->second) == std::stod(now);
      } catch (const std::exception&) {
      }
    }
    if (!same) diff.push_back(key + ": " + it->second + " " + file + ", " + now + " now");
  };
  compare("seed", std::to_string(opt.seed), false);
  compare("batch_size", std::to_string(opt.batch_size), false);
  compare("lr", model_io_detail::exact_number(opt.lr), true);
  compare("clip", model_io_detail::exact_number(opt.clip), true);
  {
    // Absent means none (not "unchecked"): the files written before the option were all none.
    const auto it = ck.meta.find(kExpressionScaleKey);
    const std::string was = it == ck.meta.end() ? "none" : it->second, now = expression_scale_name(opt.expression_scale);
    if (was != now) diff.push_back(std::string(kExpressionScaleKey) + ": " + was + " " + file + ", " + now + " now");
  }
  {
    // Absent means fp32, as above.
    const auto it = ck.meta.find(kPrecisionKey);
    const std::string was = it == ck.meta.end() ? "fp32" : it->second, now = precision_name(precision);
    if (was != now) diff.push_back(std::string(kPrecisionKey) + ": " + was + " " + file + ", " + now + " now");
  }
  const auto e = ck.meta.find("epochs_done");
  if (e != ck.meta.end()) {
    long long done = 0;
    try {
      done = std::stoll(e->second);
    } catch (const std::exception&) {
    }
    if (done > opt.epochs)
      diff.push_back("epochs: " + e->second + " already done " + file + ", more than the " +
                     std::to_string(opt.epochs) + " asked for");
  }
  return diff;
}

}  // namespace deepdiff
