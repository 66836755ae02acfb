// Tests of include/deepdiff/data/synthetic.hpp.
#include "synthetic_fixtures.hpp"

#include <cstdio>
#include <map>
#include <numeric>

#include <deepdiff/io/checksum.hpp>
#include <deepdiff/io/csv.hpp>

TEST_CASE("write_synthetic: deterministic for a seed, different for another", "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 60;
  cfg.bins = 50;
  cfg.seed = 42;
  const SynthSummary s1 = write_synthetic(d.path + "/one", cfg);
  const SynthSummary s2 = write_synthetic(d.path + "/two/", cfg);
  cfg.seed = 43;
  const SynthSummary s3 = write_synthetic(d.path + "/three", cfg);
  REQUIRE(s1.files.size() == 12);  // 2 cells x (3 splits + expr) + truth.csv, truth_marks.csv, truth_bins.csv, truth.md
  REQUIRE(s2.files.size() == s1.files.size());
  CHECK(s1.truth == s2.truth);
  for (std::size_t i = 0; i < s1.files.size(); ++i) {
    INFO(s1.files[i]);
    const std::string a = read_file(s1.files[i]);
    CHECK(!a.empty());
    CHECK(a == read_file(s2.files[i]));
    if (s1.files[i].find("train") != std::string::npos) CHECK(a != read_file(s3.files[i]));
  }
  CHECK(s1.train == 36);
  CHECK(s1.valid == 12);
  CHECK(s1.test == 12);
  // no temporary files are left behind
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.path + "/one")) {
    CHECK(e.path().string().find(".tmp.") == std::string::npos);
    ++n;
  }
  CHECK(n == 12);
}

TEST_CASE("write_synthetic: rejects configurations that cannot make three splits", "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig c;
  c.genes = 2;
  CHECK_THROWS_AS(write_synthetic(d.path, c), std::invalid_argument);
  c = SynthConfig{};
  c.train_fraction = 0.9;
  c.valid_fraction = 0.1;
  CHECK_THROWS_AS(write_synthetic(d.path, c), std::invalid_argument);
  c = SynthConfig{};
  c.cell2 = c.cell1;
  CHECK_THROWS_AS(write_synthetic(d.path, c), std::invalid_argument);
  c = SynthConfig{};
  c.cell1 = "a/b";
  CHECK_THROWS_AS(write_synthetic(d.path, c), std::invalid_argument);
  c = SynthConfig{};
  c.effect = -1;
  CHECK_THROWS_AS(write_synthetic(d.path, c), std::invalid_argument);
  c = SynthConfig{};
  c.genes = 4;  // 2.4 / 0.8 / 0.8 rounds to 2 / 1 / 1
  CHECK_NOTHROW(write_synthetic(d.path, c));
  CHECK_THROWS_AS(write_synthetic("", SynthConfig{}), std::invalid_argument);
}

