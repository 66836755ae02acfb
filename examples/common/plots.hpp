// The plots of a run, drawn with svg.hpp: training curves, predicted vs observed, mean
// beta per channel (all genes, up- and down-regulated), mean alpha per channel and bin.
#pragma once

#include <deepdiff/train/trainer.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "svg.hpp"

namespace deepdiff_cli {

using namespace deepdiff;

inline std::string curves_svg(const std::vector<EpochRecord>& h, const std::string& model_name) {
  LinePlot p;
  p.title = "Training of " + model_name;
  p.x_label = "epoch";
  p.y_label = "PCC / loss";
  LineSeries loss{"train loss", {}, {}, "", false, false}, tr{"train PCC", {}, {}, "", false, false},
      va{"valid PCC", {}, {}, "", false, false};
  for (const EpochRecord& r : h) {
    loss.x.push_back(r.epoch);
    loss.y.push_back(r.train_loss);
    tr.x.push_back(r.epoch);
    tr.y.push_back(r.train_pcc);
    va.x.push_back(r.epoch);
    va.y.push_back(r.valid_pcc);
  }
  loss.dashed = true;
  p.series = {tr, va, loss};
  return svg_line_plot(p);
}

inline std::string scatter_svg(const Predictions& pr, const std::string& split) {
  ScatterPlot p;
  p.title = "Predicted vs observed log2 fold change (" + split + ")";
  p.x_label = "observed log2((eB+1)/(eA+1))";
  p.y_label = "predicted";
  p.series = {ScatterSeries{"", pr.target, pr.pred, ""}};
  char buf[96];
  std::snprintf(buf, sizeof buf, "PCC = %.3f, MSE = %.3f, n = %zu", pearson(pr.pred, pr.target),
                mean_squared_error(pr.pred, pr.target), pr.pred.size());
  p.annotation = buf;
  return svg_scatter(p);
}

// Mean beta per level-2 channel over all genes, and over up- (y >= 2) and down-regulated
// (y <= -2) genes where expression is known.
inline std::string beta_svg(const std::vector<std::string>& names, const Predictions& pr) {
  BarChart c;
  c.title = "Level-2 attention (beta): which marks mattered";
  c.y_label = "mean beta";
  c.categories = names;
  const Index N = pr.beta.dim(0), K = pr.beta.dim(1);
  auto mean_of = [&](const std::string& label, auto keep) {
    BarSeries s{label, std::vector<double>(static_cast<std::size_t>(K), 0.0), {}, ""};
    Index n = 0;
    for (Index g = 0; g < N; ++g) {
      if (!keep(g)) continue;
      ++n;
      for (Index k = 0; k < K; ++k) s.values[static_cast<std::size_t>(k)] += pr.beta(g, k);
    }
    for (double& v : s.values) v = n ? v / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
    s.name += " (n = " + std::to_string(n) + ")";
    return s;
  };
  c.series.push_back(mean_of("all genes", [](Index) { return true; }));
  if (!pr.target.empty()) {
    c.series.push_back(mean_of("up in B (y >= 2)", [&](Index g) { return pr.target[static_cast<std::size_t>(g)] >= 2; }));
    c.series.push_back(mean_of("down in B (y <= -2)", [&](Index g) { return pr.target[static_cast<std::size_t>(g)] <= -2; }));
  }
  return svg_bar_chart(c);
}

// Mean alpha per channel (rows) and bin (columns), bins labelled by kb from the TSS
// (bin t covers [(t - T/2) * 100 bp, (t - T/2 + 1) * 100 bp) around the TSS). Negative means
// upstream only for strand-oriented bins (`deepdiff prepare`'s default); the authors' files and
// `prepare --bin-order genomic` keep coordinate order, so there - genes are mirrored
// (docs/prepare.md, "Bin order"). The axis label says so.
inline std::string alpha_svg(const std::vector<std::string>& names, const Predictions& pr) {
  Heatmap h;
  const Index N = pr.alpha.dim(0), K = pr.alpha.dim(1), T = pr.alpha.dim(2);
  h.title = "Level-1 attention (alpha): mean over " + std::to_string(N) + " genes";
  h.x_label = "position relative to TSS (kb; < 0 is upstream only for strand-oriented bins, docs/prepare.md)";
  h.rows = K;
  h.cols = T;
  h.values.assign(static_cast<std::size_t>(K * T), 0.0);
  for (Index g = 0; g < N; ++g)
    for (Index k = 0; k < K; ++k)
      for (Index t = 0; t < T; ++t) h.values[static_cast<std::size_t>(k * T + t)] += pr.alpha(g, k, t);
  for (double& v : h.values) v /= static_cast<double>(std::max<Index>(N, 1));
  h.row_labels = names;
  for (Index t = 0; t < T; ++t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.1f", static_cast<double>(t - T / 2) * 0.1);
    h.col_labels.push_back(buf);
  }
  h.colorbar_label = "mean alpha";
  return svg_heatmap(h);
}

}  // namespace deepdiff_cli
