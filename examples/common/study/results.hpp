// The study's results (deepdiff-pairs): one row per run (pair x variant x seed), the table as
// CSV and Markdown, reading tables back and checking that merged tables are of one study, and
// a run's row from its metrics.json (so a finished run is never repeated, and its row is the
// same whoever reads it).
#pragma once

#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/errors.hpp>
#include <deepdiff/io/read_file.hpp>
#include <deepdiff/model/variant.hpp>
#include <deepdiff/train/trainer.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../metrics.hpp"
#include "../run.hpp"
#include "pairs.hpp"

namespace deepdiff_study {

// The study's recipe: the library's training options (their seed is each run's own) and the
// model settings a study chooses, the level-1 hidden size and the precision of its products.
struct Settings {
  deepdiff::TrainOptions train;
  Index hidden = 32;
  deepdiff::Precision precision = deepdiff::Precision::fp32;
};

// ---------------------------------------------------------------------------------------
// Rows of the results table

struct Row {
  std::string pair, cell1, cell2, cells, variant;
  Settings settings;  // settings.train.seed: the run's seed
  int best_epoch = 0;  // 0: none (not finished)
  double valid_pcc = std::numeric_limits<double>::quiet_NaN();
  double test_pcc = std::numeric_limits<double>::quiet_NaN();
  double test_mse = std::numeric_limits<double>::quiet_NaN();
  double train_seconds = std::numeric_limits<double>::quiet_NaN();
  std::string status = "pending";  // ok, pending, missing data: ..., error: ...
  // Not in the table: where the run's folder lies (SAVE_ROOT of the study that ran it) and,
  // for rows read from a table, FILE:LINE (for merge's messages).
  std::string source_root, origin;

  std::uint64_t seed() const { return settings.train.seed; }
  bool ok() const { return status == "ok"; }
  std::string kind() const {  // the status up to its first ':'
    const std::size_t c = status.find(':');
    return c == std::string::npos ? status : status.substr(0, c);
  }
};

// expression_scale (train --expression-scale) and precision (--precision) are columns so that
// merge can refuse to mix them: a y of raw counts and a y of size-factor-scaled counts are
// different targets, and a bf16 study is not an fp32 one.
inline const std::vector<std::string>& table_columns() {
  static const std::vector<std::string> c = {"pair",      "cell_1",    "cell_2",   "cells",     "variant",
                                             "seed",      "epochs",    "lr",       "batch_size", "hidden",
                                             "expression_scale", "precision", "best_epoch", "valid_pcc", "test_pcc",
                                             "test_mse", "train_seconds", "status"};
  return c;
}

// The columns added since the first tables, in the order they were added, and the value a table
// without one meant (the only one there was): expression_scale none, precision fp32.
inline const std::vector<std::pair<std::string, std::string>>& added_columns() {
  static const std::vector<std::pair<std::string, std::string>> c = {{"expression_scale", "none"}, {"precision", "fp32"}};
  return c;
}

// Canonical order of a table: the spec's pairs in its order, then other pairs by name;
// variants in the paper's order; seeds ascending. Sharded and unsharded studies agree.
inline void sort_rows(std::vector<Row>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const int pa = published_index(a.pair), pb = published_index(b.pair);
    if (pa != pb) return pa < pb;
    if (a.pair != b.pair) return a.pair < b.pair;
    const int va = variant_index(a.variant), vb = variant_index(b.variant);
    if (va != vb) return va < vb;
    return a.seed() < b.seed();
  });
}

inline std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

inline std::string num_or_blank(double v) { return std::isfinite(v) ? deepdiff::csv_number(v) : std::string(); }

