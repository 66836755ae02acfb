// The attribution files of a split (model/attribution.hpp), a file contract beside
// prediction_files.hpp: `deepdiff attribute` writes them, `deepdiff score-attention` and
// tools/test_attribution_parity.py read them back.
//
//   attributions_mark_METHOD.csv   one row per gene:
//       gene_id, method, steps, prediction, baseline_prediction, attribution_sum, completeness_gap,
//       A.<mark> x M, B.<mark> x M     signed sum over the bins of that cell's mark
//       abs.<mark> x M                 sum over bins and both cells of |attribution|: the
//                                      spec's per-mark summary, the mark's importance
//   attributions_bin_METHOD.csv    one row per gene and bin (large: 200 rows a gene):
//       gene_id, bin (1-based), A.<mark> x M, B.<mark> x M   the attribution of that input
//
// METHOD is ig or grad_input, so both can sit in one run folder. prediction is y^(x) and
// baseline_prediction y^(0); completeness_gap = attribution_sum - (prediction -
// baseline_prediction). Numbers are csv_number's (shortest text that reads back the same).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/data/marks.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/model/attribution.hpp"

namespace deepdiff {

inline std::string attributions_mark_file(AttributionMethod m) {
  return std::string("attributions_mark_") + attribution_method_name(m) + ".csv";
}
inline std::string attributions_bin_file(AttributionMethod m) {
  return std::string("attributions_bin_") + attribution_method_name(m) + ".csv";
}

namespace attribution_files_detail {
inline std::vector<std::string> cell_mark_columns(Index marks) {
  std::vector<std::string> h;
  for (const char* cell : {"A.", "B."})
    for (Index m = 0; m < marks; ++m) h.push_back(cell + mark_name(m));
  return h;
}
}  // namespace attribution_files_detail

inline std::string attributions_mark_csv(const Split& s, const Attributions& a) {
  const Index M = a.marks, T = a.bins;
  std::vector<std::string> h = {"gene_id", "method", "steps", "prediction", "baseline_prediction", "attribution_sum",
                                "completeness_gap"};
  for (const std::string& c : attribution_files_detail::cell_mark_columns(M)) h.push_back(c);
  for (Index m = 0; m < M; ++m) h.push_back("abs." + mark_name(m));
  CsvWriter w;
  w.header(h);
  for (Index i = 0; i < a.count(); ++i) {
    const std::size_t g = static_cast<std::size_t>(i);
    std::vector<double> sum_a(static_cast<std::size_t>(M), 0.0), sum_b = sum_a, abs = sum_a;
    for (Index t = 0; t < T; ++t)
      for (Index m = 0; m < M; ++m) {
        const std::size_t k = static_cast<std::size_t>(m);
        sum_a[k] += a.at_a(i, t, m);
        sum_b[k] += a.at_b(i, t, m);
        abs[k] += std::abs(a.at_a(i, t, m)) + std::abs(a.at_b(i, t, m));
      }
    std::vector<std::string> r = {s.gene_ids[static_cast<std::size_t>(a.genes[g])], attribution_method_name(a.method),
                                  std::to_string(a.steps), csv_number(a.prediction[g]), csv_number(a.baseline[g]),
                                  csv_number(a.total(i)), csv_number(a.gap(i))};
    for (double v : sum_a) r.push_back(csv_number(v));
    for (double v : sum_b) r.push_back(csv_number(v));
    for (double v : abs) r.push_back(csv_number(v));
    w.row(r);
  }
  return w.str();
}

inline std::string attributions_bin_csv(const Split& s, const Attributions& a) {
  const Index M = a.marks, T = a.bins;
  std::vector<std::string> h = {"gene_id", "bin"};
  for (const std::string& c : attribution_files_detail::cell_mark_columns(M)) h.push_back(c);
  CsvWriter w;
  w.header(h);
  for (Index i = 0; i < a.count(); ++i)
    for (Index t = 0; t < T; ++t) {
      std::vector<std::string> r = {s.gene_ids[static_cast<std::size_t>(a.genes[static_cast<std::size_t>(i)])],
                                    std::to_string(t + 1)};
      for (Index m = 0; m < M; ++m) r.push_back(csv_number(a.at_a(i, t, m)));
      for (Index m = 0; m < M; ++m) r.push_back(csv_number(a.at_b(i, t, m)));
      w.row(r);
    }
  return w.str();
}

}  // namespace deepdiff
