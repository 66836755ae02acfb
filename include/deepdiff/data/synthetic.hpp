// Synthetic data in the public CSV format, with a planted answer (spec, "A synthetic
// stand-in with a known answer"). Two rules, chosen by SynthConfig::rule.
//
// ## Rule `additive` (the default)
// Generative model, per gene g and cell c in {A, B} (u = bin position relative to the TSS,
// in 100-bp bins, positive downstream; the TSS sits at the centre of the window):
//
//   base_g ~ N(0, 1)                           shared activity of the gene in both cells
//   delta_g = effect * (+-U(1.2, 2.6))         with probability 0.4 (a switched gene),
//           = effect * N(0, 0.25)              otherwise
//   s_gc = base_g -+ delta_g / 2               latent regulatory state (A: minus, B: plus)
//   p_gc = logistic(1.6 s + 0.3)               promoter activity
//   q_gc = logistic(-2 s - 1.5)                Polycomb repression (high when the state is low)
//   log2(mean expression + 1) = 2 + 11 p - 2.5 q + N(0, 0.3);  e ~ Poisson(mean expression)
//
// so y = log2((eB+1)/(eA+1)) ~ 11 (pB - pA) - 2.5 (qB - qA): monotone in the promoter
// marks, and inverse in H3K27me3. Mark means per bin (x a per-gene, per-mark mappability
// factor shared by both cells, x a per-cell, per-mark sequencing depth):
//
//   H3K4me1  (0)  1.6 + 4.5 p flank(u)          flank: bumps at |u| = 12, sd 6 (enhancers either side)
//   H3K4me3  (1)  0.6 + 28 p^1.5 peak(u)        peak: Gaussian at u = +1.5, sd 5 (the +1 nucleosome)
//   H3K9me3  (2)  own random level per gene and cell, plus occasional random domains:
//                 independent of the state, i.e. pure noise for the task
//   H3K27me3 (3)  0.7 + 9 q broad(u)            broad: Gaussian at 0, sd 45 bins
//   H3K36me3 (4)  0.8 + 7 p body(u)             body: 0 upstream, rising over 8 bins after the
//                                               TSS, decaying over the gene length (30..150 bins)
//
// One latent state drives every informative mark, so y is nearly linear in windowed sums: a
// ridge regression on the spec's 150 summary features (log2(1 + sums over 10 windows of 20
// bins) of A, B and B - A) reaches test PCC 0.986 against a noise ceiling of 0.990 (3,000 genes,
// seed 1), a gradient-boosted model 0.985: on this rule no model can do much better than a linear one.
//
// ## Rule `combinatorial`
// Expression depends on a combination of marks and on where the H3K4me3 peak sits, so a
// model must see both marks together, bin by bin. Three latent values per gene and cell:
//
//   h: promoter mark level   a_g ~ N(0, 1.3);   h_gc = logistic(1.8 (a_g -+ dh_g / 2) - 1)
//   r: Polycomb level        b_g ~ N(0.5, 1.3); r_gc = logistic(1.8 (b_g -+ dr_g / 2))
//      dh, dr independent: effect * (+-U(1.5, 4)) with probability 0.6, else effect * N(0, 0.3)
//   c: H3K4me3 peak centre   +3 (200-300 bp downstream of the TSS: the +1 nucleosome) with
//                            probability 0.5 in each cell independently, else displaced
//                            downstream by U(9, 14) bins (an intragenic peak ~1.2 kb in)
//   efficacy  eff_gc = exp(-(c - 3)^2 / (2 * 3^2))   1 at the +1 nucleosome, < 0.011 displaced
//   log2(mean expression + 1) = 1 + 11 h eff (1 - r) + N(0, 0.3);  e ~ Poisson(mean expression)
//
// i.e. an active promoter drives expression only where it sits at the +1 nucleosome AND
// Polycomb is low in the same cell: a bivalent promoter (high H3K4me3 and high H3K27me3)
// stays silent, and so does a high H3K4me3 peak in the gene body. h and r are drawn
// independently, so a gain of H3K4me3 raises y in one gene and nothing in another. Marks:
//
//   H3K4me1  (0)  1.6 + 4.5 h flank(u)          as above, with h for p
//   H3K4me3  (1)  0.6 + 28 h^1.5 peak_c(u)      peak_c: Gaussian at u = c, sd 2.5
//   H3K9me3  (2)  as above: pure noise
//   H3K27me3 (3)  0.7 + 9 r broad(u)            as above, with r for q
//   H3K36me3 (4)  0.8 + 7 h body(u)             as above, with h for p
//
// H3K4me1 and H3K36me3 follow the promoter's mark level h, not its output, so they echo
// H3K4me3 and carry no readout of the interaction. Both peak centres lie in the same 2-kb
// window (bins 101..120, u in [0, 20]); only ~12% of the +1 peak spills into the window
// upstream, so windowed sums see the position only partly, while a model that reads the 200
// bins sees it. Measured on `deepdiff synth --rule combinatorial --genes 3000` (seeds 1, 2, 3),
// test PCC on the 150 summary features: ridge (spec's lambda choice) 0.630, 0.566, 0.630;
// sklearn HistGradientBoostingRegressor (depth 6, rate 0.05, early stop on valid) 0.837, 0.794,
// 0.822; noise ceiling (test) 0.949, 0.932, 0.954; |y| >= 2 for 31%, 30%, 32% of split genes.
//
// ## Noise ceiling (both rules)
// Given the latent values, y is random only through the expression noise N(0, 0.3) and the
// Poisson draw, so the best any model of the marks can do is E[y | latent] =
// E[log2(eB + 1)] - E[log2(eA + 1)]; each term is computed here by quadrature over the normal
// noise and an exact Poisson sum (expected_log2_count). The PCC of y with it on a split's
// genes is that split's noise ceiling (SynthSummary::noise_ceiling, truth.md); a model sees
// the latent values only through noisy counts, so it stays below.
//
// ## Noise marks (both rules)
// SynthConfig::noise_marks = N (1..4) makes the first N marks of synthetic_noise_order() pure
// noise: H3K9me3, then H3K4me1, H3K36me3, H3K27me3. A noise mark is drawn like H3K9me3 (its
// own level per gene and cell, sometimes a domain), independent of the latent values; y is
// unchanged, it only loses marks that report it. The order removes the echoes of the promoter
// level (H3K4me1, H3K36me3) before the repressive mark, and never H3K4me3, so a peaked mark
// with planted bins always exists. N = 1 is the data as it always was: the extra noise marks
// come from a stream of their own per gene, so the main stream, and every count file of N = 1,
// is byte for byte what it was before the option existed.
//
// ## What a scorer of explanations reads
// truth_marks.csv   gene_id, H3K4me1, H3K4me3, H3K9me3, H3K27me3, H3K36me3: 1 = informative
//                   (depends on the latent state), 0 = noise; one row per gene of the splits.
// truth_bins.csv    gene_id, mark, cell (A or B), first_bin, last_bin: the 1-based inclusive
//                   bins where the peaked mark (H3K4me3) was planted in that gene and cell, the
//                   profile >= 10% of its maximum (as synthetic_tss_bins). Under `combinatorial`
//                   that gene's own centre per cell, displaced peaks included (they are planted
//                   there, even if they drive nothing); a peak outside the window has no row.
// data/explanation_scores.hpp scores attention and attributions against them.
//
// Counts ~ NegativeBinomial(mean, size 6): sparse, overdispersed, mostly 0..30 as in the
// public sample. The expression tables also list genes in no split (as the real ones do).
// Everything is drawn from deepdiff::Rng, one stream per gene, so a seed gives the same
// files on every machine.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "deepdiff/data/marks.hpp"
#include "deepdiff/data/metrics.hpp"
#include "deepdiff/data/sampling.hpp"
#include "deepdiff/io/atomic_file.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/tensor/random.hpp"
#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

