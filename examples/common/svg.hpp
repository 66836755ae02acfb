// Plots as standalone SVG text, drawn by the project itself (no plotting dependency):
// line plots (training curves), scatter plots (predicted vs observed), heatmaps (attention
// over marks x bins) and grouped bar charts (mean attention per mark, PCC per pair).
//
// The plot structs are plain data; each svg_* function returns the document as a string
// (write it with write_file_atomic). Axes get "nice" tick values (1, 2, 2.5, 5 x 10^k),
// text is XML-escaped, and NaN or infinite values are skipped (a line breaks at them, a
// heatmap cell shows the grey background), so no "nan" ever reaches the file.
// Text widths are estimated (0.6 em per character): SVG has no layout engine, and the
// estimate only has to leave enough room for labels.
//
// Program code, not library: only the programs draw (a library user gets the numbers, in
// Predictions and the CSV files, and plots them with whatever they use), so this file is not
// installed and lives with the programs that call it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <deepdiff/tensor/tensor.hpp>

namespace deepdiff_cli {

using deepdiff::Index;

struct LineSeries {
  std::string name;
  std::vector<double> x, y;
  std::string color;     // empty: the next palette colour
  bool dashed = false;
  bool markers = false;  // a dot at every point (isolated points always get one)
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<LineSeries> series;
  double y_min = std::numeric_limits<double>::quiet_NaN();  // NaN: from the data
  double y_max = std::numeric_limits<double>::quiet_NaN();
  double width = 720, height = 440;
};

struct ScatterSeries {
  std::string name;  // shown in a legend when non-empty
  std::vector<double> x, y;
  std::string color;
};

struct ScatterPlot {
  std::string title, x_label, y_label;
  std::vector<ScatterSeries> series;
  std::string annotation;      // e.g. "PCC = 0.83, n = 6100", top left inside the plot
  bool identity_line = true;   // the y = x line
  bool equal_axes = true;      // one range for both axes, so y = x is the diagonal
  double point_radius = 2.0;
  double opacity = 0.35;       // thousands of points overlap; density shows through
  double width = 560, height = 560;
};

struct Heatmap {
  std::string title, x_label, y_label;
  Index rows = 0, cols = 0;
  std::vector<double> values;            // [rows, cols] row-major
  std::vector<std::string> row_labels;   // e.g. mark names; empty: 1..rows
  std::vector<std::string> col_labels;   // e.g. bin positions; empty: 1..cols
  std::vector<Index> col_ticks;          // columns that get a label; empty: evenly thinned
  std::string colorbar_label;
  bool diverging = false;  // blue-white-red centred at 0 (signed values), else viridis
  double vmin = std::numeric_limits<double>::quiet_NaN();  // NaN: from the data
  double vmax = std::numeric_limits<double>::quiet_NaN();
  double width = 860;
  double cell_height = 28;
};

struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per category; NaN: no bar
  std::vector<double> errors;  // optional +-error bar half-lengths, one per category
  std::string color;
};

struct BarChart {
  std::string title, x_label, y_label;
  std::vector<std::string> categories;  // groups along x
  std::vector<BarSeries> series;        // bars within each group
  bool show_values = false;             // print each bar's value above it
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
  double width = 720, height = 440;
};

namespace svg_detail {

inline const char* palette(std::size_t i) {
  // Tableau 10: distinct, colour-blind tolerant, readable on white.
  static const char* colors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return colors[i % 10];
}

inline std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 at all.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') o += c;
    }
  }
  return o;
}

// A coordinate: two decimals at most, trailing zeros dropped; never "nan".
inline std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char b[40];
  std::snprintf(b, sizeof b, "%.2f", v);
  std::string s = b;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

inline double text_width(const std::string& s, double font_size) {
  std::size_t chars = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;  // count UTF-8 code points
  return 0.6 * font_size * static_cast<double>(chars);
}

struct Axis {
  double lo = 0, hi = 1, step = 0.2;
  std::vector<double> ticks;
};

