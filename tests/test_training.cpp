// Training end to end: checkpoints (bit-identical round trip, corruption and mismatches
// detected), resume = uninterrupted run, determinism across thread counts, learning on the
// real sample data, and recovery of the planted answer on synthetic data.
#include <catch2/catch.hpp>

#include <deepdiff/data/synthetic.hpp>
#include <deepdiff/model/model_io.hpp>
#include <deepdiff/train/state_io.hpp>

#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

namespace {

// A small synthetic pair (written once per process).
const std::string& small_synthetic() {
  static const deepdiff_test::TempDir root("deepdiff_train");
  static const std::string dir = [] {
    const std::string d = root.file("synth");
    SynthConfig c;
    c.genes = 60;
    c.bins = 12;
    c.seed = 5;
    write_synthetic(d, c);
    return d;
  }();
  return dir;
}

ModelConfig small_config(Variant v, Index bins) {
  ModelConfig c;
  c.variant = v;
  c.bins = bins;
  c.hidden1 = 4;
  return c;
}

TrainOptions small_options() {
  TrainOptions o;
  o.epochs = 2;
  o.lr = 1e-3;
  o.batch_size = 7;  // does not divide the 36 training genes: a short last batch
  o.seed = 3;
  return o;
}

}  // namespace

TEST_CASE("checkpoint: round trip gives bit-identical predictions", "[train][checkpoint]") {
  Rng rng(41);
  const deepdiff_test::TempDir tmp("deepdiff_train");
  const std::string dir = tmp.path;
  for (Variant v : {Variant::raw_d, Variant::raw_aux_siamese}) {
    DeepDiff<float> m(small_config(v, 9));
    m.params().init_uniform(rng, -0.3, 0.3);
    const std::string path = dir + "/" + variant_name(v) + ".bin";
    write_checkpoint(path, model_checkpoint(m));
    DeepDiff<float> back = load_model<float>(path);
    CHECK(back.variant() == v);
    CHECK(back.params().values() == m.params().values());
    Tensor<float> xa = random_tensor<float>(rng, {3, 9, 5}, 0, 4), xb = random_tensor<float>(rng, {3, 9, 5}, 0, 4);
    Tape<float> t1, t2;
    ModelOutput<float> o1 = m.forward(t1, xa, xb, EncoderPath::inference);
    ModelOutput<float> o2 = back.forward(t2, xa, xb, EncoderPath::inference);
    CHECK(o1.pred.value().storage() == o2.pred.value().storage());
    CHECK(o1.alpha.storage() == o2.alpha.storage());
    CHECK(o1.beta.storage() == o2.beta.storage());
  }
}

TEST_CASE("checkpoint: corruption, other variants and shapes are clear errors", "[train][checkpoint]") {
  Rng rng(42);
  const deepdiff_test::TempDir tmp("deepdiff_train");
  const std::string dir = tmp.path;
  DeepDiff<float> m(small_config(Variant::raw_d, 9));
  m.params().init_uniform(rng, -0.3, 0.3);
  const std::string path = dir + "/m.bin";
  write_checkpoint(path, model_checkpoint(m));

  // one flipped byte in the middle of the parameters
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string bad = bytes;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x10);
  {
    std::ofstream out(dir + "/flipped.bin", std::ios::binary);
    out << bad;
  }
  CHECK_THROWS_WITH(load_model<float>(dir + "/flipped.bin"),
                    Catch::Contains("flipped.bin") && (Catch::Contains("checksum") || Catch::Contains("corrupt")));
  {
    std::ofstream out(dir + "/short.bin", std::ios::binary);
    out << bytes.substr(0, bytes.size() - 100);
  }
  CHECK_THROWS_AS(load_model<float>(dir + "/short.bin"), CheckpointError);

  // another variant
  DeepDiff<float> other(small_config(Variant::raw_c, 9));
  CHECK_THROWS_WITH(load_parameters(other, read_checkpoint(path), path), Catch::Contains("variant raw_d"));
  // other sizes
  DeepDiff<float> longer(small_config(Variant::raw_d, 10));
  CHECK_THROWS_WITH(load_parameters(longer, read_checkpoint(path), path), Catch::Contains("bins 9"));
  // a parameter with the wrong shape is named
  Checkpoint ck = read_checkpoint(path);
  ck.tensors[1].shape = Shape{ck.tensors[1].shape[1], ck.tensors[1].shape[0]};
  CHECK_THROWS_WITH(load_parameters(m, ck, "edited"), Catch::Contains(ck.tensors[1].name));
  // a missing parameter is named
  Checkpoint missing = read_checkpoint(path);
  const std::string gone = missing.tensors.back().name;
  missing.tensors.pop_back();
  CHECK_THROWS_WITH(load_parameters(m, missing, "edited"), Catch::Contains(gone));
}

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

