// Tests of include/deepdiff/data/explanation_scores.hpp: AUROC against a brute-force count of
// pairs, and the scores of explanations whose answer is known: the truth itself (1), noise
// (0.5), the truth upside down (0).
#include <catch2/catch.hpp>

#include <deepdiff/data/explanation_scores.hpp>
#include <deepdiff/tensor/random.hpp>

#include <cmath>
#include <vector>

using namespace deepdiff;

namespace {

// P(positive > negative) + P(tie) / 2 over all pairs, the definition.
double auroc_pairs(const std::vector<double>& s, const std::vector<int>& l) {
  double wins = 0, pairs = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j)
      if (l[i] && !l[j]) {
        pairs += 1;
        wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
      }
  return wins / pairs;
}

constexpr Index kMarks = 5, kBins = 200;

// A gene of the synthetic truth: H3K9me3 noise, H3K4me3 planted in bins 90..110 in A and
// `b_first`..b_first+20 in B.
PlantedGene planted(Index b_first) {
  PlantedGene p;
  p.informative = {1, 1, 0, 1, 1};
  p.bins = {{1, 0, 90, 110}, {1, 1, b_first, b_first + 20}};
  return p;
}

// An explanation that is the truth (`sign` 1), its opposite (-1) or noise (0).
GeneExplanation explain(const PlantedGene& p, int sign, Rng& rng) {
  GeneExplanation e;
  for (Index m = 0; m < kMarks; ++m)
    e.marks.push_back(sign == 0 ? rng.uniform() : sign * (p.informative[static_cast<std::size_t>(m)] ? 2.0 + m : 1.0));
  e.bins.resize(2 * kMarks);
  for (const PlantedBins& r : p.bins) {
    std::vector<double>& v = e.bins[static_cast<std::size_t>(r.cell * kMarks + r.mark)];
    for (Index t = 1; t <= kBins; ++t)
      v.push_back(sign == 0 ? rng.uniform() : sign * (t >= r.first_bin && t <= r.last_bin ? 1.0 : 0.1));
  }
  return e;
}

}  // namespace

TEST_CASE("auroc: equals the pair count on random data with ties", "[data][explanation]") {
  Rng rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 2 + rng.below(40);
    std::vector<double> s(n);
    std::vector<int> l(n);
    for (std::size_t i = 0; i < n; ++i) {
      // few distinct values, so that ties across and within the classes are common
      s[i] = trial % 2 ? std::floor(rng.uniform(0, 4)) : rng.normal();
      l[i] = rng.uniform() < 0.4 ? 1 : 0;
    }
    l[0] = 1;  // both classes
    l[1] = 0;
    INFO("trial " << trial << ", n " << n);
    CHECK(auroc(s, l) == Approx(auroc_pairs(s, l)).margin(1e-12));
  }
}

TEST_CASE("auroc: perfect, inverted, ties, an empty class and NaN", "[data][explanation]") {
  CHECK(auroc({0.1, 0.2, 0.9, 0.8}, {0, 0, 1, 1}) == 1.0);
  CHECK(auroc({0.9, 0.8, 0.1, 0.2}, {0, 0, 1, 1}) == 0.0);
  CHECK(auroc({1, 1, 1, 1}, {0, 1, 0, 1}) == 0.5);         // all tied: chance
  CHECK(auroc({0, 1, 1, 2}, {0, 1, 0, 1}) == 0.875);       // pairs: (1>0) (1=1: 1/2) (2>0) (2>1) = 3.5 / 4
  CHECK(auroc({3, 1, 2}, {1, 0, 0}) == 1.0);
  CHECK(auroc({3, 1, 2}, {7, 0, 0}) == 1.0);               // any nonzero label is positive
  CHECK(std::isnan(auroc({1, 2, 3}, {1, 1, 1})));          // no negative
  CHECK(std::isnan(auroc({1, 2, 3}, {0, 0, 0})));          // no positive
  CHECK(std::isnan(auroc({}, {})));
  CHECK(std::isnan(auroc({1, std::nan(""), 3}, {1, 0, 0})));
  CHECK_THROWS_AS(auroc({1, 2}, {1}), std::invalid_argument);
}

TEST_CASE("importance_ranks: 1 is the most important, ties share the mean rank", "[data][explanation]") {
  CHECK(importance_ranks({0.5, 3, 1, 1, 0}) == std::vector<double>{4, 1, 2.5, 2.5, 5});
  CHECK(importance_ranks({2, 2, 2}) == std::vector<double>{2, 2, 2});
}