// Ticks at 1, 2, 2.5 or 5 x 10^k, about `target` of them; the axis is widened to whole ticks.
inline Axis nice_axis(double lo, double hi, int target = 6) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    const double pad = lo == 0 ? 1.0 : 0.1 * std::fabs(lo);
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  // The finest step that needs at most target + 1 ticks (10 x mag always qualifies, as
  // mag <= raw): 0.31..0.83 gets 0.3, 0.4, ..., 0.9 rather than 0.2, 0.4, ..., 1.0.
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    const double s = m * mag;
    if (std::ceil(hi / s - 1e-9) - std::floor(lo / s + 1e-9) + 1 <= target + 1) {
      step = s;
      break;
    }
  }
  Axis a;
  a.step = step;
  a.lo = std::floor(lo / step + 1e-9) * step;
  a.hi = std::ceil(hi / step - 1e-9) * step;
  for (double t = a.lo; t <= a.hi + step * 1e-6; t += step) a.ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  return a;
}

inline std::string tick_label(double v, double step) {
  if (std::fabs(v) < std::fabs(step) * 1e-9) v = 0;  // 1e-17 is a rounding error of 0, not a value
  char b[48];
  const double av = std::fabs(v);
  if (av != 0 && (av >= 1e6 || av < 1e-4)) {
    std::snprintf(b, sizeof b, "%.3g", v);
  } else {
    int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    // 2.5 x 10^k needs one more digit than its exponent suggests
    const double mant = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    if (std::fabs(mant - 2.5) < 1e-6) ++decimals;
    std::snprintf(b, sizeof b, "%.*f", std::min(decimals, 10), v);
  }
  std::string s = b;
  if (s == "-0") s = "0";
  return s;
}

