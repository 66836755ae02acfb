// The prediction and attention files of a split: a file contract. `deepdiff train`,
// `eval`, `predict` and `attention` write them, tools/test_predict_parity.py and the study
// summaries read them back, so their columns and number spelling are fixed here, once:
//
//   predictions.csv     # one comment line: what y is, with the cells' names
//                       gene_id[, symbol, chrom, tss, strand], prediction[, prediction_a, prediction_b]
//                       [, target[, target_a, target_b], residual]
//   attention_beta.csv  gene_id, one column per level-2 channel (DeepDiff::beta_names)
//   attention_alpha.csv gene_id, channel, bin_1 .. bin_T (one row per gene and level-1 channel)
//   top_genes.tsv       # one comment line; rank, gene_id, symbol, prediction[, target], direction
//                       (tab-separated; the genes by |prediction|, largest first)
//
// symbol, chrom, tss (0-based) and strand come from DATA_ROOT/genes.tsv (`deepdiff prepare`),
// only when there is one; residual = prediction - target. The comment line starts with '#':
// the project's CsvReader skips it, pandas with comment="#", Python's csv module after
// dropping lines that start with '#'. A file without targets (no expression tables) says so
// there. Numbers are csv_number's: the shortest text that reads back to the same value, NaN
// as "NaN". In train/ because the inputs are a Split and the Predictions of train/trainer.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/expression_scale.hpp"
#include "deepdiff/data/gene_table.hpp"
#include "deepdiff/io/atomic_file.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/train/trainer.hpp"

namespace deepdiff {

// What the files of a split say beside the numbers: the two cells' names (cell 1 = A, cell 2 =
// B: the sign of y depends on their order, so every file names them) and, when the data root
// has a genes.tsv, the genes' symbols and places (not owned: it must outlive the call).
struct PredictionLabels {
  std::string cell_a = "Cell1", cell_b = "Cell2";
  const GeneTable* genes = nullptr;
};

// The definition of y with the cells' names, shared by the comment lines of the files.
inline std::string y_definition(const Split& s, const PredictionLabels& l) {
  std::string t = "y = log2((e_B + 1) / (e_A + 1)), A = " + l.cell_a + " (cell-1), B = " + l.cell_b +
                  " (cell-2): y > 0 means higher in B";
  if (s.scaling.scale != ExpressionScale::none)
    t += std::string("; e = the expression counts divided by the cell's ") + expression_scale_name(s.scaling.scale) +
         " divisor";
  return t;
}

// The comment line of predictions.csv (with its '#' and newline).
inline std::string predictions_comment(const Split& s, const Predictions& p, const PredictionLabels& l) {
  const bool known = !p.target.empty(), aux = !p.pred_a.empty();
  std::string c = "# ";
  if (known) c += "target = " + y_definition(s, l) + "; prediction = the model's y; residual = prediction - target";
  else c += "prediction = the model's " + y_definition(s, l) + "; no target: the data has no expression tables";
  if (aux) c += "; prediction_a, prediction_b = the model's log2(e_A + 1), log2(e_B + 1)";
  if (aux && known) c += " (targets: target_a, target_b)";
  if (l.genes) c += "; symbol, chrom, tss (0-based), strand from " + l.genes->path;
  return c + "\n";
}

// The aux heads' columns where the variant has them (p.pred_a non-empty), the targets and the
// residual when the split has expression (p.target non-empty), the genes' names and places
// when `l.genes` is given (empty cells for a gene it does not list).
inline std::string predictions_csv(const Split& s, const Predictions& p, const PredictionLabels& l) {
  CsvWriter w;
  const bool known = !p.target.empty(), aux = !p.pred_a.empty();
  std::vector<std::string> h = {"gene_id"};
  if (l.genes) h.insert(h.end(), {"symbol", "chrom", "tss", "strand"});
  h.push_back("prediction");
  if (aux) h.insert(h.end(), {"prediction_a", "prediction_b"});
  if (known) h.push_back("target");
  if (known && aux) h.insert(h.end(), {"target_a", "target_b"});
  if (known) h.push_back("residual");
  w.header(h);
  for (std::size_t g = 0; g < p.pred.size(); ++g) {
    std::vector<std::string> r = {s.gene_ids[g]};
    if (l.genes) {
      const GeneInfo* info = l.genes->find(s.gene_ids[g]);
      if (info) r.insert(r.end(), {info->symbol, info->chrom, std::to_string(info->tss), info->strand});
      else r.insert(r.end(), {"", "", "", ""});
    }
    r.push_back(csv_number(p.pred[g]));
    if (aux) r.insert(r.end(), {csv_number(p.pred_a[g]), csv_number(p.pred_b[g])});
    if (known) r.push_back(csv_number(p.target[g]));
    if (known && aux) r.insert(r.end(), {csv_number(p.target_a[g]), csv_number(p.target_b[g])});
    if (known) r.push_back(csv_number(p.pred[g] - p.target[g]));
    w.row(r);
  }
  return predictions_comment(s, p, l) + w.str();
}

// The genes ranked by |prediction|, largest first (ties and NaN: in the split's order, NaN
// last), as a tab-separated table: what a reader looking for "the genes the model calls most
// changed" opens first. symbol: genes.tsv's, else the SYMBOL part of the split's id (empty
// when neither has one); direction: "up in B" / "down in B" by the prediction's sign, named by
// the cell ("no change" for 0).
inline std::string top_genes_tsv(const Split& s, const Predictions& p, const PredictionLabels& l) {
  const bool known = !p.target.empty();
  std::vector<std::size_t> order(p.pred.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  const auto size = [&](std::size_t g) { return std::isnan(p.pred[g]) ? -1.0 : std::fabs(p.pred[g]); };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size(a) > size(b); });
  // TSV has no quoting: a tab or line break inside a field becomes a space.
  const auto field = [](std::string v) {
    std::replace_if(v.begin(), v.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return v;
  };
  std::string t = "# the " + s.name + " genes ranked by |prediction| (largest predicted change first); prediction = the model's " +
                  y_definition(s, l) + "; direction = the sign of the prediction\n";
  t += known ? "rank\tgene_id\tsymbol\tprediction\ttarget\tdirection\n" : "rank\tgene_id\tsymbol\tprediction\tdirection\n";
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::size_t g = order[i];
    const GeneInfo* info = l.genes ? l.genes->find(s.gene_ids[g]) : nullptr;
    std::string symbol = info ? info->symbol : "";
    if (symbol.empty() && g < s.gene_symbols.size()) symbol = s.gene_symbols[g];
    const double v = p.pred[g];
    const std::string direction = v > 0 ? "up in " + l.cell_b : v < 0 ? "down in " + l.cell_b : "no change";
    t += std::to_string(i + 1) + "\t" + field(s.gene_ids[g]) + "\t" + field(symbol) + "\t" + csv_number(v) + "\t";
    if (known) t += csv_number(p.target[g]) + "\t";
    t += field(direction) + "\n";
  }
  return t;
}

