// RUN_DIR/report.html: one page per training run, for a reader who wants to look, not script.
// `deepdiff report RUN_DIR` writes it (write_run_report), as do `deepdiff train` and
// deepdiff-pairs at the end of a run.
//
// What the page shows, each from the files the run folder holds:
//   - the run: model, cells, the sign of y, split sizes, recipe, seed, version and commit,
//     the data files read (metrics.json "settings", "provenance"), its warnings;
//   - training curves (metrics.json "epochs"): loss and PCC on their own axes, best epoch marked;
//   - predicted vs true y of the test genes (predictions.csv) with PCC, its 95% bootstrap
//     interval, MSE, and the calibration metrics.json records;
//   - beta (attention_beta.csv), the mean per channel over all test genes and over up-, down-
//     and unchanged genes: where the model looked;
//   - alpha (attention_alpha.csv) per channel and bin as a heatmap and mean profiles, in kb
//     from the TSS with the bin size of DATA_ROOT/prepare.json;
//   - every test gene in a table that sorts and filters, and a lookup of one gene: its
//     prediction, beta, and per mark its alpha next to its input signal (DATA_ROOT's test
//     split, the counts per bin of both cells) and symbol (DATA_ROOT/genes.tsv).
// A file that is missing or unreadable (a run still training, an older version's folder, a
// data root moved away) leaves its part of the page out, and the page says what and why. Only
// a folder without metrics.json is an error: it is not a run.
//
// Size: per test gene the page embeds its prediction, beta (16 bits per channel), its input
// signal (counts per bin, exact up to 255) and alpha rows quantized to between 16 and 256
// levels of each row's maximum, as many as keep the profiles under kProfilesBudget, deflated
// where the programs have zlib. Measured: 6,100 test genes x 15 alpha channels x 200 bins
// (raw_aux_siamese), 14.6 MB with alpha at 16 levels; 600 genes, 3.0 MB at 256 levels.
#pragma once

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/data/gene_table.hpp>
#include <deepdiff/data/marks.hpp>
#include <deepdiff/data/metrics.hpp>
#include <deepdiff/data/statistics.hpp>
#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/read_file.hpp>

#include <cxxopts.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "data_labels.hpp"
#include "metrics.hpp"
#include "plots.hpp"
#include "report_html.hpp"
#include "svg.hpp"

namespace deepdiff_report {

namespace fs = std::filesystem;
using deepdiff::Index;

// A number of a CSV field; NaN (and false) when it is none.
inline bool parse_number(std::string_view s, double& v) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) {
    v = std::numeric_limits<double>::quiet_NaN();
    return false;
  }
  return true;
}

// Everything the page needs from a run folder; what could not be read is in `notes`.
struct RunFolder {
  std::string dir;
  Json raw;                                   // metrics.json as written (keys of any version)
  std::optional<deepdiff_cli::RunMetrics> m;  // the same, typed, when it reads as one
  std::vector<std::string> notes;             // HTML: what is missing, and why

  // The test genes, in predictions.csv's order.
  std::vector<std::string> ids, symbols, chroms, strands;
  std::vector<long long> tss;                 // -1: unknown
  std::vector<double> pred, target;           // target empty: no expression for the split
  bool has_places = false;                    // chrom, tss, strand known for some gene

  std::vector<std::string> beta_names;
  std::vector<float> beta;  // [G, K]; NaN for a gene without a row

  std::vector<std::string> alpha_names;
  Index bins = 0;
  std::vector<float> alpha;  // [G, Ka, T]; NaN rows for a gene without one

  std::vector<std::string> marks;
  std::vector<float> signal;  // [G, 2 (cell A, B), M, T]; empty without the data root's test split
  std::vector<bool> has_signal;  // per gene

  std::string data_root;  // where it was found; empty when not
  deepdiff_cli::BinAxis bin_axis;
  std::map<std::string, std::string> svgs;  // the run's own plots, by file name

  Index genes() const { return static_cast<Index>(ids.size()); }
  bool complete() const { return raw.contains("complete") && raw["complete"].is_boolean() && raw["complete"].get<bool>(); }
  std::string setting(const char* key, const std::string& fallback = "") const {
    if (!raw.contains("settings") || !raw["settings"].is_object() || !raw["settings"].contains(key)) return fallback;
    const Json& v = raw["settings"][key];
    return v.is_string() ? v.get<std::string>() : v.dump();
  }
  std::string cell1() const { return setting("cell_1", "Cell1"); }
  std::string cell2() const { return setting("cell_2", "Cell2"); }
};

namespace run_detail {

inline std::string code(const std::string& s) { return "<code>" + html_escape(s) + "</code>"; }

inline void read_predictions(RunFolder& f) {
  const std::string path = (fs::path(f.dir) / "predictions.csv").string();
  if (!deepdiff::file_exists(path)) {
    f.notes.push_back(f.complete() ? code("predictions.csv") + " is missing: no test genes, scatter, gene table or lookup."
                                   : "No test predictions yet: the run writes " + code("predictions.csv") +
                                         " and the attention files when its last epoch is done.");
    return;
  }
  try {
    const deepdiff::CsvTable t = deepdiff::read_csv_table(path, deepdiff::read_file(path));
    const int id = t.column("gene_id"), p = t.column("prediction"), y = t.column("target");
    const int sym = t.column("symbol"), chrom = t.column("chrom"), tss = t.column("tss"), strand = t.column("strand");
    if (id < 0 || p < 0) throw std::runtime_error("no gene_id or prediction column");
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      double v = 0;
      f.ids.push_back(row[static_cast<std::size_t>(id)]);
      parse_number(row[static_cast<std::size_t>(p)], v);
      f.pred.push_back(v);
      if (y >= 0) {
        parse_number(row[static_cast<std::size_t>(y)], v);
        f.target.push_back(v);
      }
      f.symbols.push_back(sym >= 0 ? row[static_cast<std::size_t>(sym)] : "");
      f.chroms.push_back(chrom >= 0 ? row[static_cast<std::size_t>(chrom)] : "");
      f.strands.push_back(strand >= 0 ? row[static_cast<std::size_t>(strand)] : "");
      double place = -1;
      f.tss.push_back(tss >= 0 && parse_number(row[static_cast<std::size_t>(tss)], place) ? static_cast<long long>(place) : -1);
      if (!f.chroms.back().empty()) f.has_places = true;
    }
    if (y < 0) f.notes.push_back(code("predictions.csv") + " has no target column (the data had no expression tables): no scatter or errors.");
  } catch (const std::exception& e) {
    f.ids.clear(), f.pred.clear(), f.target.clear(), f.symbols.clear(), f.chroms.clear(), f.strands.clear(), f.tss.clear();
    f.notes.push_back(code("predictions.csv") + " could not be read: " + html_escape(e.what()));
  }
}

inline std::unordered_map<std::string, Index> index_of(const std::vector<std::string>& ids) {
  std::unordered_map<std::string, Index> m;
  m.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) m.emplace(ids[i], static_cast<Index>(i));
  return m;
}

inline void read_beta(RunFolder& f, const std::unordered_map<std::string, Index>& at) {
  const std::string path = (fs::path(f.dir) / "attention_beta.csv").string();
  if (!deepdiff::file_exists(path)) {
    if (f.complete() && !f.ids.empty())
      f.notes.push_back(code("attention_beta.csv") + " is missing (a model without attention, or an older run): no " +
                        "\u03b2 figure, and the lookup shows no \u03b2.");
    return;
  }
  try {
    const deepdiff::CsvTable t = deepdiff::read_csv_table(path, deepdiff::read_file(path));
    if (t.header.size() < 2 || t.header[0] != "gene_id") throw std::runtime_error("the header is not gene_id, channels...");
    f.beta_names.assign(t.header.begin() + 1, t.header.end());
    const std::size_t K = f.beta_names.size();
    f.beta.assign(f.ids.size() * K, std::numeric_limits<float>::quiet_NaN());
    for (const auto& row : t.rows) {
      const auto it = at.find(row[0]);
      if (it == at.end()) continue;
      for (std::size_t k = 0; k < K; ++k) {
        double v = 0;
        parse_number(row[k + 1], v);
        f.beta[static_cast<std::size_t>(it->second) * K + k] = static_cast<float>(v);
      }
    }
  } catch (const std::exception& e) {
    f.beta_names.clear(), f.beta.clear();
    f.notes.push_back(code("attention_beta.csv") + " could not be read: " + html_escape(e.what()));
  }
}

