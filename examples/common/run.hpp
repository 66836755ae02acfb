// One training run of the published recipe and everything it leaves in --save-root:
// checkpoint.bin (best epoch), state.bin (resume), metrics.json, predictions.csv,
// attention_beta.csv, attention_alpha.csv and SVG plots. Shared by `deepdiff train` and
// `deepdiff-pairs`.
#pragma once

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/model/model_io.hpp>
#include <deepdiff/train/state_io.hpp>
#include <deepdiff/train/fit.hpp>

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

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

inline std::string join(const std::string& dir, const std::string& file) {
  return dir.empty() ? file : (dir.back() == '/' ? dir + file : dir + "/" + file);
}

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

inline bool file_exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

// predictions.csv (train, eval) and predict's output, one format: gene_id, prediction, the aux
// heads' predictions where the variant has them, then the targets when expression is known.
inline std::string predictions_csv(const Split& s, const Predictions& p) {
  CsvWriter w;
  const bool known = !p.target.empty(), aux = !p.pred_a.empty();
  std::vector<std::string> h = {"gene_id", "prediction"};
  if (aux) h.insert(h.end(), {"prediction_a", "prediction_b"});
  if (known) h.push_back("target");
  if (known && aux) h.insert(h.end(), {"target_a", "target_b"});
  w.header(h);
  for (std::size_t g = 0; g < p.pred.size(); ++g) {
    std::vector<std::string> r = {s.gene_ids[g], csv_number(p.pred[g])};
    if (aux) r.insert(r.end(), {csv_number(p.pred_a[g]), csv_number(p.pred_b[g])});
    if (known) r.push_back(csv_number(p.target[g]));
    if (known && aux) r.insert(r.end(), {csv_number(p.target_a[g]), csv_number(p.target_b[g])});
    w.row(r);
  }
  return w.str();
}

// attention_beta.csv: gene_id, one column per level-2 channel.
inline std::string beta_csv(const Split& s, const std::vector<std::string>& names, const Predictions& p) {
  CsvWriter w;
  std::vector<std::string> h = {"gene_id"};
  h.insert(h.end(), names.begin(), names.end());
  w.header(h);
  const Index K = p.beta.dim(1);
  for (Index g = 0; g < p.beta.dim(0); ++g) {
    std::vector<std::string> r = {s.gene_ids[static_cast<std::size_t>(g)]};
    for (Index k = 0; k < K; ++k) r.push_back(csv_number(p.beta(g, k)));
    w.row(r);
  }
  return w.str();
}

// attention_alpha.csv: gene_id, channel, then one column per bin (bin_1 .. bin_T).
inline std::string alpha_csv(const Split& s, const std::vector<std::string>& names, const Predictions& p) {
  CsvWriter w;
  std::vector<std::string> h = {"gene_id", "channel"};
  const Index K = p.alpha.dim(1), T = p.alpha.dim(2);
  for (Index t = 0; t < T; ++t) h.push_back("bin_" + std::to_string(t + 1));
  w.header(h);
  for (Index g = 0; g < p.alpha.dim(0); ++g)
    for (Index k = 0; k < K; ++k) {
      std::vector<std::string> r = {s.gene_ids[static_cast<std::size_t>(g)], names[static_cast<std::size_t>(k)]};
      for (Index t = 0; t < T; ++t) r.push_back(csv_number(p.alpha(g, k, t)));
      w.row(r);
    }
  return w.str();
}

