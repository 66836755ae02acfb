// Tests of include/deepdiff/train/trainer.hpp.
#include "../training_fixtures.hpp"

TEST_CASE("training: resuming from a checkpoint continues exactly", "[train]") {
  const Split train = load_split(small_synthetic(), "Cell1", "Cell2", "train");
  const Split valid = load_split(small_synthetic(), "Cell1", "Cell2", "valid");
  const ModelConfig cfg = small_config(Variant::aux_siamese, train.bins);
  const TrainOptions opt = small_options();

  DeepDiff<float> straight(cfg);
  Rng r1(opt.seed);
  straight.params().init_uniform(r1, -0.1, 0.1);
  Trainer<float> t1(straight, opt);
  t1.epoch(train, valid);
  t1.epoch(train, valid);

  DeepDiff<float> first(cfg);
  Rng r2(opt.seed);
  first.params().init_uniform(r2, -0.1, 0.1);
  Trainer<float> t2(first, opt);
  t2.epoch(train, valid);
  const deepdiff_test::TempDir tmp("deepdiff_train");
  const std::string path = tmp.file("state.bin");
  write_checkpoint(path, training_checkpoint(first, t2.state(), opt));

  DeepDiff<float> resumed(cfg);
  Trainer<float> t3(resumed, opt);
  restore_training(resumed, t3.state(), read_checkpoint(path), path);
  CHECK(t3.state().epochs_done == 1);
  t3.epoch(train, valid);
  CHECK(resumed.params().values() == straight.params().values());
  CHECK(t3.state().adam.m == t1.state().adam.m);
  CHECK(t3.state().best_epoch == t1.state().best_epoch);
  REQUIRE(t3.state().history.size() == 2);
  CHECK(t3.state().history[1].valid_pcc == t1.state().history[1].valid_pcc);
}

TEST_CASE("training: deterministic for a seed, identical for 1 and 2 threads", "[train][threads]") {
  const Split train = load_split(small_synthetic(), "Cell1", "Cell2", "train");
  const Split valid = load_split(small_synthetic(), "Cell1", "Cell2", "valid");
  const int saved = omp_get_max_threads();
  std::vector<AlignedVector<float>> results;
  for (int threads : {1, 2, 1}) {
    omp_set_num_threads(threads);
    DeepDiff<float> m(small_config(Variant::raw_aux_siamese, train.bins));
    Rng r(7);
    m.params().init_uniform(r, -0.1, 0.1);
    Trainer<float> t(m, small_options());
    t.epoch(train, valid);
    results.push_back(m.params().values());
  }
  omp_set_num_threads(saved);
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
  CHECK(results[0] != AlignedVector<float>(results[0].size(), 0.0f));
}

// Inference has no cross-gene reductions, so a gene's outputs must not depend on which genes
// share its batch: throughput mode may batch larger than the training batch, and a split's
// predictions must not change with --batch. They once did by an ulp (Eigen's GEMM in level 2
// and the heads, its vectorized softmax over raw_aux's 25 channels, a one-gene block's
// attention scores in level 1).
TEST_CASE("predict_arrays: every gene's outputs are the same bits for any batch size and thread count",
          "[train][predict][batch][threads]") {
  const int saved = omp_get_max_threads();
  for (const Variant v : {Variant::raw_d, Variant::raw_aux, Variant::aux}) {
    ModelConfig cfg;
    cfg.variant = v;
    cfg.bins = 20;
    cfg.hidden1 = v == Variant::aux ? 4 : 32;  // 4: H not in whole packets
    DeepDiff<float> m(cfg);
    Rng r(5);
    m.params().init_uniform(r, -0.3, 0.3);
    const Index N = 45;
    Rng d(6);
    const Tensor<float> xa = random_tensor<float>(d, {N, cfg.bins, cfg.marks}, 0.0, 6.0);
    const Tensor<float> xb = random_tensor<float>(d, {N, cfg.bins, cfg.marks}, 0.0, 6.0);
    omp_set_num_threads(1);
    const Predictions one = predict_arrays(m, xa.data(), xb.data(), N, 1, true);  // every gene alone
    REQUIRE(one.pred.size() == static_cast<std::size_t>(N));
    REQUIRE(one.pred_a.size() == (has_aux_heads(v) ? one.pred.size() : 0));
    for (const int threads : {1, 2})
      for (const Index batch : {Index(1), Index(7), Index(10), Index(13), Index(32), Index(45), Index(200)}) {
        INFO(variant_name(v) << ", batch " << batch << ", " << threads << " thread(s)");
        omp_set_num_threads(threads);
        const Predictions p = predict_arrays(m, xa.data(), xb.data(), N, batch, true);
        CHECK(p.pred == one.pred);
        CHECK(p.pred_a == one.pred_a);
        CHECK(p.pred_b == one.pred_b);
        CHECK(p.beta.storage() == one.beta.storage());
        CHECK(p.alpha.storage() == one.alpha.storage());
      }
  }
  omp_set_num_threads(saved);
}

