// Sequencing-depth scales of the target (data/expression_scale.hpp): cpm and DESeq2's median
// of ratios on tables small enough to work out by hand, the zeros and one-table genes they
// leave out, none as the identity, the targets load_split computes with them, the checkpoint
// entries, and the depth warning. tests/data/test_expression_scale_reference.py checks the
// same arithmetic against numpy on Roadmap's E003 and E037.
#include <catch2/catch.hpp>

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/data/expression_scale.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {

// Relative agreement to a few ulps: exp and log round, the hand values are exact.
bool near(double a, double b) { return std::fabs(a - b) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(b); }

}  // namespace

TEST_CASE("expression scale: names and parsing", "[data][scale]") {
  for (ExpressionScale s : {ExpressionScale::none, ExpressionScale::cpm, ExpressionScale::size_factors})
    CHECK(parse_expression_scale(expression_scale_name(s)) == s);
  CHECK(std::string(expression_scale_name(ExpressionScale::size_factors)) == "size-factors");
  CHECK_THROWS_WITH(parse_expression_scale("size_factors"), Catch::Contains("none, cpm or size-factors"));
  CHECK_THROWS_WITH(parse_expression_scale(""), Catch::Contains("is not an expression scale"));
  CHECK_THROWS_AS(parse_expression_scale("CPM"), std::invalid_argument);
}

TEST_CASE("median_of: the middle value, or the mean of the two middle ones (R, numpy)", "[data][scale]") {
  CHECK(median_of({3.0}) == 3.0);
  CHECK(median_of({5.0, -1.0, 2.0}) == 2.0);
  CHECK(median_of({4.0, 1.0, 10.0, 2.0}) == 3.0);  // (2 + 4) / 2, not 2 or 4
  CHECK(median_of({7.0, 7.0, 1.0, 9.0, 1.0, 8.0}) == 7.0);
  CHECK(std::isnan(median_of({})));
}

TEST_CASE("expression scale none: divisors 1, the paper's targets bit for bit", "[data][scale]") {
  const ExpressionCounts a = {{"g1", 0}, {"g2", 17}}, b = {{"g1", 3}, {"g2", 0}};
  const ExpressionScaling s = expression_scaling(ExpressionScale::none, a, b);
  CHECK(s.scale == ExpressionScale::none);
  CHECK(s.divisor_a == 1.0);
  CHECK(s.divisor_b == 1.0);
  Split sp;
  sp.gene_ids = {"g1", "g2", "g3"};
  sp.ea = {0, 17, 123456789};
  sp.eb = {3, 0, 0.25};
  sp.has_expression = true;
  for (Index g = 0; g < 3; ++g) {
    const std::size_t i = static_cast<std::size_t>(g);
    CHECK(sp.y(g) == std::log2((sp.eb[i] + 1.0) / (sp.ea[i] + 1.0)));
    CHECK(sp.ya(g) == std::log2(sp.ea[i] + 1.0));
    CHECK(sp.yb(g) == std::log2(sp.eb[i] + 1.0));
  }
}

TEST_CASE("expression scale cpm: each table's own total over every gene it lists", "[data][scale]") {
  // A sums to 1000 (g4 is in A only and still counts), B to 4e6 (its zero too).
  const ExpressionCounts a = {{"g1", 100}, {"g2", 300}, {"g3", 0}, {"g4", 600}};
  const ExpressionCounts b = {{"g1", 2e6}, {"g2", 0}, {"g3", 2e6}};
  const ExpressionScaling s = expression_scaling(ExpressionScale::cpm, a, b);
  CHECK(s.scale == ExpressionScale::cpm);
  CHECK(s.divisor_a == 0.001);  // 1000 / 1e6
  CHECK(s.divisor_b == 4.0);    // 4e6 / 1e6
  // g1 in counts per million: A 1e5, B 5e5
  Split sp;
  sp.gene_ids = {"g1"};
  sp.ea = {100};
  sp.eb = {2e6};
  sp.has_expression = true;
  sp.scaling = s;
  CHECK(near(sp.y(0), std::log2(500001.0 / 100001.0)));
  CHECK(near(sp.ya(0), std::log2(100001.0)));
  CHECK(near(sp.yb(0), std::log2(500001.0)));
  CHECK(near(sp.y(0), sp.yb(0) - sp.ya(0)));

  CHECK_THROWS_WITH(expression_scaling(ExpressionScale::cpm, a, ExpressionCounts{{"g1", 0}, {"g2", 0}}, "A.expr.csv", "B.expr.csv"),
                    Catch::Contains("B.expr.csv sums to 0"));
}

