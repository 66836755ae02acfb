// deepdiff-pairs: the paper's study. Every chosen variant on every chosen cell-type pair,
// with the published recipe and seeds, into one results table; shards for a cluster and
// `merge` to join their tables. Each run is deepdiff_cli::run_training (the `deepdiff train`
// command's), so a run's folder holds exactly what `deepdiff train` writes.
// Exit codes: 0 every run ok, 2 usage error, 1 error (or some run failed / lacked data).
#include <cxxopts.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "common/flags.hpp"
#include "common/metrics.hpp"
#include "common/provenance.hpp"
#include "common/run.hpp"
#include "common/run_log.hpp"
#include "common/study/comparisons.hpp"
#include "common/study/pairs.hpp"
#include "common/study/results.hpp"
#include "common/study/study_page.hpp"
#include "common/study/summaries.hpp"
#include "common/version.hpp"

using namespace deepdiff_study;
namespace fs = std::filesystem;
using deepdiff_cli::parse_options;
using deepdiff_cli::TeeBuf;
using deepdiff_cli::UsageError;

namespace {


const char* kDescription = R"(deepdiff-pairs - the DeepDiff study (Sekhon, Singh & Qi 2018): every chosen variant on every
chosen cell-type pair with the published recipe (Adam lr 1e-4, batch 10, clipping 1, 120 epochs,
best validation epoch kept and scored on test) and seeds, into one results table.

usage:
  deepdiff-pairs --data-root DIR --save-root OUT [options]      run the study (or a shard of it)
  deepdiff-pairs --synthetic --save-root OUT [options]          the same on synthetic stand-ins
  deepdiff-pairs merge --save-root OUT DIR...                   join shards' tables
  deepdiff-pairs report SAVE_ROOT                               write the study's report.html again
  deepdiff-pairs --version                                      the version and git commit

Data: the public layout, DIR/E123.{train,valid,test}.csv and DIR/E123.expr.csv for every
epigenome id of the chosen pairs. A pair E123-E003 has cell 1 = E123 (A) and cell 2 = E003
(B); the target is log2((eB+1)/(eA+1)), of counts divided by each cell's depth with
--expression-scale cpm or size-factors (default none: the paper's raw counts; docs/usage.md).
Default pairs, the paper's ten:
  E123-E003 E116-E003 E123-E116 E003-E005 E003-E006 E006-E007 E005-E006 E003-E004 E004-E006 E037-E038
Default models, all eleven: the seven DeepDiff variants raw_d raw_c raw aux raw_aux aux_siamese
raw_aux_siamese and the four baselines ridge xgboost deepchrome attentivechrome_diff (spec,
"Baselines"; xgboost is left out, with a note, when the program was built without XGBoost).
A pair whose files are missing is reported (which files), its runs get status "missing data",
and the study goes on with the other pairs.

Outputs in OUT:
  OUT/<pair>/<variant>/seed<k>/     one run: everything `deepdiff train` writes (checkpoint.bin,
                                    state.bin, metrics.json, predictions.csv, SVG plots; for models
                                    with attention attention_beta.csv, attention_alpha.csv),
                                    train.log (its epoch lines) and report.html (its page)
  OUT/results.csv, results.md       one row per run: pair, cells, variant, seed, recipe (with the
                                    expression scale and the precision), best
                                    epoch, valid PCC, test PCC, test MSE, training seconds,
                                    status (ok, pending, missing data: ..., error: ...);
                                    rewritten atomically after every run
  OUT/report.html                   one page to open in a browser: the tables, the figures and a
                                    link to every run's own report.html (offline, self-contained)
  OUT/summary_test_pcc.svg          test PCC per pair (groups) and model (bars, baselines grey),
                                    mean over seeds
  OUT/comparisons.csv, .md          every variant against every baseline: per pair and seed the
                                    paired bootstrap dPCC with its 95% interval, across pairs the
                                    median dPCC, one-sided exact Wilcoxon W and p, Holm's p
  OUT/<pair>/attention_summary.csv  per variant and over all: each mark's mean share of the
  OUT/<pair>/attention_summary.svg  level-2 attention (beta) for all, up- (y >= 2) and
                                    down-regulated (y <= -2) test genes
  OUT/synthetic-data/<pair>/        with --synthetic: the generated stand-in of each pair
                                    (synthetic-data-combinatorial/ with --synthetic-rule combinatorial)

Resume: running the same command again skips every finished run (metrics.json says
"complete": true; its row is read back from there) and continues an interrupted run from its
state.bin. A run folder trained with other settings (lr, batch, hidden, expression scale, data) is an error: use
another OUT. A larger --epochs extends finished runs from their state. A run folder is locked
(train.lock) while it trains: a run another live process is training is skipped, then waited
for at the end and its result read back, so two copies on one OUT (or two shards given the
same number) split the runs; the lock of a process that died is free at once.

Shards (cluster job arrays): --shard i/n runs jobs i-1, i-1+n, i-1+2n, ... of the list of
(pair, variant, seed) in pair-major order, and writes OUT/results.shard-i-of-n.csv/.md instead
of results.csv (no summary plots). Shards may share one OUT (their run folders differ) or use
one each. Afterwards `deepdiff-pairs merge --save-root FINAL DIR...` reads from each DIR its
results.shard-*-of-*.csv tables (or its results.csv when it has none; a DIR may also be a
table file), refuses duplicate rows and rows of another recipe, warns about missing shards,
and writes FINAL/results.csv, results.md and the summaries (reading the run folders where the
shards left them). Slurm:  #SBATCH --array=1-70  ...  deepdiff-pairs --data-root D --save-root
OUT --shard ${SLURM_ARRAY_TASK_ID}/70 --threads ${SLURM_CPUS_PER_TASK}; then
deepdiff-pairs merge --save-root OUT OUT. On one machine with 2 cores, two shards side by side
(--shard 1/2 and --shard 2/2, --threads 1 each, one OUT) finish the study sooner than one
process on 2 threads: measured 44 h against 51 h for the ten pairs (docs/reproduction.md).

Progress: a line per run with its index, its result and an ETA from the mean time of the runs
trained so far; --verbose also prints every epoch (always in the run's train.log).

Exit codes: 0 every run of this invocation ok; 1 an error, or some run failed or lacked data
(the table says which; the other runs went on); 2 usage error.
)";

const char* kReportDescription = R"(deepdiff-pairs report: write the study's page again.

usage: deepdiff-pairs report SAVE_ROOT

Writes SAVE_ROOT/report.html from SAVE_ROOT/results.csv, the summaries and the run folders
under SAVE_ROOT (a study's or a merge's folder): the results tables, the comparisons with the
baselines, the figures, and a link to every run's own page, writing the run pages that are
missing first (a study of an earlier version). One self-contained file; it fetches nothing.
deepdiff-pairs and deepdiff-pairs merge write it at their end.

Exit codes: 0 written; 1 no results.csv or an unreadable one; 2 usage error.
)";

const char* kMergeDescription = R"(deepdiff-pairs merge: join the results tables of shards (or of several studies of one recipe).

usage: deepdiff-pairs merge --save-root OUT DIR...

From each DIR it reads every results.shard-I-of-N.csv, or DIR/results.csv when there is none
(a DIR may also name a table file directly). Rows must be of one recipe (epochs, lr, batch,
hidden) and no (pair, variant, seed) may appear twice: otherwise it stops, naming both rows'
files and lines. It warns when a shard of an I-of-N set is absent. It writes OUT/results.csv and
OUT/results.md (canonical order: the paper's pairs, variants, seeds), OUT/summary_test_pcc.svg,
OUT/<pair>/attention_summary.csv/.svg (from the run folders under each DIR) and OUT/report.html
(links to the runs' pages where they lie). OUT may be one of the DIRs.

Exit codes: 0 merged; 1 unreadable, duplicate or inconsistent tables; 2 usage error.
)";


std::vector<std::string> split_list(const std::string& s, const std::string& flag) {
  std::vector<std::string> out;
  std::string cur;
  const auto push = [&]() {
    const std::size_t a = cur.find_first_not_of(" \t"), b = cur.find_last_not_of(" \t");
    if (a == std::string::npos) throw UsageError("--" + flag + ": empty item in '" + s + "'");
    out.push_back(cur.substr(a, b - a + 1));
    cur.clear();
  };
  for (char c : s) {
    if (c == ',') push();
    else cur += c;
  }
  push();
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (out[i] == out[j]) throw UsageError("--" + flag + ": '" + out[i] + "' given twice");
  return out;
}

struct StudyOptions {
  std::string data_root, save_root;
  std::vector<PairInfo> pairs;
  std::vector<std::string> models;  // variants and baselines
  std::vector<std::uint64_t> seeds;
  Settings settings;
  int shard_i = 1, shard_n = 1;
  bool synthetic = false;
  deepdiff::Index genes = 200, bins = 40;
  deepdiff::SynthRule rule = deepdiff::SynthRule::additive;
  int threads = 0;
  bool verbose = false, alpha_csv = true;
  bool report = true;  // each run's report.html and the study's (--no-report: neither)
  std::string command_line;  // this deepdiff-pairs command, shell-quoted: each run's metrics.json records it
};

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string absolute_dir(const std::string& d) {
  std::string s = std::filesystem::absolute(std::filesystem::path(d)).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The stand-in of one pair, generated once (synthetic.json records its configuration; a
// different one regenerates it).
std::string ensure_synthetic(const StudyOptions& o, const PairInfo& p) {
  const fs::path dir = fs::path(o.save_root) / synthetic_folder(o.rule) / p.id;
  const SyntheticRecord want{p.id, synthetic_config(p, o.genes, o.bins, o.rule)};
  const deepdiff::SynthConfig& c = want.config;
  const std::string marker = (dir / "synthetic.json").string();
  bool have = false;
  if (deepdiff::file_exists(marker)) {
    try {
      have = deepdiff_cli::Json::parse(deepdiff::read_file(marker)).get<SyntheticRecord>() == want;
    } catch (const std::exception&) {  // unreadable: generate it again
    }
  }
  for (const std::string& cell : {c.cell1, c.cell2})
    for (const char* s : {"train", "valid", "test", "expr"})
      have = have && deepdiff::file_exists((dir / (cell + "." + s + ".csv")).string());
  if (!have) {
    const deepdiff::SynthSummary s = deepdiff::write_synthetic(dir.string(), c);
    deepdiff::write_file_atomic(marker, deepdiff_cli::json_text(want));
    char b[200];
    std::snprintf(b, sizeof b,
                  ": %lld genes (%lld train, %lld valid, %lld test) x %lld bins, rule %s, effect %.2f, seed %llu, "
                  "noise ceiling (test PCC of a perfect model) %.3f",
                  static_cast<long long>(c.genes), static_cast<long long>(s.train), static_cast<long long>(s.valid),
                  static_cast<long long>(s.test), static_cast<long long>(c.bins), deepdiff::synth_rule_name(c.rule).c_str(),
                  c.effect, static_cast<unsigned long long>(c.seed), s.noise_ceiling[2]);
    std::cout << "synthetic stand-in of " << p.id << " in " << dir.string() << b << std::endl;
  }
  return absolute_dir(dir.string());
}

// The files of a pair that are not in its data folder, or "" when all are there.
std::string missing_files(const std::string& dir, const PairInfo& p) {
  std::string miss;
  for (const std::string& cell : {p.cell1, p.cell2})
    for (const char* s : {"train", "valid", "test", "expr"}) {
      const std::string f = cell + "." + s + ".csv";
      const std::string why = deepdiff::file_problem((fs::path(dir) / f).string());
      if (why.empty()) continue;
      miss += (miss.empty() ? "" : ", ") + f;
      if (why != "file not found") miss += " (" + why + ")";
    }
  return miss;
}

std::string table_stem(const StudyOptions& o) {
  return o.shard_n > 1 ? "results.shard-" + std::to_string(o.shard_i) + "-of-" + std::to_string(o.shard_n) : "results";
}

const char* kStudyTitle = "DeepDiff study: test PCC per cell-type pair and model";

void write_tables(const StudyOptions& o, std::vector<Row> rows, const std::string& source) {
  sort_rows(rows);
  const std::string stem = (fs::path(o.save_root) / table_stem(o)).string();
  deepdiff::write_file_atomic(stem + ".csv", results_csv(rows));
  std::string title = kStudyTitle;
  if (o.shard_n > 1) title += " (shard " + std::to_string(o.shard_i) + " of " + std::to_string(o.shard_n) + ")";
  deepdiff::write_file_atomic(stem + ".md", results_md(rows, title, source));
}

// The statistics of a whole study (unsharded, or merged): results.md again, now with each
// run's bootstrap interval, and comparisons.csv / comparisons.md (every DeepDiff variant
// against every baseline) when the table has both. Returns the files written.
std::vector<std::string> write_statistics(const std::string& out, const std::vector<Row>& rows, const std::string& source) {
  const StudyStatistics st = study_statistics(rows);
  for (const std::string& n : st.notes) std::cout << "statistics: " << n << std::endl;
  const IntervalLookup lookup = [&](const Row& r, double& lo, double& hi) {
    const deepdiff::Interval* i = st.interval(r.pair, r.variant, r.seed());
    if (!i || !std::isfinite(i->lo)) return false;
    lo = i->lo;
    hi = i->hi;
    return true;
  };
  std::vector<std::string> files;
  deepdiff::write_file_atomic((fs::path(out) / "results.md").string(), results_md(rows, kStudyTitle, source, lookup));
  if (!st.across.empty()) {
    deepdiff::write_file_atomic((fs::path(out) / "comparisons.csv").string(), comparisons_csv(st));
    deepdiff::write_file_atomic((fs::path(out) / "comparisons.md").string(), comparisons_md(st, source));
    files = {"comparisons.csv", "comparisons.md"};
  }
  return files;
}

std::string run_label(const Row& r) { return r.pair + " " + r.variant + " seed " + std::to_string(r.seed()); }

int run_study(const StudyOptions& o) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  deepdiff::make_directories(o.save_root);
  const std::vector<Job> jobs = make_jobs(o.pairs.size(), o.models, o.seeds);
  const std::vector<std::size_t> mine = shard_jobs(jobs.size(), o.shard_i, o.shard_n);
  const std::string data_abs = o.synthetic ? std::string() : absolute_dir(o.data_root);

  {
    std::ostringstream h;
    h << "deepdiff-pairs: " << o.pairs.size() << " pair" << (o.pairs.size() == 1 ? "" : "s") << " x "
      << o.models.size() << " model" << (o.models.size() == 1 ? "" : "s") << " x " << o.seeds.size() << " seed"
      << (o.seeds.size() == 1 ? "" : "s") << " = " << jobs.size() << " run" << (jobs.size() == 1 ? "" : "s");
    if (o.shard_n > 1)
      h << "; shard " << o.shard_i << " of " << o.shard_n << ": " << mine.size() << " run" << (mine.size() == 1 ? "" : "s");
    const deepdiff::TrainOptions& t = o.settings.train;
    h << "; " << t.epochs << " epoch" << (t.epochs == 1 ? "" : "s") << ", lr " << t.lr << ", batch " << t.batch_size
      << ", hidden " << o.settings.hidden;
    if (t.expression_scale != deepdiff::ExpressionScale::none)
      h << ", expression scale " << deepdiff::expression_scale_name(t.expression_scale);
    if (o.settings.precision != deepdiff::Precision::fp32) h << ", precision " << deepdiff::precision_name(o.settings.precision);
    h << "; data " << (o.synthetic ? "synthetic" : data_abs) << "; results in "
      << (fs::path(o.save_root) / (table_stem(o) + ".csv")).string();
    std::cout << h.str() << std::endl;
  }

  // Data of the pairs this shard touches: generated (synthetic) or checked for missing files.
  std::vector<std::string> pair_data(o.pairs.size()), pair_missing(o.pairs.size());
  std::vector<bool> touched(o.pairs.size(), false);
  for (std::size_t j : mine) touched[jobs[j].pair] = true;
  for (std::size_t p = 0; p < o.pairs.size(); ++p) {
    if (!touched[p]) continue;
    pair_data[p] = o.synthetic ? ensure_synthetic(o, o.pairs[p]) : data_abs;
    const std::string miss = missing_files(pair_data[p], o.pairs[p]);
    if (!miss.empty()) {
      pair_missing[p] = "missing data: " + miss + " not in " + pair_data[p];
      std::size_t n = 0;
      for (std::size_t j : mine) n += jobs[j].pair == p;
      std::cout << o.pairs[p].id << ": " << pair_missing[p] << "; "
                << (n == 1 ? "its run is" : "its " + std::to_string(n) + " runs are")
                << " skipped, the other pairs go on" << std::endl;
    }
  }

  // Rows: finished runs from their metrics.json, the others pending.
  std::vector<Row> rows;
  std::vector<bool> to_train(mine.size(), false);
  for (std::size_t k = 0; k < mine.size(); ++k) {
    const Job& jb = jobs[mine[k]];
    const PairInfo& p = o.pairs[jb.pair];
    Row r;
    r.pair = p.id;
    r.cell1 = p.cell1;
    r.cell2 = p.cell2;
    r.cells = p.cells;
    r.variant = jb.model;
    r.settings = o.settings;
    r.settings.train.seed = jb.seed;
    r.source_root = o.save_root;
    if (!pair_missing[jb.pair].empty()) {
      r.status = pair_missing[jb.pair];
    } else {
      const RunCheck c = inspect_run(run_dir(o.save_root, r.pair, r.variant, r.seed()), r, pair_data[jb.pair], o.synthetic,
                                     o.genes, o.bins, synthetic_folder(o.rule));
      if (c.kind == RunCheck::complete) r = c.row;
      else to_train[k] = true;
    }
    rows.push_back(r);
  }
  std::string source = o.synthetic ? "Data: synthetic stand-ins (rule " + deepdiff::synth_rule_name(o.rule) +
                                         ") generated in " + (fs::path(o.save_root) / synthetic_folder(o.rule)).string() +
                                         "/<pair>/."
                                   : "Data: " + data_abs + ".";
  write_tables(o, rows, source);

  std::size_t left_to_train = 0;
  for (bool b : to_train) left_to_train += b;
  double trained_seconds = 0;
  int trained = 0;
  const std::size_t N = mine.size();
  // One run, with its lock held: reuse it when another process finished it meanwhile, else
  // train (or continue) it; update its row and the tables.
  std::vector<std::size_t> deferred;
  const auto train_locked = [&](std::size_t k, const std::string& idx) {
    Row& r = rows[k];
    const Job& jb = jobs[mine[k]];
    const std::string dir = run_dir(o.save_root, r.pair, r.variant, r.seed());
    {
      const RunCheck done = inspect_run(dir, r, pair_data[jb.pair], o.synthetic, o.genes, o.bins, synthetic_folder(o.rule));
      if (done.kind == RunCheck::complete) {
        r = done.row;
        --left_to_train;
        std::cout << idx << ": finished by another process (test PCC " << fixed(r.test_pcc, 4) << ", best epoch "
                  << r.best_epoch << "), not retrained" << std::endl;
        write_tables(o, rows, source);
        return;
      }
    }
    std::cout << idx << " ..." << std::endl;
    const auto r0 = clock::now();
    const Row want = r;
    try {
      const RunCheck before = inspect_run(dir, want, pair_data[jb.pair], o.synthetic, o.genes, o.bins, synthetic_folder(o.rule));
      if (before.kind == RunCheck::conflict) throw std::runtime_error(before.reason);
      if (!before.reason.empty()) std::cout << "  note: " << before.reason << std::endl;
      if (before.kind == RunCheck::partial && before.was_complete)
        std::cout << "  extending a finished run of " << before.epochs_done << " epochs to " << o.settings.train.epochs
                  << " (from its state.bin)" << std::endl;
      else if (before.kind == RunCheck::partial && before.epochs_done > 0)
        std::cout << "  continuing an interrupted run after epoch " << before.epochs_done << " of "
                  << o.settings.train.epochs << " (from its state.bin)" << std::endl;
      deepdiff::make_directories(dir);
      const std::string log_path = (fs::path(dir) / "train.log").string();
      std::ofstream logf(log_path, std::ios::app);
      if (!logf) throw std::runtime_error("cannot write " + log_path);
      TeeBuf tee(logf.rdbuf(), o.verbose ? std::cout.rdbuf() : nullptr);
      std::ostream log(&tee);
      deepdiff_cli::RunOptions ro;
      ro.data_root = pair_data[jb.pair];
      ro.cell1 = r.cell1;
      ro.cell2 = r.cell2;
      ro.model_name = r.variant;
      ro.save_root = dir;
      ro.train = r.settings.train;
      ro.hidden1 = r.settings.hidden;
      ro.precision = r.settings.precision;
      ro.threads = o.threads;
      ro.resume = true;
      ro.lock = false;  // held here, around the whole run (train.log included)
      ro.alpha_csv = o.alpha_csv;
      ro.report = o.report;
      ro.command_line = o.command_line;
      ro.version = deepdiff_cli::build_version();
      ro.commit = deepdiff_cli::build_commit();
      log << "deepdiff-pairs " << run_label(r) << "\n";
      deepdiff_cli::run_training(ro, log);
      log.flush();
      const RunCheck after = inspect_run(dir, want, pair_data[jb.pair], o.synthetic, o.genes, o.bins, synthetic_folder(o.rule));
      if (after.kind != RunCheck::complete)
        throw std::runtime_error("the run ended but " + (fs::path(dir) / "metrics.json").string() + " is not complete" +
                                 (after.reason.empty() ? "" : ": " + after.reason));
      r = after.row;
    } catch (const std::exception& e) {
      r = want;
      r.status = "error: " + one_line(e.what());
    }
    const double secs = std::chrono::duration<double>(clock::now() - r0).count();
    trained_seconds += secs;
    ++trained;
    --left_to_train;
    std::ostringstream line;
    line << idx << ": ";
    if (r.ok()) {
      line << "test PCC " << fixed(r.test_pcc, 4) << ", MSE " << fixed(r.test_mse, 4) << " (best epoch " << r.best_epoch
           << ", valid PCC " << fixed(r.valid_pcc, 4) << ")";
    } else {
      line << r.status;
    }
    line << "; " << deepdiff_cli::format_duration(secs);
    if (left_to_train > 0)
      line << "; ETA " << deepdiff_cli::format_duration(trained_seconds / trained * static_cast<double>(left_to_train))
           << " for " << left_to_train << " more run" << (left_to_train == 1 ? "" : "s");
    std::cout << line.str() << std::endl;
    write_tables(o, rows, source);
  };
  for (std::size_t k = 0; k < N; ++k) {
    Row& r = rows[k];
    const std::string idx = "[" + std::to_string(k + 1) + "/" + std::to_string(N) + "] " + run_label(r);
    if (r.kind() == "missing data") {
      std::cout << idx << ": skipped (missing data)" << std::endl;
      continue;
    }
    if (!to_train[k]) {
      std::cout << idx << ": already complete (test PCC " << fixed(r.test_pcc, 4) << ", best epoch " << r.best_epoch
                << "), not retrained" << std::endl;
      continue;
    }
    const std::string dir = run_dir(o.save_root, r.pair, r.variant, r.seed());
    try {
      deepdiff::make_directories(dir);
      auto lock = std::make_unique<deepdiff_cli::RunLock>(dir);
      if (!lock->acquire(false)) {
        std::cout << idx << ": being trained by another process (" << lock->holder() << "); back to it at the end"
                  << std::endl;
        deferred.push_back(k);
        continue;
      }
      train_locked(k, idx);
    } catch (const std::exception& e) {
      r.status = "error: " + one_line(e.what());
      std::cout << idx << ": " << r.status << std::endl;
      write_tables(o, rows, source);
    }
  }
  // Runs another process was training: wait for its lock, then take its result, or train
  // the run here if that process stopped before finishing it.
  for (std::size_t k : deferred) {
    Row& r = rows[k];
    const std::string idx = "[" + std::to_string(k + 1) + "/" + std::to_string(N) + "] " + run_label(r);
    try {
      deepdiff_cli::RunLock lock(run_dir(o.save_root, r.pair, r.variant, r.seed()));
      if (!lock.acquire(false)) {
        std::cout << idx << ": waiting for the other process (" << lock.holder() << ")" << std::endl;
        lock.acquire(true);
      }
      train_locked(k, idx);
    } catch (const std::exception& e) {
      r.status = "error: " + one_line(e.what());
      std::cout << idx << ": " << r.status << std::endl;
      write_tables(o, rows, source);
    }
  }

  const Tally t = tally(rows);
  const std::string stem = (fs::path(o.save_root) / table_stem(o)).string();
  std::cout << "done in " << deepdiff_cli::format_duration(std::chrono::duration<double>(clock::now() - t0).count())
            << ": " << t.ok << " ok, " << t.missing << " missing data, " << t.errors << " failed; table "
            << stem << ".csv and " << stem << ".md" << std::endl;
  if (o.shard_n > 1) {
    std::cout << "when every shard is done: deepdiff-pairs merge --save-root FINAL " << o.save_root
              << " [the other shards' save-roots]" << std::endl;
  } else {
    std::vector<Row> sorted = rows;
    sort_rows(sorted);
    std::vector<std::string> files = write_summaries(o.save_root, sorted, std::cout);
    for (const std::string& f : write_statistics(o.save_root, sorted, source)) files.push_back(f);
    std::cout << "summaries:";
    for (const std::string& f : files) std::cout << " " << (fs::path(o.save_root) / f).string();
    std::cout << std::endl;
    if (o.report)
      std::cout << "report: "
                << write_study_report(o.save_root, sorted, source, deepdiff_cli::version_line(), std::cout)
                << " (open it in a browser)" << std::endl;
  }
  return t.ok == static_cast<int>(rows.size()) ? 0 : 1;
}

int cmd_study(int argc, char** argv) {
  cxxopts::Options o("deepdiff-pairs", kDescription);
  o.custom_help("[options]");
  o.add_options()("h,help", "show this help")("version", "print the version and the git commit it was built from");
  o.add_options("study")
      ("data-root", "folder with CELL.{train,valid,test,expr}.csv for every cell of the pairs", cxxopts::value<std::string>())
      ("save-root", "output folder (created); the study resumes from what it holds", cxxopts::value<std::string>())
      ("pairs", "comma-separated pairs CELL1-CELL2 (default: the paper's ten)", cxxopts::value<std::string>())
      ("model-names", "comma-separated models: DeepDiff variants and baselines (default: the seven variants and the four baselines)", cxxopts::value<std::string>())
      ("seeds", "comma-separated seeds of initialization and shuffling", cxxopts::value<std::string>()->default_value("1"))
      ("shard", "run shard i of n (1-based) of the (pair, variant, seed) list", cxxopts::value<std::string>())
      ("threads", "OpenMP threads per run, at most 1024 (0: all cores / OMP_NUM_THREADS)", cxxopts::value<long long>()->default_value("0"))
      ("verbose", "also print every epoch line (always in each run's train.log)")
      ("no-alpha-csv", "do not write attention_alpha.csv per run (large: test genes x channels x bins; ~200 MB per raw* run on 6,100 test genes)")
      ("no-report", "write no report.html (neither each run's page nor the study's; `deepdiff-pairs report` writes them later)");
  o.add_options("recipe")
      ("epochs", "epochs per run (paper: 120)", cxxopts::value<long long>()->default_value("120"))
      ("lr", "Adam learning rate (at most 1)", cxxopts::value<double>()->default_value("0.0001"))
      ("batch-size", "genes per batch", cxxopts::value<long long>()->default_value("10"))
      ("hidden", "level-1 LSTM hidden size per direction, even, >= 2 (level 2 uses half)", cxxopts::value<long long>()->default_value("32"))
      ("expression-scale", std::string(deepdiff_cli::kExpressionScaleHelp) + "; every run of the study uses it", cxxopts::value<std::string>()->default_value("none"))
      ("precision", std::string(deepdiff_cli::kPrecisionHelp) + "; every run of the study uses it (the baselines without LSTMs compute as they do in fp32)", cxxopts::value<std::string>()->default_value("fp32"));
  o.add_options("synthetic")
      ("synthetic", "generate a stand-in for every pair (OUT/synthetic-data/<pair>/, its own seed and effect 0.6..1.5) and study those")
      ("genes", "synthetic genes per pair (split 60/20/20)", cxxopts::value<long long>()->default_value("200"))
      ("bins", "synthetic bins per gene", cxxopts::value<long long>()->default_value("40"))
      ("synthetic-rule", "how expression depends on the marks: additive (near-linear in windowed sums) or combinatorial (interactions and peak positions; deepdiff synth --help)", cxxopts::value<std::string>()->default_value("additive"));
  auto r = parse_options(o, argc, argv);
  if (r.count("help")) {
    std::cout << o.help({"", "study", "recipe", "synthetic"}) << "\n";
    return 0;
  }
  if (r.count("version")) {
    std::cout << deepdiff_cli::version_line() << "\n";
    return 0;
  }
  StudyOptions s;
  s.command_line = deepdiff_cli::quoted_command_line(argc, argv);
  s.synthetic = r.count("synthetic") > 0;
  if (!r.count("save-root")) throw UsageError("--save-root is required");
  s.save_root = r["save-root"].as<std::string>();
  if (s.save_root.empty()) throw UsageError("--save-root is empty");
  if (s.synthetic) {
    if (r.count("data-root")) throw UsageError("--data-root and --synthetic exclude each other");
  } else {
    if (!r.count("data-root")) throw UsageError("--data-root is required (or --synthetic)");
    s.data_root = r["data-root"].as<std::string>();
    if (r.count("genes") || r.count("bins") || r.count("synthetic-rule"))
      throw UsageError("--genes, --bins and --synthetic-rule apply only with --synthetic");
  }
  if (r.count("pairs")) {
    for (const std::string& id : split_list(r["pairs"].as<std::string>(), "pairs")) {
      try {
        s.pairs.push_back(parse_pair(id, s.synthetic));
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--pairs: ") + e.what());
      }
    }
  } else {
    for (const PairInfo& p : published_pairs()) s.pairs.push_back(parse_pair(p.id, s.synthetic));
  }
  if (r.count("model-names")) {
    for (const std::string& v : split_list(r["model-names"].as<std::string>(), "model-names")) {
      try {
        s.models.push_back(deepdiff::check_model_name(v));
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--model-names: ") + e.what());
      }
    }
  } else {
    for (const std::string& m : deepdiff::model_names()) {
      if (m == "xgboost" && !deepdiff::xgboost_available()) {
        std::cout << "note: the xgboost baseline is left out: " << deepdiff::xgboost_missing_reason() << std::endl;
        continue;
      }
      s.models.push_back(m);
    }
  }
  for (const std::string& x : split_list(r["seeds"].as<std::string>(), "seeds")) {
    long long v = 0;
    if (!parse_integer(x, v)) throw UsageError("--seeds: '" + x + "' is not a non-negative integer");
    s.seeds.push_back(static_cast<std::uint64_t>(v));
  }
  if (r.count("shard")) {
    const std::string sh = r["shard"].as<std::string>();
    const std::size_t slash = sh.find('/');
    long long i = 0, n = 0;
    if (slash == std::string::npos || !parse_integer(sh.substr(0, slash), i) || !parse_integer(sh.substr(slash + 1), n) ||
        n < 1 || i < 1 || i > n || n > 1000000)
      throw UsageError("--shard: '" + sh + "' is not i/n with 1 <= i <= n (e.g. 3/10)");
    s.shard_i = static_cast<int>(i);
    s.shard_n = static_cast<int>(n);
  }
  s.settings.train.epochs = static_cast<int>(deepdiff_cli::int_flag(r, "epochs", 1, deepdiff_cli::kMaxEpochs));
  s.settings.train.lr = deepdiff_cli::real_flag(r, "lr", 0, deepdiff_cli::kMaxLr, /*lo_open=*/true);
  s.settings.train.batch_size = static_cast<deepdiff::Index>(deepdiff_cli::int_flag(r, "batch-size", 1, deepdiff_cli::kMaxBatch));
  s.settings.hidden = static_cast<deepdiff::Index>(deepdiff_cli::hidden_flag(r));
  s.settings.train.expression_scale = deepdiff_cli::expression_scale_flag(r);
  s.settings.precision = deepdiff_cli::precision_flag(r);
  deepdiff_cli::check_precision_hidden(s.settings.precision, s.settings.hidden, "--hidden");
  s.threads = deepdiff_cli::threads_flag(r);
  s.genes = static_cast<deepdiff::Index>(deepdiff_cli::int_flag(r, "genes", 10, deepdiff_cli::kMaxSynthGenes));
  s.bins = static_cast<deepdiff::Index>(deepdiff_cli::int_flag(r, "bins", 1, deepdiff_cli::kMaxSynthBins));
  if (s.synthetic) deepdiff_cli::check_synthetic_size(s.genes, s.bins);
  try {
    s.rule = deepdiff::parse_synth_rule(r["synthetic-rule"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--synthetic-rule: ") + e.what());
  }
  // Every run's model must fit before the save-root is created (real data: the bins are not
  // known yet, the parameters do not depend on them; each run checks again with its data).
  for (const std::string& m : s.models) {
    if (!deepdiff::is_variant_name(m)) continue;  // the baselines are small (deepchrome: 1.3 M parameters)
    deepdiff::ModelConfig c;
    c.variant = deepdiff::parse_variant(m);
    c.hidden1 = s.settings.hidden;
    c.bins = s.synthetic ? s.bins : 1;
    deepdiff_cli::check_training_memory(c, s.settings.train.batch_size);
  }
  s.verbose = r.count("verbose") > 0;
  s.alpha_csv = r.count("no-alpha-csv") == 0;
  s.report = r.count("no-report") == 0;
  return run_study(s);
}

// Tables of one merge input: its shard tables, else its results.csv, or the file itself.
std::vector<std::pair<std::string, std::string>> tables_of(const std::string& input) {
  std::error_code ec;
  std::vector<std::pair<std::string, std::string>> out;  // (table, run folders' root)
  if (fs::is_regular_file(input, ec)) {
    const std::string parent = fs::path(input).parent_path().string();
    out.emplace_back(input, parent.empty() ? "." : parent);
    return out;
  }
  if (!fs::is_directory(input, ec)) throw std::runtime_error("'" + input + "' is neither a folder nor a table");
  for (fs::directory_iterator it(input, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.rfind("results.shard-", 0) == 0 && n.size() > 4 && n.compare(n.size() - 4, 4, ".csv") == 0)
      out.emplace_back(it->path().string(), input);
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) {
    const std::string t = (fs::path(input) / "results.csv").string();
    if (!deepdiff::file_exists(t))
      throw std::runtime_error("" + input + " has no results.shard-*-of-*.csv and no results.csv");
    out.emplace_back(t, input);
  }
  return out;
}

int cmd_merge(int argc, char** argv) {
  cxxopts::Options o("deepdiff-pairs merge", kMergeDescription);
  o.custom_help("--save-root OUT DIR...");
  o.add_options()("h,help", "show this help")
      ("save-root", "output folder of the merged table and summaries (created)", cxxopts::value<std::string>())
      ("inputs", "shards' save-roots or table files", cxxopts::value<std::vector<std::string>>());
  o.parse_positional({"inputs"});
  o.positional_help("DIR...");
  auto r = parse_options(o, argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  if (!r.count("save-root")) throw UsageError("--save-root is required");
  if (!r.count("inputs")) throw UsageError("give at least one DIR to merge");
  const std::string out = r["save-root"].as<std::string>();
  std::vector<Row> rows;
  std::vector<std::string> tables;
  std::map<std::string, std::set<int>> shard_sets;  // "of-N" -> the i seen
  std::set<std::string> seen_tables;
  for (const std::string& in : r["inputs"].as<std::vector<std::string>>()) {
    for (const auto& t : tables_of(in)) {
      std::error_code ec;
      const std::string canon = std::filesystem::weakly_canonical(t.first, ec).string();
      if (!seen_tables.insert(ec ? t.first : canon).second)
        throw std::runtime_error("the table " + t.first + " is given twice (" + in + ")");
      std::vector<Row> got = read_results(t.first, t.second);
      rows.insert(rows.end(), got.begin(), got.end());
      tables.push_back(t.first + " (" + std::to_string(got.size()) + " rows)");
      const std::string n = std::filesystem::path(t.first).filename().string();
      int i = 0, k = 0;
      if (std::sscanf(n.c_str(), "results.shard-%d-of-%d.csv", &i, &k) == 2) shard_sets[std::to_string(k)].insert(i);
    }
  }
  check_merge(rows);
  for (const auto& s : shard_sets) {
    const int n = std::stoi(s.first);
    std::string absent;
    for (int i = 1; i <= n; ++i)
      if (!s.second.count(i)) absent += (absent.empty() ? "" : ", ") + std::to_string(i);
    if (!absent.empty())
      std::cerr << "deepdiff-pairs merge: warning: shard(s) " << absent << " of " << n
                << " not among the inputs; the table lacks their runs" << std::endl;
  }
  sort_rows(rows);
  deepdiff::make_directories(out);
  std::string source = "Merged from:";
  for (const std::string& t : tables) source += " " + t + ";";
  source.back() = '.';
  deepdiff::write_file_atomic((fs::path(out) / "results.csv").string(), results_csv(rows));
  std::vector<std::string> files = write_summaries(out, rows, std::cout);
  for (const std::string& f : write_statistics(out, rows, source)) files.push_back(f);
  const Tally t = tally(rows);
  std::cout << "merged " << rows.size() << " rows from " << tables.size() << " table" << (tables.size() == 1 ? "" : "s")
            << " (" << t.ok << " ok, " << t.pending << " pending, " << t.missing << " missing data, " << t.errors
            << " failed) into " << (fs::path(out) / "results.csv").string() << " and results.md; summaries:";
  for (const std::string& f : files) std::cout << " " << f;
  std::cout << std::endl;
  std::cout << "report: " << write_study_report(out, rows, source, deepdiff_cli::version_line(), std::cout)
            << " (open it in a browser)" << std::endl;
  return 0;
}

// deepdiff-pairs report SAVE_ROOT: the study page again (and the pages its runs lack), from
// SAVE_ROOT/results.csv and the run folders under SAVE_ROOT.
int cmd_report(int argc, char** argv) {
  cxxopts::Options opts("deepdiff-pairs report", kReportDescription);
  opts.add_options()("h,help", "show this help")("dirs", "", cxxopts::value<std::vector<std::string>>());
  opts.parse_positional({"dirs"});
  opts.positional_help("SAVE_ROOT");
  auto r = parse_options(opts, argc, argv);
  if (r.count("help")) {
    std::cout << opts.help() << "\n";
    return 0;
  }
  if (!r.count("dirs") || r["dirs"].as<std::vector<std::string>>().size() != 1)
    throw UsageError("give one SAVE_ROOT: the folder of a study or of a merge");
  const std::string root = r["dirs"].as<std::vector<std::string>>().front();
  const std::string table = (fs::path(root) / "results.csv").string();
  if (!deepdiff::file_exists(table))
    throw std::runtime_error(table + " does not exist: is " + root +
                             " a study folder? (a shard's folder has results.shard-I-of-N.csv: merge the shards first)");
  std::vector<Row> rows = read_results(table, root);
  sort_rows(rows);
  std::cout << "report: " << write_study_report(root, rows, "Results of " + table + ".", deepdiff_cli::version_line(), std::cout)
            << " (open it in a browser)" << std::endl;
  return 0;
}

}  // namespace

int DEEPDIFF_MAIN(int argc, char** argv) {  // main, or this copy's entry (common/version.hpp)
  const std::string sub = argc >= 2 ? argv[1] : "";
  const bool merge = sub == "merge", report = sub == "report";
  const char* what = merge ? "deepdiff-pairs merge" : report ? "deepdiff-pairs report" : "deepdiff-pairs";
  try {
    if (report) return cmd_report(argc - 1, argv + 1);
    return merge ? cmd_merge(argc - 1, argv + 1) : cmd_study(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s\n(see %s --help)\n", what, e.what(), what);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", what, e.what());
    return 1;
  }
}