inline void finite_range(const std::vector<double>& v, double& lo, double& hi) {
  for (double x : v)
    if (std::isfinite(x)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
}

// The plot area in pixels and the data-to-pixel maps.
struct Frame {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // left, top, right, bottom
  Axis ax, ay;
  double px(double x) const { return x0 + (x - ax.lo) / (ax.hi - ax.lo) * (x1 - x0); }
  double py(double y) const { return y1 - (y - ay.lo) / (ay.hi - ay.lo) * (y1 - y0); }
};

inline void open_svg(std::string& o, double w, double h, const std::string& title) {
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" viewBox=\"0 0 " +
       num(w) + " " + num(h) + "\" font-family=\"sans-serif\">\n";
  if (!title.empty()) o += "<title>" + esc(title) + "</title>\n";
  o += "<rect x=\"0\" y=\"0\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" fill=\"#ffffff\"/>\n";
  if (!title.empty())
    o += "<text x=\"" + num(w / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" fill=\"#222\">" +
         esc(title) + "</text>\n";
}

inline void text(std::string& o, double x, double y, const std::string& s, double size, const char* anchor,
                 const std::string& extra = "") {
  o += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\" text-anchor=\"" + anchor +
       "\" fill=\"#333\"" + (extra.empty() ? "" : " " + extra) + ">" + esc(s) + "</text>\n";
}

inline void line(std::string& o, double xa, double ya, double xb, double yb, const std::string& stroke, double sw,
                 const std::string& extra = "") {
  o += "<line x1=\"" + num(xa) + "\" y1=\"" + num(ya) + "\" x2=\"" + num(xb) + "\" y2=\"" + num(yb) + "\" stroke=\"" +
       stroke + "\" stroke-width=\"" + num(sw) + "\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
}

inline void rect(std::string& o, double x, double y, double w, double h, const std::string& fill,
                 const std::string& extra = "") {
  o += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(0.0, w)) + "\" height=\"" +
       num(std::max(0.0, h)) + "\" fill=\"" + fill + "\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
}

// Left margin that fits the y tick labels and the rotated y label.
inline double left_margin(const Axis& ay, const std::string& y_label) {
  double w = 0;
  for (double t : ay.ticks) w = std::max(w, text_width(tick_label(t, ay.step), 11));
  return 12 + w + 8 + (y_label.empty() ? 0 : 22);
}

// Grid, axis lines, ticks, tick labels and axis labels of a numeric frame.
inline void draw_axes(std::string& o, const Frame& f, const std::string& x_label, const std::string& y_label,
                      bool x_ticks = true) {
  o += "<g>\n";
  for (double t : f.ay.ticks) line(o, f.x0, f.py(t), f.x1, f.py(t), "#e6e6e6", 1);
  if (x_ticks)
    for (double t : f.ax.ticks) line(o, f.px(t), f.y0, f.px(t), f.y1, "#e6e6e6", 1);
  line(o, f.x0, f.y1, f.x1, f.y1, "#444", 1);
  line(o, f.x0, f.y0, f.x0, f.y1, "#444", 1);
  for (double t : f.ay.ticks) {
    line(o, f.x0 - 5, f.py(t), f.x0, f.py(t), "#444", 1);
    text(o, f.x0 - 8, f.py(t) + 4, tick_label(t, f.ay.step), 11, "end");
  }
  if (x_ticks)
    for (double t : f.ax.ticks) {
      line(o, f.px(t), f.y1, f.px(t), f.y1 + 5, "#444", 1);
      text(o, f.px(t), f.y1 + 18, tick_label(t, f.ax.step), 11, "middle");
    }
  if (!x_label.empty()) text(o, (f.x0 + f.x1) / 2, f.y1 + 40, x_label, 13, "middle");
  if (!y_label.empty()) {
    const double cx = 18, cy = (f.y0 + f.y1) / 2;
    text(o, cx, cy, y_label, 13, "middle", "transform=\"rotate(-90 " + num(cx) + " " + num(cy) + ")\"");
  }
  o += "</g>\n";
}

struct LegendItem {
  std::string name, color;
  bool dashed = false;
  bool box = false;  // a filled square (bars) instead of a line sample
};

inline double legend_width(const std::vector<LegendItem>& items) {
  double w = 0;
  for (const auto& it : items) w = std::max(w, text_width(it.name, 12));
  return items.empty() ? 0 : w + 40;
}

// A column of legend entries to the right of the plot, where it can never cover data.
inline void draw_legend(std::string& o, double x, double y, const std::vector<LegendItem>& items) {
  o += "<g>\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double yy = y + 20.0 * static_cast<double>(i);
    if (items[i].box)
      rect(o, x, yy - 5, 14, 10, items[i].color);
    else
      line(o, x, yy, x + 20, yy, items[i].color, 2.5, items[i].dashed ? "stroke-dasharray=\"6 4\"" : "");
    text(o, x + (items[i].box ? 20 : 26), yy + 4, items[i].name, 12, "start");
  }
  o += "</g>\n";
}

