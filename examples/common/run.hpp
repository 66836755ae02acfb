// One training run of the published recipe and everything it leaves in --save-root:
// checkpoint.bin (best epoch), state.bin (resume), metrics.json, predictions.csv,
// attention_beta.csv, attention_alpha.csv and SVG plots. Shared by `deepdiff train` and
// `deepdiff-pairs`.
#pragma once

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/read_file.hpp>
#include <deepdiff/model/model_io.hpp>
#include <deepdiff/train/any_model.hpp>
#include <deepdiff/train/fit.hpp>
#include <deepdiff/train/prediction_files.hpp>

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

#include "cli.hpp"
#include "flags.hpp"
#include "metrics.hpp"
#include "plots.hpp"
#include "run_lock.hpp"

namespace deepdiff_cli {

using namespace deepdiff;

struct RunOptions {
  std::string data_root;
  std::string cell1 = "Cell1", cell2 = "Cell2";
  std::string model_name = "raw_d";
  std::string save_root;
  TrainOptions train;
  Index hidden1 = 32;
  int threads = 0;  // 0: OpenMP's default
  bool resume = false;
  bool force = false;  // train afresh over an earlier run in save_root (without it, refused)
  bool plots = true;
  bool alpha_csv = true;
  bool quiet = false;
  bool lock = true;  // take SAVE_ROOT/train.lock (false: the caller holds it, as deepdiff-pairs does)
};

struct RunResult {
  int best_epoch = 0;
  double best_valid_pcc = 0, test_pcc = 0, test_mse = 0;
  double train_seconds = 0, total_seconds = 0;
  int epochs = 0;
};

inline std::string format_duration(double s) {
  if (!(s >= 0)) return "?";
  char buf[64];
  const long long t = static_cast<long long>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

// The prediction and attention files of one split (train/prediction_files.hpp), then its
// plots (used by train, eval and attention). A model without attention (beta_names empty:
// ridge, xgboost, deepchrome) gets the predictions and the scatter plot only.
inline std::vector<std::string> write_split_outputs(const std::string& dir, const std::string& tag, const Split& s,
                                                    const AnyModel& model, const Predictions& p, bool alpha, bool plots) {
  const std::vector<std::string> beta_names = any_beta_names(model), alpha_names = any_alpha_names(model);
  std::vector<std::string> files = write_prediction_files(dir, tag, s, beta_names, alpha_names, p, alpha);
  if (plots) {
    auto put = [&](const std::string& name, const std::string& text) {
      write_file_atomic((std::filesystem::path(dir) / name).string(), text);
      files.push_back(name);
    };
    const std::string sfx = tag.empty() ? "" : "_" + tag;
    if (!p.target.empty()) put("scatter" + sfx + ".svg", scatter_svg(p, s.name));
    if (!beta_names.empty()) put("attention_beta" + sfx + ".svg", beta_svg(beta_names, p));
    if (!p.alpha.empty() && !alpha_names.empty()) put("attention_alpha" + sfx + ".svg", alpha_svg(alpha_names, p));
  }
  return files;
}

// The sizes metrics.json records of a model.
struct ModelSizes {
  long long bins = 0, marks = 0, hidden1 = 0, hidden2 = 0;
};

// `details`: what the model's kind adds (the baselines' choices: lambda, best round, the two
// cells' own epochs), written as "model_details".
inline std::string metrics_json(const RunOptions& o, const ModelSizes& cfg, const Split& train, const Split& valid,
                                const Split* test, const TrainState<float>& st, const Predictions* tp, bool complete,
                                double total_seconds, int threads, const Json& details = Json(),
                                double fit_seconds = -1) {
  RunMetrics m;
  m.complete = complete;
  RunSettings& s = m.settings;
  s.data_root = o.data_root;
  s.cell1 = o.cell1;
  s.cell2 = o.cell2;
  s.model_name = o.model_name;
  s.train = o.train;
  s.threads = threads;
  s.bins = cfg.bins;
  s.marks = cfg.marks;
  s.hidden1 = cfg.hidden1;
  s.hidden2 = cfg.hidden2;
  s.train_genes = train.genes();
  s.valid_genes = valid.genes();
  if (test) s.test_genes = test->genes();
  m.best_epoch = st.best_epoch;
  m.best_valid_pcc = st.best_valid_pcc;
  m.epochs = st.history;
  if (tp) {
    TestScores t;
    t.pcc = pearson(tp->pred, tp->target);
    t.mse = mean_squared_error(tp->pred, tp->target);
    if (!tp->pred_a.empty()) {
      t.pcc_a = pearson(tp->pred_a, tp->target_a);
      t.pcc_b = pearson(tp->pred_b, tp->target_b);
    }
    t.genes = static_cast<long long>(tp->pred.size());
    m.test = t;
  }
  double train_s = 0;
  for (const EpochRecord& r : st.history) train_s += r.train_seconds + r.valid_seconds;
  // A model not trained in epochs (ridge, xgboost), or two of them (attentivechrome_diff):
  // the caller's fit time.
  if (fit_seconds >= 0) train_s = fit_seconds;
  m.timings.epoch_seconds_total = train_s;
  m.timings.mean_epoch_seconds = st.history.empty() ? 0.0 : train_s / static_cast<double>(st.history.size());
  m.timings.run_seconds = total_seconds;
  if (!details.is_null()) m.details = details;
  return json_text(m);
}

// The files of a run in its save-root: those whose presence means an earlier run is there
// (run_files), then the other outputs, which --force removes with them.
inline const std::vector<std::string>& run_files() {
  static const std::vector<std::string> v = {"metrics.json", "checkpoint.bin", "state.bin", "state_a.bin", "state_b.bin"};
  return v;
}
inline const std::vector<std::string>& run_outputs() {
  static const std::vector<std::string> v = {"predictions.csv",    "attention_beta.csv", "attention_alpha.csv",
                                             "training_curves.svg", "scatter.svg",        "attention_beta.svg",
                                             "attention_alpha.svg"};
  return v;
}

// The run files already in `save_root` (empty: a new or empty folder, or none at all).
inline std::vector<std::string> earlier_run_files(const std::string& save_root) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const std::string& f : run_files())
    if (std::filesystem::exists(std::filesystem::path(save_root) / f, ec)) found.push_back(f);
  return found;
}

