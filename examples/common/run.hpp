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
// plots (used by train, eval and attention).
inline std::vector<std::string> write_split_outputs(const std::string& dir, const std::string& tag, const Split& s,
                                                    DeepDiff<float>& model, const Predictions& p, bool alpha, bool plots) {
  std::vector<std::string> files = write_prediction_files(dir, tag, s, model, p, alpha);
  if (plots) {
    auto put = [&](const std::string& name, const std::string& text) {
      write_file_atomic((std::filesystem::path(dir) / name).string(), text);
      files.push_back(name);
    };
    const std::string sfx = tag.empty() ? "" : "_" + tag;
    if (!p.target.empty()) put("scatter" + sfx + ".svg", scatter_svg(p, s.name));
    put("attention_beta" + sfx + ".svg", beta_svg(model.beta_names(), p));
    if (!p.alpha.empty()) put("attention_alpha" + sfx + ".svg", alpha_svg(model.alpha_names(), p));
  }
  return files;
}

inline std::string metrics_json(const RunOptions& o, const ModelConfig& cfg, const Split& train, const Split& valid,
                                const Split* test, const TrainState<float>& st, const Predictions* tp, bool complete,
                                double total_seconds, int threads) {
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
  s.hidden2 = cfg.hidden2();
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
  m.timings.epoch_seconds_total = train_s;
  m.timings.mean_epoch_seconds = st.history.empty() ? 0.0 : train_s / static_cast<double>(st.history.size());
  m.timings.run_seconds = total_seconds;
  return json_text(m);
}

// The files of a run in its save-root: those whose presence means an earlier run is there
// (run_files), then the other outputs, which --force removes with them.
inline const std::vector<std::string>& run_files() {
  static const std::vector<std::string> v = {"metrics.json", "checkpoint.bin", "state.bin"};
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

// The whole recipe (deepdiff::fit: resume, epochs, best epoch, test score) with the files of
// `deepdiff train`: load, lock the save-root, train, write every output. Progress goes to `log`.
inline RunResult run_training(const RunOptions& o, std::ostream& log) {
  namespace fs = std::filesystem;
  using clock = std::chrono::steady_clock;
  const auto t_start = clock::now();
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const int threads = omp_get_max_threads();
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

  ModelConfig cfg;
  cfg.variant = parse_variant(o.model_name);
  cfg.bins = train.bins;
  cfg.marks = train.marks;
  cfg.hidden1 = o.hidden1;
  // Refuse a model this machine cannot hold before allocating it or creating the save-root.
  check_training_memory(cfg, o.train.batch_size);
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
  DeepDiff<float> model(cfg);
  Rng init(o.train.seed);
  model.params().init_uniform(init, -0.1, 0.1);

  const fs::path root(o.save_root);
  const std::string ckpt_path = (root / "checkpoint.bin").string(), metrics_path = (root / "metrics.json").string();
  FitOptions fo;
  fo.train = o.train;
  fo.state_file = (root / "state.bin").string();
  fo.resume = o.resume;
  fo.test_alpha = o.alpha_csv || o.plots;

  const bool tty = ::isatty(2) != 0;
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
      log << "model " << o.model_name << ": " << model.params().numel() << " parameters; " << o.train.epochs
          << " epochs, batch " << o.train.batch_size << ", lr " << o.train.lr << ", " << threads << " thread(s)\n";
    }
    e0 = clock::now();
  };
  if (tty && !o.quiet) {
    hooks.on_batch = [&](Index done, Index total) {
      const double el = std::chrono::duration<double>(clock::now() - e0).count();
      if (el < 2.0) return;
      std::fprintf(stderr, "\r  epoch %d: %lld/%lld genes, epoch ETA %s   ", epoch, static_cast<long long>(done),
                   static_cast<long long>(total),
                   format_duration(el / static_cast<double>(done) * static_cast<double>(total - done)).c_str());
    };
  }
  hooks.on_epoch = [&](const EpochRecord& r, const TrainState<float>& st) {
    if (hooks.on_batch) std::fprintf(stderr, "\r%70s\r", "");
    epoch_time_sum += r.train_seconds + r.valid_seconds;
    ++epochs_timed;
    const double eta = epoch_time_sum / epochs_timed * (o.train.epochs - r.epoch);
    if (!o.quiet) {
      char line[320];
      std::snprintf(line, sizeof line,
                    "epoch %3d/%d  loss %.4f  train PCC %.4f  valid PCC %.4f  MSE %.4f  best %.4f (epoch %d)  %s  ETA %s",
                    r.epoch, o.train.epochs, r.train_loss, r.train_pcc, r.valid_pcc, r.valid_mse, st.best_valid_pcc,
                    st.best_epoch, format_duration(r.train_seconds + r.valid_seconds).c_str(),
                    format_duration(eta).c_str());
      log << line << std::endl;
    }
    // Every epoch (after fit has rewritten state.bin): the best model so far, the metrics so far.
    if (st.best_epoch == r.epoch || !file_exists(ckpt_path))
      write_checkpoint(ckpt_path, model_checkpoint(model, &st.best_params));
    write_file_atomic(metrics_path, metrics_json(o, cfg, train, valid, &test, st, nullptr, false,
                                                 std::chrono::duration<double>(clock::now() - t_start).count(), threads));
    epoch = r.epoch + 1;
    e0 = clock::now();
    return true;
  };
  FitResult<float> fr;
  try {
    fr = fit(model, FitData{train, valid, &test}, fo, hooks);  // ends with the best epoch's parameters in the model
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

  const TrainState<float>& st = fr.state;
  const Predictions& tp = *fr.test;
  write_checkpoint(ckpt_path, model_checkpoint(model));
  RunResult res;
  res.best_epoch = st.best_epoch;
  res.best_valid_pcc = st.best_valid_pcc;
  res.test_pcc = fr.test_pcc;
  res.test_mse = fr.test_mse;
  res.epochs = st.epochs_done;
  for (const EpochRecord& r : st.history) res.train_seconds += r.train_seconds + r.valid_seconds;

  std::vector<std::string> files = write_split_outputs(o.save_root, "", test, model, tp, o.alpha_csv, o.plots);
  if (o.plots) {
    write_file_atomic((root / "training_curves.svg").string(), curves_svg(st.history, o.model_name));
    files.push_back("training_curves.svg");
  }
  res.total_seconds = std::chrono::duration<double>(clock::now() - t_start).count();
  write_file_atomic(metrics_path, metrics_json(o, cfg, train, valid, &test, st, &tp, true, res.total_seconds, threads));
  if (!o.quiet) {
    char line[256];
    std::snprintf(line, sizeof line, "best epoch %d (valid PCC %.4f); test PCC %.4f, MSE %.4f; %s in all", res.best_epoch,
                  res.best_valid_pcc, res.test_pcc, res.test_mse, format_duration(res.total_seconds).c_str());
    log << line << "\n";
    log << "results in " << o.save_root << "/: checkpoint.bin, metrics.json";
    for (const std::string& f : files) log << ", " << f;
    log << "\n";
  }
  return res;
}

}  // namespace deepdiff_cli
