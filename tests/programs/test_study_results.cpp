// examples/common/study/results.hpp: the results table (CSV round trip, Markdown), merge
// checks, tallies, and a run's row from its metrics.json.
#include <catch2/catch.hpp>

#include <deepdiff/io/atomic_file.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/metrics.hpp"
#include "common/study/results.hpp"
#include "test_helpers.hpp"

using namespace deepdiff_study;
using deepdiff_test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Row make_row(const std::string& pair, const std::string& variant, std::uint64_t seed, double test_pcc) {
  const PairInfo p = parse_pair(pair, false);
  Row r;
  r.pair = p.id;
  r.cell1 = p.cell1;
  r.cell2 = p.cell2;
  r.cells = p.cells;
  r.variant = variant;
  r.settings.train.seed = seed;
  r.settings.train.epochs = 3;
  r.settings.train.lr = 1e-3;
  r.settings.hidden = 8;
  if (std::isfinite(test_pcc)) {
    r.best_epoch = 2;
    r.valid_pcc = 0.1 + test_pcc / 3;
    r.test_pcc = test_pcc;
    r.test_mse = 1.0 / 3;
    r.train_seconds = 12.345678;
    r.status = "ok";
  }
  return r;
}

std::string error_of(const std::vector<Row>& rows) {
  try {
    check_merge(rows);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("results CSV: what results_csv writes, read_results reads back", "[study]") {
  TempDir d;
  std::vector<Row> rows = {make_row("E123-E003", "raw_d", 1, 0.8123456789), make_row("E123-E003", "aux", 2, NAN),
                           make_row("foo-bar", "raw_aux_siamese", 1, -0.25)};
  rows[1].status = "error: a message, with a comma and \"quotes\"\nand a line break";
  rows[2].cells = "a, b | c";
  rows[2].settings.train.expression_scale = deepdiff::ExpressionScale::size_factors;
  rows[2].settings.precision = deepdiff::Precision::bf16;
  deepdiff::write_file_atomic(d.file("results.csv"), results_csv(rows));
  const std::vector<Row> back = read_results(d.file("results.csv"), "ROOT");
  REQUIRE(back.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    const Row &a = rows[i], &b = back[i];
    CHECK(b.pair == a.pair);
    CHECK(b.cell1 == a.cell1);
    CHECK(b.cells == a.cells);
    CHECK(b.variant == a.variant);
    CHECK(b.seed() == a.seed());
    CHECK(b.settings.train.epochs == a.settings.train.epochs);
    CHECK(b.settings.train.lr == a.settings.train.lr);
    CHECK(b.settings.train.batch_size == a.settings.train.batch_size);
    CHECK(b.settings.hidden == a.settings.hidden);
    CHECK(b.settings.train.expression_scale == a.settings.train.expression_scale);
    CHECK(b.settings.precision == a.settings.precision);
    CHECK(b.best_epoch == a.best_epoch);
    CHECK(b.status == a.status);
    CHECK(b.source_root == "ROOT");
    CHECK(b.origin == d.file("results.csv") + ":" + std::to_string(i + 2 + (i == 2 ? 1 : 0)));
    if (a.ok()) {
      CHECK(b.test_pcc == a.test_pcc);  // exact: the shortest text that reads back
      CHECK(b.valid_pcc == a.valid_pcc);
      CHECK(b.test_mse == a.test_mse);
      CHECK(b.train_seconds == Approx(12.346));  // written with 3 decimals
    } else {
      CHECK(std::isnan(b.test_pcc));
      CHECK(std::isnan(b.train_seconds));
    }
  }
  CHECK(results_csv(back) == results_csv(rows));
}

TEST_CASE("results CSV: tables from before the expression_scale and precision columns read as none, fp32", "[study]") {
  TempDir d;
  std::vector<Row> rows = {make_row("E123-E003", "raw_d", 1, 0.5)};
  const std::string now = results_csv(rows);
  // The same table as older versions wrote it: without precision (before bf16), and without
  // both (before expression scales), header and row.
  std::string no_precision = now;
  no_precision.replace(no_precision.find(",precision"), 10, "");
  no_precision.replace(no_precision.find(",none,fp32,"), 11, ",none,");
  std::string no_scale = no_precision;
  no_scale.replace(no_scale.find(",expression_scale"), 17, "");
  no_scale.replace(no_scale.find(",none,"), 6, ",");
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"no_precision.csv", no_precision},
                                   {"no_scale.csv", no_scale}}) {
    INFO(name);
    d.write(name, text);
    const std::vector<Row> back = read_results(d.file(name), ".");
    REQUIRE(back.size() == 1);
    CHECK(back[0].settings.train.expression_scale == deepdiff::ExpressionScale::none);
    CHECK(back[0].settings.precision == deepdiff::Precision::fp32);
    CHECK(back[0].test_pcc == 0.5);
    CHECK(back[0].status == rows[0].status);
    CHECK(results_csv(back) == now);
  }
  // Only whole older headers: precision without expression_scale was never written.
  std::string odd = now;
  odd.replace(odd.find(",expression_scale"), 17, "");
  odd.replace(odd.find(",none,fp32,"), 11, ",fp32,");
  d.write("odd.csv", odd);
  CHECK_THROWS_WITH(read_results(d.file("odd.csv"), "."), Catch::Contains("not a deepdiff-pairs results table"));

  std::string bad = now;
  bad.replace(bad.find(",none,"), 6, ",tpm,");
  d.write("bad_scale.csv", bad);
  CHECK_THROWS_WITH(read_results(d.file("bad_scale.csv"), "."),
                    Catch::Contains("bad_scale.csv:2: expression_scale: 'tpm' is not a valid value"));
  bad = now;
  bad.replace(bad.find(",fp32,"), 6, ",fp16,");
  d.write("bad_precision.csv", bad);
  CHECK_THROWS_WITH(read_results(d.file("bad_precision.csv"), "."),
                    Catch::Contains("bad_precision.csv:2: precision: 'fp16' is not a valid value"));
}