// A save-root that holds an earlier run is trained into only with --resume (continue it) or
// --force (replace it): before, a plain `train` overwrote a finished run's metrics.json with
// its own first epoch, silently.
inline void check_save_root_free(const RunOptions& o) {
  if (o.resume || o.force) return;
  const std::vector<std::string> found = earlier_run_files(o.save_root);
  if (found.empty()) return;
  std::string names;
  for (const std::string& f : found) names += (names.empty() ? "" : ", ") + f;
  throw UsageError("--save-root " + o.save_root + " already holds a run (" + names +
                   "): --resume continues it, --force trains afresh and replaces it, or choose another --save-root");
}

// What one fit (a model of the recipe) ends with, for the run's outputs.
struct NeuralFit {
  FitResult<float> result;
  double seconds = 0;  // training + validation time of its epochs
};

// One model trained with the published recipe (deepdiff::fit: resume from `state_file`,
// epochs, best epoch restored), printing an epoch line to `log` (prefixed by `label` when a
// run trains more than one model) and calling on_epoch(state) after each epoch, where the
// caller writes what it keeps (checkpoint, metrics). The model holds the best epoch at the end.
template <class Net>
NeuralFit fit_with_progress(Net& model, const RunOptions& o, const Split& train, const Split& valid, const Split* test,
                            const std::string& state_file, const std::string& label, int threads, std::ostream& log,
                            const std::function<void(const TrainState<float>&)>& on_epoch) {
  using clock = std::chrono::steady_clock;
  FitOptions fo;
  fo.train = o.train;
  fo.state_file = state_file;
  fo.resume = o.resume;
  fo.test_alpha = o.alpha_csv || o.plots;
  const bool tty = ::isatty(2) != 0;
  const std::string who = label.empty() ? "" : label + " ";
  double epoch_time_sum = 0;
  int epochs_timed = 0, epoch = 1;  // the epoch running now
  auto e0 = clock::now();           // its start
  FitHooks<float> hooks;
  hooks.on_start = [&](const FitStart& s) {
    epoch = s.epochs_done + 1;
    if (!o.quiet) {
      if (s.resumed && !s.unchecked.empty()) {
        log << "note: " << fo.state_file << " was written by an older version and does not record";
        for (const std::string& u : s.unchecked) log << " " << u;
        log << ": not checked against this run's settings\n";
      }
      if (s.resumed) log << "resumed from " << fo.state_file << " after epoch " << s.epochs_done << "\n";
      else if (o.resume) log << "no " << fo.state_file << " to resume from: starting afresh\n";
      log << "model " << o.model_name << (label.empty() ? "" : " (" + label + ")") << ": " << model.params().numel()
          << " parameters; " << o.train.epochs << " epochs, batch " << o.train.batch_size << ", lr " << o.train.lr << ", "
          << threads << " thread(s)\n";
    }
    e0 = clock::now();
  };
  if (tty && !o.quiet) {
    hooks.on_batch = [&](Index done, Index total) {
      const double el = std::chrono::duration<double>(clock::now() - e0).count();
      if (el < 2.0) return;
      std::fprintf(stderr, "\r  %sepoch %d: %lld/%lld genes, epoch ETA %s   ", who.c_str(), epoch,
                   static_cast<long long>(done), static_cast<long long>(total),
                   format_duration(el / static_cast<double>(done) * static_cast<double>(total - done)).c_str());
    };
  }
  hooks.on_epoch = [&](const EpochRecord& r, const TrainState<float>& st) {
    if (hooks.on_batch) std::fprintf(stderr, "\r%70s\r", "");
    epoch_time_sum += r.train_seconds + r.valid_seconds;
    ++epochs_timed;
    const double eta = epoch_time_sum / epochs_timed * (o.train.epochs - r.epoch);
    if (!o.quiet) {
      char line[360];
      std::snprintf(line, sizeof line,
                    "%sepoch %3d/%d  loss %.4f  train PCC %.4f  valid PCC %.4f  MSE %.4f  best %.4f (epoch %d)  %s  ETA %s",
                    who.c_str(), r.epoch, o.train.epochs, r.train_loss, r.train_pcc, r.valid_pcc, r.valid_mse,
                    st.best_valid_pcc, st.best_epoch, format_duration(r.train_seconds + r.valid_seconds).c_str(),
                    format_duration(eta).c_str());
      log << line << std::endl;
    }
    if (on_epoch) on_epoch(st);
    epoch = r.epoch + 1;
    e0 = clock::now();
    return true;
  };
  NeuralFit nf;
  try {
    nf.result = fit(model, FitData{train, valid, test}, fo, hooks);  // ends with the best epoch's parameters
  } catch (const RecipeMismatch& e) {
    // A resume continues the same recipe: other settings would be recorded in metrics.json
    // for epochs that were trained with the old ones.
    std::string msg = "--resume: " + e.path + " was trained with other settings:";
    for (std::string d : e.differences) {
      if (d.rfind("batch_size", 0) == 0) d.replace(0, 10, "batch-size");
      msg += "\n  --" + d;
    }
    throw UsageError(msg + "\nresume with the same settings, or train afresh in another --save-root");
  }
  for (const EpochRecord& r : nf.result.state.history) nf.seconds += r.train_seconds + r.valid_seconds;
  return nf;
}

