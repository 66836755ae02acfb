// The study's summaries across runs (deepdiff-pairs): test PCC per pair and variant (SVG) and,
// per pair, each mark's share of the level-2 attention (beta) for all, up- and down-regulated
// test genes (CSV + SVG), read from the runs' attention_beta.csv and predictions.csv.
#pragma once

#include <deepdiff/data/marks.hpp>
#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/errors.hpp>
#include <deepdiff/io/read_file.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "../svg.hpp"
#include "pairs.hpp"
#include "results.hpp"

namespace deepdiff_study {

// Six significant digits (NaN as NaN): enough for summaries, readable in a spreadsheet.
inline std::string short_number(double v) {
  if (std::isnan(v)) return "NaN";
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

inline std::string test_pcc_svg(const std::vector<Row>& rows) {
  deepdiff_cli::BarChart c;
  std::set<std::uint64_t> seeds;
  for (const Row& r : rows)
    if (r.ok()) seeds.insert(r.seed());
  c.title = "Test PCC per cell-type pair and model" +
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
  int baseline = 0;
  for (const std::string& v : variants_of(rows)) {
    deepdiff_cli::BarSeries s;
    s.name = v;
    if (deepdiff::is_baseline_name(v)) {
      // The baselines as their own bars, in greys, after the variants' colours.
      static const char* greys[] = {"#3d3d3d", "#6b6b6b", "#999999", "#c4c4c4"};
      s.color = greys[baseline++ % 4];
      s.name += " (baseline)";
    }
    for (const std::string& p : pairs) {
      const std::vector<double> x = test_pccs(rows, p, v);
      s.values.push_back(mean_of(x));
      s.errors.push_back(sd_of(x));
    }
    c.series.push_back(s);
  }
  c.width = std::max(720.0, 260.0 + 26.0 * static_cast<double>(pairs.size() * std::max<std::size_t>(c.series.size(), 1)));
  return deepdiff_cli::svg_bar_chart(c);
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

// One run: beta per gene from attention_beta.csv, y from predictions.csv (target column; its
// '#' comment line is skipped by read_csv_table).
// Each gene's beta is summed over the channels of a mark (A., B., D., raw:, aux:) and divided
// by its total, so the marks' shares sum to 1 for every variant.
inline AttentionGroups run_attention(const std::string& dir) {
  const std::string bp = (std::filesystem::path(dir) / "attention_beta.csv").string();
  const std::string pp = (std::filesystem::path(dir) / "predictions.csv").string();
  const deepdiff::CsvTable beta = deepdiff::read_csv_table(bp, deepdiff::read_file(bp));
  const deepdiff::CsvTable pred = deepdiff::read_csv_table(pp, deepdiff::read_file(pp));
  const int tcol = pred.column("target"), gcol = pred.column("gene_id");
  if (tcol < 0 || gcol < 0) throw deepdiff::DataError(pp, pred.header_line, "no gene_id and target columns");
  if (beta.header.size() < 2 || beta.header[0] != "gene_id")
    throw deepdiff::DataError(bp, beta.header_line, "not an attention_beta.csv");
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
    if (r.pair != pair || !r.ok() || !deepdiff::model_has_attention(r.variant)) continue;
    const std::string dir = run_dir(r.source_root, r.pair, r.variant, r.seed());
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

  deepdiff_cli::BarChart c;
  c.title = pair + ": share of level-2 attention (beta) per mark, test genes, mean over " + std::to_string(out.runs) +
            " run" + (out.runs == 1 ? "" : "s");
  c.y_label = "mean share of beta";
  c.x_label = "histone mark (beta summed over a mark's channels)";
  for (std::size_t m = 0; m < marks.size(); ++m)
    if (used[m]) c.categories.push_back(marks[m]);
  for (int q = 1; q <= 2; ++q) {
    deepdiff_cli::BarSeries s;
    char b[96];
    std::snprintf(b, sizeof b, "%s, %.0f genes/run", group_name(q), mean_genes(all, q));
    s.name = b;
    for (std::size_t m = 0; m < marks.size(); ++m)
      if (used[m]) s.values.push_back(mean_share(all, q, m));
    c.series.push_back(s);
  }
  {
    deepdiff_cli::BarSeries s;
    s.name = "all test genes";
    s.color = "#bab0ac";
    for (std::size_t m = 0; m < marks.size(); ++m)
      if (used[m]) s.values.push_back(mean_share(all, 0, m));
    c.series.push_back(s);
  }
  c.width = 820;
  out.svg = deepdiff_cli::svg_bar_chart(c);
  return out;
}

// Writes SAVE_ROOT/summary_test_pcc.svg and SAVE_ROOT/<pair>/attention_summary.{csv,svg} for
// every pair with a finished run; returns the files written (relative to save_root) and
// prints what it could not read.
inline std::vector<std::string> write_summaries(const std::string& save_root, const std::vector<Row>& rows,
                                                std::ostream& log) {
  std::vector<std::string> files;
  namespace fs = std::filesystem;
  deepdiff::make_directories(save_root);
  deepdiff::write_file_atomic((fs::path(save_root) / "summary_test_pcc.svg").string(), test_pcc_svg(rows));
  files.push_back("summary_test_pcc.svg");
  for (const std::string& p : pairs_of(rows)) {
    bool any = false;
    for (const Row& r : rows) any = any || (r.pair == p && r.ok());
    if (!any) continue;
    const AttentionSummary a = attention_summary(rows, p);
    for (const std::string& s : a.skipped) log << "attention summary of " << p << ": skipped " << s << "\n";
    if (a.runs == 0) continue;
    const fs::path dir = fs::path(save_root) / p;
    deepdiff::make_directories(dir.string());
    deepdiff::write_file_atomic((dir / "attention_summary.csv").string(), a.csv);
    deepdiff::write_file_atomic((dir / "attention_summary.svg").string(), a.svg);
    files.push_back(p + "/attention_summary.csv");
    files.push_back(p + "/attention_summary.svg");
  }
  return files;
}

}  // namespace deepdiff_study
