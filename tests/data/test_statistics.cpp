// The study's statistics (data/statistics.hpp) on cases checkable by hand; the comparison
// with scipy and numpy is tests/data/test_statistics_reference.py (ctest statistics_reference).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "deepdiff/data/statistics.hpp"

using namespace deepdiff;

TEST_CASE("wilcoxon_greater: the exact one-sided signed-rank test", "[data][statistics]") {
  // five positive differences of distinct sizes: W+ = 15, p = 1/32
  SignedRank w = wilcoxon_greater({0.5, 0.6, 0.7, 0.8, 0.9}, {0.45, 0.5, 0.55, 0.6, 0.65});
  CHECK(w.n == 5);
  CHECK(w.statistic == 15);
  CHECK(w.p == Approx(1.0 / 32).epsilon(1e-15));
  // all negative: W+ = 0, p = 1
  w = wilcoxon_greater({0.1, 0.2, 0.3}, {0.2, 0.4, 0.6});
  CHECK(w.statistic == 0);
  CHECK(w.p == Approx(1.0));
  // zeros are dropped: {+0.1, 0, -0.05, +0.2} -> |d| ranks 2, 1, 3; W+ = 2 + 3 = 5; of the 8
  // sign patterns of ranks {1, 2, 3}, two have W+ >= 5 ({2, 3} and {1, 2, 3}): p = 2/8
  w = wilcoxon_greater({0.6, 0.5, 0.45, 0.9}, {0.5, 0.5, 0.5, 0.7});
  CHECK(w.n == 3);
  CHECK(w.statistic == Approx(5));
  CHECK(w.p == Approx(0.25));
  // ties get mid-ranks: |d| = 0.1, 0.1, 0.3 -> ranks 1.5, 1.5, 3; positives 0.1 and 0.3: W+ = 4.5
  w = wilcoxon_greater({0.6, 0.4, 0.8}, {0.5, 0.5, 0.5});
  CHECK(w.statistic == Approx(4.5));
  // nothing left to test: NaN, and NaN input is refused
  w = wilcoxon_greater({0.5, 0.6}, {0.5, 0.6});
  CHECK(w.n == 0);
  CHECK(std::isnan(w.p));
  CHECK_THROWS_WITH(wilcoxon_greater({0.5, std::nan("")}, {0.5, 0.4}), Catch::Contains("NaN"));
  CHECK_THROWS_WITH(wilcoxon_greater({0.5}, {0.5, 0.4}), Catch::Contains("1 and 2"));
}

TEST_CASE("signed_rank_null: the exact distribution of W+", "[data][statistics]") {
  const std::vector<double> p = signed_rank_null(3);  // sums of subsets of {1, 2, 3}
  REQUIRE(p.size() == 7);
  const double want[] = {1, 1, 1, 2, 1, 1, 1};
  for (std::size_t i = 0; i < 7; ++i) CHECK(p[i] == Approx(want[i] / 8));
  double total = 0;
  for (double x : signed_rank_null(20)) total += x;
  CHECK(total == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("holm: step-down adjusted p-values", "[data][statistics]") {
  const std::vector<double> h = holm({0.01, 0.04, 0.03, 0.5});
  // sorted 0.01, 0.03, 0.04, 0.5 -> 0.04, 0.09, 0.09 (monotone: max(0.08, 0.09)), 0.5
  CHECK(h[0] == Approx(0.04));
  CHECK(h[2] == Approx(0.09));
  CHECK(h[1] == Approx(0.09));
  CHECK(h[3] == Approx(0.5));
  const std::vector<double> n = holm({0.6, std::nan(""), 0.01});  // NaN is not a test: m = 2
  CHECK(n[2] == Approx(0.02));
  CHECK(n[0] == Approx(0.6));
  CHECK(std::isnan(n[1]));
  CHECK(holm({0.9, 0.8})[0] == 1.0);  // capped at 1
  CHECK_THROWS_WITH(holm({1.5}), Catch::Contains("not in [0, 1]"));
}

TEST_CASE("bootstrap_pcc: percentile interval on the library's resamples", "[data][statistics]") {
  std::vector<double> y, good, noisy;
  Rng rng(3);
  for (int i = 0; i < 300; ++i) {
    y.push_back(rng.normal());
    good.push_back(y.back() + 0.3 * rng.normal());
    noisy.push_back(y.back() + 3.0 * rng.normal());
  }
  const Interval a = bootstrap_pcc(good, y, 1, 500);
  CHECK(a.estimate == pearson(good, y));
  CHECK(a.resamples == 500);
  CHECK(a.lo < a.estimate);
  CHECK(a.estimate < a.hi);
  CHECK(a.hi - a.lo < 0.05);  // a tight interval for a strong correlation on 300 genes
  const Interval b = bootstrap_pcc(noisy, y, 1, 500);
  CHECK(b.hi - b.lo > 2 * (a.hi - a.lo));
  // deterministic for a seed, another seed other resamples
  const Interval a2 = bootstrap_pcc(good, y, 1, 500), a3 = bootstrap_pcc(good, y, 2, 500);
  CHECK(a2.lo == a.lo);
  CHECK(a2.hi == a.hi);
  CHECK(a3.lo != a.lo);
  // the resamples are bootstrap_indices': the same draws in the same order
  const auto idx = bootstrap_indices(300, 2, 1);
  Rng r(1);
  CHECK(idx[0][0] == static_cast<Index>(r.below(300)));
  // a perfect prediction: [1, 1]; a constant one: NaN and no defined resample
  const Interval p = bootstrap_pcc(y, y, 4, 100);
  CHECK(p.lo == Approx(1.0));
  CHECK(p.hi == Approx(1.0));
  const Interval c = bootstrap_pcc(std::vector<double>(300, 0.5), y, 4, 100);
  CHECK(std::isnan(c.estimate));
  CHECK(c.resamples == 0);
  CHECK(std::isnan(c.lo));
  CHECK_THROWS_WITH(bootstrap_pcc({1, 2}, {1, 2, 3}, 1), Catch::Contains("different lengths"));
  CHECK_THROWS(bootstrap_pcc(y, y, 1, 0));
}

TEST_CASE("paired_bootstrap_delta: both methods on the same resamples", "[data][statistics]") {
  std::vector<double> y, good, noisy;
  Rng rng(5);
  for (int i = 0; i < 400; ++i) {
    y.push_back(rng.normal());
    good.push_back(y.back() + 0.5 * rng.normal());
    noisy.push_back(y.back() + 2.0 * rng.normal());
  }
  const PairedDelta d = paired_bootstrap_delta(good, noisy, y, 9, 500);
  CHECK(d.delta == Approx(pearson(good, y) - pearson(noisy, y)));
  CHECK(d.lo > 0);  // clearly better
  CHECK(d.p == 0);
  const PairedDelta r = paired_bootstrap_delta(noisy, good, y, 9, 500);
  CHECK(r.hi < 0);
  CHECK(r.p == 1);
  CHECK(r.lo == Approx(-d.hi));  // the same resamples, the sign flipped
  // one method against itself: every resample's dPCC is 0, so p = 1 and the interval [0, 0]
  const PairedDelta s = paired_bootstrap_delta(good, good, y, 9, 200);
  CHECK(s.p == 1);
  CHECK(s.lo == 0);
  CHECK(s.hi == 0);
}