TEST_CASE("write_synthetic: the files load back, with the planted answer visible", "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 600;
  cfg.seed = 7;
  cfg.cell1 = "SynA";
  cfg.cell2 = "SynB";
  const SynthSummary sum = write_synthetic(d.path, cfg);
  const Split train = load_split(d.path, "SynA", "SynB", "train");
  const Split valid = load_split(d.path, "SynA", "SynB", "valid");
  const Split test = load_split(d.path, "SynA", "SynB", "test");
  CHECK(train.genes() == sum.train);
  CHECK(valid.genes() == sum.valid);
  CHECK(test.genes() == sum.test);
  CHECK(sum.train + sum.valid + sum.test == 600);
  CHECK(train.bins == 200);
  CHECK(train.marks == 5);
  CHECK(train.gene_ids[0] == "ENSGSYN0000001");
  CHECK(train.gene_symbols[0] == "SYN1");
  CHECK(valid.gene_ids[0] == "ENSGSYN" + std::string(7 - std::to_string(sum.train + 1).size(), '0') +
                                 std::to_string(sum.train + 1));

  // truth files
  const std::pair<Index, Index> tss = synthetic_tss_bins(200);
  CHECK(tss.first == sum.tss_first_bin);
  CHECK(tss.second == sum.tss_last_bin);
  CHECK(tss.first >= 85);
  CHECK(tss.second <= 115);
  CHECK(tss.first < 101);
  CHECK(tss.second > 100);  // the TSS (between bins 100 and 101) is inside
  const std::string md = read_file(d.path + "/truth.md");
  CHECK(md == sum.truth);
  CHECK(md.find("H3K9me3 | 3 | uninformative") != std::string::npos);
  CHECK(md.find("bins " + std::to_string(tss.first) + ".." + std::to_string(tss.second)) != std::string::npos);
  const std::string tc = read_file(d.path + "/truth.csv");
  CHECK(std::count(tc.begin(), tc.end(), '\n') == 1 + 600 + 120);  // header, split genes, expression-only genes
  const std::string expr = read_file(d.path + "/SynA.expr.csv");
  CHECK(std::count(expr.begin(), expr.end(), '\n') == 720);

  // Counts look like the public sample: sparse, mostly 0..30.
  std::vector<float> counts(train.xa);
  std::sort(counts.begin(), counts.end());
  CHECK(counts[counts.size() / 2] <= 3.0f);
  CHECK(counts[counts.size() * 99 / 100] <= 30.0f);
  CHECK(counts.back() < 500.0f);
  CHECK(std::all_of(counts.begin(), counts.end(), [](float c) { return c == std::floor(c) && c >= 0; }));

  // Targets: a realistic spread with many differential genes.
  std::vector<double> y_all;
  for (const Split* s : {&train, &valid, &test})
    for (double v : targets(*s)) y_all.push_back(v);
  const double frac = static_cast<double>(std::count_if(y_all.begin(), y_all.end(), [](double v) { return std::fabs(v) >= 2; })) /
                      static_cast<double>(y_all.size());
  CHECK(frac > 0.25);
  CHECK(frac < 0.6);
  CHECK(frac == Approx(sum.fraction_differential));
  CHECK(std::count_if(y_all.begin(), y_all.end(), [](double v) { return v >= 2; }) > 60);
  CHECK(std::count_if(y_all.begin(), y_all.end(), [](double v) { return v <= -2; }) > 60);

  // The mark profiles have the planted shapes (cell A, all training genes).
  const double k4me3_tss = mean_level(train, mark::H3K4me3, tss.first, tss.second);
  CHECK(k4me3_tss > 5 * mean_level(train, mark::H3K4me3, 1, 60));
  CHECK(k4me3_tss > 5 * mean_level(train, mark::H3K4me3, 141, 200));
  CHECK(mean_level(train, mark::H3K36me3, 111, 160) > 2 * mean_level(train, mark::H3K36me3, 40, 90));
  CHECK(mean_level(train, mark::H3K4me1, 86, 92) > 1.5 * mean_level(train, mark::H3K4me1, 1, 40));
  CHECK(mean_level(train, mark::H3K27me3, 80, 120) > 1.5 * mean_level(train, mark::H3K27me3, 1, 10));

  // The relation to y: H3K4me3 near the TSS tracks it, H3K27me3 opposes it, H3K9me3 is noise.
  std::vector<double> k4, k27, k36, k9;
  for (const Split* s : {&train, &valid, &test}) {
    for (double v : mark_difference(*s, mark::H3K4me3, tss.first, tss.second)) k4.push_back(v);
    for (double v : mark_difference(*s, mark::H3K27me3, 1, 200)) k27.push_back(v);
    for (double v : mark_difference(*s, mark::H3K36me3, 101, 200)) k36.push_back(v);
    for (double v : mark_difference(*s, mark::H3K9me3, 1, 200)) k9.push_back(v);
  }
  const double r4 = pearson(k4, y_all), r27 = pearson(k27, y_all), r36 = pearson(k36, y_all),
               r9 = pearson(k9, y_all);
  INFO("r(H3K4me3) " << r4 << ", r(H3K27me3) " << r27 << ", r(H3K36me3) " << r36 << ", r(H3K9me3) " << r9);
  CHECK(r4 > 0.8);
  CHECK(r27 < -0.6);
  CHECK(r36 > 0.6);
  CHECK(std::fabs(r9) < 0.15);  // 600 genes: the null's standard deviation is about 0.04
  // H3K4me3 far from the TSS carries nothing
  CHECK(std::fabs(pearson(mark_difference(train, mark::H3K4me3, 1, 50), targets(train))) < 0.2);
}

