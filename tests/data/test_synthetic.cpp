// Tests of include/deepdiff/data/synthetic.hpp.
#include "synthetic_fixtures.hpp"

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
  REQUIRE(s1.files.size() == 10);  // 2 cells x (3 splits + expr) + truth.csv + truth.md
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
  CHECK(n == 10);
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