inline std::string results_csv(const std::vector<Row>& rows) {
  deepdiff::CsvWriter w;
  w.header(table_columns());
  for (const Row& r : rows) {
    w.row(std::vector<std::string>{
        r.pair, r.cell1, r.cell2, r.cells, r.variant, std::to_string(r.seed()), std::to_string(r.settings.train.epochs),
        deepdiff::csv_number(r.settings.train.lr), std::to_string(r.settings.train.batch_size), std::to_string(r.settings.hidden),
        deepdiff::expression_scale_name(r.settings.train.expression_scale), deepdiff::precision_name(r.settings.precision),
        r.best_epoch > 0 ? std::to_string(r.best_epoch) : std::string(), num_or_blank(r.valid_pcc),
        num_or_blank(r.test_pcc), num_or_blank(r.test_mse), fixed(r.train_seconds, 3), r.status});
  }
  return w.str();
}

inline std::string md_cell(std::string s) {
  std::string o;
  for (char c : s) {
    if (c == '|') o += "\\|";
    else if (c == '\n' || c == '\r') o += ' ';
    else o += c;
  }
  return o;
}

struct Tally {
  int ok = 0, pending = 0, missing = 0, errors = 0;
  double train_seconds = 0;
  int epochs = 0;
};

inline Tally tally(const std::vector<Row>& rows) {
  Tally t;
  for (const Row& r : rows) {
    const std::string k = r.kind();
    if (k == "ok") {
      ++t.ok;
      if (std::isfinite(r.train_seconds)) t.train_seconds += r.train_seconds;
      t.epochs += r.settings.train.epochs;
    } else if (k == "pending") {
      ++t.pending;
    } else if (k == "missing data") {
      ++t.missing;
    } else {
      ++t.errors;
    }
  }
  return t;
}

inline double mean_of(const std::vector<double>& v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

inline double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// Pairs and variants present in the rows, in table order.
inline std::vector<std::string> pairs_of(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const Row& r : rows)
    if (std::find(out.begin(), out.end(), r.pair) == out.end()) out.push_back(r.pair);
  return out;
}
inline std::vector<std::string> variants_of(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const Row& r : rows)
    if (std::find(out.begin(), out.end(), r.variant) == out.end()) out.push_back(r.variant);
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return variant_index(a) < variant_index(b); });
  return out;
}

// Test PCCs of the finished runs of (pair, variant), one per seed.
inline std::vector<double> test_pccs(const std::vector<Row>& rows, const std::string& pair, const std::string& variant) {
  std::vector<double> v;
  for (const Row& r : rows)
    if (r.ok() && r.pair == pair && r.variant == variant && std::isfinite(r.test_pcc)) v.push_back(r.test_pcc);
  return v;
}

// A run's 95% bootstrap interval of its test PCC (lo, hi), when known (study/comparisons.hpp).
using IntervalLookup = std::function<bool(const Row&, double& lo, double& hi)>;