TEST_CASE("write_synthetic: a linear model on summed counts already predicts y on held-out genes", "[synthetic]") {
  // If a least-squares fit on 10 summary features reaches a high test PCC, the signal is
  // there for DeepDiff's LSTMs, which see every bin.
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 500;
  cfg.bins = 200;
  cfg.seed = 3;
  const SynthSummary sum = write_synthetic(d.path, cfg);
  const Split train = load_split(d.path, "Cell1", "Cell2", "train");
  const Split test = load_split(d.path, "Cell1", "Cell2", "test");
  auto features = [&](const Split& s) {
    Eigen::MatrixXd X(s.genes(), 11);
    for (Index m = 0; m < 5; ++m) {
      const std::vector<double> near = mark_difference(s, m, sum.tss_first_bin, sum.tss_last_bin);
      const std::vector<double> all = mark_difference(s, m, 1, s.bins);
      for (Index g = 0; g < s.genes(); ++g) {
        X(g, 2 * m) = near[static_cast<std::size_t>(g)] / 20.0;
        X(g, 2 * m + 1) = all[static_cast<std::size_t>(g)] / 200.0;
      }
    }
    X.col(10).setOnes();
    return X;
  };
  const Eigen::MatrixXd Xtr = features(train), Xte = features(test);
  const std::vector<double> ytr = targets(train), yte = targets(test);
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(ytr.data(), static_cast<Index>(ytr.size()));
  const Eigen::MatrixXd A = Xtr.transpose() * Xtr + 1e-3 * Eigen::MatrixXd::Identity(11, 11);
  const Eigen::VectorXd w = A.ldlt().solve(Xtr.transpose() * y);
  const Eigen::VectorXd pred = Xte * w;
  const double r = pearson(std::vector<double>(pred.data(), pred.data() + pred.size()), yte);
  INFO("test PCC of the linear model: " << r);
  CHECK(r > 0.85);
}

TEST_CASE("write_synthetic: `effect` sets the strength of the differential signal", "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 400;
  cfg.bins = 20;
  std::vector<double> fractions;
  for (double effect : {0.0, 0.5, 1.0, 2.0}) {
    cfg.effect = effect;
    fractions.push_back(write_synthetic(d.path + "/e" + std::to_string(effect), cfg).fraction_differential);
  }
  INFO("fractions of |y| >= 2 for effect 0, 0.5, 1, 2: " << fractions[0] << " " << fractions[1] << " "
                                                            << fractions[2] << " " << fractions[3]);
  CHECK(fractions[0] < 0.12);
  CHECK(fractions[0] < fractions[1]);
  CHECK(fractions[1] < fractions[2]);
  CHECK(fractions[2] < fractions[3]);
}

// ---- rule `combinatorial` -------------------------------------------------------------------

namespace {

// The spec's summary features: per cell and mark, log2(1 + the sum of each of 10 windows of
// bins / 10 bins); [f_A, f_B, f_B - f_A], then a column of ones for the intercept.
Eigen::MatrixXd summary_features(const Split& s) {
  const Index W = 10, M = s.marks, F = 3 * M * W;
  Eigen::MatrixXd X(s.genes(), F + 1);
  for (Index g = 0; g < s.genes(); ++g) {
    for (Index m = 0; m < M; ++m)
      for (Index w = 0; w < W; ++w) {
        double sa = 0, sb = 0;
        for (Index b = w * s.bins / W; b < (w + 1) * s.bins / W; ++b) {
          const std::size_t i = static_cast<std::size_t>((g * s.bins + b) * s.marks + m);
          sa += s.xa[i];
          sb += s.xb[i];
        }
        const double fa = std::log2(1 + sa), fb = std::log2(1 + sb);
        X(g, m * W + w) = fa;
        X(g, M * W + m * W + w) = fb;
        X(g, 2 * M * W + m * W + w) = fb - fa;
      }
    X(g, F) = 1.0;
  }
  return X;
}

// Test PCC of a ridge regression on the summary features, fitted on the training genes: the
// normal equations (X'X + lambda I) w = X'y with the features standardized by the training
// genes (lambda 10 on the standardized scale; the intercept is left unpenalized).
double linear_test_pcc(const std::string& dir) {
  const Split train = load_split(dir, "Cell1", "Cell2", "train");
  const Split test = load_split(dir, "Cell1", "Cell2", "test");
  Eigen::MatrixXd Xtr = summary_features(train), Xte = summary_features(test);
  const Index F = Xtr.cols() - 1;
  for (Index j = 0; j < F; ++j) {
    const double mu = Xtr.col(j).mean();
    const double sd = std::sqrt((Xtr.col(j).array() - mu).square().mean());
    const double scale = sd > 0 ? 1.0 / sd : 0.0;
    Xtr.col(j) = (Xtr.col(j).array() - mu) * scale;
    Xte.col(j) = (Xte.col(j).array() - mu) * scale;
  }
  const std::vector<double> ytr = targets(train), yte = targets(test);
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(ytr.data(), static_cast<Index>(ytr.size()));
  Eigen::MatrixXd A = Xtr.transpose() * Xtr;
  A.diagonal().head(F).array() += 10.0;
  const Eigen::VectorXd w = A.ldlt().solve(Xtr.transpose() * y);
  const Eigen::VectorXd pred = Xte * w;
  return pearson(std::vector<double>(pred.data(), pred.data() + pred.size()), yte);
}

}  // namespace