// Which generative model write_synthetic plants (header comment): `additive` makes y nearly a
// linear function of windowed sums; `combinatorial` needs marks combined and peak positions.
enum class SynthRule { additive, combinatorial };

inline std::vector<SynthRule> all_synth_rules() { return {SynthRule::additive, SynthRule::combinatorial}; }

inline std::string synth_rule_name(SynthRule r) {
  switch (r) {
    case SynthRule::additive: return "additive";
    case SynthRule::combinatorial: return "combinatorial";
  }
  throw std::invalid_argument("synth_rule_name: not a SynthRule");
}

// "additive" or "combinatorial"; anything else throws, naming the known rules.
inline SynthRule parse_synth_rule(const std::string& s) {
  std::string known;
  for (SynthRule r : all_synth_rules()) {
    if (synth_rule_name(r) == s) return r;
    known += (known.empty() ? "" : " or ") + synth_rule_name(r);
  }
  throw std::invalid_argument("unknown synthetic rule '" + s + "' (expected " + known + ")");
}

struct SynthConfig {
  Index genes = 1000;
  Index bins = 200;
  std::uint64_t seed = 1;
  double train_fraction = 0.6, valid_fraction = 0.2;  // the rest is test
  std::string cell1 = "Cell1", cell2 = "Cell2";
  double effect = 1.0;  // strength of the planted differential effect, so different pairs can differ
  SynthRule rule = SynthRule::additive;  // the generative model (header comment)
  int noise_marks = 1;  // 1..4 marks of pure noise, the first of synthetic_noise_order() (header comment)
};

// The order in which marks become noise as SynthConfig::noise_marks grows (header comment).
inline const std::vector<Index>& synthetic_noise_order() {
  static const std::vector<Index> order = {mark::H3K9me3, mark::H3K4me1, mark::H3K36me3, mark::H3K27me3};
  return order;
}

// Per mark (column order): 1 when it depends on the latent state, 0 when it is noise.
inline std::vector<int> synthetic_informative_marks(int noise_marks) {
  if (noise_marks < 1 || noise_marks > static_cast<int>(synthetic_noise_order().size()))
    throw std::invalid_argument("synthetic_informative_marks: noise_marks must be in 1..4 (got " +
                                std::to_string(noise_marks) + ")");
  std::vector<int> informative(static_cast<std::size_t>(mark::count), 1);
  for (int k = 0; k < noise_marks; ++k) {
    const Index m = synthetic_noise_order()[static_cast<std::size_t>(k)];
    informative[static_cast<std::size_t>(m)] = 0;
  }
  return informative;
}

struct SynthSummary {
  Index train = 0, valid = 0, test = 0;  // genes per split
  std::vector<std::string> files;        // every file written
  std::string truth;                     // the text of truth.md: what was planted
  Index tss_first_bin = 0, tss_last_bin = 0;  // 1-based, inclusive: where H3K4me3 carries the signal
  double fraction_differential = 0;      // genes of the splits with |y| >= 2
  SynthRule rule = SynthRule::additive;
  int noise_marks = 1;
  // Per split (train, valid, test): PCC of y with E[y | latent], the best a perfect model could reach.
  double noise_ceiling[3] = {0, 0, 0};
};