inline void no_data(std::string& o, const Frame& f) {
  text(o, (f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2, "no data", 14, "middle", "fill-opacity=\"0.6\"");
}

// Colour maps: t in [0, 1] -> "#rrggbb", linear between a few control points.
inline std::string lerp_color(const double (*stops)[3], int n, double t) {
  if (!std::isfinite(t)) t = 0;
  t = std::min(1.0, std::max(0.0, t));
  const double pos = t * (n - 1);
  const int i = std::min(n - 2, static_cast<int>(pos));
  const double u = pos - i;
  char b[16];
  int c[3];
  for (int k = 0; k < 3; ++k) c[k] = static_cast<int>(std::lround(stops[i][k] + u * (stops[i + 1][k] - stops[i][k])));
  std::snprintf(b, sizeof b, "#%02x%02x%02x", c[0], c[1], c[2]);
  return b;
}
inline std::string viridis(double t) {
  static const double s[][3] = {{68, 1, 84},    {72, 40, 120},  {62, 74, 137},  {49, 104, 142}, {38, 130, 142},
                                {31, 158, 137}, {53, 183, 121}, {110, 206, 88}, {181, 222, 43}, {253, 231, 37}};
  return lerp_color(s, 10, t);
}
inline std::string blue_white_red(double t) {
  static const double s[][3] = {{33, 102, 172}, {103, 169, 207}, {209, 229, 240}, {247, 247, 247},
                                {253, 219, 199}, {239, 138, 98},  {178, 24, 43}};
  return lerp_color(s, 7, t);
}

// The start of a line or scatter plot: the plot area `f` on axes ax, ay (room for the y tick
// labels on the left, the legend on the right, the title above, the x label below), then the
// document's opening, the axes, and "no data" when there is nothing to draw.
template <class Plot>
std::string start_xy_plot(const Plot& p, Frame& f, const Axis& ax, const Axis& ay,
                          const std::vector<LegendItem>& legend, bool empty) {
  f.ax = ax;
  f.ay = ay;
  f.x0 = left_margin(f.ay, p.y_label);
  f.x1 = p.width - 20 - legend_width(legend);
  f.y0 = p.title.empty() ? 16 : 44;
  f.y1 = p.height - (p.x_label.empty() ? 32 : 54);
  std::string o;
  open_svg(o, p.width, p.height, p.title);
  draw_axes(o, f, p.x_label, p.y_label);
  if (empty) no_data(o, f);
  return o;
}

// The range of the finite points of series (x, y) widened into [xlo, xhi] x [ylo, yhi]
// (start them at +inf / -inf); the other points are not drawn. Returns how many there are.
inline std::size_t widen_to_points(const std::vector<double>& x, const std::vector<double>& y, double& xlo,
                                   double& xhi, double& ylo, double& yhi) {
  std::size_t finite = 0;
  const std::size_t n = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) {
      xlo = std::min(xlo, x[i]);
      xhi = std::max(xhi, x[i]);
      ylo = std::min(ylo, y[i]);
      yhi = std::max(yhi, y[i]);
      ++finite;
    }
  return finite;
}

inline std::string line_plot(const LinePlot& p) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  std::vector<LegendItem> legend;
  for (std::size_t s = 0; s < p.series.size(); ++s) {
    const LineSeries& ls = p.series[s];
    widen_to_points(ls.x, ls.y, xlo, xhi, ylo, yhi);
    if (!ls.name.empty()) legend.push_back({ls.name, ls.color.empty() ? palette(s) : ls.color, ls.dashed, false});
  }
  const bool empty = !(xlo <= xhi);
  if (std::isfinite(p.y_min)) ylo = p.y_min;
  if (std::isfinite(p.y_max)) yhi = p.y_max;
  Frame f;
  std::string o = start_xy_plot(p, f, nice_axis(empty ? 0 : xlo, empty ? 1 : xhi, 7),
                                nice_axis(std::isfinite(ylo) ? ylo : 0, std::isfinite(yhi) ? yhi : 1, 6), legend,
                                empty);
  o += "<g fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n";
  for (std::size_t s = 0; s < p.series.size(); ++s) {
    const LineSeries& ls = p.series[s];
    const std::string color = ls.color.empty() ? palette(s) : ls.color;
    const std::size_t n = std::min(ls.x.size(), ls.y.size());
    std::string d;
    std::vector<std::pair<double, double>> dots;
    std::size_t run = 0;  // points in the current unbroken segment
    double lx = 0, ly = 0;
    bool drawn = false;   // some segment has two points, so the path shows something
    auto end_run = [&] {
      if (run == 1 && !ls.markers) dots.emplace_back(lx, ly);  // a lone point would otherwise be invisible
      drawn = drawn || run >= 2;
      run = 0;
    };
    for (std::size_t i = 0; i < n; ++i) {
      const double x = ls.x[i], y = ls.y[i];
      if (!std::isfinite(x) || !std::isfinite(y)) {
        end_run();
        continue;
      }
      lx = f.px(x);
      ly = f.py(y);
      d += (run == 0 ? "M" : "L") + num(lx) + " " + num(ly) + " ";
      ++run;
      if (ls.markers) dots.emplace_back(lx, ly);
    }
    end_run();
    if (drawn)
      o += "<path d=\"" + d + "\" stroke=\"" + color + "\" stroke-width=\"2\"" +
           (ls.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    for (const auto& pt : dots)
      o += "<circle cx=\"" + num(pt.first) + "\" cy=\"" + num(pt.second) + "\" r=\"3\" fill=\"" + color + "\"/>\n";
  }
  o += "</g>\n";
  draw_legend(o, f.x1 + 16, f.y0 + 8, legend);
  o += "</svg>\n";
  return o;
}