TEST_CASE("synth rules: names parse back, an unknown one is refused with the list", "[synthetic]") {
  for (SynthRule r : all_synth_rules()) CHECK(parse_synth_rule(synth_rule_name(r)) == r);
  CHECK(synth_rule_name(SynthConfig{}.rule) == "additive");
  try {
    parse_synth_rule("bogus");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    const std::string w = e.what();
    CHECK(w.find("'bogus'") != std::string::npos);
    CHECK(w.find("additive") != std::string::npos);
    CHECK(w.find("combinatorial") != std::string::npos);
  }
  CHECK_THROWS_AS(parse_synth_rule("Additive"), std::invalid_argument);
}

TEST_CASE("write_synthetic combinatorial: deterministic for a seed, truth names the rule and the ceiling",
          "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 60;
  cfg.bins = 50;
  cfg.seed = 42;
  cfg.rule = SynthRule::combinatorial;
  const SynthSummary s1 = write_synthetic(d.path + "/one", cfg);
  const SynthSummary s2 = write_synthetic(d.path + "/two", cfg);
  cfg.seed = 43;
  const SynthSummary s3 = write_synthetic(d.path + "/three", cfg);
  cfg.seed = 42;
  cfg.rule = SynthRule::additive;
  const SynthSummary s4 = write_synthetic(d.path + "/four", cfg);
  REQUIRE(s1.files.size() == 12);
  CHECK(s1.rule == SynthRule::combinatorial);
  CHECK(s4.rule == SynthRule::additive);
  for (std::size_t i = 0; i < s1.files.size(); ++i) {
    INFO(s1.files[i]);
    const std::string a = read_file(s1.files[i]);
    CHECK(a == read_file(s2.files[i]));
    if (s1.files[i].find("train") != std::string::npos) {
      CHECK(a != read_file(s3.files[i]));
      CHECK(a != read_file(s4.files[i]));  // the rule changes the data, not only the text
    }
  }
  for (const SynthSummary* s : {&s1, &s4}) {
    char ceiling[64];
    std::snprintf(ceiling, sizeof ceiling, "train %.3f, valid %.3f, test %.3f", s->noise_ceiling[0],
                  s->noise_ceiling[1], s->noise_ceiling[2]);
    INFO(s->truth);
    CHECK(s->truth.find("rule `" + synth_rule_name(s->rule) + "`") != std::string::npos);
    CHECK(s->truth.find("## Noise ceiling") != std::string::npos);
    CHECK(s->truth.find(ceiling) != std::string::npos);
    for (double c : s->noise_ceiling) {  // 12 genes a split: only a range here (the real check: below)
      CHECK(c >= -1.0);
      CHECK(c <= 1.0);
    }
  }
  for (double c : s4.noise_ceiling) CHECK(c > 0.9);  // additive: y is nearly its noise-free part
  CHECK(s1.truth.find("bivalent") != std::string::npos);
  const std::string tc = read_file(d.path + "/one/truth.csv");
  CHECK(tc.rfind("gene_id,symbol,split,level_a,level_b,polycomb_a,polycomb_b,peak_centre_a", 0) == 0);
}