namespace synth_detail {

// Generator constants (see the header comment); named so truth.md can print them.
constexpr double kSwitchProbability = 0.4;
constexpr double kExprIntercept = 2.0, kExprPromoter = 11.0, kExprRepression = 2.5, kExprNoise = 0.3;
constexpr double kNbSize = 6.0;
constexpr double kPeakCentre = 1.5, kPeakSd = 5.0;
constexpr double kFlankAt = 12.0, kFlankSd = 6.0;
constexpr double kBroadSd = 45.0;
constexpr double kInformativeFraction = 0.1;  // the TSS range: where peak(u) >= 10% of its maximum

// Rule `combinatorial` (header comment).
constexpr double kCombSwitchProbability = 0.6;          // per gene, for dh and dr independently
constexpr double kCombSwitchLo = 1.5, kCombSwitchHi = 4.0, kCombNoSwitchSd = 0.3;
constexpr double kCombLevelSd = 1.3, kCombRepressionMean = 0.5;
constexpr double kCombSlope = 1.8, kCombPromoterShift = -1.0;
constexpr double kCombPeakCentre = 3.0, kCombPeakSd = 2.5;  // the +1 nucleosome, 200-300 bp downstream
constexpr double kCombDisplacedProbability = 0.5;         // per gene and cell
constexpr double kCombDisplaceLo = 9.0, kCombDisplaceHi = 14.0;  // bins downstream of the +1 site
constexpr double kCombEfficacySd = 3.0;
constexpr double kCombIntercept = 1.0, kCombGain = 11.0;

inline double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Position of 0-based bin t relative to the TSS, in bins (the TSS is the window's centre).
inline double position(Index t, Index bins) { return static_cast<double>(t) + 0.5 - 0.5 * static_cast<double>(bins); }

inline double peak(double u) { return std::exp(-0.5 * (u - kPeakCentre) * (u - kPeakCentre) / (kPeakSd * kPeakSd)); }
inline double comb_peak(double u, double centre) {
  return std::exp(-0.5 * (u - centre) * (u - centre) / (kCombPeakSd * kCombPeakSd));
}
// How much a peak centred at `centre` drives transcription: a Gaussian in its distance from the +1 site.
inline double comb_efficacy(double centre) {
  const double d = (centre - kCombPeakCentre) / kCombEfficacySd;
  return std::exp(-0.5 * d * d);
}
inline double flank(double u) {
  const double d = std::fabs(u) - kFlankAt;
  return std::exp(-0.5 * d * d / (kFlankSd * kFlankSd));
}
inline double broad(double u) { return std::exp(-0.5 * u * u / (kBroadSd * kBroadSd)); }
inline double body(double u, double gene_length) {
  if (u <= 0) return 0.0;
  return (1.0 - std::exp(-u / 8.0)) * std::exp(-u / gene_length);
}

// An independent, well-mixed stream per (seed, gene): genes do not depend on each other,
// so changing the gene count leaves the first genes as they were.
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct GeneTruth {
  std::string id, symbol, split;
  // rule additive: the latent state and what it sets
  double base = 0, delta = 0, state[2] = {0, 0}, promoter[2] = {0, 0}, repression[2] = {0, 0};
  // rule combinatorial: promoter mark level, Polycomb level, H3K4me3 peak centre (bins from the
  // TSS) and its efficacy, per cell
  double level[2] = {0, 0}, polycomb[2] = {0, 0}, centre[2] = {0, 0}, efficacy[2] = {0, 0};
  double clean_log2_mean[2] = {0, 0};  // log2(mean expression + 1) before the N(0, 0.3) noise
  double log2_mean[2] = {0, 0};        // planted log2(mean expression + 1), noise included
  double expected_y = 0;               // E[y | latent]: the noise-free part of y
  double gene_length = 0;
  std::uint64_t expr[2] = {0, 0};
  double y() const {
    return std::log2((static_cast<double>(expr[1]) + 1.0) / (static_cast<double>(expr[0]) + 1.0));
  }
};

// E[log2(X + 1)] for X ~ Poisson(lambda). Exact sum of the pmf for lambda <= 40 (out to
// lambda + 12 sd + 15, where the tail is below 1e-30); above, the fourth-order moment expansion
// of g(x) = log2(x + 1) around lambda: E g = g + g'' m2/2 + g''' m3/6 + g'''' m4/24 with the
// Poisson central moments m2 = m3 = lambda, m4 = 3 lambda^2 + lambda and g^(k) =
// (-1)^(k+1) (k-1)! / ((x+1)^k ln 2); the next term is O(lambda^-3), below 1e-5 at lambda = 40.
inline double expected_log2_count(double lambda) {
  if (!(lambda > 0)) return 0.0;
  if (lambda <= 40.0) {
    const int last = static_cast<int>(lambda + 12.0 * std::sqrt(lambda) + 15.0);
    double pmf = std::exp(-lambda), sum = 0;
    for (int k = 0; k <= last; ++k) {
      sum += pmf * std::log2(static_cast<double>(k) + 1.0);
      pmf *= lambda / static_cast<double>(k + 1);
    }
    return sum;
  }
  const double a = lambda + 1.0, a2 = a * a;
  return std::log2(a) + (-lambda / (2.0 * a2) + lambda / (3.0 * a2 * a) -
                         (3.0 * lambda * lambda + lambda) / (4.0 * a2 * a2)) / std::log(2.0);
}

// E[log2(e + 1)] for e ~ Poisson(2^(m + sd Z) - 1), Z ~ N(0, 1): the trapezoid rule over
// z in [-6, 6] (step 0.25), which for a smooth integrand times the normal density is accurate
// far beyond the Poisson sum's; the weights are renormalized to sum to 1.
inline double expected_log2_expression(double clean_log2_mean, double sd) {
  double sum = 0, wsum = 0;
  for (int i = -24; i <= 24; ++i) {
    const double z = 0.25 * i, w = std::exp(-0.5 * z * z);
    sum += w * expected_log2_count(std::max(0.0, std::exp2(clean_log2_mean + sd * z) - 1.0));
    wsum += w;
  }
  return sum / wsum;
}

inline std::string gene_id(Index g) {
  char b[32];
  std::snprintf(b, sizeof b, "ENSGSYN%07lld", static_cast<long long>(g + 1));
  return b;
}

// A noise mark's mean in one cell: a level of its own (log-normal around 1.2) and, 15% of the
// time, a domain of random place, length (10..80 bins) and height (2..6), drawn without
// looking at the latent values.
struct NoiseProfile {
  double level = 0, from = 0, length = 0, height = 0;
  bool domain = false;
  double mean(double bin) const { return level + (domain && bin >= from && bin < from + length ? height : 0.0); }
};

// The draws, in the order H3K9me3 always took them (the files of a seed depend on it).
inline NoiseProfile draw_noise_profile(Rng& rng, Index T) {
  NoiseProfile p;
  p.level = 1.2 * std::exp(0.45 * rng.normal());
  p.domain = rng.uniform() < 0.15;
  p.from = rng.uniform(0.0, static_cast<double>(T));
  p.length = rng.uniform(10.0, 80.0);
  p.height = rng.uniform(2.0, 6.0);
  return p;
}

// The stream of the noise marks past H3K9me3 (noise_marks > 1) of gene g: apart from the
// gene's main stream, so that those draws leave every count of noise_marks = 1 as it was.
inline std::uint64_t noise_stream(std::uint64_t seed, Index g) {
  return mix(mix(seed, 0x0153DA7Aull), static_cast<std::uint64_t>(g));
}

// One cell's [T, M] counts: H3K9me3 is drawn here from `rng` (a level and maybe a domain of its
// own, without looking at the latent values), the other noise marks of cfg.noise_marks from
// `noise_rng`; `informative(u, mean)` fills the other marks' means at bin position u (its value
// for a mark that is noise is overwritten). The draw order is fixed, so a seed gives the same
// counts.
template <class Informative>
void draw_marks(Rng& rng, Rng& noise_rng, int noise_marks, Index T, const double mappability[mark::count],
                const double depth[mark::count], Informative informative, std::vector<std::uint32_t>& out) {
  const Index M = mark::count;
  const std::vector<Index>& order = synthetic_noise_order();
  NoiseProfile noise[mark::count];
  noise[mark::H3K9me3] = draw_noise_profile(rng, T);
  for (int k = 1; k < noise_marks; ++k) noise[order[static_cast<std::size_t>(k)]] = draw_noise_profile(noise_rng, T);
  out.assign(static_cast<std::size_t>(T * M), 0);
  for (Index b = 0; b < T; ++b) {
    const double u = position(b, T);
    double mean[mark::count];
    informative(u, mean);
    const double tb = static_cast<double>(b);
    for (int k = 0; k < noise_marks; ++k) {
      const Index m = order[static_cast<std::size_t>(k)];
      mean[m] = noise[m].mean(tb);
    }
    for (Index m = 0; m < M; ++m)
      out[static_cast<std::size_t>(b * M + m)] = static_cast<std::uint32_t>(
          sample_negative_binomial(rng, mean[m] * mappability[m] * depth[m], kNbSize));
  }
}

// Rule additive: gene g's latent state and expression; `marks_out[c]` gets its [T, M] counts
// when non-null (genes that are only in the expression tables need no marks).
inline GeneTruth draw_gene_additive(const SynthConfig& cfg, Index g, const double depth[2][mark::count],
                                    std::vector<std::uint32_t>* marks_out) {
  Rng rng(mix(cfg.seed, static_cast<std::uint64_t>(g)));
  GeneTruth t;
  t.id = gene_id(g);
  t.symbol = "SYN" + std::to_string(g + 1);
  t.base = rng.normal();
  if (rng.uniform() < kSwitchProbability) {
    const double sign = rng.uniform() < 0.5 ? -1.0 : 1.0;
    t.delta = cfg.effect * sign * rng.uniform(1.2, 2.6);
  } else {
    t.delta = cfg.effect * 0.25 * rng.normal();
  }
  t.gene_length = rng.uniform(30.0, 150.0);
  double mappability[mark::count];
  for (double& m : mappability) m = std::exp(0.2 * rng.normal());
  for (int c = 0; c < 2; ++c) {
    t.state[c] = t.base + (c == 0 ? -0.5 : 0.5) * t.delta;
    t.promoter[c] = logistic(1.6 * t.state[c] + 0.3);
    t.repression[c] = logistic(-2.0 * t.state[c] - 1.5);
    t.clean_log2_mean[c] = kExprIntercept + kExprPromoter * t.promoter[c] - kExprRepression * t.repression[c];
    t.log2_mean[c] = t.clean_log2_mean[c] + kExprNoise * rng.normal();
    t.expr[c] = sample_poisson(rng, std::max(0.0, std::exp2(t.log2_mean[c]) - 1.0));
  }
  if (!marks_out) return t;

  Rng noise_rng(noise_stream(cfg.seed, g));
  for (int c = 0; c < 2; ++c) {
    const double p = t.promoter[c], q = t.repression[c];
    draw_marks(rng, noise_rng, cfg.noise_marks, cfg.bins, mappability, depth[c], [&](double u, double* mean) {
      mean[mark::H3K4me1] = 1.6 + 4.5 * p * flank(u);
      mean[mark::H3K4me3] = 0.6 + 28.0 * std::pow(p, 1.5) * peak(u);
      mean[mark::H3K27me3] = 0.7 + 9.0 * q * broad(u);
      mean[mark::H3K36me3] = 0.8 + 7.0 * p * body(u, t.gene_length);
    }, marks_out[c]);
  }
  return t;
}

// Rule combinatorial (header comment): same stream layout, its own latent values.
inline GeneTruth draw_gene_combinatorial(const SynthConfig& cfg, Index g, const double depth[2][mark::count],
                                         std::vector<std::uint32_t>* marks_out) {
  Rng rng(mix(cfg.seed, static_cast<std::uint64_t>(g)));
  GeneTruth t;
  t.id = gene_id(g);
  t.symbol = "SYN" + std::to_string(g + 1);
  // A switch: effect * (+-U(lo, hi)) with probability kCombSwitchProbability, else a small jitter.
  auto change = [&] {
    if (rng.uniform() < kCombSwitchProbability) {
      const double sign = rng.uniform() < 0.5 ? -1.0 : 1.0;
      return cfg.effect * sign * rng.uniform(kCombSwitchLo, kCombSwitchHi);
    }
    return cfg.effect * kCombNoSwitchSd * rng.normal();
  };
  const double a = kCombLevelSd * rng.normal(), dh = change();
  const double b = kCombRepressionMean + kCombLevelSd * rng.normal(), dr = change();
  t.gene_length = rng.uniform(30.0, 150.0);
  double mappability[mark::count];
  for (double& m : mappability) m = std::exp(0.2 * rng.normal());
  for (int c = 0; c < 2; ++c) {
    const double side = c == 0 ? -0.5 : 0.5;
    t.level[c] = logistic(kCombSlope * (a + side * dh) + kCombPromoterShift);
    t.polycomb[c] = logistic(kCombSlope * (b + side * dr));
    t.centre[c] = kCombPeakCentre;
    if (rng.uniform() < kCombDisplacedProbability) t.centre[c] += rng.uniform(kCombDisplaceLo, kCombDisplaceHi);
    t.efficacy[c] = comb_efficacy(t.centre[c]);
    // The interaction: h counts only at the +1 site (eff) and only without Polycomb (1 - r).
    t.clean_log2_mean[c] = kCombIntercept + kCombGain * t.level[c] * t.efficacy[c] * (1.0 - t.polycomb[c]);
    t.log2_mean[c] = t.clean_log2_mean[c] + kExprNoise * rng.normal();
    t.expr[c] = sample_poisson(rng, std::max(0.0, std::exp2(t.log2_mean[c]) - 1.0));
  }
  if (!marks_out) return t;

  Rng noise_rng(noise_stream(cfg.seed, g));
  for (int c = 0; c < 2; ++c) {
    const double h = t.level[c], r = t.polycomb[c], centre = t.centre[c];
    draw_marks(rng, noise_rng, cfg.noise_marks, cfg.bins, mappability, depth[c], [&](double u, double* mean) {
      mean[mark::H3K4me1] = 1.6 + 4.5 * h * flank(u);
      mean[mark::H3K4me3] = 0.6 + 28.0 * std::pow(h, 1.5) * comb_peak(u, centre);
      mean[mark::H3K27me3] = 0.7 + 9.0 * r * broad(u);
      mean[mark::H3K36me3] = 0.8 + 7.0 * h * body(u, t.gene_length);
    }, marks_out[c]);
  }
  return t;
}

// Gene g under cfg.rule, with its noise-free part E[y | latent].
inline GeneTruth draw_gene(const SynthConfig& cfg, Index g, const double depth[2][mark::count],
                           std::vector<std::uint32_t>* marks_out) {
  GeneTruth t = cfg.rule == SynthRule::combinatorial ? draw_gene_combinatorial(cfg, g, depth, marks_out)
                                                     : draw_gene_additive(cfg, g, depth, marks_out);
  t.expected_y = expected_log2_expression(t.clean_log2_mean[1], kExprNoise) -
                 expected_log2_expression(t.clean_log2_mean[0], kExprNoise);
  return t;
}

inline void append_uint(std::string& s, std::uint64_t v) {
  char b[24];
  const auto r = std::to_chars(b, b + sizeof b, v);
  s.append(b, r.ptr);
}

inline void validate(const SynthConfig& cfg, Index n[3]) {
  auto bad = [](const std::string& why) { return std::invalid_argument("write_synthetic: " + why); };
  if (cfg.genes < 3 || cfg.genes > 5000000) throw bad("genes must be in 3..5000000");
  if (cfg.bins < 1 || cfg.bins > 100000) throw bad("bins must be in 1..100000");
  if (!(cfg.train_fraction > 0) || !(cfg.valid_fraction > 0) || !(cfg.train_fraction + cfg.valid_fraction < 1))
    throw bad("train_fraction and valid_fraction must be > 0 and sum to less than 1");
  if (!(cfg.effect >= 0) || !std::isfinite(cfg.effect)) throw bad("effect must be finite and >= 0");
  if (cfg.noise_marks < 1 || cfg.noise_marks > static_cast<int>(synthetic_noise_order().size()))
    throw bad("noise_marks must be in 1..4 (got " + std::to_string(cfg.noise_marks) + ")");
  for (const std::string& c : {cfg.cell1, cfg.cell2})
    if (c.empty() || c.find('/') != std::string::npos || c.find_first_of(", \t\n") != std::string::npos)
      throw bad("cell name '" + c + "' must be non-empty, without '/', ',' or spaces");
  if (cfg.cell1 == cfg.cell2) throw bad("the two cells need different names");
  n[0] = static_cast<Index>(std::llround(static_cast<double>(cfg.genes) * cfg.train_fraction));
  n[1] = static_cast<Index>(std::llround(static_cast<double>(cfg.genes) * cfg.valid_fraction));
  n[2] = cfg.genes - n[0] - n[1];
  if (n[0] < 1 || n[1] < 1 || n[2] < 1)
    throw bad(std::to_string(cfg.genes) + " genes leave a split empty (train " + std::to_string(n[0]) + ", valid " +
              std::to_string(n[1]) + ", test " + std::to_string(n[2]) + ")");
}

}  // namespace synth_detail

namespace synth_detail {

// The 1-based, inclusive range of the bins where profile(u) >= kInformativeFraction (the
// profiles peak at 1); {0, 0} when no bin of the window reaches it.
template <class Profile>
std::pair<Index, Index> bins_at_least(Index bins, Profile profile) {
  Index first = 0, last = 0;
  for (Index t = 0; t < bins; ++t)
    if (profile(position(t, bins)) >= kInformativeFraction) {
      if (first == 0) first = t + 1;
      last = t + 1;
    }
  return {first, last};
}

}  // namespace synth_detail

// Under `combinatorial`: the 1-based, inclusive bins of an H3K4me3 peak centred `centre` bins
// from the TSS (a gene's own centre in one cell, truth.csv's peak_centre_a / _b), the profile
// above 10% of its maximum; {0, 0} when the peak lies outside the window. truth_bins.csv.
inline std::pair<Index, Index> synthetic_peak_bins(Index bins, double centre) {
  return synth_detail::bins_at_least(bins, [centre](double u) { return synth_detail::comb_peak(u, centre); });
}

// The 1-based, inclusive bin range around the TSS where the H3K4me3 signal is planted
// (its peak profile above 10% of the maximum): where a model's H3K4me3 attention should sit.
// Under `combinatorial`, the functional peak at the +1 nucleosome (a displaced peak, further
// downstream, does not drive expression).
inline std::pair<Index, Index> synthetic_tss_bins(Index bins, SynthRule rule = SynthRule::additive) {
  if (rule == SynthRule::combinatorial) return synthetic_peak_bins(bins, synth_detail::kCombPeakCentre);
  return synth_detail::bins_at_least(bins, [](double u) { return synth_detail::peak(u); });
}

namespace synth_detail {

inline SynthSummary write(const std::string& out_dir, const SynthConfig& cfg) {
  if (out_dir.empty()) throw std::invalid_argument("write_synthetic: empty output folder");
  Index n[3];
  validate(cfg, n);
  const char* split_names[3] = {"train", "valid", "test"};
  const Index extra = std::max<Index>(1, cfg.genes / 5);  // expression-only genes, as in the real tables

  // Per-cell, per-mark sequencing depth: mild, fixed for the seed.
  double depth[2][mark::count];
  {
    Rng rng(mix(cfg.seed, 0xCE11DE97ull));
    for (auto& cell : depth)
      for (double& d : cell) d = std::exp(0.1 * rng.normal());
  }

  make_directories(out_dir);
  SynthSummary sum;
  sum.train = n[0];
  sum.valid = n[1];
  sum.test = n[2];
  sum.rule = cfg.rule;
  sum.noise_marks = cfg.noise_marks;
  const std::vector<int> informative = synthetic_informative_marks(cfg.noise_marks);
  const bool comb = cfg.rule == SynthRule::combinatorial;
  const std::pair<Index, Index> tss = synthetic_tss_bins(cfg.bins, cfg.rule);
  sum.tss_first_bin = tss.first;
  sum.tss_last_bin = tss.second;
  const std::string cells[2] = {cfg.cell1, cfg.cell2};
  auto path = [&](const std::string& cell, const std::string& what) {
    return (std::filesystem::path(out_dir) / (cell + "." + what + ".csv")).string();
  };

  std::vector<GeneTruth> truth;
  truth.reserve(static_cast<std::size_t>(cfg.genes + extra));
  std::vector<std::uint32_t> marks[2];
  std::vector<double> tss_k4me3_diff, k9_diff, ys;  // for truth.md's sanity figures
  std::vector<double> split_y[3], split_expected[3];  // for the noise ceilings
  // What a scorer of explanations reads (header comment), one row per split gene.
  CsvWriter truth_marks, truth_bins;
  {
    std::vector<std::string> h = {"gene_id"};
    for (Index m = 0; m < mark::count; ++m) h.push_back(mark_name(m));
    truth_marks.header(h);
    truth_bins.header({"gene_id", "mark", "cell", "first_bin", "last_bin"});
  }
  Index g = 0;
  for (int s = 0; s < 3; ++s) {
    std::string text[2];
    for (auto& t : text) t.reserve(static_cast<std::size_t>(n[s] * cfg.bins) * 34);
    for (Index k = 0; k < n[s]; ++k, ++g) {
      GeneTruth t = draw_gene(cfg, g, depth, marks);
      t.split = split_names[s];
      double k4 = 0, k9 = 0;
      for (Index b = 0; b < cfg.bins; ++b) {
        const std::size_t o = static_cast<std::size_t>(b * mark::count);
        if (b + 1 >= tss.first && b + 1 <= tss.second)
          k4 += static_cast<double>(marks[1][o + mark::H3K4me3]) - static_cast<double>(marks[0][o + mark::H3K4me3]);
        k9 += static_cast<double>(marks[1][o + mark::H3K9me3]) - static_cast<double>(marks[0][o + mark::H3K9me3]);
      }
      tss_k4me3_diff.push_back(k4);
      k9_diff.push_back(k9);
      ys.push_back(t.y());
      split_y[s].push_back(t.y());
      split_expected[s].push_back(t.expected_y);
      {
        std::vector<std::string> row = {t.id};
        for (int v : informative) row.push_back(v ? "1" : "0");
        truth_marks.row(row);
        for (int c = 0; c < 2; ++c) {
          const std::pair<Index, Index> r = comb ? synthetic_peak_bins(cfg.bins, t.centre[c]) : tss;
          if (r.first > 0) truth_bins.row(t.id, mark_name(mark::H3K4me3), c == 0 ? "A" : "B", r.first, r.second);
        }
      }
      const std::string prefix = t.id + "_" + t.symbol + "_";
      for (int c = 0; c < 2; ++c)
        for (Index b = 0; b < cfg.bins; ++b) {
          std::string& s_out = text[c];
          s_out += prefix;
          append_uint(s_out, static_cast<std::uint64_t>(b + 1));
          for (Index m = 0; m < mark::count; ++m) {
            s_out += ',';
            append_uint(s_out, marks[c][static_cast<std::size_t>(b * mark::count + m)]);
          }
          s_out += '\n';
        }
      truth.push_back(std::move(t));
    }
    for (int c = 0; c < 2; ++c) {
      const std::string p = path(cells[c], split_names[s]);
      write_file_atomic(p, text[c]);
      sum.files.push_back(p);
    }
  }
  for (Index k = 0; k < extra; ++k, ++g) {
    GeneTruth t = draw_gene(cfg, g, depth, nullptr);
    t.split = "none";
    truth.push_back(std::move(t));
  }

  // Expression tables: every gene, sorted by id (the zero-padded ids sort numerically).
  for (int c = 0; c < 2; ++c) {
    std::string text;
    for (const GeneTruth& t : truth) {
      text += t.id;
      text += ',';
      append_uint(text, t.expr[c]);
      text += '\n';
    }
    const std::string p = path(cells[c], "expr");
    write_file_atomic(p, text);
    sum.files.push_back(p);
  }

  // The additive rule's columns are as they always were (its files stay byte-identical).
  CsvWriter csv;
  if (comb) {
    csv.header({"gene_id", "symbol", "split", "level_a", "level_b", "polycomb_a", "polycomb_b", "peak_centre_a",
                "peak_centre_b", "efficacy_a", "efficacy_b", "log2_mean_a", "log2_mean_b", "expected_y", "expr_a",
                "expr_b", "y"});
    for (const GeneTruth& t : truth)
      csv.row(t.id, t.symbol, t.split, t.level[0], t.level[1], t.polycomb[0], t.polycomb[1], t.centre[0],
              t.centre[1], t.efficacy[0], t.efficacy[1], t.log2_mean[0], t.log2_mean[1], t.expected_y, t.expr[0],
              t.expr[1], t.y());
  } else {
    csv.header({"gene_id", "symbol", "split", "base", "delta", "state_a", "state_b", "promoter_a", "promoter_b",
                "repression_a", "repression_b", "log2_mean_a", "log2_mean_b", "expr_a", "expr_b", "y"});
    for (const GeneTruth& t : truth)
      csv.row(t.id, t.symbol, t.split, t.base, t.delta, t.state[0], t.state[1], t.promoter[0], t.promoter[1],
              t.repression[0], t.repression[1], t.log2_mean[0], t.log2_mean[1], t.expr[0], t.expr[1], t.y());
  }
  const std::string truth_csv = (std::filesystem::path(out_dir) / "truth.csv").string();
  write_file_atomic(truth_csv, csv.str());
  const std::string truth_marks_csv = (std::filesystem::path(out_dir) / "truth_marks.csv").string();
  write_file_atomic(truth_marks_csv, truth_marks.str());
  const std::string truth_bins_csv = (std::filesystem::path(out_dir) / "truth_bins.csv").string();
  write_file_atomic(truth_bins_csv, truth_bins.str());

  Index differential = 0;
  for (double y : ys) differential += std::fabs(y) >= 2.0 ? 1 : 0;
  sum.fraction_differential = static_cast<double>(differential) / static_cast<double>(ys.size());
  // A split of one gene (or with a constant y) has no PCC; 0 says "nothing to reach".
  for (int k = 0; k < 3; ++k) {
    const double r = split_y[k].size() > 1 ? pearson(split_expected[k], split_y[k]) : 0.0;
    sum.noise_ceiling[k] = std::isfinite(r) ? r : 0.0;
  }

  // truth.md, in pieces (each snprintf has a literal format); the additive text is as before,
  // plus the rule's name and the noise ceilings.
  char buf[4096];
  std::string md;
  const long long T = static_cast<long long>(cfg.bins);
  std::snprintf(buf, sizeof buf,
                "# Synthetic DeepDiff data: the planted answer\n\n"
                "Generated by deepdiff-cpp `write_synthetic` (include/deepdiff/data/synthetic.hpp), rule `%s`.\n"
                "Seed %llu, effect %g, %lld bins per gene, cells %s (A) and %s (B).\n"
                "Genes: %lld train, %lld valid, %lld test; the expression tables also list %lld genes in no split.\n\n"
                "## Targets\n",
                synth_rule_name(cfg.rule).c_str(), static_cast<unsigned long long>(cfg.seed), cfg.effect, T,
                cfg.cell1.c_str(), cfg.cell2.c_str(), static_cast<long long>(n[0]), static_cast<long long>(n[1]),
                static_cast<long long>(n[2]), static_cast<long long>(extra));
  md += buf;
  if (comb)
    std::snprintf(
        buf, sizeof buf,
        "y = log2((eB+1)/(eA+1)). Rule `combinatorial`: expression needs a combination of marks and a\n"
        "position. Per gene and cell, a promoter mark level h (H3K4me3, H3K4me1, H3K36me3), a Polycomb\n"
        "level r (H3K27me3), drawn independently of h, and the centre c of the H3K4me3 peak: %g bins\n"
        "downstream of the TSS (the +1 nucleosome) with probability %g, else displaced %g..%g bins\n"
        "further downstream (an intragenic peak, in the same 2-kb window). log2(mean expression + 1) =\n"
        "%g + %g * h * eff(c) * (1 - r) + N(0, %g), eff(c) = exp(-(c - %g)^2 / (2 * %g^2)):\n"
        "- a promoter drives expression only when H3K27me3 is low in the same cell: bivalent promoters\n"
        "  (high H3K4me3 and high H3K27me3) stay silent;\n"
        "- a displaced H3K4me3 peak (eff < %.3f) drives nothing, however high.\n"
        "Changes of h and r between the cells: effect * (+-U(%g, %g)) with probability %g each, else\n"
        "effect * N(0, %g). %.1f%% of the split genes have |y| >= 2.\n\n",
        kCombPeakCentre, 1.0 - kCombDisplacedProbability, kCombDisplaceLo, kCombDisplaceHi, kCombIntercept,
        kCombGain, kExprNoise, kCombPeakCentre, kCombEfficacySd, comb_efficacy(kCombPeakCentre + kCombDisplaceLo),
        kCombSwitchLo, kCombSwitchHi, kCombSwitchProbability, kCombNoSwitchSd, 100.0 * sum.fraction_differential);
  else
    std::snprintf(buf, sizeof buf,
                  "y = log2((eB+1)/(eA+1)). Each gene has a latent state per cell; log2(mean expression + 1) =\n"
                  "%g + %g * promoter - %g * repression + N(0, %g), and y follows the difference of the two\n"
                  "cells' states. %.1f%% of the split genes have |y| >= 2.\n\n",
                  kExprIntercept, kExprPromoter, kExprRepression, kExprNoise, 100.0 * sum.fraction_differential);
  md += buf;
  std::snprintf(buf, sizeof buf,
                "## Noise ceiling\n"
                "The best PCC a perfect model could reach: the PCC of y with its noise-free part E[y | latent]\n"
                "(over the expression noise and the Poisson draw): train %.3f, valid %.3f, test %.3f.\n\n",
                sum.noise_ceiling[0], sum.noise_ceiling[1], sum.noise_ceiling[2]);
  md += buf;
  // The table of roles, a row per mark; a mark made noise by cfg.noise_marks says so in H3K9me3's words.
  md += "## Which marks carry the signal\n| mark | column | role |\n|---|---|---|\n";
  for (Index m = 0; m < mark::count; ++m) {
    char role[256];
    const long long first = static_cast<long long>(tss.first), last = static_cast<long long>(tss.second);
    if (!informative[static_cast<std::size_t>(m)])
      std::snprintf(role, sizeof role, "uninformative noise (independent of expression)");
    else if (m == mark::H3K4me1)
      std::snprintf(role, sizeof role, comb ? "follows h (flanking the TSS at +-%g bins), not the output"
                                            : "informative (activity, flanking the TSS at +-%g bins)", kFlankAt);
    else if (m == mark::H3K4me3)
      std::snprintf(role, sizeof role, comb ? "most informative, with its position: the functional peak is in bins %lld..%lld"
                                            : "most informative: a peak at the TSS, bins %lld..%lld", first, last);
    else if (m == mark::H3K27me3)
      std::snprintf(role, sizeof role, "%s", comb ? "informative, repressive, in interaction with H3K4me3 (broad over the window)"
                                                  : "informative, repressive (broad over the window)");
    else
      std::snprintf(role, sizeof role, comb ? "follows h (gene body, downstream of the TSS: bins %lld..%lld), not the output"
                                            : "informative (gene body, downstream of the TSS: bins %lld..%lld)", T / 2 + 1, T);
    md += "| " + mark_name(m) + " | " + std::to_string(m + 1) + " | " + role + " |\n";
  }
  md += "\n";
  std::string noise_names;  // "H3K9me3", "H3K9me3, H3K4me1", ...
  for (int k = 0; k < cfg.noise_marks; ++k)
    noise_names += (k ? ", " : "") + mark_name(synthetic_noise_order()[static_cast<std::size_t>(k)]);
  const std::string low = cfg.noise_marks == 1 ? noise_names : "the noise marks (" + noise_names + ")";
  std::snprintf(buf, sizeof buf,
                "The TSS is the centre of the window (between bins %lld and %lld). A trained model should give\n"
                "%s a low level-2 attention (beta), and its H3K4me3 level-1 attention (alpha) should\n"
                "concentrate in bins %lld..%lld.\n\n"
                "## Sanity figures (split genes)\n"
                "Pearson correlation with y of the B - A difference of summed counts: H3K4me3 over bins\n"
                "%lld..%lld: %.3f; H3K9me3 over all bins: %.3f.\n\n"
                "Per-gene latent values and counts: truth.csv.\n",
                T / 2, T / 2 + 1, low.c_str(), static_cast<long long>(tss.first), static_cast<long long>(tss.second),
                static_cast<long long>(tss.first), static_cast<long long>(tss.second), pearson(tss_k4me3_diff, ys),
                pearson(k9_diff, ys));
  md += buf;
  std::snprintf(buf, sizeof buf,
                "\n## The truth for scoring explanations\n"
                "Noise marks (%d; `deepdiff synth --noise-marks`): %s. A noise mark is independent of the\n"
                "latent state: a level of its own per gene and cell, sometimes a domain.\n"
                "- truth_marks.csv: per split gene, 1 for an informative mark, 0 for a noise mark.\n"
                "- truth_bins.csv: per split gene and cell (A, B), first_bin..last_bin (1-based, inclusive): the\n"
                "  bins of the planted H3K4me3 peak, where its profile is >= %g of its maximum.\n%s"
                "`deepdiff score-attention RUN_DIR --truth DIR` scores a run's attention and attributions\n"
                "against both.\n",
                cfg.noise_marks, noise_names.c_str(), kInformativeFraction,
                comb ? "  The peak sits at that gene's own centre in that cell (truth.csv's peak_centre_a, _b),\n"
                       "  displaced peaks included; a peak outside the window has no row.\n"
                     : "  The same bins in every gene and cell.\n");
  md += buf;
  sum.truth = md;
  const std::string truth_md = (std::filesystem::path(out_dir) / "truth.md").string();
  write_file_atomic(truth_md, sum.truth);
  sum.files.push_back(truth_csv);
  sum.files.push_back(truth_marks_csv);
  sum.files.push_back(truth_bins_csv);
  sum.files.push_back(truth_md);
  return sum;
}

}  // namespace synth_detail

// Writes DIR/CELL1 and CELL2 .train/.valid/.test/.expr.csv, truth.csv (per-gene latent values),
// truth_marks.csv and truth_bins.csv (what a scorer of explanations reads, header comment) and
// truth.md (what was planted, in words); creates DIR. Same seed and config, same bytes.
inline SynthSummary write_synthetic(const std::string& out_dir, const SynthConfig& cfg) {
  return synth_detail::write(out_dir, cfg);
}

}  // namespace deepdiff