// attention_alpha.csv is the largest file of a run (genes x channels x bins numbers: 230 MB
// for 6,100 genes and 15 channels): read record by record, never as a table of strings.
inline void read_alpha(RunFolder& f, const std::unordered_map<std::string, Index>& at) {
  const std::string path = (fs::path(f.dir) / "attention_alpha.csv").string();
  if (!deepdiff::file_exists(path)) {
    if (f.complete() && !f.ids.empty())
      f.notes.push_back(code("attention_alpha.csv") + " is missing (train --no-alpha-csv, a model without attention, or " +
                        "an older run): no \u03b1 heatmap from the numbers, and the lookup shows no \u03b1.");
    return;
  }
  try {
    const std::string text = deepdiff::read_file(path);
    deepdiff::CsvReader in(path, text);
    std::vector<std::string_view> fields;
    if (!in.next(fields) || fields.size() < 3 || fields[0] != "gene_id" || fields[1] != "channel")
      throw deepdiff::DataError(path, in.line(), "the header is not gene_id, channel, bin_1 ...");
    const Index T = static_cast<Index>(fields.size() - 2);
    std::map<std::string, std::size_t, std::less<>> channel;
    std::vector<std::pair<Index, std::size_t>> where;  // (gene, channel) of each row kept
    std::vector<float> rows;
    while (in.next(fields)) {
      if (static_cast<Index>(fields.size()) != T + 2)
        throw deepdiff::DataError(path, in.line(), std::to_string(fields.size()) + " fields, the header has " + std::to_string(T + 2));
      auto c = channel.find(fields[1]);
      if (c == channel.end()) {
        c = channel.emplace(std::string(fields[1]), channel.size()).first;
        f.alpha_names.emplace_back(fields[1]);
      }
      const auto g = at.find(std::string(fields[0]));
      if (g == at.end()) continue;
      where.emplace_back(g->second, c->second);
      for (Index t = 0; t < T; ++t) {
        double v = 0;
        parse_number(fields[static_cast<std::size_t>(t + 2)], v);
        rows.push_back(static_cast<float>(v));
      }
    }
    const std::size_t K = f.alpha_names.size();
    f.bins = T;
    f.alpha.assign(f.ids.size() * K * static_cast<std::size_t>(T), std::numeric_limits<float>::quiet_NaN());
    for (std::size_t r = 0; r < where.size(); ++r)
      std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(r * static_cast<std::size_t>(T)), T,
                  f.alpha.begin() + static_cast<std::ptrdiff_t>((static_cast<std::size_t>(where[r].first) * K + where[r].second) *
                                                                static_cast<std::size_t>(T)));
  } catch (const std::exception& e) {
    f.alpha_names.clear(), f.alpha.clear(), f.bins = 0;
    f.notes.push_back(code("attention_alpha.csv") + " could not be read: " + html_escape(e.what()));
  }
}

// The data root the run read: metrics.json's absolute path when it still exists, else the path
// as given (relative to where `train` ran: tried from here, then beside the run folder).
inline std::string find_data_root(const RunFolder& f) {
  std::vector<std::string> tries;
  if (f.raw.contains("provenance") && f.raw["provenance"].is_object())
    tries.push_back(f.raw["provenance"].value("data_root_absolute", std::string()));
  const std::string given = f.setting("data_root");
  tries.push_back(given);
  if (!given.empty() && fs::path(given).is_relative()) tries.push_back((fs::path(f.dir).parent_path() / given).string());
  std::error_code ec;
  for (const std::string& t : tries)
    if (!t.empty() && fs::is_directory(t, ec)) return t;
  return "";
}

// The data root's genes.tsv (symbols, places), prepare.json (bins) and the test split's input
// signals, matched to the predictions by gene id.
inline void read_data_root(RunFolder& f) {
  const std::string given = f.setting("data_root");
  f.data_root = find_data_root(f);
  if (f.data_root.empty()) {
    f.notes.push_back("The data root " + code(given) + " is not there any more (moved, or another machine): the lookup " +
                      "shows no input signals, and the \u03b1 axis assumes 100 bp bins.");
    return;
  }
  try {
    f.bin_axis = deepdiff_cli::read_bin_axis(f.data_root);
  } catch (const std::exception& e) {
    f.notes.push_back(html_escape(e.what()) + ": the \u03b1 axis assumes 100 bp bins.");
  }
  if (f.ids.empty()) return;
  try {
    const std::optional<deepdiff::GeneTable> table = deepdiff::read_gene_table(f.data_root);
    if (table) {
      for (std::size_t g = 0; g < f.ids.size(); ++g) {
        const deepdiff::GeneInfo* info = table->find(f.ids[g]);
        if (!info) continue;
        if (f.symbols[g].empty()) f.symbols[g] = info->symbol;
        if (f.chroms[g].empty()) {
          f.chroms[g] = info->chrom;
          f.tss[g] = info->tss;
          f.strands[g] = info->strand;
          f.has_places = true;
        }
      }
    }
  } catch (const std::exception& e) {
    f.notes.push_back(html_escape(e.what()) + ": no gene symbols from it.");
  }
  try {
    const deepdiff::Split s =
        deepdiff::load_split(f.data_root, f.cell1(), f.cell2(), "test", deepdiff::ExpressionMode::ignore);
    if (f.bins != 0 && s.bins != f.bins)
      throw std::runtime_error("it has " + std::to_string(s.bins) + " bins per gene, attention_alpha.csv " +
                               std::to_string(f.bins) + ": other data than the run's");
    std::unordered_map<std::string, Index> in_split = index_of(s.gene_ids);
    const std::size_t M = static_cast<std::size_t>(s.marks), T = static_cast<std::size_t>(s.bins);
    for (Index m = 0; m < s.marks; ++m) f.marks.push_back(deepdiff::mark_name(m));
    f.signal.assign(f.ids.size() * 2 * M * T, 0.0f);
    f.has_signal.assign(f.ids.size(), false);
    std::size_t found = 0;
    for (std::size_t g = 0; g < f.ids.size(); ++g) {
      const auto it = in_split.find(f.ids[g]);
      if (it == in_split.end()) continue;
      ++found;
      f.has_signal[g] = true;
      const std::size_t sg = static_cast<std::size_t>(it->second);
      if (f.symbols[g].empty() && sg < s.gene_symbols.size()) f.symbols[g] = s.gene_symbols[sg];
      for (int cell = 0; cell < 2; ++cell) {
        const std::vector<float>& x = cell == 0 ? s.xa : s.xb;
        for (std::size_t m = 0; m < M; ++m)
          for (std::size_t t = 0; t < T; ++t)
            f.signal[((g * 2 + static_cast<std::size_t>(cell)) * M + m) * T + t] = x[(sg * T + t) * M + m];
      }
    }
    if (f.bins == 0) f.bins = s.bins;
    if (found < f.ids.size())
      f.notes.push_back(count(static_cast<long long>(f.ids.size() - found)) + " of the " + count(static_cast<long long>(f.ids.size())) +
                        " test genes are not in " + code(deepdiff::split_path(f.data_root, f.cell1(), "test")) +
                        " (the data changed since the run?): no input signal for them.");
  } catch (const std::exception& e) {
    f.marks.clear(), f.signal.clear(), f.has_signal.clear();
    f.notes.push_back("The test split of the data root could not be read (" + html_escape(e.what()) +
                      "): the lookup shows no input signals.");
  }
}

}  // namespace run_detail