TEST_CASE("read_results: a foreign or damaged table is refused with FILE:LINE", "[study]") {
  TempDir d;
  d.write("other.csv", "a,b\n1,2\n");
  CHECK_THROWS_WITH(read_results(d.file("other.csv"), "."), Catch::Contains("other.csv:1: not a deepdiff-pairs results table"));
  std::string good = results_csv({make_row("E123-E003", "raw_d", 1, 0.5)});
  std::string bad = good;
  bad.replace(bad.find(",raw_d,1,"), 9, ",raw_d,x,");
  d.write("bad.csv", bad);
  CHECK_THROWS_WITH(read_results(d.file("bad.csv"), "."), Catch::Contains("bad.csv:2: seed: 'x' is not a valid value"));
  bad = good;
  bad.replace(bad.find(",raw_d,"), 7, ",raw_x,");
  d.write("variant.csv", bad);
  CHECK_THROWS_WITH(read_results(d.file("variant.csv"), "."), Catch::Contains("variant.csv:2: variant: 'raw_x'"));
  d.write("ragged.csv", good + "E123-E003,E123\n");
  CHECK_THROWS_WITH(read_results(d.file("ragged.csv"), "."), Catch::Contains("ragged.csv:3: 2 fields, the header has 18"));
  d.write("empty.csv", "");
  CHECK_THROWS_WITH(read_results(d.file("empty.csv"), "."), Catch::Contains("empty file"));
}

TEST_CASE("check_merge: duplicates, another recipe, other cell names are refused", "[study]") {
  std::vector<Row> rows = {make_row("E123-E003", "raw_d", 1, 0.5), make_row("E123-E003", "raw_d", 2, 0.6)};
  rows[0].origin = "a.csv:2";
  rows[1].origin = "b.csv:2";
  CHECK(error_of(rows).empty());

  std::vector<Row> dup = rows;
  dup[1].settings.train.seed = 1;
  CHECK(contains(error_of(dup), "duplicate row for E123-E003 raw_d seed 1: a.csv:2 and b.csv:2"));

  std::vector<Row> other = rows;
  other[1].settings.train.lr = 1e-4;
  CHECK(contains(error_of(other), "inconsistent rows: a.csv:2 and b.csv:2 differ in lr 0.001 vs 1e-04"));
  other = rows;
  other[1].settings.train.epochs = 120;
  CHECK(contains(error_of(other), "differ in epochs 3 vs 120"));
  other = rows;
  other[1].settings.train.expression_scale = deepdiff::ExpressionScale::cpm;
  CHECK(contains(error_of(other), "differ in expression_scale none vs cpm"));
  other = rows;
  other[1].settings.precision = deepdiff::Precision::bf16;
  CHECK(contains(error_of(other), "differ in precision fp32 vs bf16"));
  other = rows;
  other[1].settings.train.batch_size = 20;
  CHECK(contains(error_of(other), "differ in batch_size 10 vs 20"));
  other = rows;
  other[1].settings.hidden = 32;
  CHECK(contains(error_of(other), "differ in hidden 8 vs 32"));
  other = rows;
  other[1].cells = "something else";
  CHECK(contains(error_of(other), "describe pair E123-E003 as 'K562 vs H1' and 'something else'"));
}