TEST_CASE("score_explanations: the truth scores 1, noise about 0.5, the inverted truth 0", "[data][explanation]") {
  const Index genes = 4000;
  std::vector<PlantedGene> truth;
  for (Index g = 0; g < genes; ++g) truth.push_back(planted(g % 2 ? 90 : 120));
  Rng rng(17);
  std::vector<GeneExplanation> perfect, noise, inverted;
  for (const PlantedGene& p : truth) {
    perfect.push_back(explain(p, 1, rng));
    noise.push_back(explain(p, 0, rng));
    inverted.push_back(explain(p, -1, rng));
  }
  const ExplanationScores a = score_explanations(truth, perfect);
  CHECK(a.mark_auroc.mean == 1.0);
  CHECK(a.mark_auroc.sd == 0.0);
  CHECK(a.mark_auroc.genes == genes);
  CHECK(a.bin_auroc.mean == 1.0);
  CHECK(a.bin_auroc.genes == genes);
  REQUIRE(a.noise_rank.size() == 5);
  CHECK(a.noise_rank[2].mean == 5.0);  // H3K9me3 last
  CHECK(a.noise_rank[2].genes == genes);
  CHECK(a.noise_rank[0].genes == 0);   // H3K4me1 is never noise
  CHECK(std::isnan(a.noise_rank[0].mean));

  // Noise: per gene the mark AUROC is one of 0, 1/4 .. 1 (sd 0.35), the bin AUROC has sd about
  // 0.07, the rank sd 1.4; over 4,000 genes the means' sds are 0.006, 0.001 and 0.02, so these
  // tolerances are over 5 sd (and the seed is fixed).
  const ExplanationScores n = score_explanations(truth, noise);
  CHECK(n.mark_auroc.mean == Approx(0.5).margin(0.03));
  CHECK(n.mark_auroc.sd == Approx(0.35).margin(0.03));
  CHECK(n.bin_auroc.mean == Approx(0.5).margin(0.01));
  CHECK(n.noise_rank[2].mean == Approx(3.0).margin(0.12));

  const ExplanationScores z = score_explanations(truth, inverted);
  CHECK(z.mark_auroc.mean == 0.0);
  CHECK(z.bin_auroc.mean == 0.0);
  CHECK(z.noise_rank[2].mean == 1.0);
}

TEST_CASE("score_explanations: parts a method lacks, and genes without a score, are left out", "[data][explanation]") {
  Rng rng(3);
  std::vector<PlantedGene> truth = {planted(90), planted(90), planted(90)};
  std::vector<GeneExplanation> e = {explain(truth[0], 1, rng), explain(truth[1], -1, rng), explain(truth[2], 1, rng)};
  e[0].bins.clear();                       // like beta: marks only
  e[1].marks.clear();                      // like alpha: bins only
  e[2].bins[static_cast<std::size_t>(kMarks + 1)].clear();  // cell B's H3K4me3 not explained: cell A's alone
  truth[2].informative = {1, 1, 1, 1, 1};  // no noise mark: no mark AUROC, no rank
  const ExplanationScores s = score_explanations(truth, e);
  CHECK(s.mark_auroc.genes == 1);  // gene 0
  CHECK(s.mark_auroc.mean == 1.0);
  CHECK(std::isnan(s.mark_auroc.sd));  // one gene has no sd
  CHECK(std::isnan(s.gene_mark_auroc[1]));
  CHECK(std::isnan(s.gene_mark_auroc[2]));
  CHECK(s.bin_auroc.genes == 2);  // genes 1 (0) and 2 (1)
  CHECK(s.bin_auroc.mean == 0.5);
  CHECK(s.gene_bin_auroc[1] == 0.0);
  CHECK(s.gene_bin_auroc[2] == 1.0);
  CHECK(s.noise_rank[2].genes == 1);

  // a range covering every bin has no negatives: no bin AUROC
  PlantedGene all = planted(90);
  all.bins = {{1, 0, 1, kBins}};
  CHECK(std::isnan(gene_bin_auroc(all, explain(planted(90), 1, rng))));
  // a range past the explanation's bins is the caller's mismatch
  PlantedGene past = planted(90);
  past.bins = {{1, 0, 190, kBins + 1}};
  CHECK_THROWS_AS(gene_bin_auroc(past, explain(planted(90), 1, rng)), std::invalid_argument);
  GeneExplanation four;
  four.marks = {1, 2, 3, 4};
  CHECK_THROWS_AS(gene_mark_auroc(planted(90), four), std::invalid_argument);
  CHECK_THROWS_AS(score_explanations(truth, {}), std::invalid_argument);
}

TEST_CASE("summarize: mean and sample sd of the finite values", "[data][explanation]") {
  const ScoreSummary s = summarize({1, 2, std::nan(""), 3});
  CHECK(s.genes == 3);
  CHECK(s.mean == 2.0);
  CHECK(s.sd == 1.0);
  CHECK(summarize({}).genes == 0);
  CHECK(std::isnan(summarize({}).mean));
}
