// Tests of examples/common/svg.hpp: the programs' plots are well-formed SVG, escaped, with no
// NaN text.
#include <catch2/catch.hpp>

#include <deepdiff/tensor/random.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/svg.hpp"
#include "svg_checks.hpp"

using namespace deepdiff_cli;
using namespace svg_checks;

TEST_CASE("svg: nice tick values", "[programs][svg]") {
  const svg_detail::Axis a = svg_detail::nice_axis(0.31, 0.83, 6);
  CHECK(a.step == Approx(0.1));
  CHECK(a.lo == Approx(0.3));
  CHECK(a.hi == Approx(0.9));
  CHECK(a.ticks.size() == 7);
  const svg_detail::Axis e = svg_detail::nice_axis(1, 120, 7);
  CHECK(e.step == Approx(20));
  CHECK(e.lo == 0);
  CHECK(e.hi == Approx(120));
  CHECK(svg_detail::tick_label(0.30000000000000004, 0.1) == "0.3");
  CHECK(svg_detail::tick_label(-1e-17, 0.1) == "0.0");
  CHECK(svg_detail::tick_label(2.5, 2.5) == "2.5");
  const svg_detail::Axis flat = svg_detail::nice_axis(3, 3);
  CHECK(flat.lo < 3);
  CHECK(flat.hi > 3);
}

TEST_CASE("svg_line_plot: training curves, NaN points skipped", "[programs][svg]") {
  LinePlot p;
  p.title = "Training <raw_d> & friends";
  p.x_label = "epoch";
  p.y_label = "PCC";
  LineSeries train{"train PCC", {}, {}, "", false, false};
  LineSeries valid{"valid PCC", {}, {}, "", true, true};
  for (int e = 1; e <= 120; ++e) {
    train.x.push_back(e);
    train.y.push_back(1.0 - 1.0 / e);
    valid.x.push_back(e);
    valid.y.push_back(e == 50 ? std::numeric_limits<double>::quiet_NaN() : 0.8 - 0.5 / e);
  }
  p.series = {train, valid, LineSeries{"single", {3}, {0.5}, "#000000", false, false}};
  const std::string svg = svg_line_plot(p);
  check_svg(svg);
  CHECK(contains(svg, "Training &lt;raw_d&gt; &amp; friends"));
  CHECK(contains(svg, "valid PCC"));
  CHECK(contains(svg, "stroke-dasharray"));
  CHECK(count_of(svg, "<path") == 2);
  CHECK(count_of(svg, "<circle") == 119 + 1);  // valid markers (120 less the NaN) and the lone point
  CHECK(count_of(svg.substr(svg.find("<path")), " M") >= 1);  // the NaN breaks the valid line
  CHECK(contains(svg, ">0.6<"));                                // a y tick

  LinePlot empty;
  empty.title = "nothing";
  empty.series = {LineSeries{"all missing", {1, 2}, {std::nan(""), std::nan("")}, "", false, false}};
  const std::string e = svg_line_plot(empty);
  check_svg(e);
  CHECK(contains(e, "no data"));
}

TEST_CASE("svg_scatter: thousands of points, the y = x line, the annotation", "[programs][svg]") {
  deepdiff::Rng rng(2);
  ScatterPlot p;
  p.title = "raw_d: predicted vs observed";
  p.x_label = "observed y";
  p.y_label = "predicted y";
  p.annotation = "PCC = 0.83, n = 6100";
  ScatterSeries s;
  for (int i = 0; i < 6100; ++i) {
    const double y = rng.normal() * 3;
    s.x.push_back(y);
    s.y.push_back(0.8 * y + rng.normal());
  }
  s.x[10] = std::numeric_limits<double>::quiet_NaN();
  s.y[20] = std::numeric_limits<double>::infinity();
  p.series = {s};
  const std::string svg = svg_scatter(p);
  check_svg(svg);
  CHECK(count_of(svg, "<circle") == 6098);
  CHECK(contains(svg, "PCC = 0.83, n = 6100"));
  CHECK(contains(svg, "stroke-dasharray=\"5 4\""));  // the identity line
  CHECK(contains(svg, "fill-opacity=\"0.35\""));

  ScatterPlot two;
  two.series = {ScatterSeries{"up", {1, 2}, {1, 2}, ""}, ScatterSeries{"down", {-1}, {-2}, "#123456"}};
  const std::string t = svg_scatter(two);
  check_svg(t);
  CHECK(contains(t, ">down<"));
  CHECK(contains(t, "#123456"));
  check_svg(svg_scatter(ScatterPlot{}));
}

