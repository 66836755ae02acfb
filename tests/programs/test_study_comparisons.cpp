// examples/common/study/comparisons.hpp: the study's statistics gathered from run folders
// (predictions.csv per run) and written as comparisons.csv / comparisons.md. The arithmetic
// itself is checked against scipy in tests/data (statistics_reference); here: which runs are
// compared with which, on which genes, and what the tables say.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <deepdiff/data/metrics.hpp>
#include <deepdiff/io/atomic_file.hpp>

#include "common/study/comparisons.hpp"
#include "test_helpers.hpp"

using namespace deepdiff_study;
using deepdiff_test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A finished run of `model` on `pair` whose predictions are target + noise * sin(k g): the
// larger `noise`, the lower its PCC. Writes predictions.csv and returns the row.
Row write_run(const std::string& root, const std::string& pair, const std::string& model, std::uint64_t seed,
              double noise, int genes = 60, const std::string& gene_prefix = "g") {
  const PairInfo p = parse_pair(pair, false);
  Row r;
  r.pair = p.id;
  r.cell1 = p.cell1;
  r.cell2 = p.cell2;
  r.cells = p.cells;
  r.variant = model;
  r.settings.train.seed = seed;
  r.status = "ok";
  r.source_root = root;
  std::vector<double> pred, target;
  std::string csv = "gene_id,prediction,target\n";
  for (int g = 0; g < genes; ++g) {
    const double y = std::cos(0.37 * g + static_cast<double>(pair.size())) * 3;
    const double f = y + noise * std::sin(1.3 * g + static_cast<double>(seed));
    pred.push_back(f);
    target.push_back(y);
    csv += gene_prefix + std::to_string(g) + "," + std::to_string(f) + "," + std::to_string(y) + "\n";
  }
  r.test_pcc = deepdiff::pearson(pred, target);
  const std::string dir = run_dir(root, r.pair, model, seed);
  std::filesystem::create_directories(dir);
  deepdiff::write_file_atomic(dir + "/predictions.csv", csv);
  return r;
}

}  // namespace

TEST_CASE("study_statistics: every variant against every baseline, per pair and seed and across pairs", "[study]") {
  TempDir d;
  std::vector<Row> rows;
  const std::vector<std::string> pairs = {"E123-E003", "E116-E003", "E123-E116", "E003-E005",
                                          "E003-E006", "E006-E007", "E005-E006"};
  for (const std::string& p : pairs)
    for (std::uint64_t s : {1, 2}) {
      rows.push_back(write_run(d.path, p, "raw_d", s, 0.5));   // the better one everywhere
      rows.push_back(write_run(d.path, p, "ridge", s, 2.0));
      rows.push_back(write_run(d.path, p, "xgboost", s, 0.5));  // the same predictions as raw_d
    }
  const StudyStatistics st = study_statistics(rows, 200);
  CHECK(st.notes.empty());
  CHECK(st.intervals.size() == rows.size());
  REQUIRE(st.across.size() == 2);  // raw_d x {ridge, xgboost}; baselines are not compared with each other
  CHECK(st.per_pair.size() == 2 * pairs.size() * 2);

  const AcrossPairs& vs_ridge = st.across[0];
  CHECK(vs_ridge.baseline == "ridge");
  CHECK(vs_ridge.pairs == 7);
  CHECK(vs_ridge.median_delta > 0.1);
  CHECK(vs_ridge.test.statistic == 28);                      // every rank positive: 1 + ... + 7
  CHECK(vs_ridge.test.p == Approx(1.0 / 128).epsilon(1e-12));  // the exact null's smallest tail
  // Holm counts only the comparisons that have a p: here this one alone
  CHECK(vs_ridge.holm_p == Approx(1.0 / 128).epsilon(1e-12));
  const AcrossPairs& vs_xgb = st.across[1];
  CHECK(vs_xgb.median_delta == 0);
  CHECK(std::isnan(vs_xgb.test.p));  // every difference zero: no test (scipy refuses it too)

  for (const PairComparison& c : st.per_pair) {
    INFO(c.pair << " " << c.baseline << " seed " << c.seed);
    if (c.baseline == "ridge") {
      CHECK(c.delta.lo > 0);  // clearly better on every resample
      CHECK(c.delta.p == 0);
    } else {
      CHECK(c.delta.delta == 0);  // identical predictions: dPCC is 0 on every resample
      CHECK(c.delta.p == 1);
    }
  }
  // the run's interval is the library's, seeded by the run's seed
  const deepdiff::Interval* iv = st.interval("E003-E005", "ridge", 2);
  REQUIRE(iv);
  CHECK(iv->lo < iv->estimate);
  CHECK(iv->estimate < iv->hi);

  const std::string md = comparisons_md(st, "From: here.");
  CHECK(contains(md, "From: here.\n"));
  CHECK(contains(md, "corrects its p for the 1 comparisons of this table that have one"));
  CHECK(contains(md, "| raw_d | ridge | 7 | "));
  CHECK(contains(md, " | 28.0 | 0.008 | 0.008 |\n"));
  CHECK(contains(md, " | - | - | - |\n"));  // the comparison without a test
  CHECK(contains(md, "| raw_d | xgboost | 7 | 0.0000 | "));
  CHECK(contains(md, "p < 1/200"));  // never better on any resample: not "p 0"
  const std::string csv = comparisons_csv(st);
  CHECK(contains(csv, "variant,baseline,scope,pair,seed,delta_pcc,delta_lo,delta_hi,bootstrap_p,pairs,"
                      "median_delta_pcc,wilcoxon_w,wilcoxon_p,holm_p\n"));
  CHECK(contains(csv, "raw_d,ridge,across pairs,,,,,,,7,"));
  CHECK(contains(csv, "raw_d,ridge,pair,E123-E003,1,"));
}

TEST_CASE("study_statistics: a run without predictions, or on other genes, is named and left out", "[study]") {
  TempDir d;
  std::vector<Row> rows = {write_run(d.path, "E123-E003", "raw", 1, 0.5), write_run(d.path, "E123-E003", "ridge", 1, 1),
                           write_run(d.path, "E037-E038", "raw", 1, 0.5),
                           write_run(d.path, "E037-E038", "deepchrome", 1, 1, 60, "other")};
  std::filesystem::remove(run_dir(d.path, "E123-E003", "ridge", 1) + "/predictions.csv");
  Row pending = rows[0];
  pending.variant = "xgboost";
  pending.status = "pending";  // unfinished runs are not read at all
  rows.push_back(pending);
  const StudyStatistics st = study_statistics(rows, 50);
  REQUIRE(st.notes.size() == 2);
  CHECK(contains(st.notes[0], "E123-E003 ridge seed 1: no interval or comparison"));
  CHECK(contains(st.notes[0], "predictions.csv"));
  CHECK(contains(st.notes[1], "E037-E038 seed 1: raw and deepchrome were scored on different test genes"));
  CHECK(st.per_pair.empty());
  CHECK(st.intervals.size() == 3);
  // across pairs uses the tables' test PCCs, so those pairs still count there
  for (const AcrossPairs& a : st.across)
    if (a.baseline == "ridge" || a.baseline == "deepchrome") CHECK(a.pairs == 1);
}
