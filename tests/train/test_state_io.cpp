// Tests of include/deepdiff/train/state_io.hpp.
#include <deepdiff/model/deepchrome.hpp>

#include "../training_fixtures.hpp"

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

TEST_CASE("issue 14.3: the state file stores the recipe, recipe_differences names each change", "[train][reliability]") {
  const TrainedState& t = trained_state();
  CHECK(t.ck.meta.at("lr") == "0.001");
  CHECK(t.ck.meta.at("clip") == "1");
  CHECK(recipe_differences(t.ck, t.opt, Precision::fp32).empty());
  TrainOptions longer = t.opt;
  longer.epochs = 10;  // extending a run is fine
  CHECK(recipe_differences(t.ck, longer, Precision::fp32).empty());
  TrainOptions other = t.opt;
  other.lr = 2e-3;
  other.seed = 9;
  other.batch_size = 5;
  other.clip = 0;
  other.epochs = 1;
  const std::vector<std::string> d = recipe_differences(t.ck, other, Precision::fp32);
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
  CHECK(recipe_differences(old, other, Precision::fp32, &unchecked).size() == 3);
  CHECK(unchecked == std::vector<std::string>{"lr", "clip"});
  CHECK(restore_error(old).empty());
}

TEST_CASE("issue 25: the state file stores an expression scale other than none, its absence is none",
          "[train][reliability][scale]") {
  const TrainedState& t = trained_state();
  CHECK(t.ck.meta.count("expression_scale") == 0);  // none: the file the paper's recipe always wrote
  TrainOptions sf = t.opt;
  sf.expression_scale = ExpressionScale::size_factors;
  std::vector<std::string> unchecked;
  CHECK(recipe_differences(t.ck, sf, Precision::fp32, &unchecked) ==
        std::vector<std::string>{"expression_scale: none in the state file, size-factors now"});
  CHECK(unchecked.empty());  // not "unchecked": a file without the entry was trained with none
  DeepDiff<float> m(t.cfg);
  TrainState<float> st;
  restore_training(m, st, t.ck, "state.bin");
  const Checkpoint scaled = training_checkpoint(m, st, sf);
  CHECK(scaled.meta.at("expression_scale") == "size-factors");
  CHECK(recipe_differences(scaled, sf, Precision::fp32).empty());
  CHECK(recipe_differences(scaled, t.opt, Precision::fp32) ==
        std::vector<std::string>{"expression_scale: size-factors in the state file, none now"});
}

TEST_CASE("issue 23: the state file stores a bf16 run's precision, its absence is fp32", "[train][reliability][bf16]") {
  const TrainedState& t = trained_state();
  CHECK(t.ck.meta.count("precision") == 0);  // fp32: the file every run wrote before bf16
  std::vector<std::string> unchecked;
  CHECK(recipe_differences(t.ck, t.opt, Precision::bf16, &unchecked) ==
        std::vector<std::string>{"precision: fp32 in the state file, bf16 now"});
  CHECK(unchecked.empty());
  DeepDiff<float> m(t.cfg);
  TrainState<float> st;
  restore_training(m, st, t.ck, "state.bin");
  CHECK(model_precision(m) == Precision::fp32);
  m.set_precision(Precision::bf16);
  CHECK(model_precision(m) == Precision::bf16);
  const Checkpoint bf = training_checkpoint(m, st, t.opt);
  CHECK(bf.meta.at("precision") == "bf16");
  CHECK(recipe_differences(bf, t.opt, Precision::bf16).empty());
  CHECK(recipe_differences(bf, t.opt, Precision::fp32) ==
        std::vector<std::string>{"precision: bf16 in the state file, fp32 now"});
  // A model without LSTMs computes in fp32 whatever is asked of the others.
  CHECK(model_precision(DeepChrome<float>(DeepChromeConfig{})) == Precision::fp32);
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