TEST_CASE("svg_heatmap: marks x bins with a colour scale", "[programs][svg]") {
  Heatmap h;
  h.title = "alpha, H3K4me3 near the TSS";
  h.rows = 5;
  h.cols = 200;
  h.row_labels = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
  for (Index c = 0; c < 200; ++c) h.col_labels.push_back(std::to_string((c - 100) * 100));
  for (Index r = 0; r < 5; ++r)
    for (Index c = 0; c < 200; ++c) h.values.push_back(std::exp(-0.01 * static_cast<double>((c - 100) * (c - 100))) * (r + 1));
  h.values[7] = std::numeric_limits<double>::quiet_NaN();
  h.x_label = "position relative to the TSS (bp)";
  h.colorbar_label = "attention";
  const std::string svg = svg_heatmap(h);
  check_svg(svg);
  CHECK(count_of(svg, "<rect") >= 999);  // 1000 cells less the NaN, plus frame rects
  CHECK(contains(svg, ">H3K27me3<"));
  CHECK(contains(svg, ">-10000<"));  // column 0's label is shown
  CHECK(contains(svg, "linearGradient"));
  CHECK(contains(svg, ">attention<"));

  Heatmap d;
  d.rows = 2;
  d.cols = 3;
  d.values = {-1, 0, 1, 2, -2, 0.5};
  d.diverging = true;
  const std::string ds = svg_heatmap(d);
  check_svg(ds);
  CHECK(contains(ds, ">-2<"));  // the symmetric scale reaches -2
  Heatmap bad;
  bad.rows = 2;
  bad.cols = 2;
  bad.values = {1};
  const std::string bs = svg_heatmap(bad);
  check_svg(bs);
  CHECK(contains(bs, "no data"));
}

TEST_CASE("svg_bar_chart: grouped bars with error bars and negative values", "[programs][svg]") {
  BarChart b;
  b.title = "mean beta per mark";
  b.y_label = "beta";
  b.categories = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
  b.series = {BarSeries{"up-regulated", {0.1, 0.4, 0.05, 0.2, 0.25}, {0.01, 0.02, 0.01, 0.03, 0.02}, ""},
              BarSeries{"down-regulated", {0.15, std::nan(""), 0.1, -0.3, 0.2}, {}, ""}};
  b.show_values = true;
  const std::string svg = svg_bar_chart(b);
  check_svg(svg);
  CHECK(contains(svg, ">up-regulated<"));
  CHECK(contains(svg, ">H3K36me3<"));
  CHECK(contains(svg, ">-0.3<"));  // a value label of the negative bar
  // 9 bars + 2 legend boxes + the background
  CHECK(count_of(svg, "<rect") == 9 + 2 + 1);

  BarChart many;
  many.series.resize(1);
  for (int i = 1; i <= 10; ++i) {
    many.categories.push_back("pair " + std::to_string(i) + " (E123 vs E003)");
    many.series[0].values.push_back(0.5 + 0.03 * i);
  }
  many.x_label = "pair";
  const std::string m = svg_bar_chart(many);
  check_svg(m);
  CHECK(contains(m, "rotate(-35"));  // long names are slanted
  check_svg(svg_bar_chart(BarChart{}));
}

// Issue 14, item 5: what is at a path is named, and never opened when it is not a file.

TEST_CASE("svg_line_panels: plots one above the other under one title, each on its own axes", "[programs][svg]") {
  LinePlot a, b;
  a.title = "loss";
  a.y_label = "loss";
  a.height = 300;
  a.series = {LineSeries{"loss", {1, 2, 3}, {40, 20, 10}, "", false, false}};
  b.title = "PCC";
  b.y_label = "PCC";
  b.x_label = "epoch";
  b.height = 250;
  b.series = {LineSeries{"valid PCC", {1, 2, 3}, {0.1, 0.3, 0.5}, "", false, false}};
  const std::string svg = svg_line_panels("Training & more", {a, b});
  check_svg(svg);
  CHECK(contains(svg, "height=\"586\""));  // 36 for the title, then the panels' heights
  CHECK(contains(svg, "<g transform=\"translate(0 36)\">\n<svg"));
  CHECK(contains(svg, "<g transform=\"translate(0 336)\">\n<svg"));
  CHECK(count_of(svg, "<svg") == 3);
  CHECK(contains(svg, "Training &amp; more"));
  // each panel has its own scale: the loss ticks reach 40, the PCC ticks stay below 1
  const std::string top = svg.substr(0, svg.find("translate(0 336)")), bottom = svg.substr(svg.find("translate(0 336)"));
  CHECK(contains(top, ">40<"));
  CHECK_FALSE(contains(bottom, ">40<"));
  CHECK(contains(bottom, ">0.5<"));
}