TEST_CASE("tally, mean_of, sd_of", "[study]") {
  std::vector<Row> rows = {make_row("E123-E003", "raw_d", 1, 0.5), make_row("E123-E003", "raw_d", 2, 0.7),
                           make_row("E123-E003", "aux", 1, NAN), make_row("E123-E003", "aux", 2, NAN),
                           make_row("foo-bar", "aux", 1, NAN)};
  rows[3].status = "missing data: E123.train.csv";
  rows[4].status = "error: boom";
  const Tally t = tally(rows);
  CHECK(t.ok == 2);
  CHECK(t.pending == 1);
  CHECK(t.missing == 1);
  CHECK(t.errors == 1);
  CHECK(t.epochs == 6);
  CHECK(t.train_seconds == Approx(2 * 12.345678));

  CHECK(std::isnan(mean_of({})));
  CHECK(mean_of({1, 2, 6}) == Approx(3));
  CHECK(std::isnan(sd_of({4})));
  CHECK(sd_of({1, 2, 6}) == Approx(std::sqrt(7.0)));  // n - 1 in the denominator
  CHECK(test_pccs(rows, "E123-E003", "raw_d") == std::vector<double>{0.5, 0.7});
  CHECK(test_pccs(rows, "E123-E003", "aux").empty());
}

TEST_CASE("sort_rows: the spec's pairs first, then others by name, variants in the paper's order", "[study]") {
  std::vector<Row> rows = {make_row("foo-bar", "raw_d", 1, 0.1), make_row("E037-E038", "aux", 1, 0.1),
                           make_row("E123-E003", "aux", 2, 0.1), make_row("E123-E003", "raw_d", 1, 0.1),
                           make_row("E123-E003", "aux", 1, 0.1), make_row("abc-def", "raw_d", 1, 0.1)};
  sort_rows(rows);
  std::vector<std::string> got;
  for (const Row& r : rows) got.push_back(r.pair + " " + r.variant + " " + std::to_string(r.seed()));
  CHECK(got == std::vector<std::string>{"E123-E003 raw_d 1", "E123-E003 aux 1", "E123-E003 aux 2", "E037-E038 aux 1",
                                        "abc-def raw_d 1", "foo-bar raw_d 1"});
}

TEST_CASE("results_md: recipe, pair x variant means, every run, notes", "[study]") {
  std::vector<Row> rows = {make_row("E123-E003", "raw_d", 1, 0.5), make_row("E123-E003", "raw_d", 2, 0.7),
                           make_row("E123-E003", "aux", 1, NAN), make_row("foo-bar", "raw_d", 1, NAN)};
  rows[2].status = "error: out | of memory";
  rows[3].status = "missing data: foo.train.csv";
  const std::string md = results_md(rows, "My study", "Data: /x.");
  CHECK(md.rfind("# My study\n\n", 0) == 0);
  CHECK(contains(md, "Recipe: 3 epoch(s)"));
  CHECK(contains(md, "Adam lr 0.001, batch 10, level-1 hidden 8, gradient clipping 1; seeds 1, 2."));
  CHECK(contains(md, "Data: /x.\n"));
  CHECK(contains(md, "Runs: 4 (2 ok, 0 pending, 1 missing data, 1 errors)"));
  CHECK(contains(md, "| pair | cells | raw_d | aux |\n|---|---|---:|---:|\n"));
  // mean 0.6 and sd of {0.5, 0.7}, the pair's best (bold); aux has no finished run
  CHECK(contains(md, "| E123-E003 | K562 vs H1 | **0.6000 +- 0.1414** | - |\n"));
  CHECK(contains(md, "| E123-E003 | K562 vs H1 | raw_d | 2 | 2 | 0.3333 | 0.7000 | 0.3333 | 12.3 | ok |\n"));
  CHECK(contains(md, "| E123-E003 | K562 vs H1 | aux | 1 |  |  |  |  |  | error |\n"));
  CHECK(contains(md, "## Notes\n\n- E123-E003 aux seed 1: error: out \\| of memory\n- foo-bar: missing data: foo.train.csv\n"));
}