// `channels`: the model's beta_names(), one per column of p.beta.
inline std::string beta_csv(const Split& s, const std::vector<std::string>& channels, const Predictions& p) {
  CsvWriter w;
  std::vector<std::string> h = {"gene_id"};
  h.insert(h.end(), channels.begin(), channels.end());
  w.header(h);
  const Index K = p.beta.dim(1);
  for (Index g = 0; g < p.beta.dim(0); ++g) {
    std::vector<std::string> r = {s.gene_ids[static_cast<std::size_t>(g)]};
    for (Index k = 0; k < K; ++k) r.push_back(csv_number(p.beta(g, k)));
    w.row(r);
  }
  return w.str();
}

// `channels`: the model's alpha_names(), one per level-1 channel of p.alpha.
inline std::string alpha_csv(const Split& s, const std::vector<std::string>& channels, const Predictions& p) {
  CsvWriter w;
  std::vector<std::string> h = {"gene_id", "channel"};
  const Index K = p.alpha.dim(1), T = p.alpha.dim(2);
  for (Index t = 0; t < T; ++t) h.push_back("bin_" + std::to_string(t + 1));
  w.header(h);
  for (Index g = 0; g < p.alpha.dim(0); ++g)
    for (Index k = 0; k < K; ++k) {
      std::vector<std::string> r = {s.gene_ids[static_cast<std::size_t>(g)], channels[static_cast<std::size_t>(k)]};
      for (Index t = 0; t < T; ++t) r.push_back(csv_number(p.alpha(g, k, t)));
      w.row(r);
    }
  return w.str();
}

// Writes predictions[_TAG].csv, attention_beta[_TAG].csv and, when `alpha` and p has alpha,
// attention_alpha[_TAG].csv into the existing folder `dir` (each atomically); returns the
// names written, in that order. An empty tag gives the plain names (`deepdiff train`).
// `beta_names` / `alpha_names`: the model's attention channels; a model without attention
// (both empty: the ridge, xgboost and deepchrome baselines) gets predictions[_TAG].csv only.
inline std::vector<std::string> write_prediction_files(const std::string& dir, const std::string& tag, const Split& s,
                                                       const std::vector<std::string>& beta_names,
                                                       const std::vector<std::string>& alpha_names, const Predictions& p,
                                                       bool alpha, const PredictionLabels& labels) {
  std::vector<std::string> files;
  auto put = [&](const std::string& stem, const std::string& text) {
    const std::string name = stem + (tag.empty() ? "" : "_" + tag) + ".csv";
    write_file_atomic((std::filesystem::path(dir) / name).string(), text);
    files.push_back(name);
  };
  put("predictions", predictions_csv(s, p, labels));
  if (!beta_names.empty()) put("attention_beta", beta_csv(s, beta_names, p));
  if (alpha && !p.alpha.empty() && !alpha_names.empty()) put("attention_alpha", alpha_csv(s, alpha_names, p));
  return files;
}

}  // namespace deepdiff