TEST_CASE("size factors: the median of ratios over an odd count of genes, zeros and one-table genes left out",
          "[data][scale]") {
  // Usable genes (both counts > 0): kA/kB = 4, 1, 16. With two cells log kA - lg = (log kA -
  // log kB) / 2, so sA = sqrt(median kA/kB) = 2 and sB = 1/2. g4 and g5 (a zero in A) would
  // pull the median to 0 (sA = 1) if they counted; g6 is in A only, g7 in B only.
  const ExpressionCounts a = {{"g1", 40}, {"g2", 5}, {"g3", 160}, {"g4", 0}, {"g5", 0}, {"g6", 1e9}};
  const ExpressionCounts b = {{"g1", 10}, {"g2", 5}, {"g3", 10}, {"g4", 100}, {"g5", 7}, {"g7", 1}};
  const ExpressionScaling s = expression_scaling(ExpressionScale::size_factors, a, b);
  CHECK(s.scale == ExpressionScale::size_factors);
  CHECK(near(s.divisor_a, 2.0));
  CHECK(near(s.divisor_b, 0.5));
  // A zero in B is left out the same way: the median stays that of 4, 1, 16.
  ExpressionCounts b0 = b;
  ExpressionCounts a0 = a;
  a0["g8"] = 3;
  b0["g8"] = 0;
  a0["g9"] = 1000;
  b0["g9"] = 0;
  const ExpressionScaling s0 = expression_scaling(ExpressionScale::size_factors, a0, b0);
  CHECK(near(s0.divisor_a, 2.0));
  CHECK(near(s0.divisor_b, 0.5));
  // Which table is A matters only for which factor is whose.
  const ExpressionScaling r = expression_scaling(ExpressionScale::size_factors, b, a);
  CHECK(near(r.divisor_a, 0.5));
  CHECK(near(r.divisor_b, 2.0));
}

TEST_CASE("size factors: an even count takes the mean of the two middle log ratios", "[data][scale]") {
  // kA/kB = 1, 4, 16, 64: the middle half log ratios are log(4)/2 and log(16)/2, their mean
  // 1.5 log 2, so sA = 2^1.5 (the lower middle alone would give 2, the upper 4).
  const ExpressionCounts a = {{"g1", 3}, {"g2", 8}, {"g3", 32}, {"g4", 128}};
  const ExpressionCounts b = {{"g1", 3}, {"g2", 2}, {"g3", 2}, {"g4", 2}};
  const ExpressionScaling s = expression_scaling(ExpressionScale::size_factors, a, b);
  CHECK(near(s.divisor_a, 2.0 * std::sqrt(2.0)));
  CHECK(near(s.divisor_b, 1.0 / (2.0 * std::sqrt(2.0))));
  // Two genes: the mean of both.
  const ExpressionScaling two =
      expression_scaling(ExpressionScale::size_factors, ExpressionCounts{{"x", 9}, {"y", 1}}, ExpressionCounts{{"x", 1}, {"y", 1}});
  CHECK(near(two.divisor_a, std::sqrt(3.0)));  // exp((log 9 / 2 + 0) / 2) = 9^(1/4)
  CHECK(near(two.divisor_b, 1.0 / std::sqrt(3.0)));
}

