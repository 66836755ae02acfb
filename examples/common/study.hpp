// The study of the paper: every chosen variant on every chosen cell-type pair with the
// published recipe and seeds, one results table. Used by `deepdiff-pairs`.
//
// Pieces: the ten pairs of the spec; the job list (pair x variant x seed) and its shards;
// a results row per job, read back from the run's metrics.json (so a finished run is never
// repeated, and its row is the same whoever reads it); the results table as CSV and
// Markdown; joining shards' tables (merge); and the summaries across runs: test PCC per
// pair and variant (SVG) and, per pair, the share of level-2 attention (beta) per mark for
// up- and down-regulated test genes (CSV + SVG).
#pragma once

#include <deepdiff/io/errors.hpp>
#include <deepdiff/data/marks.hpp>
#include <deepdiff/data/synthetic.hpp>
#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/json.hpp>
#include <deepdiff/io/read_file.hpp>
#include <deepdiff/io/svg.hpp>
#include <deepdiff/model/variant.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "run.hpp"

namespace deepdiff_study {

using deepdiff::Index;
using deepdiff::Variant;

// ---------------------------------------------------------------------------------------
// Pairs

struct PairInfo {
  std::string id, cell1, cell2, cells;
  int published = -1;  // 0-based row of the spec's table of ten, -1 for another pair
};

// The ten cell-type pairs of the paper (spec, "The ten cell-type pairs"), in its order.
inline const std::vector<PairInfo>& published_pairs() {
  static const std::vector<PairInfo> p = {
      {"E123-E003", "E123", "E003", "K562 vs H1", 0},
      {"E116-E003", "E116", "E003", "GM12878 vs H1", 1},
      {"E123-E116", "E123", "E116", "K562 vs GM12878", 2},
      {"E003-E005", "E003", "E005", "H1 vs H1 BMP4-derived trophoblast", 3},
      {"E003-E006", "E003", "E006", "H1 vs H1-derived mesenchymal stem cells", 4},
      {"E006-E007", "E006", "E007", "H1-derived MSC vs H1-derived neuronal progenitors", 5},
      {"E005-E006", "E005", "E006", "trophoblast vs MSC", 6},
      {"E003-E004", "E003", "E004", "H1 vs H1 BMP4-derived mesendoderm", 7},
      {"E004-E006", "E004", "E006", "mesendoderm vs MSC", 8},
      {"E037-E038", "E037", "E038", "CD4 memory vs CD4 naive primary T cells", 9},
  };
  return p;
}

inline std::string epigenome_name(const std::string& id, bool synthetic) {
  static const std::map<std::string, std::string> names = {
      {"E003", "H1"},   {"E004", "H1 BMP4-derived mesendoderm"}, {"E005", "H1 BMP4-derived trophoblast"},
      {"E006", "H1-derived MSC"}, {"E007", "H1-derived neuronal progenitors"}, {"E037", "CD4 memory T cells"},
      {"E038", "CD4 naive T cells"}, {"E116", "GM12878"}, {"E123", "K562"}};
  const auto it = names.find(id);
  if (it != names.end()) return it->second;
  // The public sample of the authors' repository: Cell1 = E123 (K562), Cell2 = E003 (H1).
  if (!synthetic && id == "Cell1") return "K562 (sample Cell1 = E123)";
  if (!synthetic && id == "Cell2") return "H1 (sample Cell2 = E003)";
  return id;
}

// "E123-E003" -> cells E123 and E003; throws std::invalid_argument when it is no pair id.
inline PairInfo parse_pair(const std::string& id, bool synthetic) {
  const std::size_t dash = id.find('-');
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("pair '" + id + "': " + why + " (a pair is CELL1-CELL2, e.g. E123-E003)");
  };
  if (dash == std::string::npos) throw bad("no '-'");
  const std::string a = id.substr(0, dash), b = id.substr(dash + 1);
  if (a.empty() || b.empty()) throw bad("empty cell name");
  if (b.find('-') != std::string::npos) throw bad("more than one '-'");
  for (const std::string& c : {a, b})
    if (c.find_first_of("/\\ \t,:\"") != std::string::npos || c == "." || c == "..") throw bad("bad cell name '" + c + "'");
  if (a == b) throw bad("the two cells are the same");
  PairInfo p;
  p.id = id;
  p.cell1 = a;
  p.cell2 = b;
  for (const PairInfo& q : published_pairs())
    if (q.id == id) {
      p.cells = q.cells;
      p.published = q.published;
    }
  if (p.cells.empty()) p.cells = epigenome_name(a, synthetic) + " vs " + epigenome_name(b, synthetic);
  if (synthetic) p.cells += " (synthetic)";
  return p;
}