// Attention and prediction files of one split (used by train, eval and attention).
inline std::vector<std::string> write_split_outputs(const std::string& dir, const std::string& tag, const Split& s,
                                                    DeepDiff<float>& model, const Predictions& p, bool alpha, bool plots) {
  std::vector<std::string> files;
  auto put = [&](const std::string& name, const std::string& text) {
    write_file_atomic(join(dir, name), text);
    files.push_back(name);
  };
  put(tag.empty() ? "predictions.csv" : "predictions_" + tag + ".csv", predictions_csv(s, p));
  put(tag.empty() ? "attention_beta.csv" : "attention_beta_" + tag + ".csv", beta_csv(s, model.beta_names(), p));
  if (alpha && !p.alpha.empty())
    put(tag.empty() ? "attention_alpha.csv" : "attention_alpha_" + tag + ".csv", alpha_csv(s, model.alpha_names(), p));
  if (plots) {
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

// The whole recipe: load, train (or resume), keep the best epoch, score it on test, write
// every output. Progress goes to `log`.
inline RunResult run_training(const RunOptions& o, std::ostream& log) {
  using clock = std::chrono::steady_clock;
  const auto t_start = clock::now();
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const int threads = omp_get_max_threads();

  Split train = load_split(o.data_root, o.cell1, o.cell2, "train");
  Split valid = load_split(o.data_root, o.cell1, o.cell2, "valid");
  Split test = load_split(o.data_root, o.cell1, o.cell2, "test");
  if (train.bins != valid.bins || train.bins != test.bins || train.marks != valid.marks || train.marks != test.marks)
    throw std::runtime_error("train, valid and test files have different bins or marks (" + describe(train) + "; " +
                             describe(valid) + "; " + describe(test) + ")");
  if (!o.quiet) log << "data: " << describe(train) << "; " << describe(valid) << "; " << describe(test) << "\n";

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
  DeepDiff<float> model(cfg);
  Rng init(o.train.seed);
  model.params().init_uniform(init, -0.1, 0.1);
  Trainer<float> trainer(model, o.train);

  const std::string state_path = join(o.save_root, "state.bin");
  const std::string ckpt_path = join(o.save_root, "checkpoint.bin");
  if (o.resume && file_exists(state_path)) {
    Checkpoint ck = read_checkpoint(state_path);
    restore_training(model, trainer.state(), ck, state_path);  // refuses inconsistent counters
    // A resume continues the same recipe: other settings would be recorded in metrics.json
    // for epochs that were trained with the old ones.
    std::vector<std::string> unchecked;
    const std::vector<std::string> diff = recipe_differences(ck, o.train, &unchecked);
    if (!diff.empty()) {
      std::string msg = "--resume: " + state_path + " was trained with other settings:";
      for (std::string d : diff) {
        if (d.rfind("batch_size", 0) == 0) d.replace(0, 10, "batch-size");
        msg += "\n  --" + d;
      }
      throw UsageError(msg + "\nresume with the same settings, or train afresh in another --save-root");
    }
    if (!unchecked.empty() && !o.quiet) {
      log << "note: " << state_path << " was written by an older version and does not record";
      for (const std::string& u : unchecked) log << " " << u;
      log << ": not checked against this run's settings\n";
    }
    if (!o.quiet) log << "resumed from " << state_path << " after epoch " << trainer.state().epochs_done << "\n";
  } else if (o.resume && !o.quiet) {
    log << "no " << state_path << " to resume from: starting afresh\n";
  }
  if (!o.quiet)
    log << "model " << o.model_name << ": " << model.params().numel() << " parameters; " << o.train.epochs
        << " epochs, batch " << o.train.batch_size << ", lr " << o.train.lr << ", " << threads << " thread(s)\n";

  const bool tty = ::isatty(2) != 0;
  double epoch_time_sum = 0;
  int epochs_timed = 0;
  auto e0 = clock::now();  // start of the current epoch
  FitHooks hooks;
  const BatchProgress& progress = hooks.on_batch;
  if (tty && !o.quiet) {
    hooks.on_batch = [&](Index done, Index total) {
      const double el = std::chrono::duration<double>(clock::now() - e0).count();
      if (el < 2.0) return;
      std::fprintf(stderr, "\r  epoch %d: %lld/%lld genes, epoch ETA %s   ", trainer.state().epochs_done + 1,
                   static_cast<long long>(done), static_cast<long long>(total),
                   format_duration(el / static_cast<double>(done) * static_cast<double>(total - done)).c_str());
    };
  }
  hooks.on_epoch = [&](const EpochRecord& r) {
    if (progress) std::fprintf(stderr, "\r%70s\r", "");
    epoch_time_sum += r.train_seconds + r.valid_seconds;
    ++epochs_timed;
    const double eta = epoch_time_sum / epochs_timed * (o.train.epochs - r.epoch);
    const TrainState<float>& st = trainer.state();
    if (!o.quiet) {
      char line[320];
      std::snprintf(line, sizeof line,
                    "epoch %3d/%d  loss %.4f  train PCC %.4f  valid PCC %.4f  MSE %.4f  best %.4f (epoch %d)  %s  ETA %s",
                    r.epoch, o.train.epochs, r.train_loss, r.train_pcc, r.valid_pcc, r.valid_mse, st.best_valid_pcc,
                    st.best_epoch, format_duration(r.train_seconds + r.valid_seconds).c_str(),
                    format_duration(eta).c_str());
      log << line << std::endl;
    }
    // Every epoch: the resume state, the best model so far, the metrics so far.
    write_checkpoint(state_path, training_checkpoint(model, st, o.train));
    if (st.best_epoch == r.epoch || !file_exists(ckpt_path))
      write_checkpoint(ckpt_path, model_checkpoint(model, &st.best_params));
    write_file_atomic(join(o.save_root, "metrics.json"),
                      metrics_json(o, cfg, train, valid, &test, st, nullptr, false,
                                   std::chrono::duration<double>(clock::now() - t_start).count(), threads));
    e0 = clock::now();
    return true;
  };
  fit(trainer, train, valid, hooks);  // ends with the best epoch's parameters in the model

  // Score the best epoch on test.
  TrainState<float>& st = trainer.state();
  write_checkpoint(ckpt_path, model_checkpoint(model));
  Predictions tp = predict_split(model, test, o.train.batch_size, o.alpha_csv || o.plots);
  RunResult res;
  res.best_epoch = st.best_epoch;
  res.best_valid_pcc = st.best_valid_pcc;
  res.test_pcc = pearson(tp.pred, tp.target);
  res.test_mse = mean_squared_error(tp.pred, tp.target);
  res.epochs = st.epochs_done;
  for (const EpochRecord& r : st.history) res.train_seconds += r.train_seconds + r.valid_seconds;

  std::vector<std::string> files = write_split_outputs(o.save_root, "", test, model, tp, o.alpha_csv, o.plots);
  if (o.plots) {
    write_file_atomic(join(o.save_root, "training_curves.svg"), curves_svg(st.history, o.model_name));
    files.push_back("training_curves.svg");
  }
  res.total_seconds = std::chrono::duration<double>(clock::now() - t_start).count();
  write_file_atomic(join(o.save_root, "metrics.json"),
                    metrics_json(o, cfg, train, valid, &test, st, &tp, true, res.total_seconds, threads));
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