// Reads what `dir` holds. Throws std::runtime_error naming the path when it is not a run
// folder (no metrics.json) or metrics.json is not JSON; everything else becomes a note.
inline RunFolder read_run_folder(const std::string& dir) {
  RunFolder f;
  f.dir = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(dir + ": not a folder (expected the --save-root of a training run)");
  const std::string metrics_path = (fs::path(dir) / "metrics.json").string();
  if (!deepdiff::file_exists(metrics_path))
    throw std::runtime_error(dir + ": not a run folder (no metrics.json; it is written after a run's first epoch)");
  try {
    f.raw = Json::parse(deepdiff::read_file(metrics_path));
  } catch (const Json::exception& e) {
    throw std::runtime_error(metrics_path + ": not a metrics.json (" + e.what() + ")");
  }
  if (!f.raw.is_object()) throw std::runtime_error(metrics_path + ": not a metrics.json (not a JSON object)");
  try {
    f.m = f.raw.get<deepdiff_cli::RunMetrics>();
  } catch (const std::exception& e) {
    f.notes.push_back(run_detail::code("metrics.json") + " lacks part of a run record (" + html_escape(e.what()) +
                      "; another version?): the page shows what it has.");
  }
  run_detail::read_predictions(f);
  const std::unordered_map<std::string, Index> at = run_detail::index_of(f.ids);
  run_detail::read_beta(f, at);
  run_detail::read_alpha(f, at);
  run_detail::read_data_root(f);
  for (const char* name : {"training_curves.svg", "scatter.svg", "attention_beta.svg", "attention_alpha.svg"}) {
    const std::string path = (fs::path(dir) / name).string();
    if (deepdiff::file_exists(path)) {
      try {
        f.svgs[name] = deepdiff::read_file(path);
      } catch (const std::exception&) {
        // unreadable: the page draws from the numbers, or says the figure is missing
      }
    }
  }
  return f;
}

namespace run_detail {

using deepdiff_cli::BarChart;
using deepdiff_cli::BarSeries;
using deepdiff_cli::Heatmap;
using deepdiff_cli::LinePlot;
using deepdiff_cli::LineSeries;
using deepdiff_cli::ScatterPlot;
using deepdiff_cli::ScatterSeries;

// Up- and down-regulated as in the run's beta plot (|y| >= 2: at least 4-fold); unchanged:
// less than 2-fold either way.
constexpr double kUp = 2.0, kUnchanged = 1.0;

inline std::string y_definition(const RunFolder& f) {
  return "y = log2((e_B + 1) / (e_A + 1)), A = " + f.cell1() + " (cell 1), B = " + f.cell2() + " (cell 2): y > 0 means higher in " +
         f.cell2();
}

inline double kb_per_bin(const RunFolder& f) { return f.bin_axis.bin_size.value_or(100.0) / 1000.0; }

// What the alpha axis is, in words: the bin size and where it comes from, and the bin order.
inline std::string bin_note(const RunFolder& f) {
  std::string t;
  if (f.bin_axis.bin_size) t = "bins of " + sig(*f.bin_axis.bin_size) + " bp (DATA_ROOT/prepare.json)";
  else t = "bins of 100 bp assumed (the data root has no prepare.json, like the authors' files and synthetic data)";
  if (f.bin_axis.bin_order == "strand") t += "; bins follow each gene's strand, so < 0 is upstream";
  else if (f.bin_axis.bin_order.rfind("genomic", 0) == 0)
    t += "; bins in genomic order: < 0 is upstream only for + strand genes (\u2212 strand genes are mirrored)";
  else
    t += "; < 0 is upstream only if the bins follow the strand (the authors' files keep genomic order, which mirrors "
         "\u2212 strand genes: docs/prepare.md, \u201cBin order\u201d)";
  return t;
}

inline double bin_kb(const RunFolder& f, Index t) { return static_cast<double>(t - f.bins / 2) * kb_per_bin(f); }

inline std::string curves_figure(const RunFolder& f) {
  std::vector<deepdiff::EpochRecord> epochs;
  if (f.m) epochs = f.m->epochs;
  if (epochs.empty()) {
    auto it = f.svgs.find("training_curves.svg");
    if (it != f.svgs.end()) return figure("fig-curves", it->second, "The run's own training_curves.svg.");
    return figure("fig-curves", "", "No epoch is recorded yet: the curves come after the first epoch.");
  }
  const int best = f.m->best_epoch;
  const std::string svg = deepdiff_cli::curves_svg(epochs, f.setting("model_name", "the model"), best);
  std::string cap = "Loss and PCC per epoch, each on its own axis (a loss and a correlation are different quantities). ";
  if (best > 0)
    cap += "The dashed line marks epoch " + std::to_string(best) + ", the best validation PCC (" + fixed(f.m->best_valid_pcc, 4) +
           "): the kept model, scored on the test genes.";
  return figure("fig-curves", svg, cap);
}

struct Scores {
  double pcc = NAN, mse = NAN;
  deepdiff::Interval interval;
};

inline Scores test_scores(const RunFolder& f) {
  Scores s;
  if (f.target.empty() || f.pred.empty()) return s;
  std::vector<double> p, y;
  for (std::size_t g = 0; g < f.pred.size(); ++g)
    if (std::isfinite(f.pred[g]) && std::isfinite(f.target[g])) p.push_back(f.pred[g]), y.push_back(f.target[g]);
  if (p.size() < 3) return s;
  s.pcc = deepdiff::pearson(p, y);
  s.mse = deepdiff::mean_squared_error(p, y);
  std::uint64_t seed = 1;
  if (f.m) seed = f.m->settings.train.seed;
  s.interval = deepdiff::bootstrap_pcc(p, y, seed, 2000);
  return s;
}

inline std::string interval_text(const Scores& s) {
  if (!std::isfinite(s.interval.lo)) return "";
  return "95% interval " + fixed(s.interval.lo, 3) + " to " + fixed(s.interval.hi, 3);
}

inline std::string scatter_figure(const RunFolder& f, const Scores& s) {
  if (f.target.empty() || f.pred.empty()) {
    auto it = f.svgs.find("scatter.svg");
    if (it != f.svgs.end()) return figure("fig-scatter", it->second, "The run's own scatter.svg (predictions.csv could not be read).");
    return figure("fig-scatter", "", "No test predictions with targets: no scatter.");
  }
  ScatterPlot p;
  p.title = "Test genes: predicted vs true y";
  p.x_label = "true y = log2((e_B+1)/(e_A+1)), B = " + f.cell2();
  p.y_label = "predicted y";
  p.width = p.height = 560;
  p.series = {ScatterSeries{"", f.target, f.pred, ""}};
  p.annotation = "PCC " + fixed(s.pcc, 3) + (std::isfinite(s.interval.lo) ? " [" + fixed(s.interval.lo, 3) + ", " + fixed(s.interval.hi, 3) + "]" : "") +
                 ", MSE " + fixed(s.mse, 3) + ", n = " + count(static_cast<long long>(f.pred.size()));
  const std::string cap = "One dot per test gene; the diagonal is a perfect prediction. PCC with its " +
                          std::string("95% bootstrap interval (2,000 resamples of the test genes, seeded by the run's seed): ") +
                          fixed(s.pcc, 3) + " [" + fixed(s.interval.lo, 3) + ", " + fixed(s.interval.hi, 3) + "]; MSE " +
                          fixed(s.mse, 3) + ". PCC is blind to scale and shift: the calibration (slope, R\u00b2) is in the table.";
  return figure("fig-scatter", deepdiff_cli::svg_scatter(p), html_escape(cap));
}

// Mean beta per channel over the test genes `keep` selects, and how many.
template <class Keep>
BarSeries beta_mean(const RunFolder& f, const std::string& label, Keep keep) {
  const std::size_t K = f.beta_names.size();
  BarSeries s{label, std::vector<double>(K, 0.0), {}, ""};
  std::size_t n = 0;
  for (std::size_t g = 0; g < f.ids.size(); ++g) {
    if (!keep(g) || std::isnan(f.beta[g * K])) continue;
    ++n;
    for (std::size_t k = 0; k < K; ++k) s.values[k] += f.beta[g * K + k];
  }
  for (double& v : s.values) v = n ? v / static_cast<double>(n) : NAN;
  s.name += " (n = " + count(static_cast<long long>(n)) + ")";
  return s;
}

inline std::string beta_figure(const RunFolder& f) {
  if (f.beta_names.empty()) {
    auto it = f.svgs.find("attention_beta.svg");
    if (it != f.svgs.end()) return figure("fig-beta", it->second, "The run's own attention_beta.svg (no attention_beta.csv to draw from).");
    return figure("fig-beta", "", "No \u03b2: the run has no attention_beta.csv.");
  }
  BarChart c;
  c.title = "\u03b2 (level-2 attention): where the model looked, by mark and cell";
  c.y_label = "mean \u03b2";
  c.categories = f.beta_names;
  c.width = 980;
  c.height = 460;
  c.series.push_back(beta_mean(f, "all test genes", [](std::size_t) { return true; }));
  if (!f.target.empty()) {
    c.series.push_back(beta_mean(f, "up in " + f.cell2() + " (y \u2265 2)", [&](std::size_t g) { return f.target[g] >= kUp; }));
    c.series.push_back(beta_mean(f, "down in " + f.cell2() + " (y \u2264 \u22122)", [&](std::size_t g) { return f.target[g] <= -kUp; }));
    c.series.push_back(beta_mean(f, "unchanged (|y| < 1)", [&](std::size_t g) { return std::fabs(f.target[g]) < kUnchanged; }));
  }
  const std::string cap =
      "Mean \u03b2 per channel (A = " + f.cell1() + ", B = " + f.cell2() + ", D = A \u2212 B; raw: and aux: the two halves of " +
      "the models that have both), over all test genes and over the up-regulated (at least 4-fold), down-regulated and " +
      "unchanged (under 2-fold) ones, by the true y. \u03b2 says where the model looked, not how much a mark changed the " +
      "prediction: a mark can get weight and contribute little.";
  return figure("fig-beta", deepdiff_cli::svg_bar_chart(c), html_escape(cap));
}

// Mean alpha per channel and bin over the test genes with a row.
inline std::vector<double> alpha_means(const RunFolder& f) {
  const std::size_t K = f.alpha_names.size(), T = static_cast<std::size_t>(f.bins);
  std::vector<double> mean(K * T, 0.0);
  std::vector<std::size_t> n(K, 0);
  for (std::size_t g = 0; g < f.ids.size(); ++g)
    for (std::size_t k = 0; k < K; ++k) {
      const float* r = &f.alpha[(g * K + k) * T];
      if (std::isnan(r[0])) continue;
      ++n[k];
      for (std::size_t t = 0; t < T; ++t) mean[k * T + t] += r[t];
    }
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t t = 0; t < T; ++t) mean[k * T + t] = n[k] ? mean[k * T + t] / static_cast<double>(n[k]) : NAN;
  return mean;
}