TEST_CASE("results_md: one seed shows the run's bootstrap interval, the best model of each pair is bold", "[study]") {
  const std::vector<Row> rows = {make_row("E123-E003", "raw_d", 1, 0.5), make_row("E123-E003", "ridge", 1, 0.625),
                                 make_row("E037-E038", "raw_d", 1, 0.75), make_row("E037-E038", "ridge", 1, 0.25)};
  const IntervalLookup lookup = [](const Row& r, double& lo, double& hi) {
    if (r.variant != "raw_d") return false;  // a run without predictions.csv shows no interval
    lo = r.test_pcc - 0.125, hi = r.test_pcc + 0.0625;
    return true;
  };
  const std::string md = results_md(rows, "T", "", lookup);
  CHECK(contains(md, "(95% bootstrap interval; the best of each pair in bold)"));
  CHECK(contains(md, "| pair | cells | raw_d | ridge |\n"));
  CHECK(contains(md, "| E123-E003 | K562 vs H1 | 0.5000 [0.375, 0.562] | **0.6250** |\n"));
  CHECK(contains(md, "| E037-E038 | " + parse_pair("E037-E038", false).cells + " | **0.7500 [0.625, 0.812]** | 0.2500 |\n"));
  // without a lookup, one seed is just the PCC
  CHECK(contains(results_md(rows, "T", ""), "| E123-E003 | K562 vs H1 | 0.5000 | **0.6250** |\n"));
}

TEST_CASE("inspect_run: a run's row from its metrics.json, other settings are a conflict", "[study]") {
  TempDir d;
  const Row want = make_row("E123-E003", "aux", 1, NAN);
  CHECK(inspect_run(d.path, want, "/data", false, 0, 0).kind == RunCheck::absent);

  deepdiff_cli::RunMetrics m;
  m.complete = true;
  m.settings.data_root = "/data";
  m.settings.cell1 = "E123";
  m.settings.cell2 = "E003";
  m.settings.model_name = "aux";
  m.settings.train = want.settings.train;
  m.settings.hidden1 = 8;
  m.settings.bins = 10;
  m.best_epoch = 2;
  m.best_valid_pcc = 0.25;
  m.epochs.resize(3);
  m.test = deepdiff_cli::TestScores();
  m.test->pcc = 0.75;
  m.test->mse = 1.5;
  m.test->genes = 40;
  m.timings.epoch_seconds_total = 9.5;
  const auto put = [&](const deepdiff_cli::RunMetrics& x) {
    deepdiff::write_file_atomic(d.file("metrics.json"), deepdiff_cli::json_text(x));
  };
  put(m);
  const RunCheck ok = inspect_run(d.path, want, "/data", false, 0, 0);
  REQUIRE(ok.kind == RunCheck::complete);
  CHECK(ok.row.ok());
  CHECK(ok.row.best_epoch == 2);
  CHECK(ok.row.valid_pcc == 0.25);
  CHECK(ok.row.test_pcc == 0.75);
  CHECK(ok.row.test_mse == 1.5);
  CHECK(ok.row.train_seconds == 9.5);

  deepdiff_cli::RunMetrics x = m;
  x.settings.train.lr = 2e-3;
  put(x);
  RunCheck c = inspect_run(d.path, want, "/data", false, 0, 0);
  CHECK(c.kind == RunCheck::conflict);
  CHECK(contains(c.reason, "holds a run of other settings: lr 0.002 (wanted 0.001)"));
  x = m;
  x.settings.data_root = "/elsewhere";
  put(x);
  CHECK(contains(inspect_run(d.path, want, "/data", false, 0, 0).reason, "data /elsewhere (wanted /data)"));
  x = m;
  x.settings.hidden1 = 32;
  put(x);
  CHECK(contains(inspect_run(d.path, want, "/data", false, 0, 0).reason, "hidden1 32 (wanted 8)"));
  x = m;
  x.epochs.resize(5);
  put(x);
  c = inspect_run(d.path, want, "/data", false, 0, 0);
  CHECK(c.kind == RunCheck::conflict);
  CHECK(contains(c.reason, "a run of 5 epochs, more than the 3 asked for"));

  x = m;
  x.complete = false;
  x.epochs.resize(2);
  x.test.reset();
  put(x);
  c = inspect_run(d.path, want, "/data", false, 0, 0);
  CHECK(c.kind == RunCheck::partial);
  CHECK(c.epochs_done == 2);
  CHECK_FALSE(c.was_complete);

  // synthetic: the stand-in's folder and size must match
  x = m;
  x.settings.data_root = "/out/synthetic-data/E123-E003";
  x.settings.train_genes = 12;
  x.settings.valid_genes = 4;
  x.settings.test_genes = 4;
  put(x);
  CHECK(inspect_run(d.path, want, "", true, 20, 10).kind == RunCheck::complete);
  c = inspect_run(d.path, want, "", true, 40, 10);
  CHECK(contains(c.reason, "synthetic genes 20 (wanted 40)"));
  CHECK(contains(inspect_run(d.path, want, "", true, 20, 12).reason, "bins 10 (wanted 12)"));

  d.write("metrics.json", "{\"complete\": tru");
  c = inspect_run(d.path, want, "/data", false, 0, 0);
  CHECK(c.kind == RunCheck::partial);
  CHECK(contains(c.reason, "cannot read " + d.file("metrics.json")));
}