// results.md: the recipe, the paper-style table (pairs x models, test PCC: mean +- sd over
// seeds, or the 95% bootstrap interval with one seed; the best model of each pair in bold),
// every run, and notes.
inline std::string results_md(const std::vector<Row>& rows, const std::string& title, const std::string& source,
                              const IntervalLookup& interval = nullptr) {
  std::string o = "# " + title + "\n\n";
  const Tally t = tally(rows);
  std::set<std::string> seeds;
  for (const Row& r : rows) seeds.insert(std::to_string(r.seed()));
  if (!rows.empty()) {
    const Settings& s = rows.front().settings;
    char b[256];
    std::snprintf(b, sizeof b,
                  "Recipe: %d epoch(s) (the epoch with the best validation PCC is kept and scored on test), Adam lr %g, "
                  "batch %lld, level-1 hidden %lld, gradient clipping %g;",
                  s.train.epochs, s.train.lr, static_cast<long long>(s.train.batch_size),
                  static_cast<long long>(s.hidden), s.train.clip);
    o += b;
    if (s.train.expression_scale != deepdiff::ExpressionScale::none)
      o += std::string(" expression scaled by ") + deepdiff::expression_scale_name(s.train.expression_scale) + ";";
    if (s.precision != deepdiff::Precision::fp32)
      o += std::string(" LSTM products in ") + deepdiff::precision_name(s.precision) + ";";
    o += seeds.size() == 1 ? " seed " : " seeds ";
    bool first = true;
    for (const std::string& x : seeds) o += (first ? "" : ", ") + x, first = false;
    o += ".\n";
  }
  if (!source.empty()) o += source + "\n";
  o += "\nRuns: " + std::to_string(rows.size()) + " (" + std::to_string(t.ok) + " ok, " + std::to_string(t.pending) +
       " pending, " + std::to_string(t.missing) + " missing data, " + std::to_string(t.errors) +
       " errors). Training time of the finished runs: " + deepdiff_cli::format_duration(t.train_seconds) + " (" +
       fixed(t.train_seconds, 0) + " s).\n";

  const std::vector<std::string> pairs = pairs_of(rows), variants = variants_of(rows);
  o += "\n## Test PCC per pair and model";
  o += seeds.size() > 1 ? " (mean over seeds; +- sd; the best of each pair in bold)\n\n"
                        : (interval ? " (95% bootstrap interval; the best of each pair in bold)\n\n"
                                    : " (the best of each pair in bold)\n\n");
  o += "| pair | cells |";
  for (const std::string& v : variants) o += " " + v + " |";
  o += "\n|---|---|";
  for (std::size_t i = 0; i < variants.size(); ++i) o += "---:|";
  o += "\n";
  for (const std::string& p : pairs) {
    std::string cells;
    for (const Row& r : rows)
      if (r.pair == p) cells = r.cells;
    o += "| " + md_cell(p) + " | " + md_cell(cells) + " |";
    double best = -std::numeric_limits<double>::infinity();
    for (const std::string& v : variants) {
      const std::vector<double> x = test_pccs(rows, p, v);
      if (!x.empty() && mean_of(x) > best) best = mean_of(x);
    }
    for (const std::string& v : variants) {
      const std::vector<double> x = test_pccs(rows, p, v);
      std::string cell = x.empty() ? "-" : fixed(mean_of(x), 4);
      if (x.size() > 1) cell += " +- " + fixed(sd_of(x), 4);
      if (x.size() == 1 && interval) {
        for (const Row& r : rows) {
          double lo = 0, hi = 0;
          if (r.ok() && r.pair == p && r.variant == v && interval(r, lo, hi))
            cell += " [" + fixed(lo, 3) + ", " + fixed(hi, 3) + "]";
        }
      }
      if (!x.empty() && mean_of(x) == best) cell = "**" + cell + "**";
      o += " " + cell + " |";
    }
    o += "\n";
  }

  o += "\n## All runs\n\n";
  o += "| pair | cells | variant | seed | best epoch | valid PCC | test PCC | test MSE | training time (s) | status |\n";
  o += "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (const Row& r : rows) {
    o += "| " + md_cell(r.pair) + " | " + md_cell(r.cells) + " | " + r.variant + " | " + std::to_string(r.seed()) + " | " +
         (r.best_epoch > 0 ? std::to_string(r.best_epoch) : "") + " | " + fixed(r.valid_pcc, 4) + " | " +
         fixed(r.test_pcc, 4) + " | " + fixed(r.test_mse, 4) + " | " + fixed(r.train_seconds, 1) + " | " +
         md_cell(r.kind()) + " |\n";
  }

  // Full messages of what went wrong, once per distinct message.
  std::vector<std::string> notes;
  for (const Row& r : rows) {
    if (r.ok() || r.kind() == "pending" || r.status == r.kind()) continue;
    const std::string n = r.kind() == "missing data" ? r.pair + ": " + r.status
                                                      : r.pair + " " + r.variant + " seed " + std::to_string(r.seed()) +
                                                            ": " + r.status;
    if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
  }
  if (!notes.empty()) {
    o += "\n## Notes\n\n";
    for (const std::string& n : notes) o += "- " + md_cell(n) + "\n";
  }
  return o;
}

inline bool parse_double(const std::string& s, double& out) {
  if (s.empty()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s == "NaN" || s == "nan") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  try {
    std::size_t used = 0;
    out = std::stod(s, &used);
    return used == s.size();
  } catch (const std::exception&) {
    return false;
  }
}

