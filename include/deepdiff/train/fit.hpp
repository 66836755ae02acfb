// fit: a whole training run of the published recipe, the one `deepdiff train` and the Python
// package (`Model.fit`) both run, so the two give the same numbers for the same seed:
// resume from a state file, the epochs, the best validation epoch's parameters restored,
// and that epoch scored on a test split.
//
//   DeepDiff<float> model(cfg);
//   Rng init(seed); model.params().init_uniform(init, -0.1, 0.1);   // the caller's part
//   FitOptions opt;  opt.train.epochs = 20;  opt.state_file = "run/state.bin";  opt.resume = true;
//   FitResult<float> r = fit(model, FitData{train, valid, &test}, opt);
//   // r.state.history, r.state.best_epoch, r.test_pcc; the model holds the best epoch
//
// Epochs run until TrainOptions::epochs of them are done (a resumed state counts the ones it
// holds). After each epoch the state file (when named) is rewritten, then hooks.on_epoch sees
// the epoch's record and the state, and may return false to stop there. When the loop ends -
// all epochs done, stopped, or a hook threw (e.g. a Python KeyboardInterrupt raised from
// on_batch between batches) - the model holds the best validation epoch's parameters; when no
// epoch has finished yet, the parameters it had when fit was called. So an interrupted fit
// leaves a usable model, never a half-updated one. File names, printing and plots are the
// caller's (examples/common/run.hpp writes the `deepdiff train` outputs from the hooks).
#pragma once

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "deepdiff/io/number_format.hpp"
#include "deepdiff/model/model_io.hpp"
#include "deepdiff/train/state_io.hpp"
#include "deepdiff/train/trainer.hpp"

namespace deepdiff {

// The splits of one run. `test` (optional) is scored once, with the best epoch's parameters.
struct FitData {
  const Split& train;
  const Split& valid;
  const Split* test = nullptr;
};

struct FitOptions {
  TrainOptions train;
  // The training state (train/state_io.hpp), rewritten after every epoch; "" keeps none.
  std::string state_file;
  // Continue from state_file when something is there (a fresh start when nothing is).
  bool resume = false;
  // Keep the level-1 attention (alpha, [N, K1, T]) of the test predictions.
  bool test_alpha = false;
};

// What fit found before its first epoch (hooks.on_start).
struct FitStart {
  bool resumed = false;                // the state file was there and has been restored
  int epochs_done = 0;                 // epochs the restored state holds (0: a fresh start)
  std::vector<std::string> unchecked;  // recipe settings an older state file does not record
};

template <class T>
struct FitHooks {
  // Before the first epoch, after the resume.
  std::function<void(const FitStart&)> on_start;
  // After every training batch: genes done and genes in all, of the current epoch. May throw
  // to abort the run between batches.
  BatchProgress on_batch;
  // After every epoch (validation done, best epoch updated, state file written): false stops
  // the run after it.
  std::function<bool(const EpochRecord&, const TrainState<T>&)> on_epoch;
};

enum class FitEnd { completed, stopped };

template <class T>
struct FitResult {
  FitEnd end = FitEnd::completed;
  bool resumed = false;
  TrainState<T> state;                  // history, best epoch, its parameters, Adam's moments
  std::optional<Predictions> test;      // with FitData::test: the best epoch's predictions
  double test_pcc = std::numeric_limits<double>::quiet_NaN();
  double test_mse = std::numeric_limits<double>::quiet_NaN();
};

// A resume with a recipe other than the state file's: the new settings would be recorded for
// epochs trained with the old ones. `differences` holds one line per setting
// ("lr: 0.001 in the state file, 0.002 now"; recipe_differences).
struct RecipeMismatch : std::invalid_argument {
  RecipeMismatch(const std::string& path_, std::vector<std::string> differences_)
      : std::invalid_argument(message(path_, differences_)), path(path_), differences(std::move(differences_)) {}
  std::string path;
  std::vector<std::string> differences;