TEST_CASE("synth: the mean of log2(Poisson + 1) matches a direct sum on both sides of the expansion's switch", "[synthetic]") {
  for (double lambda : {0.0, 0.3, 5.0, 39.9, 40.1, 300.0, 3000.0}) {
    double direct = 0, pmf_log = -lambda;  // log pmf, to sum past where exp(-lambda) underflows
    for (int k = 0; k < static_cast<int>(lambda + 40 * std::sqrt(lambda + 1) + 40); ++k) {
      direct += std::exp(pmf_log) * std::log2(k + 1.0);
      pmf_log += std::log(lambda) - std::log(k + 1.0);
    }
    INFO("lambda " << lambda);
    CHECK(synth_detail::expected_log2_count(lambda) == Approx(direct).margin(2e-5));
  }
}

TEST_CASE("write_synthetic combinatorial: bivalent promoters and displaced peaks are silent (planted)", "[synthetic]") {
  SynthConfig cfg;
  cfg.rule = SynthRule::combinatorial;
  cfg.seed = 11;
  double depth[2][mark::count];
  for (auto& c : depth)
    for (double& x : c) x = 1.0;
  // Per cell state of 4,000 genes, grouped by the latent values (no marks needed).
  std::vector<double> bivalent, active, displaced, k27_only;
  for (Index g = 0; g < 4000; ++g) {
    const synth_detail::GeneTruth t = synth_detail::draw_gene(cfg, g, depth, nullptr);
    for (int c = 0; c < 2; ++c) {
      const bool h_hi = t.level[c] > 0.7, r_hi = t.polycomb[c] > 0.7, r_lo = t.polycomb[c] < 0.3;
      const bool at_tss = t.centre[c] == synth_detail::kCombPeakCentre;
      if (h_hi && r_hi && at_tss) bivalent.push_back(t.clean_log2_mean[c]);
      if (h_hi && r_lo && at_tss) active.push_back(t.clean_log2_mean[c]);
      if (h_hi && r_lo && !at_tss) displaced.push_back(t.clean_log2_mean[c]);
      if (t.level[c] < 0.3 && r_hi) k27_only.push_back(t.clean_log2_mean[c]);
    }
  }
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
  INFO("cells: bivalent " << bivalent.size() << ", active " << active.size() << ", displaced " << displaced.size()
                          << ", H3K27me3 only " << k27_only.size());
  REQUIRE(bivalent.size() > 100);
  REQUIRE(active.size() > 100);
  REQUIRE(displaced.size() > 100);
  // log2(mean + 1) = 1 + 11 h eff (1 - r): bivalent <= 1 + 11 * 0.3, active >= 1 + 11 * 0.7 * 0.7.
  CHECK(*std::max_element(bivalent.begin(), bivalent.end()) < 4.31);
  CHECK(*std::min_element(active.begin(), active.end()) > 6.38);
  CHECK(*std::max_element(displaced.begin(), displaced.end()) < 1.13);  // eff < 0.011 at 9+ bins off
  CHECK(mean(active) - mean(bivalent) > 5.0);
  CHECK(mean(k27_only) < 2.0);
  // Displaced peaks sit 9..14 bins further downstream.
  for (Index g = 0; g < 200; ++g) {
    const synth_detail::GeneTruth t = synth_detail::draw_gene(cfg, g, depth, nullptr);
    for (double c : t.centre) CHECK((c == synth_detail::kCombPeakCentre || (c >= 12.0 && c <= 17.0)));
  }
}