inline std::string alpha_figures(const RunFolder& f, const std::vector<double>& mean) {
  if (f.alpha_names.empty()) {
    auto it = f.svgs.find("attention_alpha.svg");
    if (it != f.svgs.end())
      return figure("fig-alpha", it->second, "The run's own attention_alpha.svg (no attention_alpha.csv: no profiles per gene).");
    return figure("fig-alpha", "", "No \u03b1: the run has no attention_alpha.csv (train --no-alpha-csv, or a model without attention).");
  }
  const std::size_t K = f.alpha_names.size();
  const Index T = f.bins;
  const double kb = kb_per_bin(f);
  const int dec = deepdiff_cli::kb_decimals(kb);
  Heatmap h;
  h.title = "\u03b1 (level-1 attention) per channel and bin: mean over the test genes";
  h.rows = static_cast<Index>(K);
  h.cols = T;
  h.values = mean;
  h.row_labels = f.alpha_names;
  for (Index t = 0; t < T; ++t) {
    char b[32];
    std::snprintf(b, sizeof b, "%+.*f", dec, bin_kb(f, t));
    h.col_labels.push_back(t == T / 2 ? "0 (TSS)" : b);
  }
  // Labels at the first of 1, 2, 5 x 10^k kb that gives at most 8 of them, the TSS among them.
  const double window = static_cast<double>(T) * kb;
  double spacing = kb;
  for (double decade = kb; spacing * 8 < window; decade *= 10)
    for (double m : {1.0, 2.0, 5.0})
      if (spacing * 8 < window) spacing = m * decade;
  const Index every = std::max<Index>(1, static_cast<Index>(std::llround(spacing / kb)));
  for (Index t = T / 2 % every; t < T; t += every) h.col_ticks.push_back(t);
  h.x_label = "kb from the TSS";
  h.colorbar_label = "mean \u03b1";
  h.width = 980;
  h.cell_height = K > 12 ? 22 : 28;
  std::string o = figure("fig-alpha", deepdiff_cli::svg_heatmap(h),
                         html_escape("Each row sums to 1 over the bins of a gene; bright = where that channel's encoder looked. " +
                                     bin_note(f) + "."));
  // The mean profiles, one plot per cell (A, B, D), one line per mark.
  o += "<div class=\"row\">\n";
  int plot = 0;
  for (const char* cell : {"A", "B", "D"}) {
    LinePlot p;
    const std::string who = std::string(cell) == "A" ? f.cell1() : std::string(cell) == "B" ? f.cell2() : "A \u2212 B";
    p.title = std::string("mean \u03b1 of ") + cell + " (" + who + ")";
    p.x_label = "kb from the TSS";
    p.y_label = "mean \u03b1";
    p.width = 480;
    p.height = 320;
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t k = 0; k < K; ++k) {
      const std::string& name = f.alpha_names[k];
      if (name.rfind(std::string(cell) + ".", 0) != 0) continue;
      LineSeries s{name.substr(2), {}, {}, "", false, false};
      for (Index t = 0; t < T; ++t) {
        s.x.push_back(bin_kb(f, t));
        s.y.push_back(mean[k * static_cast<std::size_t>(T) + static_cast<std::size_t>(t)]);
        if (std::isfinite(s.y.back())) lo = std::min(lo, s.y.back()), hi = std::max(hi, s.y.back());
      }
      p.series.push_back(s);
    }
    if (p.series.empty()) continue;
    if (std::isfinite(lo)) p.series.push_back(LineSeries{"TSS", {0.0, 0.0}, {lo, hi}, "#222", true, false});
    o += figure("fig-alpha-" + std::string(cell), deepdiff_cli::svg_line_plot(p),
                html_escape(std::string("Mean \u03b1 per bin of the ") + cell + " channels; the dashed line is the TSS."));
    ++plot;
  }
  o += "</div>\n";
  return o;
}