inline bool parse_integer(const std::string& s, long long& out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 18) return false;
  out = std::stoll(s);
  return true;
}

// Rows of a results table written by results_csv (a study's, a shard's, or a merge's).
inline std::vector<Row> read_results(const std::string& path, const std::string& source_root) {
  const deepdiff::CsvTable t = deepdiff::read_csv_table(path, deepdiff::read_file(path));
  // The header is table_columns() or an older version's, which lacks the last `lacks` of
  // added_columns(); `missing` holds (position in table_columns(), value) of those.
  std::vector<std::pair<std::size_t, std::string>> missing;
  bool known = false;
  const std::vector<std::pair<std::string, std::string>>& added = added_columns();
  for (std::size_t lacks = 0; lacks <= added.size() && !known; ++lacks) {
    std::vector<std::string> cols;
    missing.clear();
    for (const std::string& c : table_columns()) {
      std::size_t a = 0;
      while (a < added.size() && added[a].first != c) ++a;
      if (a < added.size() && a + lacks >= added.size()) missing.emplace_back(cols.size() + missing.size(), added[a].second);
      else cols.push_back(c);
    }
    known = t.header == cols;
  }
  if (!known) {
    std::string want;
    for (const std::string& c : table_columns()) want += (want.empty() ? "" : ",") + c;
    throw deepdiff::DataError(path, 1, "not a deepdiff-pairs results table", "expected the header " + want);
  }
  std::vector<Row> rows;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    std::vector<std::string> f = t.rows[i];
    for (const auto& [at, value] : missing) f.insert(f.begin() + static_cast<std::ptrdiff_t>(at), value);
    const std::size_t ln = t.lines[i];
    Row r;
    r.pair = f[0];
    r.cell1 = f[1];
    r.cell2 = f[2];
    r.cells = f[3];
    r.variant = f[4];
    long long seed = 0, epochs = 0, batch = 0, hidden = 0, best = 0;
    const auto bad = [&](const std::string& col, const std::string& v) {
      return deepdiff::DataError(path, ln, col + ": '" + v + "' is not a valid value");
    };
    if (!parse_integer(f[5], seed)) throw bad("seed", f[5]);
    if (!parse_integer(f[6], epochs) || epochs < 1) throw bad("epochs", f[6]);
    if (!parse_double(f[7], r.settings.train.lr) || !(r.settings.train.lr > 0)) throw bad("lr", f[7]);
    if (!parse_integer(f[8], batch) || batch < 1) throw bad("batch_size", f[8]);
    if (!parse_integer(f[9], hidden) || hidden < 1) throw bad("hidden", f[9]);
    try {
      r.settings.train.expression_scale = deepdiff::parse_expression_scale(f[10]);
    } catch (const std::exception&) {
      throw bad("expression_scale", f[10]);
    }
    try {
      r.settings.precision = deepdiff::parse_precision(f[11]);
    } catch (const std::exception&) {
      throw bad("precision", f[11]);
    }
    if (!f[12].empty() && !parse_integer(f[12], best)) throw bad("best_epoch", f[12]);
    if (!parse_double(f[13], r.valid_pcc)) throw bad("valid_pcc", f[13]);
    if (!parse_double(f[14], r.test_pcc)) throw bad("test_pcc", f[14]);
    if (!parse_double(f[15], r.test_mse)) throw bad("test_mse", f[15]);
    if (!parse_double(f[16], r.train_seconds)) throw bad("train_seconds", f[16]);
    if (variant_index(r.variant) >= static_cast<int>(deepdiff::model_names().size())) throw bad("variant", r.variant);
    if (r.pair != r.cell1 + "-" + r.cell2) throw bad("pair", r.pair + " (cells " + r.cell1 + ", " + r.cell2 + ")");
    r.settings.train.seed = static_cast<std::uint64_t>(seed);
    r.settings.train.epochs = static_cast<int>(epochs);
    r.settings.train.batch_size = static_cast<Index>(batch);
    r.settings.hidden = static_cast<Index>(hidden);
    r.best_epoch = static_cast<int>(best);
    r.status = f[17];
    if (r.status.empty()) throw bad("status", "");
    r.source_root = source_root;
    r.origin = path + ":" + std::to_string(ln);
    rows.push_back(std::move(r));
  }
  return rows;
}