inline std::string scatter(const ScatterPlot& p) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  std::vector<LegendItem> legend;
  std::size_t total = 0;
  for (std::size_t s = 0; s < p.series.size(); ++s) {
    const ScatterSeries& ss = p.series[s];
    total += widen_to_points(ss.x, ss.y, xlo, xhi, ylo, yhi);
    if (!ss.name.empty()) legend.push_back({ss.name, ss.color.empty() ? palette(s) : ss.color, false, true});
  }
  if (total == 0) xlo = ylo = 0, xhi = yhi = 1;
  if (p.equal_axes) {
    xlo = ylo = std::min(xlo, ylo);
    xhi = yhi = std::max(xhi, yhi);
  }
  Frame f;
  std::string o = start_xy_plot(p, f, nice_axis(xlo, xhi, 6), nice_axis(ylo, yhi, 6), legend, total == 0);
  if (p.identity_line && total > 0) {
    // y = x clipped to the frame: from max(lows) to min(highs).
    const double a = std::max(f.ax.lo, f.ay.lo), b = std::min(f.ax.hi, f.ay.hi);
    if (a < b) line(o, f.px(a), f.py(a), f.px(b), f.py(b), "#888", 1.2, "stroke-dasharray=\"5 4\"");
  }
  for (std::size_t s = 0; s < p.series.size(); ++s) {
    const ScatterSeries& ss = p.series[s];
    const std::string color = ss.color.empty() ? palette(s) : ss.color;
    o += "<g fill=\"" + color + "\" fill-opacity=\"" + num(p.opacity) + "\" stroke=\"none\">\n";
    const std::size_t n = std::min(ss.x.size(), ss.y.size());
    const std::string r = num(p.point_radius);
    for (std::size_t i = 0; i < n; ++i)
      if (std::isfinite(ss.x[i]) && std::isfinite(ss.y[i]))
        o += "<circle cx=\"" + num(f.px(ss.x[i])) + "\" cy=\"" + num(f.py(ss.y[i])) + "\" r=\"" + r + "\"/>\n";
    o += "</g>\n";
  }
  if (!p.annotation.empty()) {
    const double w = text_width(p.annotation, 13) + 12;
    rect(o, f.x0 + 8, f.y0 + 8, w, 22, "#ffffff", "fill-opacity=\"0.85\" stroke=\"#cccccc\"");
    text(o, f.x0 + 14, f.y0 + 24, p.annotation, 13, "start");
  }
  draw_legend(o, f.x1 + 16, f.y0 + 8, legend);
  o += "</svg>\n";
  return o;
}