TEST_CASE("training: learns on the real sample data (K562 vs H1)", "[train][data][slow]") {
  const std::string root = deepdiff_test::data_dir() + "/sample";
  if (!deepdiff_test::path_exists(root + "/Cell1.train.csv")) {
    WARN("skipped: the real sample data is not at " << root << " (it comes with the project's data/ folder)");
    return;
  }
  const Split train = load_split(root, "Cell1", "Cell2", "train");
  const Split valid = load_split(root, "Cell1", "Cell2", "valid");
  ModelConfig cfg;  // the published sizes: T = 200, H1 = 32
  DeepDiff<float> m(cfg);
  Rng r(1);
  m.params().init_uniform(r, -0.1, 0.1);
  TrainOptions opt;
  opt.lr = 1e-3;  // the published 1e-4 needs many more epochs than a CI test can afford
  Trainer<float> t(m, opt);
  for (int e = 0; e < 8; ++e) t.epoch(train, valid);
  const auto& h = t.state().history;
  INFO("train loss " << h.front().train_loss << " -> " << h.back().train_loss << ", best valid PCC "
                     << t.state().best_valid_pcc);
  CHECK(h.back().train_loss < 0.85 * h.front().train_loss);
  CHECK(t.state().best_valid_pcc > 0.3);
}

TEST_CASE("training: the planted answer of synthetic data is recovered", "[train][synthetic][slow]") {
  const deepdiff_test::TempDir tmp("deepdiff_train");
  const std::string dir = tmp.file("planted");
  SynthConfig sc;
  sc.genes = 400;
  sc.bins = 40;
  sc.seed = 11;
  write_synthetic(dir, sc);
  const Split train = load_split(dir, "Cell1", "Cell2", "train");
  const Split valid = load_split(dir, "Cell1", "Cell2", "valid");
  const Split test = load_split(dir, "Cell1", "Cell2", "test");
  ModelConfig cfg;
  cfg.bins = train.bins;
  cfg.hidden1 = 16;
  DeepDiff<float> m(cfg);
  Rng r(1);
  m.params().init_uniform(r, -0.1, 0.1);
  TrainOptions opt;
  opt.lr = 2e-3;
  Trainer<float> t(m, opt);
  for (int e = 0; e < 6; ++e) t.epoch(train, valid);
  m.params().values() = t.state().best_params;
  Predictions p = predict_split(m, test, 10, true);
  const double pcc = pearson(p.pred, p.target);
  INFO("test PCC " << pcc);
  CHECK(pcc > 0.8);

  // beta is reported, not asserted: in short runs the level-2 context vector barely moves
  // from uniform, and because the bidirectional level-2 LSTM mixes all channels before the
  // attention, beta is weakly identified (docs/results.md shows it over longer runs).
  std::vector<double> beta(5, 0.0);
  for (Index g = 0; g < p.beta.dim(0); ++g)
    for (Index k = 0; k < 5; ++k) beta[static_cast<std::size_t>(k)] += p.beta(g, k) / static_cast<double>(p.beta.dim(0));
  WARN("mean beta by mark (H3K4me1, H3K4me3, H3K9me3, H3K27me3, H3K36me3): " << beta[0] << " " << beta[1] << " "
                                                                                << beta[2] << " " << beta[3] << " " << beta[4]);

  // alpha of H3K4me3 (channel 1): its mean over genes peaks near the TSS (the centre bins)
  std::vector<double> alpha(static_cast<std::size_t>(cfg.bins), 0.0);
  for (Index g = 0; g < p.alpha.dim(0); ++g)
    for (Index b = 0; b < cfg.bins; ++b) alpha[static_cast<std::size_t>(b)] += p.alpha(g, 1, b);
  const Index peak = static_cast<Index>(std::max_element(alpha.begin(), alpha.end()) - alpha.begin());
  INFO("H3K4me3 alpha peaks at bin " << peak << " of " << cfg.bins);
  CHECK(std::abs(static_cast<double>(peak) - cfg.bins / 2.0) <= cfg.bins / 10.0);
}

// ---------------------------------------------------------------------------------------
// Issue 14: wrong input that used to be accepted.


TEST_CASE("issue 14.1: predict_split and Trainer refuse a batch size below 1", "[train][reliability]") {
  const Split valid = load_split(small_synthetic(), "Cell1", "Cell2", "valid");
  DeepDiff<float> m(small_config(Variant::raw_d, valid.bins));
  CHECK_THROWS_WITH(predict_split(m, valid, 0, false), Catch::Contains("batch_size must be >= 1, got 0"));
  CHECK_THROWS_WITH(predict_split(m, valid, -5, false), Catch::Contains("batch_size must be >= 1, got -5"));
  TrainOptions o = small_options();
  o.batch_size = 0;
  Trainer<float> t(m, o);
  CHECK_THROWS_AS(t.epoch(valid, valid), std::invalid_argument);
}

TEST_CASE("issue 14.7: training that goes non-finite throws TrainingDiverged naming epoch and batch",
          "[train][reliability]") {
  const Split train = load_split(small_synthetic(), "Cell1", "Cell2", "train");
  const Split valid = load_split(small_synthetic(), "Cell1", "Cell2", "valid");
  DeepDiff<float> m(small_config(Variant::raw_d, train.bins));
  Rng r(1);
  m.params().init_uniform(r, -0.1, 0.1);
  TrainOptions o = small_options();
  Trainer<float> t(m, o);
  t.epoch(train, valid);
  // weights of 1e30: the head's output overflows, the loss is infinite at the first batch
  for (float& w : m.params().values()) w *= 1e30f;
  try {
    t.epoch(train, valid);
    FAIL("no exception");
  } catch (const TrainingDiverged& e) {
    CHECK(e.epoch == 2);
    CHECK(e.batch == 1);
    CHECK(e.batches == 6);  // 36 genes in batches of 7
    CHECK_FALSE(std::isfinite(e.loss));
    CHECK_THAT(std::string(e.what()), Catch::Contains("epoch 2, batch 1 of 6"));
  }
  CHECK(t.state().epochs_done == 1);  // the diverged epoch is not recorded
  CHECK(t.state().history.size() == 1);
}