// Synthetic stand-in of a pair: its own seed and planted effect, a function of the pair
// alone (so every shard generates the same bytes). The ten published pairs get effects
// 0.6, 0.7, ..., 1.5 in table order; another pair one in [0.6, 1.5] from a hash of its id.
inline deepdiff::SynthConfig synthetic_config(const PairInfo& p, Index genes, Index bins) {
  deepdiff::SynthConfig c;
  c.genes = genes;
  c.bins = bins;
  c.cell1 = p.cell1;
  c.cell2 = p.cell2;
  if (p.published >= 0) {
    c.seed = 1001 + static_cast<std::uint64_t>(p.published);
    c.effect = 0.6 + 0.1 * p.published;
  } else {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char ch : p.id) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
    c.seed = 2000 + h % 1000000;
    c.effect = 0.6 + 0.9 * static_cast<double>(h % 1000) / 999.0;
  }
  return c;
}

// ---------------------------------------------------------------------------------------
// Jobs, shards, settings

struct Settings {
  int epochs = 120;
  double lr = 1e-4;
  long long batch_size = 10;
  long long hidden = 32;
  double clip = 1.0;
};

struct Job {
  std::size_t pair = 0;  // index into the study's pairs
  Variant variant = Variant::raw_d;
  std::uint64_t seed = 1;
};

// pair-major: all variants and seeds of the first pair, then the second pair, ...
inline std::vector<Job> make_jobs(std::size_t pairs, const std::vector<Variant>& variants,
                                  const std::vector<std::uint64_t>& seeds) {
  std::vector<Job> jobs;
  for (std::size_t p = 0; p < pairs; ++p)
    for (Variant v : variants)
      for (std::uint64_t s : seeds) jobs.push_back(Job{p, v, s});
  return jobs;
}

// Shard i of n (1-based): jobs i-1, i-1+n, i-1+2n, ... of the full list. Round-robin, so
// each shard gets a mix of pairs and variants (the variants' costs differ up to 3x).
inline std::vector<std::size_t> shard_jobs(std::size_t jobs, int i, int n) {
  std::vector<std::size_t> out;
  for (std::size_t j = static_cast<std::size_t>(i - 1); j < jobs; j += static_cast<std::size_t>(n)) out.push_back(j);
  return out;
}

inline std::string run_dir(const std::string& root, const std::string& pair, const std::string& variant,
                           std::uint64_t seed) {
  return deepdiff_cli::join(root, pair + "/" + variant + "/seed" + std::to_string(seed));
}

// ---------------------------------------------------------------------------------------
// Rows of the results table

struct Row {
  std::string pair, cell1, cell2, cells, variant;
  std::uint64_t seed = 1;
  Settings settings;
  int best_epoch = 0;  // 0: none (not finished)
  double valid_pcc = std::numeric_limits<double>::quiet_NaN();
  double test_pcc = std::numeric_limits<double>::quiet_NaN();
  double test_mse = std::numeric_limits<double>::quiet_NaN();
  double train_seconds = std::numeric_limits<double>::quiet_NaN();
  std::string status = "pending";  // ok, pending, missing data: ..., error: ...
  // Not in the table: where the run's folder lies (SAVE_ROOT of the study that ran it) and,
  // for rows read from a table, FILE:LINE (for merge's messages).
  std::string source_root, origin;