TEST_CASE("write_synthetic combinatorial: the peak position drives y, and windowed sums barely see it",
          "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 1500;
  cfg.seed = 5;
  cfg.rule = SynthRule::combinatorial;
  const SynthSummary sum = write_synthetic(d.path, cfg);
  const Split train = load_split(d.path, "Cell1", "Cell2", "train");
  // truth.csv rows of the training genes come first, in order.
  const std::string tc = read_file(d.path + "/truth.csv");
  std::vector<std::vector<std::string>> rows;
  {
    std::size_t at = tc.find('\n') + 1;
    for (Index g = 0; g < train.genes(); ++g) {
      const std::size_t end = tc.find('\n', at);
      std::vector<std::string> f;
      std::size_t p = at;
      for (std::size_t q; (q = tc.find(',', p)) < end; p = q + 1) f.push_back(tc.substr(p, q - p));
      f.push_back(tc.substr(p, end - p));
      rows.push_back(f);
      at = end + 1;
    }
  }
  REQUIRE(rows[0][0] == train.gene_ids[0]);
  // Cell A of genes with a high promoter level and low Polycomb: at the +1 site vs displaced.
  // Columns: 3 level_a, 5 polycomb_a, 7 peak_centre_a, 11 log2_mean_a.
  double k4_near[2] = {0, 0}, k4_window[2] = {0, 0}, com[2] = {0, 0}, expr[2] = {0, 0};
  Index n[2] = {0, 0};
  for (Index g = 0; g < train.genes(); ++g) {
    const auto& r = rows[static_cast<std::size_t>(g)];
    if (std::stod(r[3]) < 0.7 || std::stod(r[5]) > 0.3) continue;
    const int displaced = std::stod(r[7]) > synth_detail::kCombPeakCentre ? 1 : 0;
    double near = 0, window = 0, moment = 0, excess = 0;
    for (Index b = 0; b < train.bins; ++b) {
      const double x = train.xa[static_cast<std::size_t>((g * train.bins + b) * train.marks + mark::H3K4me3)];
      const double u = synth_detail::position(b, train.bins);
      if (b + 1 >= sum.tss_first_bin && b + 1 <= sum.tss_last_bin) near += x;
      if (b >= 100 && b < 120) window += x;  // window 6 of 10: bins 101..120
      if (u > -20 && u < 30) {
        moment += u * x;
        excess += x;
      }
    }
    k4_near[displaced] += near;
    k4_window[displaced] += window;
    com[displaced] += moment / std::max(1.0, excess);
    expr[displaced] += std::stod(r[11]);
    ++n[displaced];
  }
  REQUIRE(n[0] > 30);
  REQUIRE(n[1] > 30);
  for (int k = 0; k < 2; ++k) {
    k4_near[k] /= static_cast<double>(n[k]);
    k4_window[k] /= static_cast<double>(n[k]);
    com[k] /= static_cast<double>(n[k]);
    expr[k] /= static_cast<double>(n[k]);
  }
  INFO("at +1 vs displaced: TSS-bin H3K4me3 " << k4_near[0] << " vs " << k4_near[1] << ", window-6 sum "
                                              << k4_window[0] << " vs " << k4_window[1] << ", centre of mass "
                                              << com[0] << " vs " << com[1] << ", log2 mean " << expr[0] << " vs "
                                              << expr[1]);
  CHECK(expr[0] - expr[1] > 5.0);                      // same mark level, very different expression
  CHECK(com[1] - com[0] > 4.0);                        // the peak visibly moves, bin by bin
  CHECK(k4_near[0] > 2.0 * k4_near[1]);                // the functional range holds the +1 peak only
  CHECK(std::fabs(k4_window[1] / k4_window[0] - 1.0) < 0.25);  // but the 2-kb window's sum hardly changes
}

TEST_CASE("write_synthetic: a linear fit on windowed sums reaches the ceiling under additive, not combinatorial",
          "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 2000;
  cfg.seed = 2;
  const SynthSummary add = write_synthetic(d.path + "/additive", cfg);
  cfg.rule = SynthRule::combinatorial;
  const SynthSummary comb = write_synthetic(d.path + "/combinatorial", cfg);
  const double r_add = linear_test_pcc(d.path + "/additive"), r_comb = linear_test_pcc(d.path + "/combinatorial");
  INFO("additive: linear " << r_add << ", ceiling " << add.noise_ceiling[2] << "; combinatorial: linear " << r_comb
                           << ", ceiling " << comb.noise_ceiling[2] << "; |y| >= 2: " << add.fraction_differential
                           << ", " << comb.fraction_differential);
  CHECK(add.noise_ceiling[2] > 0.97);
  CHECK(comb.noise_ceiling[2] > 0.9);
  CHECK(r_add > add.noise_ceiling[2] - 0.03);
  CHECK(r_comb < comb.noise_ceiling[2] - 0.2);
  CHECK(comb.fraction_differential > 0.2);
  CHECK(comb.fraction_differential < 0.45);
}