// The test genes as the page's table: id (a link that opens the lookup), symbol, true and
// predicted y, |error|.
inline std::string gene_table(const RunFolder& f) {
  Table t;
  t.id = "gene-table";
  t.filter_label = "Filter (id, symbol, any text of a row):";
  t.columns = {{"gene", false, "gene id; click to look it up"}, {"symbol", false, ""}};
  if (f.has_places) t.columns.push_back({"locus", false, "chromosome:TSS (0-based) and strand, from DATA_ROOT/genes.tsv"});
  const bool known = !f.target.empty();
  if (known) t.columns.push_back({"true y", true, y_definition(f)});
  t.columns.push_back({"predicted y", true, "the model's y"});
  if (known) t.columns.push_back({"|error|", true, "|predicted y \u2212 true y|"});
  t.rows.reserve(f.ids.size());
  for (std::size_t g = 0; g < f.ids.size(); ++g) {
    // The id as text: the script makes it open the lookup (a link would do nothing without it,
    // and cost 6,100 hrefs).
    std::vector<Cell> r = {text_cell(f.ids[g]), text_cell(f.symbols[g])};
    if (f.has_places)
      r.push_back(text_cell(f.chroms[g].empty() ? "" : f.chroms[g] + ":" + std::to_string(f.tss[g]) + " " + f.strands[g]));
    if (known) r.push_back(number_cell(f.target[g], 3));
    r.push_back(number_cell(f.pred[g], 3));
    if (known) r.push_back(number_cell(std::fabs(f.pred[g] - f.target[g]), 3));
    t.rows.push_back(std::move(r));
  }
  std::string o = html_table(t);
  return o.replace(o.find("<div class=\"table-wrap\">"), 24, "<div class=\"table-wrap tall\">");
}

// Seconds in words: "42.1 s", "12 min 5 s", "3 h 20 min".
inline std::string duration(double s) {
  if (!(s >= 0)) return "\u2013";
  const long long t = std::llround(s);
  if (t >= 3600) return std::to_string(t / 3600) + " h " + std::to_string(t / 60 % 60) + " min";
  if (t >= 60) return std::to_string(t / 60) + " min " + std::to_string(t % 60) + " s";
  return fixed(s, 1) + " s";
}

// A number of metrics.json; NaN for null (how NaN is written) or anything else.
inline double json_number_or_nan(const Json& v) { return v.is_number() ? v.get<double>() : NAN; }

// metrics.json's values as text: strings as they are, numbers in 4 significant digits.
inline std::string json_value_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return sig(v.get<double>());
  if (v.is_null()) return "\u2013 (not a number)";
  return v.dump();
}

inline std::string settings_section(const RunFolder& f) {
  static const std::vector<std::pair<std::string, std::string>> labels = {
      {"model_name", "model"},         {"cell_1", "cell 1 (A)"},         {"cell_2", "cell 2 (B)"},
      {"data_root", "data root"},      {"train_genes", "training genes"}, {"valid_genes", "validation genes"},
      {"test_genes", "test genes"},    {"bins", "bins per gene"},        {"marks", "marks"},
      {"epochs", "epochs"},            {"lr", "learning rate (Adam)"},    {"batch_size", "batch size"},
      {"clip", "gradient clipping"},   {"seed", "seed"},                  {"hidden1", "level-1 hidden size"},
      {"hidden2", "level-2 hidden size"}, {"expression_scale", "expression scale"},
      {"expression_divisor_1", "expression divisor of cell 1"}, {"expression_divisor_2", "expression divisor of cell 2"},
      {"median_y_train", "median y of the training genes"}, {"mean_y_train", "mean y of the training genes"},
      {"precision", "precision"}, {"encoder_path", "encoder implementation"}, {"threads", "threads"}};
  std::vector<std::pair<std::string, std::string>> kv;
  const Json settings = f.raw.contains("settings") && f.raw["settings"].is_object() ? f.raw["settings"] : Json::object();
  for (const auto& [key, label] : labels)
    if (settings.contains(key)) kv.emplace_back(label, html_escape(json_value_text(settings[key])));
  for (const auto& item : settings.items()) {
    bool known = false;
    for (const auto& l : labels) known = known || l.first == item.key();
    if (!known) kv.emplace_back(item.key(), html_escape(json_value_text(item.value())));
  }
  std::string o = "<h2 id=\"settings\">Settings and data</h2>\n";
  o += "<p>" + html_escape(y_definition(f)) + ".</p>\n";
  o += key_values(kv);
  std::vector<std::pair<std::string, std::string>> data;
  data.emplace_back("data root found at", f.data_root.empty() ? "not found" : code(f.data_root));
  data.emplace_back("bins", html_escape(bin_note(f)));
  data.emplace_back("gene symbols", f.has_places ? "DATA_ROOT/genes.tsv" : "from the gene ids where they hold one (no genes.tsv)");
  o += "<h3>What the page read from the data root</h3>\n" + key_values(data);
  if (f.raw.contains("timings") && f.raw["timings"].is_object()) {
    static const std::map<std::string, std::string> names = {{"epoch_seconds_total", "training and validation, all epochs"},
                                                             {"mean_epoch_seconds", "per epoch"},
                                                             {"run_seconds", "the whole run"}};
    std::vector<std::pair<std::string, std::string>> t;
    for (const auto& item : f.raw["timings"].items()) {
      const auto name = names.find(item.key());
      t.emplace_back(name == names.end() ? item.key() : name->second,
                     html_escape(item.value().is_number() ? duration(item.value().get<double>()) : json_value_text(item.value())));
    }
    o += "<h3>Time</h3>\n" + key_values(t);
  }
  return o;
}

inline std::string provenance_section(const RunFolder& f) {
  std::string o = "<h2 id=\"provenance\">Where the run came from</h2>\n";
  if (!f.raw.contains("provenance") || !f.raw["provenance"].is_object()) {
    return o + notice("missing", "This run's " + code("metrics.json") + " records no provenance (version, commit, command, " +
                                     "data checksums): it was written by an earlier version of deepdiff.");
  }
  const Json& p = f.raw["provenance"];
  std::vector<std::pair<std::string, std::string>> kv;
  for (const auto& item : p.items()) {
    if (item.key() == "files") continue;
    kv.emplace_back(item.key(), "<span class=\"mono\">" + html_escape(json_value_text(item.value())) + "</span>");
  }
  o += key_values(kv);
  if (p.contains("files") && p["files"].is_array() && !p["files"].empty()) {
    Table t;
    t.id = "data-files";
    t.caption_html = "The data files the run read, with their sizes and FNV-1a 64 checksums: the same numbers mean the same inputs.";
    t.columns = {{"file", false, ""}, {"bytes", true, ""}, {"FNV-1a 64", false, ""}};
    for (const Json& file : p["files"]) {
      if (!file.is_object()) continue;
      t.rows.push_back({text_cell(file.value("name", std::string())), count_cell(file.value("bytes", 0LL)),
                        html_cell("<span class=\"mono\">" + html_escape(file.value("fnv1a64", std::string())) + "</span>")});
    }
    o += html_table(t);
  }
  return o;
}

// metrics.json "test", every key: the known ones named, others (a newer version's) as they are.
inline std::string test_scores_table(const RunFolder& f) {
  if (!f.raw.contains("test") || !f.raw["test"].is_object()) return "";
  static const std::vector<std::pair<std::string, std::string>> labels = {
      {"pcc", "PCC (Pearson)"},
      {"spearman", "Spearman (of ranks)"},
      {"r2", "R\u00b2 (1 \u2212 SS_res / SS_tot)"},
      {"slope", "slope of true y on the prediction (1: calibrated)"},
      {"mse", "MSE"},
      {"mse_train_mean", "MSE of predicting the training mean (to beat)"},
      {"sd_prediction", "sd of the predictions"},
      {"sd_target", "sd of true y"},
      {"pcc_a", "PCC of the aux head A (log2(e_A + 1))"},
      {"pcc_b", "PCC of the aux head B (log2(e_B + 1))"},
      {"genes", "test genes"}};
  const Json& t = f.raw["test"];
  std::vector<std::pair<std::string, std::string>> kv;
  for (const auto& [key, label] : labels)
    if (t.contains(key)) kv.emplace_back(label, html_escape(json_value_text(t[key])));
  for (const auto& item : t.items()) {
    bool known = false;
    for (const auto& l : labels) known = known || l.first == item.key();
    if (!known) kv.emplace_back(item.key(), html_escape(json_value_text(item.value())));
  }
  return "<h3>Test scores recorded in metrics.json</h3>\n" + key_values(kv);
}