 private:
  static std::string message(const std::string& path, const std::vector<std::string>& d) {
    std::string m = path + " was trained with other settings:";
    for (const std::string& s : d) m += "\n  " + s;
    return m;
  }
};

// The options fit accepts, checked before anything runs (a batch size of 0 would never end).
inline void check_train_options(const TrainOptions& o) {
  if (o.epochs < 0) throw std::invalid_argument("epochs must be >= 0, got " + std::to_string(o.epochs));
  if (o.batch_size < 1) throw std::invalid_argument("batch_size must be >= 1, got " + std::to_string(o.batch_size));
  if (!(o.lr > 0) || !std::isfinite(o.lr)) throw std::invalid_argument("lr must be a finite number > 0");
  if (std::isnan(o.clip) || std::isinf(o.clip)) throw std::invalid_argument("clip must be finite (<= 0: no clipping)");
  if (o.path == EncoderPath::inference) throw std::invalid_argument("the inference path keeps no gradients: use fused or composed");
}

// The split must fit the model and carry targets.
template <class Model>
void check_split_for(const Model& model, const Split& s, const char* role) {
  const auto& c = model.config();
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

// The splits' targets must be scaled as the recipe says (TrainOptions::expression_scale), and
// valid and test with train's divisors: a model selected on targets of another scale than it
// was trained on would be selected on a shifted y. load_split of one data root and one scale
// gives every split the same divisors; this catches splits loaded otherwise.
inline void check_split_scaling(const FitData& data, const TrainOptions& opt) {
  const auto text = [](const ExpressionScaling& s) {
    std::string t = expression_scale_name(s.scale);
    if (s.scale != ExpressionScale::none) t += " (divisors " + format_number(s.divisor_a) + ", " + format_number(s.divisor_b) + ")";
    return t;
  };
  const ExpressionScaling& t = data.train.scaling;
  if (data.train.has_expression && t.scale != opt.expression_scale)
    throw std::invalid_argument("train split '" + data.train.name + "' has targets of expression scale " + text(t) +
                                ", the recipe's expression_scale is " + expression_scale_name(opt.expression_scale) +
                                ": load the splits with the recipe's scale");
  const std::pair<const Split*, const char*> others[] = {{&data.valid, "valid"}, {data.test, "test"}};
  for (const auto& o : others)
    if (o.first && o.first->has_expression && data.train.has_expression && o.first->scaling != t)
      throw std::invalid_argument(std::string(o.second) + " split '" + o.first->name + "' has targets of expression scale " +
                                  text(o.first->scaling) + ", the train split of " + text(t) +
                                  ": load every split of a pair from the same expression tables with the same scale");
}

// A split whose differential target log2((eB+1)/(eA+1)) is the same for every gene - two
// identical expression tables give 0 everywhere - cannot train or pick a model: a constant
// training target leaves nothing to learn (the loss is 0 from the first batch), and the
// Pearson correlation that picks the best epoch is undefined (nan) on a constant validation
// target, so no epoch would ever be "best" and the run would end with the untrained
// parameters, exit 0. Refused before any work (fit checks train and valid).
namespace fit_detail {
inline constexpr const char* kIdenticalTablesHint = "are the two cells' expression values identical?";

template <class Value>
void check_varies(const Split& s, const char* role, const std::string& what, const char* hint, Value value) {
  if (!s.has_expression || s.genes() < 1) return;  // check_split_for says what is missing
  const double y0 = value(Index{0});
  for (Index g = 1; g < s.genes(); ++g)
    if (value(g) != y0) return;
  const std::string why = std::string(role) == "train"
                              ? "nothing to learn"
                              : "the Pearson correlation that picks the best epoch is undefined";
  throw std::invalid_argument(std::string(role) + " split '" + s.name + "': " + what + " is " + format_number(y0) +
                              (s.genes() == 1 ? " for its only gene" : " for all " + std::to_string(s.genes()) + " genes") +
                              ": " + why + " (" + hint + ")");
}
}  // namespace fit_detail

// The differential target y: what every model of the study is scored against.
inline void check_target_varies(const Split& s, const char* role) {
  fit_detail::check_varies(s, role, kDifferentialTargetName, fit_detail::kIdenticalTablesHint, [&](Index g) { return s.y(g); });
}

// What the model itself learns and is selected by (target()): y for DeepDiff and DeepChrome,
// one cell's log2(e + 1) for an AttentiveChrome cell model, which y says nothing about.
template <class Model>
void check_target_varies(const Model& model, const Split& s, const char* role) {
  const std::string name = model.target_name();
  fit_detail::check_varies(s, role, name,
                           name == kDifferentialTargetName ? fit_detail::kIdenticalTablesHint : "is that cell's expression the same for every gene?",
                           [&](Index g) { return model.target(s, g); });
}

// Any model class of the library's interface (train/trainer.hpp): DeepDiff<T>, or a neural
// baseline (DeepChrome<T>, one cell's AttentiveChrome<T>), trained with the same recipe.
template <class T, template <class> class Net>
FitResult<T> fit(Net<T>& model, const FitData& data, const FitOptions& opt, const FitHooks<T>& hooks = {}) {
  check_train_options(opt.train);
  check_split_for(model, data.train, "train");
  check_split_for(model, data.valid, "valid");
  if (data.test) check_split_for(model, *data.test, "test");
  check_target_varies(model, data.train, "train");
  check_target_varies(model, data.valid, "valid");
  check_split_scaling(data, opt.train);
  Trainer<T, Net<T>> trainer(model, opt.train);
  TrainState<T>& st = trainer.state();
  FitResult<T> res;
  FitStart start;
  const AlignedVector<T> initial = model.params().values();
  // Anything at the path is resumed from (std::filesystem::exists, not file_exists): a folder
  // or a device there is reported by read_checkpoint now, not after an epoch's work.
  std::error_code ec;
  if (opt.resume && !opt.state_file.empty() && std::filesystem::exists(opt.state_file, ec)) {
    try {
      const Checkpoint ck = read_checkpoint(opt.state_file);
      restore_training(model, st, ck, opt.state_file);  // refuses inconsistent counters
      std::vector<std::string> diff = recipe_differences(ck, opt.train, model_precision(model), &start.unchecked);
      if (!diff.empty()) throw RecipeMismatch(opt.state_file, std::move(diff));
    } catch (...) {
      model.params().values() = initial;  // a refused resume leaves the model as it was
      throw;
    }
    start.resumed = res.resumed = true;
    start.epochs_done = st.epochs_done;
  }
  if (hooks.on_start) hooks.on_start(start);

  auto keep_best = [&] { model.params().values() = st.best_params.empty() ? initial : st.best_params; };
  try {
    while (st.epochs_done < opt.train.epochs) {
      const EpochRecord r = trainer.epoch(data.train, data.valid, hooks.on_batch);
      if (!opt.state_file.empty()) write_checkpoint(opt.state_file, training_checkpoint(model, st, opt.train));
      if (hooks.on_epoch && !hooks.on_epoch(r, st)) {
        res.end = FitEnd::stopped;
        break;
      }
    }
  } catch (...) {
    keep_best();
    throw;
  }
  keep_best();
  if (data.test) {
    res.test = predict_split(model, *data.test, opt.train.batch_size, opt.test_alpha);
    res.test_pcc = pearson(res.test->pred, res.test->target);
    res.test_mse = mean_squared_error(res.test->pred, res.test->target);
  }
  res.state = std::move(st);
  return res;
}

}  // namespace deepdiff
