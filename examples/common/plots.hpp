// The plots of a run, drawn with svg.hpp: training curves, predicted vs observed, mean
// beta per channel (all genes, up- and down-regulated), mean alpha per channel and bin.
#pragma once

#include <deepdiff/train/trainer.hpp>

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "svg.hpp"

namespace deepdiff_cli {

using namespace deepdiff;

// Two panels over the epochs: the training loss on its own axis above, train and valid PCC
// below. One shared axis made the PCC lines (within [-1, 1]) flat whenever the loss was large,
// and read as if a loss of 0.5 and a PCC of 0.5 meant the same.
// `best_epoch` > 0: the kept epoch as a dashed vertical line across each panel. Fewer than 30
// epochs get a dot per epoch (a 2-epoch line is otherwise hard to read as two points).
inline std::string curves_svg(const std::vector<EpochRecord>& h, const std::string& model_name, int best_epoch = 0) {
  LinePlot loss_panel, pcc_panel;
  loss_panel.title = "loss (the training objective, per epoch)";
  loss_panel.y_label = "train loss";
  pcc_panel.title = "Pearson correlation of predicted and observed y";
  pcc_panel.x_label = "epoch";
  pcc_panel.y_label = "PCC";
  loss_panel.height = pcc_panel.height = 300;
  const bool dots = h.size() < 30;
  LineSeries loss{"train loss", {}, {}, "", false, dots}, tr{"train PCC", {}, {}, "", false, dots},
      va{"valid PCC", {}, {}, "", false, dots};
  double lo_l = INFINITY, hi_l = -INFINITY, lo_p = INFINITY, hi_p = -INFINITY;
  for (const EpochRecord& r : h) {
    loss.x.push_back(r.epoch);
    loss.y.push_back(r.train_loss);
    tr.x.push_back(r.epoch);
    tr.y.push_back(r.train_pcc);
    va.x.push_back(r.epoch);
    va.y.push_back(r.valid_pcc);
    if (std::isfinite(r.train_loss)) lo_l = std::min(lo_l, r.train_loss), hi_l = std::max(hi_l, r.train_loss);
    for (double v : {r.train_pcc, r.valid_pcc})
      if (std::isfinite(v)) lo_p = std::min(lo_p, v), hi_p = std::max(hi_p, v);
  }
  // the loss keeps the colour it had beside the PCC lines (the third of the palette)
  loss.color = svg_detail::palette(2);
  loss_panel.series = {loss};
  pcc_panel.series = {tr, va};
  if (best_epoch > 0) {
    const std::string name = "best epoch (" + std::to_string(best_epoch) + ")";
    const double b = best_epoch;
    if (std::isfinite(lo_l)) loss_panel.series.push_back(LineSeries{name, {b, b}, {lo_l, hi_l}, "#555", true, false});
    if (std::isfinite(lo_p)) pcc_panel.series.push_back(LineSeries{name, {b, b}, {lo_p, hi_p}, "#555", true, false});
  }
  return svg_line_panels("Training of " + model_name, {loss_panel, pcc_panel});
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
  // Attention weights say where the model looked, not what drove the prediction (a mark can
  // get weight and contribute little): the title says the former.
  c.title = "Level-2 attention (beta): where the model looked, by mark";
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

// What the data root says of its bins (DATA_ROOT/prepare.json, written by `deepdiff prepare`):
// their size in bp and their order ("strand", or "genomic ..."). Unknown (no prepare.json: the
// authors' files, synthetic data): no size, and an empty order.
struct BinAxis {
  std::optional<double> bin_size;
  std::string bin_order;
};

// The decimals that show every multiple of `kb` exactly (0.1 -> 1, 0.025 -> 3, 1 -> 0).
inline int kb_decimals(double kb) {
  for (int d = 0; d < 4; ++d) {
    const double scaled = kb * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-9) return d;
  }
  return 4;
}

// Mean alpha per channel (rows) and bin (columns), bins labelled by kb from the TSS (bin t
// covers [(t - T/2) * size, (t - T/2 + 1) * size) around the TSS), with the bin size prepare
// recorded; without prepare.json 100 bp (the authors' data), and the label says it is assumed.
// Negative means upstream only for strand-oriented bins (`deepdiff prepare`'s default); the
// authors' files and `prepare --bin-order genomic` keep coordinate order, so there - genes are
// mirrored (docs/prepare.md, "Bin order"). The axis label says which, where prepare.json does.
inline std::string alpha_svg(const std::vector<std::string>& names, const Predictions& pr, const BinAxis& bins) {
  Heatmap h;
  const Index N = pr.alpha.dim(0), K = pr.alpha.dim(1), T = pr.alpha.dim(2);
  h.title = "Level-1 attention (alpha): mean over " + std::to_string(N) + " genes";
  const double bp = bins.bin_size.value_or(100.0);
  char size[64];
  std::snprintf(size, sizeof size, "%g bp bins from prepare.json", bp);
  std::string order = "< 0 is upstream only for strand-oriented bins, docs/prepare.md";
  if (bins.bin_order == "strand") order = "< 0 is upstream";
  else if (bins.bin_order.rfind("genomic", 0) == 0) order = "bins in genomic order: < 0 is upstream only for + strand genes";
  h.x_label = "position relative to TSS (kb; " +
              std::string(bins.bin_size ? size : "assumed 100 bp bins: no prepare.json") + "; " + order + ")";
  h.rows = K;
  h.cols = T;
  h.values.assign(static_cast<std::size_t>(K * T), 0.0);
  for (Index g = 0; g < N; ++g)
    for (Index k = 0; k < K; ++k)
      for (Index t = 0; t < T; ++t) h.values[static_cast<std::size_t>(k * T + t)] += pr.alpha(g, k, t);
  for (double& v : h.values) v /= static_cast<double>(std::max<Index>(N, 1));
  h.row_labels = names;
  const int decimals = kb_decimals(bp / 1000.0);
  for (Index t = 0; t < T; ++t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.*f", decimals, static_cast<double>(t - T / 2) * bp / 1000.0);
    h.col_labels.push_back(buf);
  }
  h.colorbar_label = "mean alpha";
  return svg_heatmap(h);
}

}  // namespace deepdiff_cli
