// The prediction and attention CSV files of a split: a file contract. `deepdiff train`,
// `eval`, `predict` and `attention` write them, tools/test_predict_parity.py and the study
// summaries read them back, so their columns and number spelling are fixed here, once:
//
//   predictions.csv     gene_id, prediction[, prediction_a, prediction_b][, target[, target_a, target_b]]
//   attention_beta.csv  gene_id, one column per level-2 channel (DeepDiff::beta_names)
//   attention_alpha.csv gene_id, channel, bin_1 .. bin_T (one row per gene and level-1 channel)
//
// Numbers are csv_number's: the shortest text that reads back to the same value, NaN as "NaN".
// In train/ because the inputs are a Split and the Predictions of train/trainer.hpp.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/io/atomic_file.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/train/trainer.hpp"

namespace deepdiff {

// The aux heads' columns where the variant has them (p.pred_a non-empty), the targets when the
// split has expression (p.target non-empty).
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
                                                       bool alpha) {
  std::vector<std::string> files;
  auto put = [&](const std::string& stem, const std::string& text) {
    const std::string name = stem + (tag.empty() ? "" : "_" + tag) + ".csv";
    write_file_atomic((std::filesystem::path(dir) / name).string(), text);
    files.push_back(name);
  };
  put("predictions", predictions_csv(s, p));
  if (!beta_names.empty()) put("attention_beta", beta_csv(s, beta_names, p));
  if (alpha && !p.alpha.empty() && !alpha_names.empty()) put("attention_alpha", alpha_csv(s, alpha_names, p));
  return files;
}

}  // namespace deepdiff