// The folder's files: what each is, and which are missing.
inline std::string files_section(const RunFolder& f, const std::string& out_dir) {
  static const std::vector<std::pair<std::string, std::string>> files = {
      {"metrics.json", "settings, scores per epoch, test scores, provenance"},
      {"predictions.csv", "the test genes' predicted and true y"},
      {"top_genes.tsv", "the test genes ranked by |predicted y|"},
      {"attention_beta.csv", "\u03b2 per test gene and channel"},
      {"attention_alpha.csv", "\u03b1 per test gene, channel and bin"},
      {"training_curves.svg", "loss and PCC per epoch"},
      {"scatter.svg", "predicted vs true y"},
      {"attention_beta.svg", "mean \u03b2 per channel"},
      {"attention_alpha.svg", "mean \u03b1 per channel and bin"},
      {"train.log", "what the run printed"},
      {"checkpoint.bin", "the kept model (deepdiff eval / predict / attention read it)"},
      {"state.bin", "the training state, for train --resume"}};
  Table t;
  t.id = "run-files";
  t.columns = {{"file", false, ""}, {"what it is", false, ""}, {"size", false, ""}};
  for (const auto& [name, what] : files) {
    const std::string path = (fs::path(f.dir) / name).string();
    const std::string size = file_size_text(path);
    std::error_code ec;
    const std::string rel = fs::relative(path, out_dir.empty() ? "." : out_dir, ec).generic_string();
    t.rows.push_back({html_cell(size.empty() ? html_escape(name) : "<a href=\"" + html_escape(ec ? name : rel) + "\">" + html_escape(name) + "</a>"),
                      text_cell(what), size.empty() ? html_cell("<em>missing</em>") : text_cell(size)});
  }
  return "<h2 id=\"files\">Files of the run</h2>\n<p>In " + code(fs::absolute(f.dir).lexically_normal().string()) + ".</p>\n" +
         html_table(t);
}

// The last lines of train.log, folded away.
inline std::string log_tail(const RunFolder& f) {
  const std::string path = (fs::path(f.dir) / "train.log").string();
  if (!deepdiff::file_exists(path)) return "";
  std::string text;
  try {
    text = deepdiff::read_file(path);
  } catch (const std::exception&) {
    return "";
  }
  std::size_t start = text.size(), lines = 0;
  while (start > 0 && lines <= 40) {
    --start;
    if (text[start] == '\n' && start + 1 < text.size()) ++lines;
  }
  if (lines > 40) ++start;
  return "<details><summary>The end of train.log</summary><pre class=\"mono\">" + html_escape(text.substr(start)) + "</pre></details>\n";
}

// Rows of T values as bytes, value = lo + q * step per row (float32 lo, step). Alpha: lo = 0,
// step = the row's max / levels, stored as differences of neighbouring bins (smooth profiles
// deflate far better so). Signals: lo = 0 and step 1 where a row is counts up to 255 (then
// exact), else the row's range in 255 steps.
struct Quantized {
  std::vector<float> lo, step;
  std::vector<unsigned char> q;
};

inline Quantized quantize_rows(const std::vector<float>& v, std::size_t T, int levels, bool delta, bool with_lo) {
  Quantized out;
  const std::size_t rows = T ? v.size() / T : 0;
  out.step.resize(rows);
  if (with_lo) out.lo.resize(rows);
  out.q.resize(rows * T);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* x = &v[r * T];
    double lo = 0, hi = 0;
    bool counts = true;
    for (std::size_t t = 0; t < T; ++t) {
      const double a = std::isfinite(x[t]) ? x[t] : 0.0;
      lo = std::min(lo, a), hi = std::max(hi, a);
      counts = counts && a == std::floor(a);
    }
    if (!with_lo) lo = 0;
    double step = (hi - lo) / levels;
    if (with_lo && counts && lo == 0 && hi <= 255) step = 1;
    if (!(step > 0)) step = 1;
    out.step[r] = static_cast<float>(step);
    if (with_lo) out.lo[r] = static_cast<float>(lo);
    long prev = 0;
    for (std::size_t t = 0; t < T; ++t) {
      const double a = std::isfinite(x[t]) ? x[t] : 0.0;
      const long q = std::clamp(std::lround((a - lo) / step), 0L, static_cast<long>(levels));
      out.q[r * T + t] = static_cast<unsigned char>(delta ? (q - prev) & 255 : q);
      prev = q;
    }
  }
  return out;
}

inline void append_floats(std::vector<unsigned char>& b, const std::vector<float>& v) {
  for (float x : v) {
    std::uint32_t u = 0;
    std::memcpy(&u, &x, 4);
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<unsigned char>(u >> (8 * i)));  // little-endian, as the script reads
  }
}

// One block of rows as the page embeds it: [lo floats][step floats][q], packed, and where each
// starts (JSON for the script). q is a byte per value, or with at most 16 levels two values per
// byte (low nibble first; deltas then wrap modulo 16): half the bytes, and deflate makes them
// about 15% smaller than the same values a byte each.
inline Json block_layout(const Quantized& q, bool delta, int levels, std::vector<unsigned char>& bytes) {
  bytes.clear();
  const int bits = levels <= 15 ? 4 : 8;
  Json j = {{"lo", q.lo.empty() ? -1 : 0}, {"step", 4 * q.lo.size()}, {"q", 4 * (q.lo.size() + q.step.size())},
            {"delta", delta}, {"levels", levels}, {"bits", bits}};
  append_floats(bytes, q.lo);
  append_floats(bytes, q.step);
  if (bits == 8) {
    bytes.insert(bytes.end(), q.q.begin(), q.q.end());
  } else {
    for (std::size_t i = 0; i < q.q.size(); i += 2)
      bytes.push_back(static_cast<unsigned char>((q.q[i] & 15) | (i + 1 < q.q.size() ? (q.q[i + 1] & 15) << 4 : 0)));
  }
  return j;
}

// The most the packed profiles (alpha and signals) may take, so that a run of 6,100 test genes
// x 15 alpha channels x 200 bins stays a page of about 15 MB with base64's 4/3 and the rest.
constexpr std::size_t kProfilesBudget = 9'000'000;

// The lookup's data: #run-data (JSON) and the packed alpha and signal rows (#run-alpha,
// #run-signal).
struct PageData {
  Json json;
  std::string alpha_base64, signal_base64;
  std::size_t raw_bytes = 0, packed_bytes = 0;
  int alpha_levels = 0;
};