TEST_CASE("training: learns on the real sample data (K562 vs H1)", "[train][data][slow]") {
  const std::string root = deepdiff_test::shared_data() + "/deepdiff-sample";
  if (!deepdiff_test::path_exists(root + "/Cell1.train.csv")) {
    WARN("skipped: the real sample data is not at " << root << " (it comes with the project's shared/ folder)");
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

namespace {

// A trained state (two epochs of the small synthetic pair) and its options.
struct TrainedState {
  ModelConfig cfg;
  TrainOptions opt;
  Checkpoint ck;
};

const TrainedState& trained_state() {
  static const TrainedState s = [] {
    TrainedState t;
    const Split train = load_split(small_synthetic(), "Cell1", "Cell2", "train");
    const Split valid = load_split(small_synthetic(), "Cell1", "Cell2", "valid");
    t.cfg = small_config(Variant::raw_d, train.bins);
    t.opt = small_options();
    DeepDiff<float> m(t.cfg);
    Rng r(t.opt.seed);
    m.params().init_uniform(r, -0.1, 0.1);
    Trainer<float> tr(m, t.opt);
    tr.epoch(train, valid);
    tr.epoch(train, valid);
    t.ck = training_checkpoint(m, tr.state(), t.opt);
    return t;
  }();
  return s;
}

std::string restore_error(const Checkpoint& ck) {
  DeepDiff<float> m(trained_state().cfg);
  TrainState<float> st;
  try {
    restore_training(m, st, ck, "state.bin");
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

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

TEST_CASE("issue 14.3: the state file stores the recipe, recipe_differences names each change", "[train][reliability]") {
  const TrainedState& t = trained_state();
  CHECK(t.ck.meta.at("lr") == "0.001");
  CHECK(t.ck.meta.at("clip") == "1");
  CHECK(recipe_differences(t.ck, t.opt).empty());
  TrainOptions longer = t.opt;
  longer.epochs = 10;  // extending a run is fine
  CHECK(recipe_differences(t.ck, longer).empty());
  TrainOptions other = t.opt;
  other.lr = 2e-3;
  other.seed = 9;
  other.batch_size = 5;
  other.clip = 0;
  other.epochs = 1;
  const std::vector<std::string> d = recipe_differences(t.ck, other);
  REQUIRE(d.size() == 5);
  CHECK(d[0] == "seed: 3 in the state file, 9 now");
  CHECK(d[1] == "batch_size: 7 in the state file, 5 now");
  CHECK(d[2] == "lr: 0.001 in the state file, 0.002 now");
  CHECK(d[3] == "clip: 1 in the state file, 0 now");
  CHECK(d[4] == "epochs: 2 already done in the state file, more than the 1 asked for");
  // a state file of an older version (no lr, clip): readable, the settings it lacks reported
  Checkpoint old = t.ck;
  old.meta.erase("lr");
  old.meta.erase("clip");
  std::vector<std::string> unchecked;
  CHECK(recipe_differences(old, other, &unchecked).size() == 3);
  CHECK(unchecked == std::vector<std::string>{"lr", "clip"});
  CHECK(restore_error(old).empty());
}

TEST_CASE("issue 14.6: non-finite parameters and inconsistent counters are refused on load", "[train][reliability]") {
  const TrainedState& t = trained_state();
  CHECK(restore_error(t.ck).empty());
  // a model checkpoint with NaN / inf weights: the parameter named, never loaded
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    Checkpoint ck = t.ck;
    ck.tensors[3].values[1] = bad;
    DeepDiff<float> m(t.cfg);
    CHECK_THROWS_WITH(load_parameters(m, ck, "m.bin"),
                      Catch::Contains(ck.tensors[3].name) && Catch::Contains("non-finite") && Catch::Contains("index 1"));
  }
  // ... and through the file, with a valid checksum
  const deepdiff_test::TempDir tmp("deepdiff_train");
  Checkpoint nan_ck = model_checkpoint(DeepDiff<float>(t.cfg));
  nan_ck.tensors.back().values[0] = std::nan("");
  write_checkpoint(tmp.file("nan.bin"), nan_ck);
  CHECK_THROWS_WITH(load_model<float>(tmp.file("nan.bin")), Catch::Contains("fdiff1_1.bias"));
  // sizes in the metadata that do not describe the stored parameters: refused before the model
  // is built (hidden1 = 100000 would allocate terabytes; found by tests/fuzz/fuzz_inputs)
  Checkpoint big = model_checkpoint(DeepDiff<float>(t.cfg));
  big.meta["hidden1"] = "100000";
  big.meta["hidden2"] = "50000";
  write_checkpoint(tmp.file("big.bin"), big);
  CHECK_THROWS_WITH(load_model<float>(tmp.file("big.bin")),
                    Catch::Contains("hidden1 100000") && Catch::Contains("but the file holds"));
  // the training state: Adam moments, the best parameters
  auto edit_tensor = [&](const std::string& name, double v) {
    Checkpoint ck = t.ck;
    for (NamedArray& a : ck.tensors)
      if (a.name == name) a.values[0] = v;
    return restore_error(ck);
  };
  CHECK_THAT(edit_tensor("__adam.m", std::nan("")), Catch::Contains("__adam.m"));
  CHECK_THAT(edit_tensor("__adam.v", -1.0), Catch::Contains("__adam.v") && Catch::Contains("negative"));
  CHECK_THAT(edit_tensor("__best_params", HUGE_VAL), Catch::Contains("__best_params"));
  // counters: each inconsistency named
  auto edit_meta = [&](const std::string& key, const std::string& v) {
    Checkpoint ck = t.ck;
    ck.meta[key] = v;
    return restore_error(ck);
  };
  CHECK_THAT(edit_meta("adam_step", "-1"), Catch::Contains("adam_step"));
  CHECK_THAT(edit_meta("adam_step", "1"), Catch::Contains("adam_step=1 with epochs_done=2"));
  CHECK_THAT(edit_meta("epochs_done", "100000"), Catch::Contains("epochs_done=100000") && Catch::Contains("__history"));
  CHECK_THAT(edit_meta("epochs_done", "-2"), Catch::Contains("epochs_done"));
  CHECK_THAT(edit_meta("epochs_done", "two"), Catch::Contains("epochs_done='two' is not an integer"));
  CHECK_THAT(edit_meta("best_epoch", "3"), Catch::Contains("best_epoch"));
  Checkpoint no_counter = t.ck;
  no_counter.meta.erase("adam_step");
  CHECK_THAT(restore_error(no_counter), Catch::Contains("adam_step"));
  Checkpoint swapped = t.ck;
  for (NamedArray& a : swapped.tensors)
    if (a.name == "__history") a.values[8] = 5;  // row 2 claims epoch 5
  CHECK_THAT(restore_error(swapped), Catch::Contains("__history row 2"));
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
