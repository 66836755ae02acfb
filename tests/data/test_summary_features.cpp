// summary_features and summary_feature_names (data/summary_features.hpp): the baselines' inputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "deepdiff/data/summary_features.hpp"

using namespace deepdiff;

namespace {
// x[n, t, m] of an [N, T, M] block, filled by a rule so every entry is known.
std::vector<float> block(Index N, Index T, Index M, float (*rule)(Index, Index, Index)) {
  std::vector<float> x(static_cast<std::size_t>(N * T * M));
  for (Index n = 0; n < N; ++n)
    for (Index t = 0; t < T; ++t)
      for (Index m = 0; m < M; ++m) x[static_cast<std::size_t>((n * T + t) * M + m)] = rule(n, t, m);
  return x;
}
}  // namespace

TEST_CASE("summary features: log2(1 + window sum), blocks A, B, B-A, then mark, then window", "[data][baselines]") {
  // T = 20, W = 10: windows of 2 bins. A: count t + 1 in mark 0, 0 elsewhere; B: 3 everywhere
  // of gene 1, 1 everywhere of gene 0.
  const Index N = 2, T = 20, M = 2, W = 10, F = 3 * M * W;
  const std::vector<float> xa = block(N, T, M, [](Index, Index t, Index m) { return m == 0 ? float(t + 1) : 0.0f; });
  const std::vector<float> xb = block(N, T, M, [](Index n, Index, Index) { return n == 0 ? 1.0f : 3.0f; });
  const std::vector<double> f = summary_features(xa.data(), xb.data(), N, T, M, W);
  REQUIRE(f.size() == static_cast<std::size_t>(N * F));
  for (Index n = 0; n < N; ++n)
    for (Index w = 0; w < W; ++w) {
      const double sa0 = double(2 * w + 1) + double(2 * w + 2);  // bins 2w, 2w+1 hold 2w+1, 2w+2
      const double sb = n == 0 ? 2.0 : 6.0;
      const double* row = f.data() + n * F;
      CHECK(row[0 * W + w] == std::log2(1.0 + sa0));    // A, mark 0
      CHECK(row[1 * W + w] == 0.0);                     // A, mark 1: log2(1 + 0)
      CHECK(row[M * W + 0 * W + w] == std::log2(1.0 + sb));  // B, mark 0
      CHECK(row[M * W + 1 * W + w] == std::log2(1.0 + sb));  // B, mark 1
      CHECK(row[2 * M * W + 0 * W + w] == std::log2(1.0 + sb) - std::log2(1.0 + sa0));  // B - A
      CHECK(row[2 * M * W + 1 * W + w] == std::log2(1.0 + sb));
    }
  // a hand value: gene 0, A, mark 0, window 3 (bins 4, 5 hold 5 and 6): log2(12)
  CHECK(f[2] == Approx(std::log2(12.0)).epsilon(1e-15));
}

TEST_CASE("summary features: uneven windows cover every bin once, window w = bins w*T/W up to (w+1)*T/W", "[data][baselines]") {
  // T = 25, W = 10: window edges 0,2,5,7,10,12,15,17,20,22,25 (sizes 2,3,2,3,...).
  const Index T = 25, M = 1, W = 10;
  const std::vector<float> xa = block(1, T, M, [](Index, Index t, Index) { return float(1 << (t % 3)); });
  const std::vector<float> xb(static_cast<std::size_t>(T), 0.0f);
  const std::vector<double> f = summary_features(xa.data(), xb.data(), 1, T, M, W);
  double covered = 0;
  const Index edges[11] = {0, 2, 5, 7, 10, 12, 15, 17, 20, 22, 25};
  for (Index w = 0; w < W; ++w) {
    double s = 0;
    for (Index t = edges[w]; t < edges[w + 1]; ++t) s += double(1 << (t % 3));
    CHECK(f[static_cast<std::size_t>(w)] == std::log2(1.0 + s));
    covered += std::exp2(f[static_cast<std::size_t>(w)]) - 1.0;
    CHECK(f[static_cast<std::size_t>(W + w)] == 0.0);
  }
  double total = 0;
  for (float v : xa) total += v;
  CHECK(covered == Approx(total).epsilon(1e-12));
  // T = W: one bin per window
  const std::vector<double> g = summary_features(xa.data(), xb.data(), 1, 10, 1, 10);
  for (Index w = 0; w < 10; ++w) CHECK(g[static_cast<std::size_t>(w)] == std::log2(1.0 + double(1 << (w % 3))));
}

TEST_CASE("summary features: bad sizes and counts are refused", "[data][baselines]") {
  const std::vector<float> x(40, 1.0f);
  CHECK_THROWS_AS(summary_features(x.data(), x.data(), 1, 8, 5, 10), std::invalid_argument);  // T < W
  CHECK_THROWS_AS(summary_features(x.data(), x.data(), 1, 8, 5, 0), std::invalid_argument);
  CHECK(summary_features(x.data(), x.data(), 0, 20, 2, 10).empty());
  std::vector<float> bad(40, 0.0f);
  bad[3] = -2.0f;  // log2(1 - 2) is undefined
  CHECK_THROWS_WITH(summary_features(bad.data(), x.data(), 1, 20, 2, 10), Catch::Contains("gene 0, cell A, mark 1"));
  bad[3] = std::nanf("");
  CHECK_THROWS_AS(summary_features(x.data(), bad.data(), 1, 20, 2, 10), std::invalid_argument);
}

TEST_CASE("summary feature names: the spec's order, histone names for the five public marks", "[data][baselines]") {
  const std::vector<std::string> n = summary_feature_names(5, 10);
  REQUIRE(n.size() == 150);
  CHECK(n[0] == "A.H3K4me1.w1");
  CHECK(n[9] == "A.H3K4me1.w10");
  CHECK(n[10] == "A.H3K4me3.w1");
  CHECK(n[49] == "A.H3K36me3.w10");
  CHECK(n[50] == "B.H3K4me1.w1");
  CHECK(n[100] == "B-A.H3K4me1.w1");
  CHECK(n[149] == "B-A.H3K36me3.w10");
  const std::vector<std::string> m = summary_feature_names(2, 3);
  CHECK(m == std::vector<std::string>{"A.mark1.w1", "A.mark1.w2", "A.mark1.w3", "A.mark2.w1", "A.mark2.w2",
                                      "A.mark2.w3", "B.mark1.w1", "B.mark1.w2", "B.mark1.w3", "B.mark2.w1",
                                      "B.mark2.w2", "B.mark2.w3", "B-A.mark1.w1", "B-A.mark1.w2", "B-A.mark1.w3",
                                      "B-A.mark2.w1", "B-A.mark2.w2", "B-A.mark2.w3"});
  CHECK(static_cast<Index>(m.size()) == summary_feature_count(2, 3));
}