// Rows of one study must share the recipe and, per pair, the cell names; a job may appear
// only once. Throws std::runtime_error naming both offending rows.
inline void check_merge(const std::vector<Row>& rows) {
  std::map<std::string, const Row*> seen;
  std::map<std::string, const Row*> pair_first;
  const Row* first = rows.empty() ? nullptr : &rows.front();
  for (const Row& r : rows) {
    // The recipe first: two studies of other settings also share jobs, and "duplicate" would
    // hide why they cannot be merged.
    const deepdiff::TrainOptions& a = first->settings.train;
    const deepdiff::TrainOptions& b = r.settings.train;
    std::string diff;
    if (a.epochs != b.epochs) diff = "epochs " + std::to_string(a.epochs) + " vs " + std::to_string(b.epochs);
    else if (a.lr != b.lr) diff = "lr " + deepdiff::csv_number(a.lr) + " vs " + deepdiff::csv_number(b.lr);
    else if (a.batch_size != b.batch_size)
      diff = "batch_size " + std::to_string(a.batch_size) + " vs " + std::to_string(b.batch_size);
    else if (first->settings.hidden != r.settings.hidden)
      diff = "hidden " + std::to_string(first->settings.hidden) + " vs " + std::to_string(r.settings.hidden);
    else if (a.expression_scale != b.expression_scale)
      diff = std::string("expression_scale ") + deepdiff::expression_scale_name(a.expression_scale) + " vs " +
             deepdiff::expression_scale_name(b.expression_scale);
    else if (first->settings.precision != r.settings.precision)
      diff = std::string("precision ") + deepdiff::precision_name(first->settings.precision) + " vs " +
             deepdiff::precision_name(r.settings.precision);
    if (!diff.empty())
      throw std::runtime_error("inconsistent rows: " + first->origin + " and " + r.origin + " differ in " + diff +
                               " (they are not parts of one study)");
    const std::string key = r.pair + " " + r.variant + " seed " + std::to_string(r.seed());
    const auto ins = seen.emplace(key, &r);
    if (!ins.second)
      throw std::runtime_error("duplicate row for " + key + ": " + ins.first->second->origin + " and " + r.origin +
                               " (the same run in two tables: were a shard's table or a folder given twice, or did "
                               "two shards overlap?)");
    const auto pin = pair_first.emplace(r.pair, &r);
    if (!pin.second && pin.first->second->cells != r.cells)
      throw std::runtime_error("inconsistent rows: " + pin.first->second->origin + " and " + r.origin + " describe pair " +
                               r.pair + " as '" + pin.first->second->cells + "' and '" + r.cells +
                               "' (synthetic and real data mixed?)");
  }
}

// ---------------------------------------------------------------------------------------
// A run's row from its metrics.json, and whether it can be reused.

struct RunCheck {
  enum Kind { absent, partial, complete, conflict } kind = absent;
  std::string reason;   // conflict: why the run folder cannot be reused; partial: a note
  int epochs_done = 0;
  bool was_complete = false;  // partial: metrics.json says complete, but for fewer epochs
  Row row;              // filled when complete
};