inline PageData page_data(const RunFolder& f, const std::vector<double>& alpha_mean) {
  PageData d;
  Json& j = d.json;
  const auto rounded = [](double v, double unit) { return std::isfinite(v) ? Json(std::round(v / unit) * unit) : Json(); };
  Json ids = Json::array(), symbols = Json::array(), pred = Json::array(), target = Json::array();
  for (std::size_t g = 0; g < f.ids.size(); ++g) {
    ids.push_back(f.ids[g]);
    symbols.push_back(f.symbols[g]);
    pred.push_back(rounded(f.pred[g], 1e-5));
    if (!f.target.empty()) target.push_back(rounded(f.target[g], 1e-5));
  }
  j["genes"] = {{"id", ids}, {"symbol", symbols}, {"pred", pred}};
  if (!f.target.empty()) j["genes"]["y"] = target;
  if (f.has_places) j["genes"]["chrom"] = f.chroms, j["genes"]["tss"] = f.tss, j["genes"]["strand"] = f.strands;
  j["cells"] = {f.cell1(), f.cell2()};
  j["y_definition"] = y_definition(f);
  if (!f.beta_names.empty()) {
    const std::size_t K = f.beta_names.size();
    std::vector<unsigned char> q;
    q.reserve(f.beta.size() * 2);
    for (float b : f.beta) {
      const long v = std::isfinite(b) ? std::clamp(std::lround(static_cast<double>(b) * 65535.0), 0L, 65535L) : 0;
      q.push_back(static_cast<unsigned char>(v & 255));
      q.push_back(static_cast<unsigned char>(v >> 8));
    }
    const BarSeries mean = beta_mean(f, "", [](std::size_t) { return true; });
    j["beta"] = {{"names", f.beta_names}, {"q", base64(q.data(), q.size())}, {"mean", Json::array()}};
    for (std::size_t k = 0; k < K; ++k) j["beta"]["mean"].push_back(rounded(mean.values[k], 1e-5));
  } else {
    j["no_beta"] = "No \u03b2 in this run (no attention_beta.csv).";
  }
  const bool alpha = !f.alpha_names.empty(), signal = !f.signal.empty();
  if (!alpha && !signal) {
    j["no_profiles"] = "No \u03b1 (attention_alpha.csv) and no input signals (the data root's test split) to show.";
    return d;
  }
  const std::size_t T = static_cast<std::size_t>(f.bins);
  Json P = {{"bins", T}, {"tss_bin", T / 2}};
  char b[32];
  const double kb = kb_per_bin(f);
  std::snprintf(b, sizeof b, "%+.*f kb", deepdiff_cli::kb_decimals(kb), bin_kb(f, 0));
  P["kb_first"] = b;
  std::snprintf(b, sizeof b, "%+.*f kb", deepdiff_cli::kb_decimals(kb), bin_kb(f, static_cast<Index>(T)));
  P["kb_last"] = b;
  // The marks in the signals' order, else those the alpha channels name ("A.H3K4me3").
  std::vector<std::string> marks = f.marks;
  if (marks.empty())
    for (const std::string& n : f.alpha_names)
      if (n.size() > 2 && std::find(marks.begin(), marks.end(), n.substr(2)) == marks.end()) marks.push_back(n.substr(2));
  P["marks"] = marks;
  Json cells = Json::array({{{"key", "A"}, {"label", "A: " + f.cell1()}}, {{"key", "B"}, {"label", "B: " + f.cell2()}}});
  for (const std::string& n : f.alpha_names)
    if (n.rfind("D.", 0) == 0) {
      cells.push_back({{"key", "D"}, {"label", "D = A \u2212 B"}});
      break;
    }
  P["cells"] = cells;
  // Per gene 1 where it has a row (a gene missing from the data root's split or from
  // attention_alpha.csv shows "no input signal" / "no alpha", not zeros).
  Json has_signal = Json::array(), has_alpha = Json::array();
  for (std::size_t g = 0; g < f.ids.size(); ++g) {
    has_signal.push_back(signal && f.has_signal[g] ? 1 : 0);
    has_alpha.push_back(alpha && !std::isnan(f.alpha[g * f.alpha_names.size() * T]) ? 1 : 0);
  }
  P["has_signal"] = has_signal;
  P["has_alpha"] = has_alpha;
  std::vector<unsigned char> bytes;
  std::size_t signal_packed = 0;
  if (signal) {
    P["signal"] = block_layout(quantize_rows(f.signal, T, 255, false, true), false, 255, bytes);
    const Packed p = pack_bytes(bytes);
    P["signal"]["encoding"] = p.encoding;
    d.signal_base64 = p.base64;
    d.raw_bytes += p.raw_bytes;
    d.packed_bytes += signal_packed = p.packed_bytes;
  }
  if (alpha) {
    // As many levels per row as the budget allows: 256 where alpha is peaked (a trained
    // model's), down to 16 where it is near-uniform noise (an untrained one's, which barely
    // deflates). A panel of the lookup is about 50 pixels high.
    // The levels are chosen on a sample of genes (deflating all of them at every level took
    // half a minute for 6,100 genes), then the whole block is packed once.
    const std::size_t rows_per_gene = f.alpha_names.size() * T, G = f.ids.size(), sample = std::min<std::size_t>(G, 400);
    const std::vector<float> head(f.alpha.begin(), f.alpha.begin() + static_cast<std::ptrdiff_t>(sample * rows_per_gene));
    for (int levels : {255, 127, 63, 47, 31, 23, 15}) {
      d.alpha_levels = levels;
      std::vector<unsigned char> trial;
      block_layout(quantize_rows(head, T, levels, true, false), true, levels, trial);
      // Without zlib only the halving of 16 levels (two per byte) makes the page smaller.
      const std::size_t packed = kCanDeflate ? deflate_bytes(trial).size() : trial.size();
      if (signal_packed + packed * G / std::max<std::size_t>(sample, 1) <= kProfilesBudget) break;
    }
    P["alpha"] = block_layout(quantize_rows(f.alpha, T, d.alpha_levels, true, false), true, d.alpha_levels, bytes);
    const Packed p = pack_bytes(bytes);
    P["alpha"]["encoding"] = p.encoding;
    P["alpha"]["names"] = f.alpha_names;
    P["alpha"]["mean"] = Json::array();
    for (std::size_t k = 0; k < f.alpha_names.size(); ++k) {
      Json row = Json::array();
      for (std::size_t t = 0; t < T; ++t) row.push_back(rounded(alpha_mean[k * T + t], 1e-6));
      P["alpha"]["mean"].push_back(row);
    }
    d.alpha_base64 = p.base64;
    d.raw_bytes += p.raw_bytes;
    d.packed_bytes += p.packed_bytes;
  }
  j["profiles"] = P;
  std::string note = "TSS dashed; " + bin_note(f) + ".";
  if (alpha) note += " \u03b1 drawn at " + std::to_string(d.alpha_levels + 1) + " levels of each row's maximum.";
  j["bin_note"] = note;
  return d;
}

}  // namespace run_detail