TEST_CASE("size factors: no gene above 0 in both tables is an error naming them", "[data][scale]") {
  const ExpressionCounts a = {{"g1", 0}, {"g2", 5}}, b = {{"g1", 5}, {"g2", 0}, {"g3", 9}};
  CHECK_THROWS_WITH(expression_scaling(ExpressionScale::size_factors, a, b, "E003.expr.csv", "E037.expr.csv"),
                    Catch::Contains("no gene has a count above 0 in both E003.expr.csv's and E037.expr.csv's"));
}

TEST_CASE("load_split: every split of a pair gets the divisors of the whole tables", "[data][scale]") {
  TempDir d("expression_scale");
  const auto marks = [](const std::vector<std::string>& genes) {
    std::string s;
    for (const std::string& g : genes)
      for (int bin = 1; bin <= 2; ++bin) s += g + "_S_" + std::to_string(bin) + ",1,2,3,4,5\n";
    return s;
  };
  d.write("A.train.csv", marks({"g1", "g2"}));
  d.write("B.train.csv", marks({"g1", "g2"}));
  d.write("A.test.csv", marks({"g3"}));
  d.write("B.test.csv", marks({"g3"}));
  // Split genes g1..g3, plus g4 and g5 that no split lists: they count for the factors.
  // kA/kB over the genes > 0 in both: 4 (g1), 1 (g2), 16 (g4), 1/4 (g5), 4 (g3) -> median 4.
  d.write("A.expr.csv", "g1,40\ng2,5\ng3,8\ng4,160\ng5,1\ng6,0\n");
  d.write("B.expr.csv", "g1,10\ng2,5\ng3,2\ng4,10\ng5,4\ng6,9\n");
  const Split none = load_split(d.path, "A", "B", "train");
  CHECK(none.scaling.scale == ExpressionScale::none);
  CHECK(none.y(0) == std::log2(11.0 / 41.0));

  const Split tr = load_split(d.path, "A", "B", "train", ExpressionMode::required, ExpressionScale::size_factors);
  const Split te = load_split(d.path, "A", "B", "test", ExpressionMode::required, ExpressionScale::size_factors);
  CHECK(tr.scaling.scale == ExpressionScale::size_factors);
  CHECK(near(tr.scaling.divisor_a, 2.0));
  CHECK(near(tr.scaling.divisor_b, 0.5));
  CHECK(te.scaling == tr.scaling);
  CHECK(tr.ea == std::vector<double>{40, 5});  // the counts stay as read
  const double sa = tr.scaling.divisor_a, sb = tr.scaling.divisor_b;
  CHECK(tr.y(0) == std::log2((10 / sb + 1) / (40 / sa + 1)));
  CHECK(std::fabs(tr.y(0)) < 1e-15);  // log2((20 + 1) / (20 + 1))
  CHECK(tr.y(1) == std::log2((5 / sb + 1) / (5 / sa + 1)));
  CHECK(near(tr.y(1), std::log2(11 / 3.5)));
  CHECK(te.y(0) == std::log2((2 / sb + 1) / (8 / sa + 1)));
  CHECK(near(tr.ya(1), std::log2(5 / 2.0 + 1)));
  CHECK(near(tr.yb(1), std::log2(5 / 0.5 + 1)));

  const Split cpm = load_split(d.path, "A", "B", "test", ExpressionMode::required, ExpressionScale::cpm);
  CHECK(cpm.scaling.divisor_a == 214 / 1e6);
  CHECK(cpm.scaling.divisor_b == 40 / 1e6);

  // Without the tables (prediction-only data) there is nothing to scale.
  TempDir p("expression_scale_pred");
  p.write("A.test.csv", marks({"g3"}));
  p.write("B.test.csv", marks({"g3"}));
  const Split pred = load_split(p.path, "A", "B", "test", ExpressionMode::optional, ExpressionScale::size_factors);
  CHECK_FALSE(pred.has_expression);
  CHECK(pred.scaling.scale == ExpressionScale::none);

  // Tables a scale cannot use: a DataError naming them.
  d.write("B.expr.csv", "g1,0\ng2,0\ng3,0\n");
  CHECK_THROWS_AS(load_split(d.path, "A", "B", "train", ExpressionMode::required, ExpressionScale::cpm), DataError);
  try {  // cpm's problem is one table's: the error's file is that table, not the other cell's
    d.write("A.expr.csv", "g1,0\ng2,0\ng3,0\n");
    d.write("B.expr.csv", "g1,10\ng2,5\ng3,2\n");
    load_split(d.path, "A", "B", "train", ExpressionMode::required, ExpressionScale::cpm);
    FAIL("no DataError for a table that sums to 0");
  } catch (const DataError& e) {
    CHECK(e.file == d.file("A.expr.csv"));
  }
  d.write("A.expr.csv", "g1,40\ng2,5\ng3,8\ng4,160\ng5,1\ng6,0\n");
  d.write("B.expr.csv", "g1,0\ng2,0\ng3,0\n");
  CHECK_THROWS_WITH(load_split(d.path, "A", "B", "train", ExpressionMode::required, ExpressionScale::size_factors),
                    Catch::Contains("B.expr.csv") && Catch::Contains("no gene has a count above 0"));
}