// Reads SAVE_ROOT/<pair>/<variant>/seed<k>/metrics.json. A run of other settings (lr, batch,
// hidden, clip, cells, data) is a conflict: its folder belongs to another study.
inline RunCheck inspect_run(const std::string& dir, const Row& want, const std::string& data_root, bool synthetic,
                            Index synth_genes, Index synth_bins, const std::string& synth_folder = "synthetic-data") {
  RunCheck rc;
  const std::string path = (std::filesystem::path(dir) / "metrics.json").string();
  if (!deepdiff::file_exists(path)) return rc;
  try {
    const deepdiff_cli::RunMetrics m = deepdiff_cli::parse_metrics(deepdiff::read_file(path));
    const deepdiff_cli::RunSettings& s = m.settings;
    std::string diff;
    const auto differs = [&](const char* key, const std::string& have, const std::string& wanted) {
      if (diff.empty() && have != wanted) diff = std::string(key) + " " + have + " (wanted " + wanted + ")";
    };
    const auto num = [](double v) { return deepdiff::csv_number(v); };
    differs("model_name", s.model_name, want.variant);
    differs("cell_1", s.cell1, want.cell1);
    differs("cell_2", s.cell2, want.cell2);
    differs("seed", std::to_string(s.train.seed), std::to_string(want.seed()));
    differs("lr", num(s.train.lr), num(want.settings.train.lr));
    differs("batch_size", std::to_string(s.train.batch_size), std::to_string(want.settings.train.batch_size));
    if (deepdiff::model_has_hidden(want.variant))
      differs("hidden1", std::to_string(s.hidden1), std::to_string(want.settings.hidden));
    differs("clip", num(s.train.clip), num(want.settings.train.clip));
    differs("expression_scale", deepdiff::expression_scale_name(s.train.expression_scale),
            deepdiff::expression_scale_name(want.settings.train.expression_scale));
    differs("precision", deepdiff::precision_name(s.precision), deepdiff::precision_name(want.settings.precision));
    if (diff.empty()) {
      const std::string& dr = s.data_root;
      if (synthetic) {
        const std::string tail = "/" + synth_folder + "/" + want.pair;
        if (dr.size() < tail.size() || dr.compare(dr.size() - tail.size(), tail.size(), tail) != 0) {
          diff = "data " + dr + " (wanted the stand-in in " + synth_folder + "/)";
        } else {
          differs("bins", std::to_string(s.bins), std::to_string(synth_bins));
          const long long genes = s.train_genes + s.valid_genes + s.test_genes.value_or(0);
          if (diff.empty() && genes != static_cast<long long>(synth_genes))
            diff = "synthetic genes " + std::to_string(genes) + " (wanted " + std::to_string(synth_genes) + ")";
        }
      } else if (dr != data_root) {
        diff = "data " + dr + " (wanted " + data_root + ")";
      }
    }
    rc.epochs_done = static_cast<int>(m.epochs.size());
    // ridge and xgboost are not trained in epochs: done when complete (their rows still carry
    // the study's recipe, so the table stays one study).
    const bool epochs_apply = deepdiff::model_trained_in_epochs(want.variant);
    const int epochs = epochs_apply ? want.settings.train.epochs : 0;
    if (!diff.empty()) {
      rc.kind = RunCheck::conflict;
      rc.reason = dir + " holds a run of other settings: " + diff +
                  "; use another --save-root, or delete that folder to retrain";
      return rc;
    }
    if (rc.epochs_done > epochs) {
      rc.kind = RunCheck::conflict;
      rc.reason = dir + " holds a run of " + std::to_string(rc.epochs_done) + " epochs, more than the " +
                  std::to_string(epochs) + " asked for; use another --save-root or --epochs " +
                  std::to_string(rc.epochs_done);
      return rc;
    }
    if (!m.complete || rc.epochs_done < epochs || !m.test) {
      rc.kind = RunCheck::partial;
      rc.was_complete = m.complete;
      return rc;
    }
    rc.kind = RunCheck::complete;
    rc.row = want;
    rc.row.best_epoch = m.best_epoch;
    rc.row.valid_pcc = m.best_valid_pcc;
    rc.row.test_pcc = m.test->pcc;
    rc.row.test_mse = m.test->mse;
    rc.row.train_seconds = m.timings.epoch_seconds_total;
    rc.row.status = "ok";
    return rc;
  } catch (const std::exception& e) {
    // Unreadable metrics (should not happen: they are written atomically): train again,
    // from state.bin where there is one.
    rc.kind = RunCheck::partial;
    rc.reason = "cannot read " + path + " (" + e.what() + ")";
    return rc;
  }
}

}  // namespace deepdiff_study