  bool ok() const { return status == "ok"; }
  std::string kind() const {  // the status up to its first ':'
    const std::size_t c = status.find(':');
    return c == std::string::npos ? status : status.substr(0, c);
  }
};

inline const std::vector<std::string>& table_columns() {
  static const std::vector<std::string> c = {"pair",       "cell_1",    "cell_2",   "cells",    "variant",
                                             "seed",       "epochs",    "lr",       "batch_size", "hidden",
                                             "best_epoch", "valid_pcc", "test_pcc", "test_mse", "train_seconds",
                                             "status"};
  return c;
}

inline int variant_index(const std::string& v) {
  const auto& all = deepdiff::all_variants();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (deepdiff::variant_name(all[i]) == v) return static_cast<int>(i);
  return static_cast<int>(all.size());
}

inline int published_index(const std::string& pair) {
  for (const PairInfo& q : published_pairs())
    if (q.id == pair) return q.published;
  return 1000;
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
    return a.seed < b.seed;
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
        r.pair, r.cell1, r.cell2, r.cells, r.variant, std::to_string(r.seed), std::to_string(r.settings.epochs),
        deepdiff::csv_number(r.settings.lr), std::to_string(r.settings.batch_size), std::to_string(r.settings.hidden),
        r.best_epoch > 0 ? std::to_string(r.best_epoch) : std::string(), num_or_blank(r.valid_pcc),
        num_or_blank(r.test_pcc), num_or_blank(r.test_mse), fixed(r.train_seconds, 3), r.status});
  }
  return w.str();
}

// Six significant digits (NaN as NaN): enough for summaries, readable in a spreadsheet.
inline std::string short_number(double v) {
  if (std::isnan(v)) return "NaN";
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
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
      t.epochs += r.settings.epochs;
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

// results.md: the recipe, a pair x variant table of mean test PCC, every run, and notes.
inline std::string results_md(const std::vector<Row>& rows, const std::string& title, const std::string& source) {
  std::string o = "# " + title + "\n\n";
  const Tally t = tally(rows);
  std::set<std::string> seeds;
  for (const Row& r : rows) seeds.insert(std::to_string(r.seed));
  if (!rows.empty()) {
    const Settings& s = rows.front().settings;
    char b[256];
    std::snprintf(b, sizeof b,
                  "Recipe: %d epoch(s) (the epoch with the best validation PCC is kept and scored on test), Adam lr %g, "
                  "batch %lld, level-1 hidden %lld, gradient clipping %g;",
                  s.epochs, s.lr, s.batch_size, s.hidden, s.clip);
    o += b;
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
  o += "\n## Test PCC per pair and variant";
  o += seeds.size() > 1 ? " (mean over seeds; +- sd)\n\n" : "\n\n";
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
    for (const std::string& v : variants) {
      const std::vector<double> x = test_pccs(rows, p, v);
      std::string cell = x.empty() ? "-" : fixed(mean_of(x), 4);
      if (x.size() > 1) cell += " +- " + fixed(sd_of(x), 4);
      o += " " + cell + " |";
    }
    o += "\n";
  }

  o += "\n## All runs\n\n";
  o += "| pair | cells | variant | seed | best epoch | valid PCC | test PCC | test MSE | training time (s) | status |\n";
  o += "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (const Row& r : rows) {
    o += "| " + md_cell(r.pair) + " | " + md_cell(r.cells) + " | " + r.variant + " | " + std::to_string(r.seed) + " | " +
         (r.best_epoch > 0 ? std::to_string(r.best_epoch) : "") + " | " + fixed(r.valid_pcc, 4) + " | " +
         fixed(r.test_pcc, 4) + " | " + fixed(r.test_mse, 4) + " | " + fixed(r.train_seconds, 1) + " | " +
         md_cell(r.kind()) + " |\n";
  }

  // Full messages of what went wrong, once per distinct message.
  std::vector<std::string> notes;
  for (const Row& r : rows) {
    if (r.ok() || r.kind() == "pending" || r.status == r.kind()) continue;
    const std::string n = r.kind() == "missing data" ? r.pair + ": " + r.status
                                                      : r.pair + " " + r.variant + " seed " + std::to_string(r.seed) +
                                                            ": " + r.status;
    if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
  }
  if (!notes.empty()) {
    o += "\n## Notes\n\n";
    for (const std::string& n : notes) o += "- " + md_cell(n) + "\n";
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// A small CSV reader (RFC 4180 quoting) for our own tables and run outputs.

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // 1-based line of each row
  int column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  }
};