TEST_CASE("expression scale in checkpoint metadata: absent for none, exact round trip otherwise", "[data][scale]") {
  std::map<std::string, std::string> meta = {{"variant", "raw_d"}};
  expression_scaling_to_meta(ExpressionScaling{}, meta);
  CHECK(meta.size() == 1);
  CHECK(expression_scaling_from_meta(meta) == ExpressionScaling{});

  const ExpressionScaling s{ExpressionScale::size_factors, 2.0604038942347853, 0.48534173459781327};
  expression_scaling_to_meta(s, meta);
  CHECK(meta.at("expression_scale") == "size-factors");
  CHECK(meta.at("expression_divisor_a") == "2.0604038942347853");
  CHECK(expression_scaling_from_meta(meta) == s);
  expression_scaling_to_meta(ExpressionScaling{}, meta);  // back to none: the entries go
  CHECK(meta.size() == 1);

  expression_scaling_to_meta(s, meta);
  auto bad = meta;
  bad["expression_scale"] = "tpm";
  CHECK_THROWS_WITH(expression_scaling_from_meta(bad), Catch::Contains("expression_scale") && Catch::Contains("'tpm'"));
  bad = meta;
  bad.erase("expression_divisor_b");
  CHECK_THROWS_WITH(expression_scaling_from_meta(bad), Catch::Contains("no 'expression_divisor_b' entry"));
  for (const char* v : {"0", "-1", "nan", "inf", "2x", ""}) {
    bad = meta;
    bad["expression_divisor_a"] = v;
    CHECK_THROWS_WITH(expression_scaling_from_meta(bad), Catch::Contains("is not a finite number > 0"));
  }
}

TEST_CASE("depth warning: beyond 0.5 from 0, naming the cells and the option", "[data][scale]") {
  const std::string w = depth_warning(-1.9712, 10000, "E003", "E037", ExpressionScale::none);
  CHECK(w == "the median target y over the 10000 training genes is -1.97 (E037 over E003): y mostly measures the "
             "cells' sequencing depth; --expression-scale size-factors corrects it");
  CHECK(depth_warning(0.5, 10, "A", "B", ExpressionScale::none).empty());
  CHECK(depth_warning(-0.5, 10, "A", "B", ExpressionScale::none).empty());
  CHECK_FALSE(depth_warning(0.51, 10, "A", "B", ExpressionScale::none).empty());
  CHECK(depth_warning(std::nan(""), 0, "A", "B", ExpressionScale::none).empty());
  CHECK(depth_warning(0.9, 10, "A", "B", ExpressionScale::cpm).find("size-factors corrects it") != std::string::npos);
  CHECK(depth_warning(0.9, 10, "A", "B", ExpressionScale::size_factors).find("even with --expression-scale size-factors") !=
        std::string::npos);
}