inline std::string heatmap(const Heatmap& h) {
  const Index R = std::max<Index>(0, h.rows), C = std::max<Index>(0, h.cols);
  const bool ok = R > 0 && C > 0 && static_cast<Index>(h.values.size()) == R * C;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  if (ok) finite_range(h.values, lo, hi);
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (h.diverging) {
    const double m = std::max(std::fabs(lo), std::fabs(hi));
    lo = -m;
    hi = m;
  }
  if (std::isfinite(h.vmin)) lo = h.vmin;
  if (std::isfinite(h.vmax)) hi = h.vmax;
  if (hi <= lo) hi = lo + 1;
  auto color = [&](double v) {
    const double t = (v - lo) / (hi - lo);
    return h.diverging ? blue_white_red(t) : viridis(t);
  };
  auto row_label = [&](Index r) {
    return r < static_cast<Index>(h.row_labels.size()) ? h.row_labels[static_cast<std::size_t>(r)] : std::to_string(r + 1);
  };
  auto col_label = [&](Index c) {
    return c < static_cast<Index>(h.col_labels.size()) ? h.col_labels[static_cast<std::size_t>(c)] : std::to_string(c + 1);
  };

  double label_w = 0;
  for (Index r = 0; r < R; ++r) label_w = std::max(label_w, text_width(row_label(r), 12));
  const double x0 = 12 + (h.y_label.empty() ? 0 : 22) + label_w + 8;
  const double bar_w = 16;
  const Axis scale = nice_axis(lo, hi, 5);
  double scale_w = 0;
  for (double t : scale.ticks) scale_w = std::max(scale_w, text_width(tick_label(t, scale.step), 11));
  const double x1 = h.width - (20 + bar_w + 8 + scale_w + (h.colorbar_label.empty() ? 0 : 24));
  const double y0 = h.title.empty() ? 16 : 44;
  const double grid_h = std::max<double>(1, static_cast<double>(R)) * h.cell_height;
  const double y1 = y0 + grid_h;
  const double height = y1 + (h.x_label.empty() ? 34 : 56);
  const double cw = (x1 - x0) / static_cast<double>(std::max<Index>(1, C));

  std::string o;
  open_svg(o, h.width, height, h.title);
  rect(o, x0, y0, x1 - x0, y1 - y0, "#dddddd");  // NaN cells show this grey
  if (!ok) {
    text(o, (x0 + x1) / 2, (y0 + y1) / 2 + 5, "no data", 14, "middle");
  } else {
    // Cells overlap by a hair so no anti-aliasing seams show between them.
    o += "<g shape-rendering=\"crispEdges\">\n";
    for (Index r = 0; r < R; ++r)
      for (Index c = 0; c < C; ++c) {
        const double v = h.values[static_cast<std::size_t>(r * C + c)];
        if (!std::isfinite(v)) continue;
        rect(o, x0 + cw * static_cast<double>(c), y0 + h.cell_height * static_cast<double>(r), cw + 0.3,
             h.cell_height + 0.3, color(v));
      }
    o += "</g>\n";
  }
  line(o, x0, y1, x1, y1, "#444", 1);
  for (Index r = 0; r < R; ++r)
    text(o, x0 - 8, y0 + h.cell_height * (static_cast<double>(r) + 0.5) + 4, row_label(r), 12, "end");

  // Column labels: the requested ones, else every k-th so that labels never overlap.
  std::vector<Index> ticks = h.col_ticks;
  if (ticks.empty() && C > 0) {
    double widest = 0;
    for (Index c = 0; c < C; ++c) widest = std::max(widest, text_width(col_label(c), 11));
    const double need = (widest + 10) / cw;
    Index step = 1;
    for (Index s : {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000})
      if (static_cast<double>(s) >= need) {
        step = s;
        break;
      }
    if (h.col_labels.empty() && step > 1) {
      // Default labels are bin numbers counted from 1: show 1, step, 2 step, ...
      ticks.push_back(0);
      for (Index c = step - 1; c < C; c += step) ticks.push_back(c);
    } else {
      for (Index c = 0; c < C; c += step) ticks.push_back(c);
    }
  }
  for (Index c : ticks) {
    if (c < 0 || c >= C) continue;
    const double x = x0 + cw * (static_cast<double>(c) + 0.5);
    line(o, x, y1, x, y1 + 4, "#444", 1);
    text(o, x, y1 + 17, col_label(c), 11, "middle");
  }
  if (!h.x_label.empty()) text(o, (x0 + x1) / 2, y1 + 40, h.x_label, 13, "middle");
  if (!h.y_label.empty()) {
    const double cx = 18, cy = (y0 + y1) / 2;
    text(o, cx, cy, h.y_label, 13, "middle", "transform=\"rotate(-90 " + num(cx) + " " + num(cy) + ")\"");
  }

  // Colour scale: a vertical gradient from lo (bottom) to hi (top), with ticks.
  const double bx = x1 + 20, by0 = y0, by1 = y1;
  o += "<defs><linearGradient id=\"cbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (int k = 0; k <= 20; ++k) {
    const double t = k / 20.0;
    o += "<stop offset=\"" + num(t) + "\" stop-color=\"" + (h.diverging ? blue_white_red(t) : viridis(t)) + "\"/>\n";
  }
  o += "</linearGradient></defs>\n";
  rect(o, bx, by0, bar_w, by1 - by0, "url(#cbar)", "stroke=\"#888\" stroke-width=\"0.5\"");
  for (double t : scale.ticks) {
    if (t < lo - 1e-9 * (hi - lo) || t > hi + 1e-9 * (hi - lo)) continue;
    const double y = by1 - (t - lo) / (hi - lo) * (by1 - by0);
    line(o, bx + bar_w, y, bx + bar_w + 4, y, "#444", 1);
    text(o, bx + bar_w + 7, y + 4, tick_label(t, scale.step), 11, "start");
  }
  if (!h.colorbar_label.empty()) {
    const double cx = h.width - 12, cy = (by0 + by1) / 2;
    text(o, cx, cy, h.colorbar_label, 12, "middle", "transform=\"rotate(-90 " + num(cx) + " " + num(cy) + ")\"");
  }
  o += "</svg>\n";
  return o;
}