// --noise-marks 1 (the default) must leave the data as it was before the option: these hashes
// are of files written by the generator before noise marks existed (30 genes, 20 bins, seed 3).
TEST_CASE("write_synthetic: noise_marks 1 writes the same count files as before the option", "[synthetic]") {
  TempDir d("deepdiff_synth");
  struct Pin {
    SynthRule rule;
    std::uint64_t train_a, test_b, expr_a;
  };
  for (const Pin& p : {Pin{SynthRule::additive, 0x55fdcfd36c42f768ull, 0x37c2a77f143fe700ull, 0x23b3686fd6a61dacull},
                       Pin{SynthRule::combinatorial, 0xd583521f9110c4bcull, 0xbe749e6a829fcb91ull, 0x21a1554aa1c3ee33ull}}) {
    SynthConfig cfg;
    cfg.genes = 30;
    cfg.bins = 20;
    cfg.seed = 3;
    cfg.rule = p.rule;
    const std::string dir = d.path + "/" + synth_rule_name(p.rule);
    write_synthetic(dir, cfg);
    INFO(synth_rule_name(p.rule));
    CHECK(fnv1a64_file(dir + "/Cell1.train.csv") == p.train_a);
    CHECK(fnv1a64_file(dir + "/Cell2.test.csv") == p.test_b);
    CHECK(fnv1a64_file(dir + "/Cell1.expr.csv") == p.expr_a);
  }
}

TEST_CASE("write_synthetic: noise_marks turns marks into noise in the documented order", "[synthetic]") {
  CHECK(synthetic_noise_order() == std::vector<Index>{mark::H3K9me3, mark::H3K4me1, mark::H3K36me3, mark::H3K27me3});
  CHECK(synthetic_informative_marks(1) == std::vector<int>{1, 1, 0, 1, 1});
  CHECK(synthetic_informative_marks(2) == std::vector<int>{0, 1, 0, 1, 1});
  CHECK(synthetic_informative_marks(4) == std::vector<int>{0, 1, 0, 0, 0});
  CHECK_THROWS_AS(synthetic_informative_marks(0), std::invalid_argument);
  CHECK_THROWS_AS(synthetic_informative_marks(5), std::invalid_argument);

  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.noise_marks = 0;
  CHECK_THROWS_AS(write_synthetic(d.path + "/bad", cfg), std::invalid_argument);
  cfg.noise_marks = 5;
  CHECK_THROWS_AS(write_synthetic(d.path + "/bad", cfg), std::invalid_argument);

  // Four noise marks: only H3K4me3 still tracks y; the expression (and so y) is as with one.
  cfg.genes = 600;
  cfg.seed = 7;
  cfg.noise_marks = 4;
  const SynthSummary sum = write_synthetic(d.path + "/four", cfg);
  cfg.noise_marks = 1;
  write_synthetic(d.path + "/one", cfg);
  CHECK(sum.noise_marks == 4);
  CHECK(read_file(d.path + "/four/Cell1.expr.csv") == read_file(d.path + "/one/Cell1.expr.csv"));
  CHECK(read_file(d.path + "/four/truth.csv") == read_file(d.path + "/one/truth.csv"));
  CHECK(sum.truth.find("| H3K27me3 | 4 | uninformative noise") != std::string::npos);
  CHECK(sum.truth.find("Noise marks (4; `deepdiff synth --noise-marks`): H3K9me3, H3K4me1, H3K36me3, H3K27me3") !=
        std::string::npos);
  CHECK(sum.truth.find("truth_marks.csv") != std::string::npos);
  CHECK(sum.truth.find("truth_bins.csv") != std::string::npos);
  const std::pair<Index, Index> tss = synthetic_tss_bins(200);
  std::vector<double> k4, k27, k36, k1, y;
  for (const char* split : {"train", "valid", "test"}) {
    const Split s = load_split(d.path + "/four", "Cell1", "Cell2", split);
    for (double v : mark_difference(s, mark::H3K4me3, tss.first, tss.second)) k4.push_back(v);
    for (double v : mark_difference(s, mark::H3K27me3, 1, 200)) k27.push_back(v);
    for (double v : mark_difference(s, mark::H3K36me3, 101, 200)) k36.push_back(v);
    for (double v : mark_difference(s, mark::H3K4me1, 80, 120)) k1.push_back(v);
    for (double v : targets(s)) y.push_back(v);
  }
  INFO("r(H3K4me3) " << pearson(k4, y) << ", r(H3K27me3) " << pearson(k27, y) << ", r(H3K36me3) " << pearson(k36, y)
                     << ", r(H3K4me1) " << pearson(k1, y));
  CHECK(pearson(k4, y) > 0.8);
  // 600 genes: the null's standard deviation is about 0.04 (with one noise mark they are 0.6 and more)
  CHECK(std::fabs(pearson(k27, y)) < 0.15);
  CHECK(std::fabs(pearson(k36, y)) < 0.15);
  CHECK(std::fabs(pearson(k1, y)) < 0.15);

  // truth_marks.csv: one row per split gene, the informative flags; truth_bins.csv: both cells,
  // the TSS range in every gene (additive).
  const CsvTable marks = read_csv_table("truth_marks.csv", read_file(d.path + "/four/truth_marks.csv"));
  CHECK(marks.header == std::vector<std::string>{"gene_id", "H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"});
  REQUIRE(marks.rows.size() == 600);
  CHECK(marks.rows[0][0] == "ENSGSYN0000001");
  for (const auto& r : marks.rows) CHECK(std::vector<std::string>(r.begin() + 1, r.end()) == std::vector<std::string>{"0", "1", "0", "0", "0"});
  const CsvTable bins = read_csv_table("truth_bins.csv", read_file(d.path + "/four/truth_bins.csv"));
  CHECK(bins.header == std::vector<std::string>{"gene_id", "mark", "cell", "first_bin", "last_bin"});
  REQUIRE(bins.rows.size() == 1200);
  for (std::size_t i = 0; i < bins.rows.size(); ++i) {
    const auto& r = bins.rows[i];
    CHECK(r[0] == marks.rows[i / 2][0]);
    CHECK(r[1] == "H3K4me3");
    CHECK(r[2] == (i % 2 ? "B" : "A"));
    CHECK(r[3] == std::to_string(tss.first));
    CHECK(r[4] == std::to_string(tss.second));
  }
}