// The whole recipe with the files of `deepdiff train`: load, lock the save-root, train (the
// model's kind decides how: the recipe's epochs for the DeepDiff variants and the neural
// baselines, a closed form or boosting rounds for ridge and xgboost), write every output.
// Progress goes to `log`.
inline RunResult run_training(const RunOptions& o, std::ostream& log) {
  namespace fs = std::filesystem;
  using clock = std::chrono::steady_clock;
  const auto t_start = clock::now();
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const int threads = omp_get_max_threads();
  try {
    check_model_name(o.model_name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (o.model_name == "xgboost" && !xgboost_available()) throw std::runtime_error(xgboost_missing_reason());
  check_save_root_free(o);

  Split train = load_split(o.data_root, o.cell1, o.cell2, "train");
  Split valid = load_split(o.data_root, o.cell1, o.cell2, "valid");
  Split test = load_split(o.data_root, o.cell1, o.cell2, "test");
  if (train.bins != valid.bins || train.bins != test.bins || train.marks != valid.marks || train.marks != test.marks)
    throw std::runtime_error("train, valid and test files have different bins or marks (" + describe(train) + "; " +
                             describe(valid) + "; " + describe(test) + ")");
  if (!o.quiet) log << "data: " << describe(train) << "; " << describe(valid) << "; " << describe(test) << "\n";
  // fit refuses a constant target too; checked here first so that nothing is created in the
  // save-root, and named with the tables it comes from.
  try {
    check_target_varies(train, "train");
    check_target_varies(valid, "valid");
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string(e.what()) + "; the expression tables: " + expression_path(o.data_root, o.cell1) +
                             ", " + expression_path(o.data_root, o.cell2));
  }

  // The model, built (and its size checked) before the save-root is created or locked.
  AnyModel model;
  model.name = o.model_name;
  ModelSizes sizes{train.bins, train.marks, 0, 0};
  if (is_variant_name(o.model_name)) {
    ModelConfig cfg;
    cfg.variant = parse_variant(o.model_name);
    cfg.bins = train.bins;
    cfg.marks = train.marks;
    cfg.hidden1 = o.hidden1;
    // Refuse a model this machine cannot hold before allocating it or creating the save-root.
    check_training_memory(cfg, o.train.batch_size);
    model.deepdiff = std::make_unique<DeepDiff<float>>(cfg);
    sizes.hidden1 = cfg.hidden1;
    sizes.hidden2 = cfg.hidden2();
  } else if (o.model_name == "deepchrome") {
    DeepChromeConfig cfg;
    cfg.bins = train.bins;
    cfg.marks = train.marks;
    try {
      model.deepchrome = std::make_unique<DeepChrome<float>>(cfg);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("deepchrome cannot read this data (") + describe(train) + "): " + e.what());
    }
  } else if (o.model_name == "attentivechrome_diff") {
    for (bool b : {false, true}) {
      AttentiveChromeConfig cfg;
      cfg.bins = train.bins;
      cfg.marks = train.marks;
      cfg.hidden1 = o.hidden1;
      cfg.cell = b ? AttentiveChromeCell::b : AttentiveChromeCell::a;
      (b ? model.cell_b : model.cell_a) = std::make_unique<AttentiveChrome<float>>(cfg);
    }
    sizes.hidden1 = o.hidden1;
    sizes.hidden2 = o.hidden1 / 2;
  }

  make_directories(o.save_root);
  std::unique_ptr<RunLock> lock;
  if (o.lock) {
    lock = std::make_unique<RunLock>(o.save_root);
    if (!lock->acquire(false))
      throw std::runtime_error("another process is training in " + o.save_root + " (" + lock->holder() + "; lock " +
                               lock->path() + "); wait for it to finish, or use another --save-root");
  }
  if (o.force && !o.resume) {
    // Under the lock, so no other process's run is removed. Every file of the earlier run
    // goes, so an interrupted new run cannot be --resume'd from the old state.bin, nor leave
    // the old predictions beside its metrics.
    std::vector<std::string> removed;
    for (const auto* list : {&run_files(), &run_outputs()})
      for (const std::string& f : *list) {
        std::error_code ec;
        if (fs::remove(fs::path(o.save_root) / f, ec)) removed.push_back(f);
        else if (ec)
          throw std::runtime_error("--force: cannot remove " + (fs::path(o.save_root) / f).string() + ": " + ec.message());
      }
    if (!removed.empty() && !o.quiet) {
      log << "--force: removed the earlier run's";
      for (const std::string& f : removed) log << " " << f;
      log << " from " << o.save_root << "\n";
    }
  }

  const fs::path root(o.save_root);
  const std::string ckpt_path = (root / "checkpoint.bin").string(), metrics_path = (root / "metrics.json").string();
  const auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t_start).count(); };
  TrainState<float> st;  // the run's epochs (attentivechrome_diff: cell A's; ridge, xgboost: none)
  Json details;
  double train_seconds = 0;
  // Per epoch of a single neural model: the best model so far and the metrics so far.
  auto keep_epoch = [&](const auto& net) {
    return [&, ptr = &net](const TrainState<float>& s) {
      if (s.best_epoch == s.epochs_done || !file_exists(ckpt_path))
        write_checkpoint(ckpt_path, model_checkpoint(*ptr, &s.best_params));
      write_file_atomic(metrics_path, metrics_json(o, sizes, train, valid, &test, s, nullptr, false, elapsed(), threads));
    };
  };
  auto init = [&](ParameterStore<float>& store, std::uint64_t seed) {
    Rng rng(seed);
    store.init_uniform(rng, -0.1, 0.1);
  };
  if (model.deepdiff || model.deepchrome) {
    NeuralFit nf;
    if (model.deepdiff) {
      init(model.deepdiff->params(), o.train.seed);
      nf = fit_with_progress(*model.deepdiff, o, train, valid, nullptr, (root / "state.bin").string(), "", threads, log,
                             keep_epoch(*model.deepdiff));
    } else {
      init(model.deepchrome->params(), o.train.seed);
      nf = fit_with_progress(*model.deepchrome, o, train, valid, nullptr, (root / "state.bin").string(), "", threads, log,
                             keep_epoch(*model.deepchrome));
    }
    st = std::move(nf.result.state);
    train_seconds = nf.seconds;
  } else if (model.cell_a) {
    // Two AttentiveChrome models, each trained alone on its own cell's log2(e + 1) with the
    // recipe and the run's seed, each selected by its own validation PCC (spec).
    Json cells;
    for (bool b : {false, true}) {
      AttentiveChrome<float>& net = b ? *model.cell_b : *model.cell_a;
      init(net.params(), o.train.seed);
      const std::string tag = b ? "cell_b" : "cell_a";
      NeuralFit nf = fit_with_progress(net, o, train, valid, nullptr, (root / (b ? "state_b.bin" : "state_a.bin")).string(),
                                       b ? "cell B" : "cell A", threads, log, [&](const TrainState<float>& s) {
                                         write_file_atomic(metrics_path, metrics_json(o, sizes, train, valid, &test, b ? st : s,
                                                                                      nullptr, false, elapsed(), threads));
                                       });
      Json epochs = Json::array();
      for (const EpochRecord& r : nf.result.state.history) epochs.push_back(epoch_json(r));
      cells[tag] = Json{{"target", b ? "log2(eB + 1)" : "log2(eA + 1)"},
                        {"best_epoch", nf.result.state.best_epoch},
                        {"best_valid_pcc", nf.result.state.best_valid_pcc},
                        {"epochs", epochs}};
      train_seconds += nf.seconds;
      if (!b) st = std::move(nf.result.state);
    }
    details = cells;
    // The run's own validation PCC is of y = f_B - f_A; its epochs are cell A's.
    const Predictions vp = predict_any(model, valid, o.train.batch_size, false);
    st.best_valid_pcc = pearson(vp.pred, vp.target);
  } else if (o.model_name == "ridge") {
    if (!o.quiet) log << "model ridge: summary features (10 windows per mark and cell), lambda chosen on validation\n";
    const auto f0 = clock::now();
    model.ridge = fit_ridge(train, valid);
    train_seconds = std::chrono::duration<double>(clock::now() - f0).count();
    Json lambdas = Json::array(), pccs = Json::array();
    for (std::size_t i = 0; i < model.ridge->lambdas.size(); ++i) {
      lambdas.push_back(model.ridge->lambdas[i]);
      pccs.push_back(model.ridge->valid_pcc[i]);
    }
    details = Json{{"lambda", model.ridge->lambda}, {"lambdas", lambdas}, {"valid_pccs", pccs}};
    if (!o.quiet) log << "lambda " << model.ridge->lambda << " (best validation PCC of " << lambdas.size() << ")\n";
  } else if (o.model_name == "xgboost") {
#ifdef DEEPDIFF_HAVE_XGBOOST
    XGBoostOptions xo;
    xo.seed = o.train.seed;
    xo.threads = o.threads;
    const auto f0 = clock::now();
    auto last = f0;
    if (!o.quiet)
      xo.progress = [&](int round, double rmse) {
        if (std::chrono::duration<double>(clock::now() - last).count() < 5.0) return;
        last = clock::now();
        log << "xgboost round " << round << ": valid RMSE " << rmse << std::endl;
      };
    model.xgboost = fit_xgboost(train, valid, xo);
    train_seconds = std::chrono::duration<double>(clock::now() - f0).count();
    details = Json{{"best_iteration", model.xgboost->best_iteration}, {"rounds", model.xgboost->rounds}};
    if (!o.quiet)
      log << "xgboost: " << model.xgboost->rounds << " rounds, best iteration " << model.xgboost->best_iteration << "\n";
#endif
  }
  if (!model.deepdiff && !model.deepchrome && !model.cell_a) {
    // Not trained in epochs: the validation PCC of the chosen model is its row's.
    const Predictions vp = predict_any(model, valid, o.train.batch_size, false);
    st.best_valid_pcc = pearson(vp.pred, vp.target);
  }

  const Predictions tp = predict_any(model, test, o.train.batch_size, o.alpha_csv || o.plots);
  write_checkpoint(ckpt_path, any_checkpoint(model));
  RunResult res;
  res.best_epoch = st.best_epoch;
  res.best_valid_pcc = st.best_valid_pcc;
  res.test_pcc = pearson(tp.pred, tp.target);
  res.test_mse = mean_squared_error(tp.pred, tp.target);
  res.epochs = st.epochs_done;
  res.train_seconds = train_seconds;

  std::vector<std::string> files = write_split_outputs(o.save_root, "", test, model, tp, o.alpha_csv, o.plots);
  if (o.plots && !st.history.empty()) {
    write_file_atomic((root / "training_curves.svg").string(), curves_svg(st.history, o.model_name));
    files.push_back("training_curves.svg");
  }
  res.total_seconds = elapsed();
  write_file_atomic(metrics_path, metrics_json(o, sizes, train, valid, &test, st, &tp, true, res.total_seconds, threads,
                                               details, train_seconds));
  if (!o.quiet) {
    char line[256];
    if (res.best_epoch > 0)
      std::snprintf(line, sizeof line, "best epoch %d (valid PCC %.4f); test PCC %.4f, MSE %.4f; %s in all",
                    res.best_epoch, res.best_valid_pcc, res.test_pcc, res.test_mse,
                    format_duration(res.total_seconds).c_str());
    else
      std::snprintf(line, sizeof line, "valid PCC %.4f; test PCC %.4f, MSE %.4f; %s in all", res.best_valid_pcc,
                    res.test_pcc, res.test_mse, format_duration(res.total_seconds).c_str());
    log << line << "\n";
    log << "results in " << o.save_root << "/: checkpoint.bin, metrics.json";
    for (const std::string& f : files) log << ", " << f;
    log << "\n";
  }
  return res;
}

}  // namespace deepdiff_cli