inline std::string bar_chart(const BarChart& p) {
  const std::size_t K = p.categories.size(), S = p.series.size();
  double lo = 0, hi = 0;  // bars grow from zero, so zero is always on the axis
  bool any = false;
  std::vector<LegendItem> legend;
  for (std::size_t s = 0; s < S; ++s) {
    const BarSeries& bs = p.series[s];
    for (std::size_t k = 0; k < K && k < bs.values.size(); ++k) {
      const double v = bs.values[k];
      if (!std::isfinite(v)) continue;
      any = true;
      const double e = k < bs.errors.size() && std::isfinite(bs.errors[k]) ? std::fabs(bs.errors[k]) : 0.0;
      lo = std::min(lo, v - e);
      hi = std::max(hi, v + e);
    }
    if (!bs.name.empty()) legend.push_back({bs.name, bs.color.empty() ? palette(s) : bs.color, false, true});
  }
  if (!any) hi = 1;
  if (std::isfinite(p.y_min)) lo = p.y_min;
  if (std::isfinite(p.y_max)) hi = p.y_max;
  Frame f;
  f.ay = nice_axis(lo, hi, 6);
  f.ax.lo = 0;
  f.ax.hi = std::max<double>(1, static_cast<double>(K));
  f.x0 = left_margin(f.ay, p.y_label);
  f.x1 = p.width - 20 - legend_width(legend);
  f.y0 = p.title.empty() ? 16 : 44;
  const double group_w = (f.x1 - f.x0) / std::max<double>(1, static_cast<double>(K));
  double widest = 0;
  for (const auto& c : p.categories) widest = std::max(widest, text_width(c, 11));
  // Long category names are slanted rather than allowed to run into each other.
  const bool slant = widest > group_w - 6;
  const double label_h = slant ? widest * 0.6 + 12 : 18;
  if (slant) {
    // A label slanted at 35 degrees reaches 0.82 of its length to the left of its group.
    f.x0 = std::max(f.x0, widest * 0.82 - group_w / 2 + 8);
  }
  const double gw = (f.x1 - f.x0) / std::max<double>(1, static_cast<double>(K));
  f.y1 = p.height - (label_h + 14 + (p.x_label.empty() ? 0 : 22));

  std::string o;
  open_svg(o, p.width, p.height, p.title);
  draw_axes(o, f, "", p.y_label, false);
  if (!any) no_data(o, f);
  const double zero = f.py(std::min(std::max(0.0, f.ay.lo), f.ay.hi));
  const double bar_w = gw * 0.8 / std::max<double>(1, static_cast<double>(S));
  for (std::size_t s = 0; s < S; ++s) {
    const BarSeries& bs = p.series[s];
    const std::string color = bs.color.empty() ? palette(s) : bs.color;
    o += "<g fill=\"" + color + "\">\n";
    for (std::size_t k = 0; k < K && k < bs.values.size(); ++k) {
      const double v = bs.values[k];
      if (!std::isfinite(v)) continue;
      const double vc = std::min(std::max(v, f.ay.lo), f.ay.hi);
      const double x = f.x0 + gw * (static_cast<double>(k) + 0.1) + bar_w * static_cast<double>(s);
      const double yv = f.py(vc);
      rect(o, x, std::min(yv, zero), bar_w - 1, std::fabs(zero - yv), color);
      const double e = k < bs.errors.size() && std::isfinite(bs.errors[k]) ? std::fabs(bs.errors[k]) : 0.0;
      if (e > 0) {
        const double cx = x + (bar_w - 1) / 2, ya = f.py(std::min(v + e, f.ay.hi)), yb = f.py(std::max(v - e, f.ay.lo));
        line(o, cx, ya, cx, yb, "#333", 1.2);
        line(o, cx - 3, ya, cx + 3, ya, "#333", 1.2);
        line(o, cx - 3, yb, cx + 3, yb, "#333", 1.2);
      }
      if (p.show_values) {
        char b[32];
        std::snprintf(b, sizeof b, "%.3g", v);
        // above the bar (below a negative one), clear of its error bar
        text(o, x + (bar_w - 1) / 2, v >= 0 ? f.py(std::min(v + e, f.ay.hi)) - 4 : f.py(std::max(v - e, f.ay.lo)) + 12,
             b, 10, "middle");
      }
    }
    o += "</g>\n";
  }
  line(o, f.x0, zero, f.x1, zero, "#444", 1);
  for (std::size_t k = 0; k < K; ++k) {
    const double cx = f.x0 + gw * (static_cast<double>(k) + 0.5);
    if (slant)
      text(o, cx, f.y1 + 14, p.categories[k], 11, "end",
           "transform=\"rotate(-35 " + num(cx) + " " + num(f.y1 + 14) + ")\"");
    else
      text(o, cx, f.y1 + 18, p.categories[k], 11, "middle");
  }
  if (!p.x_label.empty()) text(o, (f.x0 + f.x1) / 2, f.y1 + label_h + 26, p.x_label, 13, "middle");
  draw_legend(o, f.x1 + 16, f.y0 + 8, legend);
  o += "</svg>\n";
  return o;
}

}  // namespace svg_detail

