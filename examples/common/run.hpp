// One training run of the published recipe and everything it leaves in --save-root:
// checkpoint.bin (best epoch), state.bin (resume), metrics.json, predictions.csv (and
// predictions_train.csv, predictions_valid.csv on request), top_genes.tsv,
// attention_beta.csv, attention_alpha.csv, SVG plots and train.log. Shared by `deepdiff train`
// and `deepdiff-pairs`.
#pragma once

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/data/expression_scale.hpp>
#include <deepdiff/data/gene_table.hpp>
#include <deepdiff/data/metrics.hpp>
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
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

#include "cli.hpp"
#include "data_labels.hpp"
#include "flags.hpp"
#include "metrics.hpp"
#include "plots.hpp"
#include "provenance.hpp"
#include "report.hpp"
#include "run_lock.hpp"
#include "run_log.hpp"

namespace deepdiff_cli {

using namespace deepdiff;

struct RunOptions {
  std::string data_root;
  std::string cell1 = "Cell1", cell2 = "Cell2";
  std::string model_name = "raw_d";
  std::string save_root;
  TrainOptions train;
  Index hidden1 = 32;
  // Of the LSTM products (tensor/bfloat16.hpp). Not in the checkpoint (it predicts in either);
  // recorded in metrics.json and state.bin (a resume in another precision is refused).
  kernels::Precision precision = kernels::Precision::fp32;
  int threads = 0;  // 0: OpenMP's default
  bool resume = false;
  bool force = false;  // train afresh over an earlier run in save_root (without it, refused)
  bool plots = true;
  bool alpha_csv = true;
  bool quiet = false;
  bool lock = true;  // take SAVE_ROOT/train.lock (false: the caller holds it, as deepdiff-pairs does)
  // Also write every line of the log to SAVE_ROOT/train.log (`deepdiff train`; deepdiff-pairs
  // gives a log stream that already goes to the run's train.log).
  bool log_file = false;
  // Splits besides test whose predictions are written, as predictions_SPLIT.csv ("train",
  // "valid"); the test split's predictions.csv is always written.
  std::vector<std::string> predict_splits;
  // The provenance metrics.json records: the program's version and commit (common/version.hpp,
  // which only the programs include), and the command that started the run, shell-quoted.
  std::string version = "unknown", commit = "unknown", command_line;
  // Write SAVE_ROOT/report.html at the end (common/report.hpp; --no-report skips it).
  bool report = true;
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
                                                    const AnyModel& model, const Predictions& p, bool alpha, bool plots,
                                                    const DataLabels& data) {
  const std::vector<std::string> beta_names = any_beta_names(model), alpha_names = any_alpha_names(model);
  std::vector<std::string> files =
      write_prediction_files(dir, tag, s, beta_names, alpha_names, p, alpha, data.prediction_labels());
  if (plots) {
    auto put = [&](const std::string& name, const std::string& text) {
      write_file_atomic((std::filesystem::path(dir) / name).string(), text);
      files.push_back(name);
    };
    const std::string sfx = tag.empty() ? "" : "_" + tag;
    if (!p.target.empty()) put("scatter" + sfx + ".svg", scatter_svg(p, s.name));
    if (!beta_names.empty()) put("attention_beta" + sfx + ".svg", beta_svg(beta_names, p));
    if (!p.alpha.empty() && !alpha_names.empty()) put("attention_alpha" + sfx + ".svg", alpha_svg(alpha_names, p, data.bins));
  }
  return files;
}

// The sizes metrics.json records of a model.
struct ModelSizes {
  long long bins = 0, marks = 0, hidden1 = 0, hidden2 = 0;
};

// What metrics.json records beyond the training state: the training genes' median and mean y,
// the warnings the run printed, and where the run came from.
struct RunRecord {
  std::optional<double> median_y_train, mean_y_train;
  std::vector<std::string> warnings;
  std::optional<Provenance> provenance;
};

// `details`: what the model's kind adds (the baselines' choices: lambda, best round, the two
// cells' own epochs), written as "model_details".
inline std::string metrics_json(const RunOptions& o, const ModelSizes& cfg, const Split& train, const Split& valid,
                                const Split* test, const TrainState<float>& st, const Predictions* tp, bool complete,
                                double total_seconds, int threads, const Json& details = Json(),
                                double fit_seconds = -1, const RunRecord& rec = RunRecord()) {
  RunMetrics m;
  m.complete = complete;
  RunSettings& s = m.settings;
  s.data_root = o.data_root;
  s.cell1 = o.cell1;
  s.cell2 = o.cell2;
  s.model_name = o.model_name;
  s.train = o.train;
  s.threads = threads;
  s.precision = o.precision;
  s.bins = cfg.bins;
  s.marks = cfg.marks;
  s.hidden1 = cfg.hidden1;
  s.hidden2 = cfg.hidden2;
  s.train_genes = train.genes();
  s.valid_genes = valid.genes();
  if (test) s.test_genes = test->genes();
  s.expression_divisor_1 = train.scaling.divisor_a;
  s.expression_divisor_2 = train.scaling.divisor_b;
  s.median_y_train = rec.median_y_train;
  s.mean_y_train = rec.mean_y_train;
  m.best_epoch = st.best_epoch;
  m.best_valid_pcc = st.best_valid_pcc;
  m.epochs = st.history;
  if (tp) {
    TestScores t = test_scores(
        prediction_scores(tp->pred, tp->target,
                          rec.mean_y_train.value_or(std::numeric_limits<double>::quiet_NaN())),
        static_cast<long long>(tp->pred.size()));
    if (!tp->pred_a.empty()) {
      t.pcc_a = pearson(tp->pred_a, tp->target_a);
      t.pcc_b = pearson(tp->pred_b, tp->target_b);
    }
    m.test = t;
  }
  m.warnings = rec.warnings;
  m.provenance = rec.provenance;
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
  static const std::vector<std::string> v = {
      "predictions.csv",     "predictions_train.csv", "predictions_valid.csv", "top_genes.tsv",
      "attention_beta.csv",  "attention_alpha.csv",   "training_curves.svg",   "scatter.svg",
      "attention_beta.svg",  "attention_alpha.svg",   "train.log",             "report.html"};
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

// The hooks of one neural fit of a run: an epoch line to `log` (prefixed by `part` when a run
// trains more than one model: "cell A"), a progress line with the epoch's ETA on a terminal,
// and on_epoch(state) after each epoch, where the caller writes what it keeps.
inline FitHooks<float> progress_hooks(const RunOptions& o, const std::string& part, Index parameters, int threads,
                                      std::ostream& log, const std::function<void(const TrainState<float>&)>& on_epoch) {
  using clock = std::chrono::steady_clock;
  struct Progress {
    double epoch_time_sum = 0;
    int epochs_timed = 0, epoch = 1;  // the epoch running now
    clock::time_point e0 = clock::now();  // its start
  };
  auto pr = std::make_shared<Progress>();
  const std::string who = part.empty() ? "" : part + " ";
  const std::string state_file = (std::filesystem::path(o.save_root) /
                                  (part.empty() ? "state.bin" : part == "cell A" ? "state_a.bin" : "state_b.bin")).string();
  FitHooks<float> hooks;
  hooks.on_start = [=, &o, &log](const FitStart& s) {
    pr->epoch = s.epochs_done + 1;
    if (!o.quiet) {
      if (s.resumed && !s.unchecked.empty()) {
        log << "note: " << state_file << " was written by an older version and does not record";
        for (const std::string& u : s.unchecked) log << " " << u;
        log << ": not checked against this run's settings\n";
      }
      if (s.resumed) log << "resumed from " << state_file << " after epoch " << s.epochs_done << "\n";
      else if (o.resume) log << "no " << state_file << " to resume from: starting afresh\n";
      log << "model " << o.model_name << (part.empty() ? "" : " (" + part + ")") << ": " << parameters
          << " parameters; " << o.train.epochs << " epochs, batch " << o.train.batch_size << ", lr " << o.train.lr << ", "
          << threads << " thread(s)\n";
    }
    pr->e0 = clock::now();
  };
  const bool progress_line = ::isatty(2) != 0 && !o.quiet;
  if (progress_line) {
    hooks.on_batch = [=](Index done, Index total) {
      const double el = std::chrono::duration<double>(clock::now() - pr->e0).count();
      if (el < 2.0) return;
      std::fprintf(stderr, "\r  %sepoch %d: %lld/%lld genes, epoch ETA %s   ", who.c_str(), pr->epoch,
                   static_cast<long long>(done), static_cast<long long>(total),
                   format_duration(el / static_cast<double>(done) * static_cast<double>(total - done)).c_str());
    };
  }
  hooks.on_epoch = [=, &o, &log](const EpochRecord& r, const TrainState<float>& st) {
    if (progress_line) std::fprintf(stderr, "\r%70s\r", "");
    pr->epoch_time_sum += r.train_seconds + r.valid_seconds;
    ++pr->epochs_timed;
    const double eta = pr->epoch_time_sum / pr->epochs_timed * (o.train.epochs - r.epoch);
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
    pr->epoch = r.epoch + 1;
    pr->e0 = clock::now();
    return true;
  };
  return hooks;
}

// The whole recipe with the files of `deepdiff train`: load, lock the save-root, train (the
// model's kind decides how: the recipe's epochs for the DeepDiff variants and the neural
// baselines, a closed form or boosting rounds for ridge and xgboost), write every output.
// Progress goes to `out` (and SAVE_ROOT/train.log with o.log_file); warnings to stderr, and
// into the log files and metrics.json.
inline RunResult run_training(const RunOptions& o, std::ostream& out) {
  namespace fs = std::filesystem;
  using clock = std::chrono::steady_clock;
  const auto t_start = clock::now();
  const std::string started = iso8601_utc(std::chrono::system_clock::now());
  RunRecord rec;
  RunLog run_log(out, o.log_file);
  std::ostream& log = run_log.stream();
  // Said on stderr whatever --quiet says, and kept in the log files and metrics.json.
  const auto warn = [&](const std::string& w) {
    log.flush();
    std::cerr << "warning: " << w << std::endl;
    run_log.note("warning: " + w + "\n");
    rec.warnings.push_back(w);
  };
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const int threads = omp_get_max_threads();
  try {
    check_model_name(o.model_name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (o.model_name == "xgboost" && !xgboost_available()) throw std::runtime_error(xgboost_missing_reason());
  check_save_root_free(o);

  // The one scale of the run: each split's divisors come from the whole expression tables, so
  // train, valid and test (and eval / predict on the same data root later) get the same ones.
  const ExpressionScale scale = o.train.expression_scale;
  Split train = load_split(o.data_root, o.cell1, o.cell2, "train", ExpressionMode::required, scale);
  Split valid = load_split(o.data_root, o.cell1, o.cell2, "valid", ExpressionMode::required, scale);
  Split test = load_split(o.data_root, o.cell1, o.cell2, "test", ExpressionMode::required, scale);
  if (train.bins != valid.bins || train.bins != test.bins || train.marks != valid.marks || train.marks != test.marks)
    throw std::runtime_error("train, valid and test files have different bins or marks (" + describe(train) + "; " +
                             describe(valid) + "; " + describe(test) + ")");
  const DataLabels data = read_data_labels(o.data_root, o.cell1, o.cell2);
  rec.provenance = data_provenance(o.data_root, run_data_files(o.data_root, o.cell1, o.cell2));
  rec.provenance->version = o.version;
  rec.provenance->commit = o.commit;
  rec.provenance->command_line = o.command_line;
  rec.provenance->started = started;
  if (!o.quiet) {
    log << "data: " << describe(train) << "; " << describe(valid) << "; " << describe(test) << "\n";
    if (scale != ExpressionScale::none)
      log << "expression scale " << expression_scale_name(scale) << ": counts divided by " << format_number(train.scaling.divisor_a)
          << " (" << o.cell1 << ") and " << format_number(train.scaling.divisor_b) << " (" << o.cell2 << ")\n";
  }
  // A y that is mostly the cells' depth ratio (warned). The mean is the constant whose test
  // MSE a model must beat.
  {
    std::vector<double> ys;
    ys.reserve(static_cast<std::size_t>(train.genes()));
    for (Index g = 0; g < train.genes(); ++g) ys.push_back(train.y(g));
    rec.mean_y_train = mean_of_values(ys);
    rec.median_y_train = median_of(std::move(ys));
    const std::string w = depth_warning(*rec.median_y_train, train.genes(), o.cell1, o.cell2, scale);
    if (!w.empty()) warn(w);
  }
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
  if (is_variant_name(o.model_name)) {
    ModelConfig cfg;
    cfg.variant = parse_variant(o.model_name);
    cfg.bins = train.bins;
    cfg.marks = train.marks;
    cfg.hidden1 = o.hidden1;
    // Refuse a model this machine cannot hold before allocating it or creating the save-root.
    check_training_memory(cfg, o.train.batch_size);
  }
  AnyModel model;
  try {
    model = make_any_model(o.model_name, train.bins, train.marks, o.hidden1);
    set_any_precision(model, o.precision);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(o.model_name + " cannot be trained on this data (" + describe(train) + "): " + e.what());
  }
  const bool hidden = model_has_hidden(o.model_name);
  const ModelSizes sizes{train.bins, train.marks, hidden ? o.hidden1 : 0, hidden ? o.hidden1 / 2 : 0};

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
  // After --force removed the old one; appended to on --resume.
  run_log.open((fs::path(o.save_root) / "train.log").string(),
               "--- " + started + ": " + (o.command_line.empty() ? "deepdiff train" : o.command_line) + " (deepdiff " +
                   o.version + ", commit " + o.commit + ")\n");

  const fs::path root(o.save_root);
  const std::string ckpt_path = (root / "checkpoint.bin").string(), metrics_path = (root / "metrics.json").string();
  const auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t_start).count(); };
  // The run's epochs in metrics.json: its one model's, or cell A's for attentivechrome_diff
  // (both cells' under model_details); none for ridge and xgboost.
  TrainState<float> st;
  // After every epoch of a single neural model: the best model so far, the metrics so far.
  const auto on_epoch = [&](const std::string& part) -> std::function<void(const TrainState<float>&)> {
    return [&, part](const TrainState<float>& s) {
      if (part == "cell A") {  // kept for the metrics written while cell B trains
        st.history = s.history;
        st.epochs_done = s.epochs_done;
        st.best_epoch = s.best_epoch;
        st.best_valid_pcc = s.best_valid_pcc;
      }
      if (part.empty() && (s.best_epoch == s.epochs_done || !file_exists(ckpt_path))) {
        Checkpoint ck = model.deepdiff ? model_checkpoint(*model.deepdiff, &s.best_params)
                                       : model_checkpoint(*model.deepchrome, &s.best_params);
        expression_scaling_to_meta(model.target_scaling, ck.meta);
        write_checkpoint(ckpt_path, ck);
      }
      write_file_atomic(metrics_path, metrics_json(o, sizes, train, valid, &test, part == "cell B" ? st : s, nullptr,
                                                   false, elapsed(), threads, Json(), -1, rec));
    };
  };
  init_any_model(model, o.train.seed);
  model.target_scaling = train.scaling;  // into every checkpoint.bin, for eval and predict
  AnyFitOptions fo;
  fo.fit.train = o.train;
  fo.fit.state_file = (root / "state.bin").string();
  fo.fit.resume = o.resume;
  fo.threads = o.threads;
  fo.hooks = [&](const std::string& part) {
    return progress_hooks(o, part, part.empty() ? any_parameter_count(model)
                                                : (part == "cell B" ? model.cell_b : model.cell_a)->params().numel(),
                          threads, log, on_epoch(part));
  };
  if (!o.quiet && o.model_name == "ridge")
    log << "model ridge: summary features (" << 3 * train.marks << " x 10 windows), lambda chosen on validation\n";
  if (!o.quiet && o.model_name == "xgboost") {
    log << "model xgboost: summary features, up to 2000 rounds, early stopping on validation RMSE (patience 50)\n";
    auto last = std::make_shared<clock::time_point>(clock::now());
    fo.xgboost_progress = [&log, last](int round, double rmse) {
      if (std::chrono::duration<double>(clock::now() - *last).count() < 5.0) return;
      *last = clock::now();
      log << "xgboost round " << round << ": valid RMSE " << rmse << std::endl;
    };
  }
  AnyFitResult fr;
  try {
    fr = fit_any(model, FitData{train, valid, nullptr}, fo);
  } catch (const RecipeMismatch& e) {
    // A resume continues the same recipe: other settings would be recorded in metrics.json
    // for epochs that were trained with the old ones.
    std::string msg = "--resume: " + e.path + " was trained with other settings:";
    for (std::string d : e.differences) {
      if (d.rfind("batch_size", 0) == 0) d.replace(0, 10, "batch-size");
      if (d.rfind("expression_scale", 0) == 0) d.replace(0, 16, "expression-scale");
      msg += "\n  --" + d;
    }
    throw UsageError(msg + "\nresume with the same settings, or train afresh in another --save-root");
  }
  const double train_seconds = fr.seconds;
  Json details;
  if (!fr.parts.empty()) st = fr.parts.front().second.state;
  if (model.cell_a) {
    for (const auto& part : fr.parts) {
      Json epochs = Json::array();
      for (const EpochRecord& r : part.second.state.history) epochs.push_back(epoch_json(r));
      const bool b = part.first == "cell B";
      details[b ? "cell_b" : "cell_a"] = Json{{"target", b ? "log2(eB + 1)" : "log2(eA + 1)"},
                                              {"best_epoch", part.second.state.best_epoch},
                                              {"best_valid_pcc", part.second.state.best_valid_pcc},
                                              {"epochs", epochs}};
    }
  } else if (model.ridge) {
    Json lambdas = Json::array(), pccs = Json::array();
    for (std::size_t i = 0; i < model.ridge->lambdas.size(); ++i) {
      lambdas.push_back(model.ridge->lambdas[i]);
      pccs.push_back(model.ridge->valid_pcc[i]);
    }
    details = Json{{"lambda", model.ridge->lambda}, {"lambdas", lambdas}, {"valid_pccs", pccs}};
    if (!o.quiet) log << "lambda " << model.ridge->lambda << " (the best validation PCC of " << lambdas.size() << ")\n";
  }
#ifdef DEEPDIFF_HAVE_XGBOOST
  if (model.xgboost) {
    details = Json{{"best_iteration", model.xgboost->best_iteration}, {"rounds", model.xgboost->rounds}};
    if (!o.quiet)
      log << "xgboost: " << model.xgboost->rounds << " rounds, best iteration " << model.xgboost->best_iteration << "\n";
  }
#endif
  if (!model.deepdiff && !model.deepchrome) {
    // The row's validation PCC is of y: attentivechrome_diff's f_B - f_A (its cells were
    // selected on their own targets), and the fitted ridge or xgboost model.
    const Predictions vp = predict_any(model, valid, o.train.batch_size, false);
    st.best_valid_pcc = pearson(vp.pred, vp.target);
  }

  const Predictions tp = predict_any(model, test, o.train.batch_size, o.alpha_csv || o.plots);
  write_checkpoint(ckpt_path, any_checkpoint(model));
  const PredictionScores scores = prediction_scores(tp.pred, tp.target, *rec.mean_y_train);
  RunResult res;
  res.best_epoch = st.best_epoch;
  res.best_valid_pcc = st.best_valid_pcc;
  res.test_pcc = scores.pcc;
  res.test_mse = scores.mse;
  res.epochs = st.epochs_done;
  res.train_seconds = train_seconds;
  {
    const std::string w = near_constant_warning(
        scores, st.best_epoch > 0 ? "the kept epoch (" + std::to_string(st.best_epoch) + ")" : "the fitted " + o.model_name,
        "the test genes");
    if (!w.empty()) warn(w);
  }

  std::vector<std::string> files = write_split_outputs(o.save_root, "", test, model, tp, o.alpha_csv, o.plots, data);
  write_file_atomic((root / "top_genes.tsv").string(), top_genes_tsv(test, tp, data.prediction_labels()));
  files.push_back("top_genes.tsv");
  for (const std::string& name : o.predict_splits) {
    if (name == "test") continue;  // predictions.csv
    const Split& s = name == "train" ? train : valid;
    const Predictions sp = predict_any(model, s, o.train.batch_size, false);
    for (const std::string& f : write_prediction_files(o.save_root, name, s, {}, {}, sp, false, data.prediction_labels()))
      files.push_back(f);
  }
  if (o.plots && !st.history.empty()) {
    write_file_atomic((root / "training_curves.svg").string(), curves_svg(st.history, o.model_name, st.best_epoch));
    files.push_back("training_curves.svg");
  }
  res.total_seconds = elapsed();
  write_file_atomic(metrics_path, metrics_json(o, sizes, train, valid, &test, st, &tp, true, res.total_seconds, threads,
                                               details, train_seconds, rec));
  // The page reads the files just written. A page that cannot be written costs the run
  // nothing: the results are all there, and `deepdiff report` can try again.
  std::string report_path;
  if (o.report) {
    try {
      report_path = deepdiff_report::write_run_report(o.save_root, "", "deepdiff " + o.version + " (commit " + o.commit + ")");
    } catch (const std::exception& e) {
      warn(std::string("report.html was not written: ") + e.what() + "; `deepdiff report " + o.save_root + "` tries again");
    }
  }
  if (!o.quiet) {
    char head[96];
    if (res.best_epoch > 0) std::snprintf(head, sizeof head, "best epoch %d (valid PCC %.4f); ", res.best_epoch, res.best_valid_pcc);
    else std::snprintf(head, sizeof head, "valid PCC %.4f; ", res.best_valid_pcc);
    log << head << scores_text("test", scores) << "; " << format_duration(res.total_seconds) << " in all\n";
    if (o.log_file) files.push_back("train.log");
    log << "results in " << o.save_root << "/: checkpoint.bin, metrics.json";
    for (const std::string& f : files) log << ", " << f;
    log << "\n";
    if (!report_path.empty()) log << "report: " << report_path << " (open it in a browser)\n";
  }
  return res;
}

}  // namespace deepdiff_cli