TEST_CASE("write_synthetic combinatorial: truth_bins.csv follows each gene's peak centre, where the counts are",
          "[synthetic]") {
  TempDir d("deepdiff_synth");
  SynthConfig cfg;
  cfg.genes = 400;
  cfg.seed = 11;
  cfg.rule = SynthRule::combinatorial;
  write_synthetic(d.path, cfg);
  const CsvTable truth = read_csv_table("truth.csv", read_file(d.path + "/truth.csv"));
  const CsvTable bins = read_csv_table("truth_bins.csv", read_file(d.path + "/truth_bins.csv"));
  const int id = truth.column("gene_id"), ca = truth.column("peak_centre_a"), cb = truth.column("peak_centre_b");
  std::map<std::string, std::pair<double, double>> centre;
  for (const auto& r : truth.rows)
    centre[r[static_cast<std::size_t>(id)]] = {std::stod(r[static_cast<std::size_t>(ca)]), std::stod(r[static_cast<std::size_t>(cb)])};
  REQUIRE(bins.rows.size() == 800);  // 200 bins: every peak lies inside the window
  std::map<std::string, std::pair<Index, Index>> range[2];
  Index displaced = 0;
  for (const auto& r : bins.rows) {
    const int c = r[2] == "A" ? 0 : 1;
    const double at = c == 0 ? centre.at(r[0]).first : centre.at(r[0]).second;
    const std::pair<Index, Index> want = synthetic_peak_bins(200, at);
    CHECK(std::stoll(r[3]) == want.first);
    CHECK(std::stoll(r[4]) == want.second);
    range[c][r[0]] = want;
    if (want != synthetic_tss_bins(200, SynthRule::combinatorial)) ++displaced;
  }
  CHECK(displaced > 200);  // about half the peaks are displaced
  // The counts agree: H3K4me3 per bin is several times higher inside a gene's planted range.
  const Split s = load_split(d.path, "Cell1", "Cell2", "train");
  double in = 0, out = 0;
  Index n_in = 0, n_out = 0;
  for (Index g = 0; g < s.genes(); ++g)
    for (int c = 0; c < 2; ++c) {
      const std::pair<Index, Index> r = range[c].at(s.gene_ids[static_cast<std::size_t>(g)]);
      const std::vector<float>& x = c == 0 ? s.xa : s.xb;
      for (Index b = 0; b < s.bins; ++b) {
        const double v = x[static_cast<std::size_t>((g * s.bins + b) * s.marks + mark::H3K4me3)];
        const bool inside = b + 1 >= r.first && b + 1 <= r.second;
        (inside ? in : out) += v;
        ++(inside ? n_in : n_out);
      }
    }
  CHECK(in / static_cast<double>(n_in) > 4 * out / static_cast<double>(n_out));
}