inline std::string svg_line_plot(const LinePlot& p) { return svg_detail::line_plot(p); }

// Line plots one above the other in one document, under one title: panels that share an x
// axis but not a scale (a loss and a correlation). Each panel is a whole nested <svg>, which
// keeps its own coordinates, moved down by the heights of those above it.
inline std::string svg_line_panels(const std::string& title, const std::vector<LinePlot>& panels) {
  double width = 0, height = title.empty() ? 8 : 36;
  for (const LinePlot& p : panels) width = std::max(width, p.width);
  for (const LinePlot& p : panels) height += p.height;
  std::string o;
  svg_detail::open_svg(o, width, height, title);
  double y = title.empty() ? 8 : 36;
  for (const LinePlot& p : panels) {
    o += "<g transform=\"translate(0 " + svg_detail::num(y) + ")\">\n" + svg_detail::line_plot(p) + "</g>\n";
    y += p.height;
  }
  o += "</svg>\n";
  return o;
}
inline std::string svg_scatter(const ScatterPlot& p) { return svg_detail::scatter(p); }
inline std::string svg_heatmap(const Heatmap& h) { return svg_detail::heatmap(h); }
inline std::string svg_bar_chart(const BarChart& p) { return svg_detail::bar_chart(p); }

}  // namespace deepdiff_cli