// The page of a run folder read by read_run_folder. `out_dir`: the folder the page is written
// to, for the relative links to the run's files.
inline std::string run_report_html(const RunFolder& f, const std::string& out_dir = "",
                                   const std::string& generator = "deepdiff") {
  using namespace run_detail;
  const std::string model = f.setting("model_name", "?");
  const run_detail::Scores scores = test_scores(f);
  const std::vector<double> amean = f.alpha_names.empty() ? std::vector<double>() : alpha_means(f);
  std::string b;
  b += "<h1>" + html_escape(model) + ": " + html_escape(f.cell1()) + " \u2192 " + html_escape(f.cell2()) + "</h1>\n";
  b += "<p class=\"sub\">DeepDiff run in " + code(f.dir) + ". " + html_escape(y_definition(f)) + ".</p>\n";

  // The headline numbers, then what the reader must know before trusting them.
  const int epochs_done = static_cast<int>(f.raw.contains("epochs") && f.raw["epochs"].is_array() ? f.raw["epochs"].size() : 0);
  b += "<div class=\"headline\" id=\"headline\">";
  const auto stat = [&](const std::string& k, const std::string& v, const std::string& id = "") {
    b += "<div class=\"stat\"><span class=\"v\"" + (id.empty() ? "" : " id=\"" + id + "\"") + ">" + v + "</span><span class=\"k\">" +
         html_escape(k) + "</span></div>";
  };
  stat("status", f.complete() ? "finished" : "not finished", "run-status");
  if (!f.target.empty()) {
    stat("test PCC", fixed(scores.pcc, 3), "test-pcc");
    if (std::isfinite(scores.interval.lo))
      stat("95% interval of the PCC", fixed(scores.interval.lo, 3) + " \u2013 " + fixed(scores.interval.hi, 3));
    stat("test MSE", fixed(scores.mse, 3));
  }
  if (f.raw.contains("test") && f.raw["test"].is_object()) {
    const Json& t = f.raw["test"];
    if (t.contains("spearman")) stat("Spearman", fixed(json_number_or_nan(t["spearman"]), 3));
    if (t.contains("r2")) stat("R\u00b2", fixed(json_number_or_nan(t["r2"]), 3));
    if (t.contains("slope")) stat("slope of y on the prediction", fixed(json_number_or_nan(t["slope"]), 3));
  }
  if (f.m && f.m->best_epoch > 0) stat("best epoch", std::to_string(f.m->best_epoch) + " of " + std::to_string(epochs_done));
  stat("test genes", count(f.genes()));
  b += "</div>\n";
  if (!f.complete()) {
    b += notice("warn", "<strong>This run has not finished</strong> (metrics.json says \u201ccomplete\u201d: false): " +
                            std::to_string(epochs_done) + " of " + html_escape(f.setting("epochs", "?")) +
                            " epochs are recorded. It is still training, or it stopped (train --resume continues it). " +
                            "The test scores, attention and gene lookup come when it finishes; run deepdiff report again then.");
  }
  if (f.raw.contains("warnings") && f.raw["warnings"].is_array() && !f.raw["warnings"].empty()) {
    std::string w = "<strong>The run warned:</strong><ul>";
    for (const Json& x : f.raw["warnings"]) w += "<li>" + html_escape(json_value_text(x)) + "</li>";
    b += notice("warn", w + "</ul>");
  }
  if (!f.notes.empty()) {
    std::string w = "<strong>Not on this page, and why:</strong><ul>";
    for (const std::string& n : f.notes) w += "<li>" + n + "</li>";
    b += notice("missing", w + "</ul>");
  }

  std::vector<std::pair<std::string, std::string>> nav = {{"lookup", "Gene lookup"}, {"predictions", "Predictions"},
                                                          {"attention", "Attention"}, {"training", "Training"},
                                                          {"genes", "Genes"},         {"settings", "Settings"},
                                                          {"provenance", "Provenance"}, {"files", "Files"}};
  // The lookup: a gene's prediction, beta and per mark its alpha beside its input signal.
  PageData data;
  b += "<h2 id=\"lookup\">Gene lookup</h2>\n";
  if (f.ids.empty()) {
    b += "<p class=\"muted\">No test genes to look up (no predictions.csv).</p>\n";
  } else {
    data = page_data(f, amean);
    b += "<section class=\"lookup\"><p>Type a test gene's id or symbol: its predicted and true y, its \u03b2 per channel and, " +
         std::string("per mark and cell, its \u03b1 per bin next to the input signal it was given.</p>\n");
    b += "<noscript><p class=\"notice missing\">The lookup needs JavaScript; the table under \u201cGenes\u201d lists every test "
         "gene's numbers without it.</p></noscript>\n";
    b += "<form id=\"lookup-form\" class=\"js-only\" autocomplete=\"off\"><label for=\"lookup-input\">gene id or symbol</label>"
         "<input type=\"text\" id=\"lookup-input\" placeholder=\"e.g. " + html_escape(f.symbols.empty() || f.symbols[0].empty() ? f.ids[0] : f.symbols[0]) +
         "\" spellcheck=\"false\"><button class=\"go\" type=\"submit\">Look up</button></form>\n";
    b += "<div id=\"lookup-status\" aria-live=\"polite\"></div><div id=\"lookup-result\"></div>\n";
    if (data.raw_bytes > 0)
      b += "<p class=\"muted\">The profiles of the " + count(f.genes()) + " genes are in this page: " +
           bytes_text(static_cast<double>(data.raw_bytes)) +
           (kCanDeflate ? ", deflated to " + bytes_text(static_cast<double>(data.packed_bytes))
                        : " (not deflated: the program was built without zlib)") +
           (data.alpha_levels ? ", \u03b1 at " + std::to_string(data.alpha_levels + 1) + " levels of each row's maximum" : "") +
           ".</p>\n";
    b += "</section>\n";
  }

  b += "<h2 id=\"predictions\">Test predictions</h2>\n";
  b += scatter_figure(f, scores);
  b += test_scores_table(f);

  b += "<h2 id=\"attention\">Attention: where the model looked</h2>\n";
  b += "<p>Attention weights say where the model looked, by mark (\u03b2) and by position (\u03b1); they are not "
       "attributions, and do not say how much a mark changed the prediction.</p>\n";
  b += beta_figure(f);
  b += alpha_figures(f, amean);

  b += "<h2 id=\"training\">Training</h2>\n";
  b += curves_figure(f);

  b += "<h2 id=\"genes\">Test genes</h2>\n";
  if (f.ids.empty()) b += "<p class=\"muted\">No test predictions yet.</p>\n";
  else b += "<p>Click a column to sort (numbers: largest first), type to filter; a gene's id opens its lookup.</p>\n" + gene_table(f);

  b += settings_section(f);
  b += provenance_section(f);
  b += files_section(f, out_dir);
  b += log_tail(f);

  if (!f.ids.empty()) {
    b += "<script type=\"application/json\" id=\"run-data\">" + script_json(data.json) + "</script>\n";
    if (!data.alpha_base64.empty()) b += "<script type=\"text/plain\" id=\"run-alpha\">" + data.alpha_base64 + "</script>\n";
    if (!data.signal_base64.empty()) b += "<script type=\"text/plain\" id=\"run-signal\">" + data.signal_base64 + "</script>\n";
  }
  return page(model + " " + f.cell1() + " vs " + f.cell2() + " \u2014 DeepDiff run report", nav_links(nav), b, kRunJs,
              "Written by " + generator);
}

// Writes the report of the run in `run_dir` to `out` (default RUN_DIR/report.html), atomically;
// returns its path. Throws std::runtime_error naming the path when `run_dir` is not a run.
// `generator`: the program and version the page names as its writer (version_line()).
inline std::string write_run_report(const std::string& run_dir, const std::string& out = "",
                                    const std::string& generator = "deepdiff") {
  const std::string path = out.empty() ? (fs::path(run_dir) / "report.html").string() : out;
  const RunFolder f = read_run_folder(run_dir);
  const fs::path parent = fs::path(path).parent_path();
  deepdiff::write_file_atomic(path, run_report_html(f, parent.empty() ? "." : parent.string(), generator));
  return path;
}

// `deepdiff report RUN_DIR [--out FILE]`. Exit codes as the program's: 0, 2 (UsageError), 1.
inline int report_command(int argc, char** argv, const std::string& generator) {
  cxxopts::Options o("deepdiff report",
                     "Write RUN_DIR/report.html: one self-contained page (it opens offline, from disk, and fetches\n"
                     "nothing) with the run's settings, training curves, test scatter, attention and a table and\n"
                     "lookup of the test genes. It reads what the folder holds, and says what is missing (a run\n"
                     "still training, an older version's folder); RUN_DIR must hold a metrics.json.");
  o.add_options()("h,help", "show this help")("out", "write the page here instead of RUN_DIR/report.html",
                                              cxxopts::value<std::string>());
  cxxopts::ParseResult r;
  const std::optional<std::string> run_dir = deepdiff_cli::parse_run_dir_command(o, argc, argv, r);
  if (!run_dir) return 0;
  const std::string out = r.count("out") ? r["out"].as<std::string>() : "";
  if (r.count("out") && out.empty()) throw deepdiff_cli::UsageError("--out: an empty path");
  const std::string path = write_run_report(*run_dir, out, generator);
  std::cout << "report written to " << path << " (" << file_size_text(path) << "); open it in a browser\n";
  return 0;
}

}  // namespace deepdiff_report