inline CsvTable parse_csv(const std::string& path, const std::string& text) {
  CsvTable t;
  std::vector<std::string> rec;
  std::string field;
  std::size_t line = 1, rec_line = 1;
  bool quoted = false, any = false;
  const auto end_record = [&]() {
    rec.push_back(field);
    field.clear();
    if (t.header.empty() && t.rows.empty()) {
      t.header = rec;
    } else if (!(rec.size() == 1 && rec[0].empty())) {  // blank lines are skipped
      if (rec.size() != t.header.size())
        throw deepdiff::DataError(path, rec_line,
                                  std::to_string(rec.size()) + " fields, the header has " +
                                      std::to_string(t.header.size()));
      t.rows.push_back(rec);
      t.lines.push_back(rec_line);
    }
    rec.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (!any) rec_line = line;
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rec.push_back(field);
      field.clear();
    } else if (c == '\n') {
      end_record();
      ++line;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) throw deepdiff::DataError(path, rec_line, "unterminated quoted field");
  if (any) end_record();
  if (t.header.empty()) throw deepdiff::DataError(path, "empty file: no header");
  return t;
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
  const CsvTable t = parse_csv(path, deepdiff::read_file(path));
  if (t.header != table_columns()) {
    std::string want;
    for (const std::string& c : table_columns()) want += (want.empty() ? "" : ",") + c;
    throw deepdiff::DataError(path, 1, "not a deepdiff-pairs results table", "expected the header " + want);
  }
  std::vector<Row> rows;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const std::vector<std::string>& f = t.rows[i];
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
    if (!parse_double(f[7], r.settings.lr) || !(r.settings.lr > 0)) throw bad("lr", f[7]);
    if (!parse_integer(f[8], batch) || batch < 1) throw bad("batch_size", f[8]);
    if (!parse_integer(f[9], hidden) || hidden < 1) throw bad("hidden", f[9]);
    if (!f[10].empty() && !parse_integer(f[10], best)) throw bad("best_epoch", f[10]);
    if (!parse_double(f[11], r.valid_pcc)) throw bad("valid_pcc", f[11]);
    if (!parse_double(f[12], r.test_pcc)) throw bad("test_pcc", f[12]);
    if (!parse_double(f[13], r.test_mse)) throw bad("test_mse", f[13]);
    if (!parse_double(f[14], r.train_seconds)) throw bad("train_seconds", f[14]);
    if (variant_index(r.variant) >= static_cast<int>(deepdiff::all_variants().size())) throw bad("variant", r.variant);
    if (r.pair != r.cell1 + "-" + r.cell2) throw bad("pair", r.pair + " (cells " + r.cell1 + ", " + r.cell2 + ")");
    r.seed = static_cast<std::uint64_t>(seed);
    r.settings.epochs = static_cast<int>(epochs);
    r.settings.batch_size = batch;
    r.settings.hidden = hidden;
    r.best_epoch = static_cast<int>(best);
    r.status = f[15];
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
    const std::string key = r.pair + " " + r.variant + " seed " + std::to_string(r.seed);
    const auto ins = seen.emplace(key, &r);
    if (!ins.second)
      throw std::runtime_error("duplicate row for " + key + ": " + ins.first->second->origin + " and " + r.origin +
                               " (the same run in two tables: were a shard's table or a folder given twice, or did "
                               "two shards overlap?)");
    const Settings& a = first->settings;
    const Settings& b = r.settings;
    std::string diff;
    if (a.epochs != b.epochs) diff = "epochs " + std::to_string(a.epochs) + " vs " + std::to_string(b.epochs);
    else if (a.lr != b.lr) diff = "lr " + deepdiff::csv_number(a.lr) + " vs " + deepdiff::csv_number(b.lr);
    else if (a.batch_size != b.batch_size)
      diff = "batch_size " + std::to_string(a.batch_size) + " vs " + std::to_string(b.batch_size);
    else if (a.hidden != b.hidden) diff = "hidden " + std::to_string(a.hidden) + " vs " + std::to_string(b.hidden);
    if (!diff.empty())
      throw std::runtime_error("inconsistent rows: " + first->origin + " and " + r.origin + " differ in " + diff +
                               " (they are not parts of one study)");
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
                            Index synth_genes, Index synth_bins) {
  RunCheck rc;
  const std::string path = deepdiff_cli::join(dir, "metrics.json");
  if (!deepdiff::file_exists(path)) return rc;
  deepdiff::JsonValue m;
  try {
    m = deepdiff::parse_json(deepdiff::read_file(path));
    const deepdiff::JsonValue& s = m.at("settings");
    std::string diff;
    const auto str_diff = [&](const char* key, const std::string& v) {
      if (diff.empty() && s.at(key).as_string() != v) diff = std::string(key) + " " + s.at(key).as_string() + " (wanted " + v + ")";
    };
    const auto num_diff = [&](const char* key, double v) {
      if (diff.empty() && s.at(key).as_number() != v)
        diff = std::string(key) + " " + deepdiff::csv_number(s.at(key).as_number()) + " (wanted " + deepdiff::csv_number(v) + ")";
    };
    str_diff("model_name", want.variant);
    str_diff("cell_1", want.cell1);
    str_diff("cell_2", want.cell2);
    num_diff("seed", static_cast<double>(want.seed));
    num_diff("lr", want.settings.lr);
    num_diff("batch_size", static_cast<double>(want.settings.batch_size));
    num_diff("hidden1", static_cast<double>(want.settings.hidden));
    num_diff("clip", want.settings.clip);
    if (diff.empty()) {
      const std::string dr = s.at("data_root").as_string();
      if (synthetic) {
        const std::string tail = "synthetic-data/" + want.pair;
        if (dr.size() < tail.size() || dr.compare(dr.size() - tail.size(), tail.size(), tail) != 0)
          diff = "data " + dr + " (wanted the synthetic stand-in)";
        else {
          num_diff("bins", static_cast<double>(synth_bins));
          const double genes = s.at("train_genes").as_number() + s.at("valid_genes").as_number() +
                               (s.contains("test_genes") ? s.at("test_genes").as_number() : 0.0);
          if (diff.empty() && genes != static_cast<double>(synth_genes))
            diff = "synthetic genes " + deepdiff::csv_number(genes) + " (wanted " + std::to_string(synth_genes) + ")";
        }
      } else if (dr != data_root) {
        diff = "data " + dr + " (wanted " + data_root + ")";
      }
    }
    rc.epochs_done = static_cast<int>(m.at("epochs").size());
    if (!diff.empty()) {
      rc.kind = RunCheck::conflict;
      rc.reason = dir + " holds a run of other settings: " + diff +
                  "; use another --save-root, or delete that folder to retrain";
      return rc;
    }
    if (rc.epochs_done > want.settings.epochs) {
      rc.kind = RunCheck::conflict;
      rc.reason = dir + " holds a run of " + std::to_string(rc.epochs_done) + " epochs, more than the " +
                  std::to_string(want.settings.epochs) + " asked for; use another --save-root or --epochs " +
                  std::to_string(rc.epochs_done);
      return rc;
    }
    const bool complete = m.at("complete").as_bool();
    if (!complete || rc.epochs_done < want.settings.epochs || !m.contains("test")) {
      rc.kind = RunCheck::partial;
      rc.was_complete = complete;
      return rc;
    }
    rc.kind = RunCheck::complete;
    rc.row = want;
    rc.row.best_epoch = static_cast<int>(m.at("best_epoch").as_number());
    rc.row.valid_pcc = m.at("best_valid_pcc").as_number();
    rc.row.test_pcc = m.at("test").at("pcc").as_number();
    rc.row.test_mse = m.at("test").at("mse").as_number();
    rc.row.train_seconds = m.at("timings").at("epoch_seconds_total").as_number();
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

// ---------------------------------------------------------------------------------------
// Summaries across runs

inline std::string test_pcc_svg(const std::vector<Row>& rows) {
  deepdiff::BarChart c;
  std::set<std::uint64_t> seeds;
  for (const Row& r : rows)
    if (r.ok()) seeds.insert(r.seed);
  c.title = "Test PCC per cell-type pair and variant" +
            std::string(seeds.size() > 1 ? " (mean over " + std::to_string(seeds.size()) + " seeds, +- sd)" : "");
  c.y_label = "test PCC";
  c.x_label = "cell-type pair";
  std::vector<std::string> pairs;
  for (const std::string& p : pairs_of(rows))
    for (const Row& r : rows)
      if (r.ok() && r.pair == p) {
        pairs.push_back(p);
        break;
      }
  c.categories = pairs;
  for (const std::string& v : variants_of(rows)) {
    deepdiff::BarSeries s;
    s.name = v;
    for (const std::string& p : pairs) {
      const std::vector<double> x = test_pccs(rows, p, v);
      s.values.push_back(mean_of(x));
      s.errors.push_back(sd_of(x));
    }
    c.series.push_back(s);
  }
  c.width = std::max(720.0, 260.0 + 26.0 * static_cast<double>(pairs.size() * std::max<std::size_t>(c.series.size(), 1)));
  return deepdiff::svg_bar_chart(c);
}

// The mark a level-2 channel reads: "raw:A.H3K4me3" -> "H3K4me3".
inline std::string channel_mark(const std::string& channel) {
  const std::size_t dot = channel.find_last_of('.');
  return dot == std::string::npos ? channel : channel.substr(dot + 1);
}

struct AttentionGroups {
  // per group (0 all, 1 up, 2 down): mean over genes of each mark's share of beta
  std::vector<std::string> marks;
  std::vector<double> share[3];
  long long genes[3] = {0, 0, 0};
};

inline const char* group_name(int g) { return g == 0 ? "all" : g == 1 ? "up (y >= 2)" : "down (y <= -2)"; }

// One run: beta per gene from attention_beta.csv, y from predictions.csv (target column).
// Each gene's beta is summed over the channels of a mark (A., B., D., raw:, aux:) and divided
// by its total, so the marks' shares sum to 1 for every variant.
inline AttentionGroups run_attention(const std::string& dir) {
  const std::string bp = deepdiff_cli::join(dir, "attention_beta.csv"), pp = deepdiff_cli::join(dir, "predictions.csv");
  const CsvTable beta = parse_csv(bp, deepdiff::read_file(bp));
  const CsvTable pred = parse_csv(pp, deepdiff::read_file(pp));
  const int tcol = pred.column("target"), gcol = pred.column("gene_id");
  if (tcol < 0 || gcol < 0) throw deepdiff::DataError(pp, 1, "no gene_id and target columns");
  if (beta.header.size() < 2 || beta.header[0] != "gene_id") throw deepdiff::DataError(bp, 1, "not an attention_beta.csv");
  std::map<std::string, double> y;
  for (const auto& r : pred.rows) {
    double v = 0;
    if (parse_double(r[static_cast<std::size_t>(tcol)], v)) y[r[static_cast<std::size_t>(gcol)]] = v;
  }
  AttentionGroups a;
  std::vector<std::size_t> mark_of;  // per beta column (from 1)
  for (std::size_t k = 1; k < beta.header.size(); ++k) {
    const std::string m = channel_mark(beta.header[k]);
    auto it = std::find(a.marks.begin(), a.marks.end(), m);
    if (it == a.marks.end()) {
      a.marks.push_back(m);
      it = a.marks.end() - 1;
    }
    mark_of.push_back(static_cast<std::size_t>(it - a.marks.begin()));
  }
  const std::size_t M = a.marks.size();
  for (auto& s : a.share) s.assign(M, 0.0);
  std::vector<double> g(M);
  for (std::size_t i = 0; i < beta.rows.size(); ++i) {
    const auto& r = beta.rows[i];
    const auto yt = y.find(r[0]);
    if (yt == y.end()) continue;
    std::fill(g.begin(), g.end(), 0.0);
    double total = 0;
    for (std::size_t k = 1; k < r.size(); ++k) {
      double v = 0;
      if (!parse_double(r[k], v) || !std::isfinite(v)) throw deepdiff::DataError(bp, beta.lines[i], "bad beta '" + r[k] + "'");
      g[mark_of[k - 1]] += v;
      total += v;
    }
    if (!(total > 0)) continue;
    const bool in[3] = {true, yt->second >= 2, yt->second <= -2};
    for (int q = 0; q < 3; ++q) {
      if (!in[q]) continue;
      ++a.genes[q];
      for (std::size_t m = 0; m < M; ++m) a.share[q][m] += g[m] / total;
    }
  }
  for (int q = 0; q < 3; ++q)
    for (double& v : a.share[q]) v = a.genes[q] ? v / static_cast<double>(a.genes[q]) : std::numeric_limits<double>::quiet_NaN();
  return a;
}

struct AttentionSummary {
  std::string csv, svg;
  int runs = 0;
  std::vector<std::string> skipped;  // run folders without readable outputs, with why
};

// Per pair: rows per variant (mean over its seeds' runs) and over all the pair's runs; for
// each group (all / up / down) the genes per run, the runs, and each mark's mean share.
inline AttentionSummary attention_summary(const std::vector<Row>& rows, const std::string& pair) {
  AttentionSummary out;
  std::vector<std::string> marks = deepdiff::mark_names();
  struct Acc {
    std::vector<std::vector<double>> share[3];  // per run: per mark
    std::vector<long long> genes[3];
  };
  std::map<std::string, Acc> per_variant;
  Acc all;
  std::vector<std::string> order;
  for (const Row& r : rows) {
    if (r.pair != pair || !r.ok()) continue;
    const std::string dir = run_dir(r.source_root, r.pair, r.variant, r.seed);
    AttentionGroups a;
    try {
      a = run_attention(dir);
    } catch (const std::exception& e) {
      out.skipped.push_back(dir + ": " + e.what());
      continue;
    }
    for (const std::string& m : a.marks)
      if (std::find(marks.begin(), marks.end(), m) == marks.end()) marks.push_back(m);
    if (!per_variant.count(r.variant)) order.push_back(r.variant);
    Acc& pv = per_variant[r.variant];
    for (int q = 0; q < 3; ++q) {
      std::vector<double> v(marks.size(), std::numeric_limits<double>::quiet_NaN());
      for (std::size_t m = 0; m < a.marks.size(); ++m)
        v[static_cast<std::size_t>(std::find(marks.begin(), marks.end(), a.marks[m]) - marks.begin())] = a.share[q][m];
      if (a.genes[q] > 0) {
        pv.share[q].push_back(v);
        all.share[q].push_back(v);
      }
      pv.genes[q].push_back(a.genes[q]);
      all.genes[q].push_back(a.genes[q]);
    }
    ++out.runs;
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const std::string& a, const std::string& b) { return variant_index(a) < variant_index(b); });
  // Marks nobody attends to (no run has them) are dropped, e.g. the spare names of mark_names().
  std::vector<bool> used(marks.size(), false);
  const auto note_used = [&](const Acc& a) {
    for (int q = 0; q < 3; ++q)
      for (const auto& v : a.share[q])
        for (std::size_t m = 0; m < v.size(); ++m)
          if (std::isfinite(v[m])) used[m] = true;
  };
  note_used(all);
  const auto mean_share = [&](const Acc& a, int q, std::size_t m) {
    std::vector<double> x;
    for (const auto& v : a.share[q])
      if (m < v.size() && std::isfinite(v[m])) x.push_back(v[m]);
    return mean_of(x);
  };
  const auto mean_genes = [&](const Acc& a, int q) {
    double s = 0;
    for (long long n : a.genes[q]) s += static_cast<double>(n);
    return a.genes[q].empty() ? 0.0 : s / static_cast<double>(a.genes[q].size());
  };

  deepdiff::CsvWriter w;
  std::vector<std::string> h = {"pair", "variant", "group", "runs", "genes_per_run"};
  for (std::size_t m = 0; m < marks.size(); ++m)
    if (used[m]) h.push_back(marks[m]);
  w.header(h);
  const auto put = [&](const std::string& variant, const Acc& a) {
    for (int q = 0; q < 3; ++q) {
      std::vector<std::string> r = {pair, variant, q == 0 ? "all" : q == 1 ? "up" : "down",
                                    std::to_string(a.genes[q].size()), short_number(mean_genes(a, q))};
      for (std::size_t m = 0; m < marks.size(); ++m)
        if (used[m]) r.push_back(short_number(mean_share(a, q, m)));
      w.row(r);
    }
  };
  for (const std::string& v : order) put(v, per_variant[v]);
  put("all variants", all);
  out.csv = w.str();

  deepdiff::BarChart c;
  c.title = pair + ": share of level-2 attention (beta) per mark, test genes, mean over " + std::to_string(out.runs) +
            " run" + (out.runs == 1 ? "" : "s");
  c.y_label = "mean share of beta";
  c.x_label = "histone mark (beta summed over a mark's channels)";
  for (std::size_t m = 0; m < marks.size(); ++m)
    if (used[m]) c.categories.push_back(marks[m]);
  for (int q = 1; q <= 2; ++q) {
    deepdiff::BarSeries s;
    char b[96];
    std::snprintf(b, sizeof b, "%s, %.0f genes/run", group_name(q), mean_genes(all, q));
    s.name = b;
    for (std::size_t m = 0; m < marks.size(); ++m)
      if (used[m]) s.values.push_back(mean_share(all, q, m));
    c.series.push_back(s);
  }
  {
    deepdiff::BarSeries s;
    s.name = "all test genes";
    s.color = "#bab0ac";
    for (std::size_t m = 0; m < marks.size(); ++m)
      if (used[m]) s.values.push_back(mean_share(all, 0, m));
    c.series.push_back(s);
  }
  c.width = 820;
  out.svg = deepdiff::svg_bar_chart(c);
  return out;
}

// Writes SAVE_ROOT/summary_test_pcc.svg and SAVE_ROOT/<pair>/attention_summary.{csv,svg} for
// every pair with a finished run; returns the files written (relative to save_root) and
// prints what it could not read.
inline std::vector<std::string> write_summaries(const std::string& save_root, const std::vector<Row>& rows,
                                                std::ostream& log) {
  std::vector<std::string> files;
  deepdiff::make_directories(save_root);
  deepdiff::write_file_atomic(deepdiff_cli::join(save_root, "summary_test_pcc.svg"), test_pcc_svg(rows));
  files.push_back("summary_test_pcc.svg");
  for (const std::string& p : pairs_of(rows)) {
    bool any = false;
    for (const Row& r : rows) any = any || (r.pair == p && r.ok());
    if (!any) continue;
    const AttentionSummary a = attention_summary(rows, p);
    for (const std::string& s : a.skipped) log << "attention summary of " << p << ": skipped " << s << "\n";
    if (a.runs == 0) continue;
    const std::string dir = deepdiff_cli::join(save_root, p);
    deepdiff::make_directories(dir);
    deepdiff::write_file_atomic(deepdiff_cli::join(dir, "attention_summary.csv"), a.csv);
    deepdiff::write_file_atomic(deepdiff_cli::join(dir, "attention_summary.svg"), a.svg);
    files.push_back(p + "/attention_summary.csv");
    files.push_back(p + "/attention_summary.svg");
  }
  return files;
}

}  // namespace deepdiff_study
