// fit (train/fit.hpp): a whole training run as the library offers it - the epoch loop shared
// by `deepdiff train` and the Python package, resume from a state file, the best epoch's
// parameters restored, the test split scored.
#include <catch2/catch.hpp>

#include <cmath>

#include <deepdiff/model/attentivechrome.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;

namespace {

// G genes x T bins x 5 marks of count-like values, with expression.
Split small_split(const std::string& name, Index G, Index T, std::uint64_t seed) {
  Rng rng(seed);
  Split s;
  s.name = name;
  s.bins = T;
  s.marks = 5;
  for (Index g = 0; g < G; ++g) {
    s.gene_ids.push_back("g" + std::to_string(g));
    s.gene_symbols.push_back("");
    s.ea.push_back(std::floor(rng.uniform(0, 200)));
    s.eb.push_back(std::floor(rng.uniform(0, 200)));
  }
  for (Index i = 0; i < G * T * 5; ++i) {
    s.xa.push_back(static_cast<float>(std::floor(rng.uniform(0, 6))));
    s.xb.push_back(static_cast<float>(std::floor(rng.uniform(0, 6))));
  }
  s.has_expression = true;
  return s;
}

DeepDiff<float> small_model(Index T, std::uint64_t seed = 1, Variant v = Variant::raw_d) {
  ModelConfig c;
  c.variant = v;
  c.bins = T;
  c.hidden1 = 4;
  DeepDiff<float> m(c);
  Rng init(seed);
  m.params().init_uniform(init, -0.1, 0.1);
  return m;
}

FitOptions small_options(int epochs) {
  FitOptions o;
  o.train.epochs = epochs;
  o.train.lr = 1e-2;
  o.train.batch_size = 5;
  return o;
}

// The history without its timings (which differ between any two runs).
std::vector<std::vector<double>> untimed(const std::vector<EpochRecord>& h) {
  std::vector<std::vector<double>> v;
  for (const EpochRecord& r : h)
    v.push_back({static_cast<double>(r.epoch), r.train_loss, r.train_pcc, r.train_mse, r.valid_pcc, r.valid_mse});
  return v;
}

}  // namespace

TEST_CASE("fit: runs the epochs and leaves the best epoch's parameters", "[train][fit]") {
  const Split tr = small_split("train", 12, 6, 1), va = small_split("valid", 6, 6, 2);
  DeepDiff<float> m = small_model(6);
  const FitOptions o = small_options(4);
  std::vector<AlignedVector<float>> after;  // parameters after each epoch
  Index batches = 0;
  int starts = 0;
  FitHooks<float> h;
  h.on_start = [&](const FitStart& s) {
    ++starts;
    CHECK_FALSE(s.resumed);
    CHECK(s.epochs_done == 0);
  };
  h.on_batch = [&](Index done, Index total) {
    ++batches;
    CHECK(total == 12);
    CHECK(done <= total);
  };
  h.on_epoch = [&](const EpochRecord& r, const TrainState<float>& st) {
    CHECK(r.epoch == static_cast<int>(after.size()) + 1);
    CHECK(st.epochs_done == r.epoch);
    after.push_back(m.params().values());
    return true;
  };
  const FitResult<float> res = fit(m, FitData{tr, va}, o, h);
  CHECK(res.end == FitEnd::completed);
  CHECK_FALSE(res.resumed);
  CHECK(starts == 1);
  REQUIRE(after.size() == 4);
  CHECK(batches == 4 * 3);
  const TrainState<float>& st = res.state;
  REQUIRE(st.best_epoch >= 1);
  // The best epoch is the last one whose validation PCC is the highest (ties: the later)...
  int best = 0;
  double best_pcc = -1e300;
  for (const EpochRecord& r : st.history)
    if (!std::isnan(r.valid_pcc) && r.valid_pcc >= best_pcc) {
      best_pcc = r.valid_pcc;
      best = r.epoch;
    }
  CHECK(st.best_epoch == best);
  // ... and its parameters, not the last epoch's, are the model's.
  CHECK(m.params().values() == after[static_cast<std::size_t>(st.best_epoch - 1)]);
  CHECK(st.best_params == m.params().values());
  CHECK_FALSE(res.test.has_value());
  CHECK(std::isnan(res.test_pcc));
}

TEST_CASE("fit: on_epoch false stops, a throwing hook leaves the best epoch or the start", "[train][fit]") {
  const Split tr = small_split("train", 10, 5, 3), va = small_split("valid", 5, 5, 4);
  const FitOptions o = small_options(50);
  {
    DeepDiff<float> m = small_model(5);
    FitHooks<float> h;
    h.on_epoch = [&](const EpochRecord& r, const TrainState<float>&) { return r.epoch < 2; };
    const FitResult<float> res = fit(m, FitData{tr, va}, o, h);
    CHECK(res.end == FitEnd::stopped);
    CHECK(res.state.epochs_done == 2);
  }
  {  // an exception in the middle of the first epoch: the parameters fit was called with
    DeepDiff<float> m = small_model(5);
    const AlignedVector<float> start = m.params().values();
    FitHooks<float> h;
    h.on_batch = [](Index done, Index) {
      if (done > 2) throw std::runtime_error("interrupted");
    };
    CHECK_THROWS_WITH(fit(m, FitData{tr, va}, o, h), "interrupted");
    CHECK(m.params().values() == start);
  }
  {  // in the third epoch: the best of the two finished ones
    DeepDiff<float> m = small_model(5);
    std::vector<AlignedVector<float>> after;
    int best = 0;
    FitHooks<float> h;
    h.on_epoch = [&](const EpochRecord&, const TrainState<float>& st) {
      after.push_back(m.params().values());
      best = st.best_epoch;
      return true;
    };
    h.on_batch = [&](Index done, Index) {
      if (after.size() == 2 && done > 2) throw std::runtime_error("interrupted");
    };
    CHECK_THROWS(fit(m, FitData{tr, va}, o, h));
    REQUIRE(best >= 1);
    CHECK(m.params().values() == after[static_cast<std::size_t>(best - 1)]);
  }
}

TEST_CASE("fit: refuses bad options and splits that do not fit the model", "[train][fit]") {
  const Split tr = small_split("train", 6, 5, 5), va = small_split("valid", 4, 5, 6);
  DeepDiff<float> m = small_model(5);
  auto refuses = [&](TrainOptions t, const Split& a, const Split& b, const std::string& what, const Split* test = nullptr) {
    FitOptions o;
    o.train = t;
    CHECK_THROWS_WITH(fit(m, FitData{a, b, test}, o), Catch::Contains(what));
  };
  TrainOptions o;
  o.epochs = 1;
  TrainOptions bad = o;
  bad.batch_size = 0;
  refuses(bad, tr, va, "batch_size must be >= 1, got 0");
  bad = o;
  bad.lr = std::nan("");
  refuses(bad, tr, va, "lr must be a finite number > 0");
  bad = o;
  bad.path = EncoderPath::inference;
  refuses(bad, tr, va, "inference path");
  const Split wide = small_split("wide", 4, 7, 7);
  refuses(o, tr, wide, "valid split 'wide' has 7 bins x 5 marks, the model expects 5 x 5");
  refuses(o, tr, va, "test split 'wide' has 7 bins", &wide);
  Split no_expr = va;
  no_expr.has_expression = false;
  refuses(o, no_expr, va, "no expression values");
  Split empty = small_split("empty", 0, 5, 8);
  refuses(o, empty, va, "train split 'empty' has no genes");
  Split broken = tr;
  broken.xa.pop_back();
  refuses(o, broken, va, "is inconsistent");
}

TEST_CASE("fit: splits of another expression scale than the recipe's, or of other divisors, are refused",
          "[train][fit][scale]") {
  const Split tr = small_split("train", 6, 5, 5), va = small_split("valid", 4, 5, 6);
  DeepDiff<float> m = small_model(5);
  FitOptions o = small_options(1);
  o.train.expression_scale = ExpressionScale::size_factors;
  CHECK_THROWS_WITH(fit(m, FitData{tr, va, nullptr}, o),
                    Catch::Contains("train split 'train' has targets of expression scale none") &&
                        Catch::Contains("the recipe's expression_scale is size-factors"));
  Split str = tr, sva = va;
  str.scaling = sva.scaling = ExpressionScaling{ExpressionScale::size_factors, 2.0, 0.5};
  CHECK_THROWS_WITH(fit(m, FitData{str, va, nullptr}, o),
                    Catch::Contains("valid split 'valid' has targets of expression scale none, the train split of "
                                    "size-factors (divisors 2, 0.5)"));
  Split other = sva;
  other.scaling.divisor_b = 0.25;
  CHECK_THROWS_WITH(fit(m, FitData{str, sva, &other}, o), Catch::Contains("test split 'valid'"));
  const FitResult<float> r = fit(m, FitData{str, sva, nullptr}, o);  // the same scale throughout: trains
  CHECK(r.state.epochs_done == 1);
}

TEST_CASE("fit: refuses a target that is the same for every gene, before any epoch", "[train][fit]") {
  // Identical expression tables for the two cells: y = log2((eB+1)/(eA+1)) = 0 for every gene.
  // Before, fit trained on a loss of 0, the valid PCC was nan on every epoch, no epoch became
  // the best (best_epoch 0, valid PCC -inf) and the untrained parameters were kept, silently.
  const Split tr = small_split("train", 12, 6, 1), va = small_split("valid", 6, 6, 2);
  Split same_tr = tr, same_va = va;
  same_tr.eb = same_tr.ea;
  same_va.eb = same_va.ea;
  Split shifted = tr;  // eB + 1 = 2 (eA + 1) for every gene: y = 1 everywhere
  for (std::size_t g = 0; g < shifted.ea.size(); ++g) shifted.eb[g] = 2 * shifted.ea[g] + 1;
  DeepDiff<float> m = small_model(6);
  const AlignedVector<float> before = m.params().values();
  int starts = 0;
  FitHooks<float> h;
  h.on_start = [&](const FitStart&) { ++starts; };
  const FitOptions o = small_options(2);
  CHECK_THROWS_WITH(fit(m, FitData{same_tr, va}, o, h),
                    Catch::Contains("train split 'train': the target log2((eB+1)/(eA+1)) is 0 for all 12 genes") &&
                        Catch::Contains("nothing to learn") && Catch::Contains("identical"));
  CHECK_THROWS_WITH(fit(m, FitData{shifted, va}, o, h), Catch::Contains("is 1 for all 12 genes"));
  CHECK_THROWS_WITH(fit(m, FitData{tr, same_va}, o, h),
                    Catch::Contains("valid split 'valid'") && Catch::Contains("picks the best epoch is undefined"));
  CHECK(starts == 0);
  CHECK(m.params().values() == before);
  // One differing gene is enough to train on.
  Split one = same_tr;
  one.eb[3] += 1;
  CHECK_NOTHROW(check_target_varies(one, "train"));
  CHECK(fit(m, FitData{one, va}, o).state.best_epoch >= 1);
}

TEST_CASE("fit: a cell model is refused for its own target, not for y", "[train][fit]") {
  // An AttentiveChrome cell model learns its cell's log2(e + 1): a constant y (identical
  // tables) leaves it something to learn, a constant eA leaves cell A's model nothing.
  const Split tr = small_split("train", 12, 6, 3), va = small_split("valid", 6, 6, 4);
  AttentiveChromeConfig c;
  c.bins = 6;
  c.hidden1 = 4;
  AttentiveChrome<float> a(c);
  Rng init(5);
  a.params().init_uniform(init, -0.1, 0.1);
  Split same_y = tr;
  same_y.eb = same_y.ea;
  CHECK_THROWS(check_target_varies(same_y, "train"));
  CHECK(fit(a, FitData{same_y, va}, small_options(1)).state.best_epoch == 1);
  Split flat_a = tr;
  for (double& e : flat_a.ea) e = 7;
  CHECK_THROWS_WITH(fit(a, FitData{flat_a, va}, small_options(1)),
                    Catch::Contains("train split 'train': cell A's target log2(eA+1) is 3 for all 12 genes") &&
                        Catch::Contains("nothing to learn"));
  c.cell = AttentiveChromeCell::b;
  AttentiveChrome<float> b(c);
  b.params().init_uniform(init, -0.1, 0.1);
  CHECK(fit(b, FitData{flat_a, va}, small_options(1)).state.best_epoch == 1);
}

TEST_CASE("fit: a run resumed from its state file continues exactly", "[train][fit][resume]") {
  const Split tr = small_split("train", 12, 6, 11), va = small_split("valid", 6, 6, 12);
  for (Variant v : {Variant::raw_d, Variant::aux_siamese}) {
    CAPTURE(variant_name(v));
    const deepdiff_test::TempDir tmp("deepdiff_fit");
    // Straight through: 4 epochs.
    DeepDiff<float> straight = small_model(6, 1, v);
    const FitResult<float> a = fit(straight, FitData{tr, va}, small_options(4));

    // 2 epochs, then a fresh process (another initialization) resumes to 4.
    FitOptions o = small_options(2);
    o.state_file = tmp.file("state.bin");
    o.resume = true;  // nothing there yet: a fresh start
    DeepDiff<float> first = small_model(6, 1, v);
    FitStart seen;
    FitHooks<float> h;
    h.on_start = [&](const FitStart& s) { seen = s; };
    CHECK_FALSE(fit(first, FitData{tr, va}, o, h).resumed);
    CHECK_FALSE(seen.resumed);
    REQUIRE(deepdiff_test::path_exists(o.state_file));

    o.train.epochs = 4;
    DeepDiff<float> resumed = small_model(6, 99, v);
    const FitResult<float> b = fit(resumed, FitData{tr, va}, o, h);
    CHECK(b.resumed);
    CHECK(seen.resumed);
    CHECK(seen.epochs_done == 2);
    CHECK(seen.unchecked.empty());
    CHECK(resumed.params().values() == straight.params().values());
    CHECK(b.state.best_epoch == a.state.best_epoch);
    CHECK(b.state.best_valid_pcc == a.state.best_valid_pcc);
    CHECK(b.state.adam.m == a.state.adam.m);
    CHECK(b.state.adam.v == a.state.adam.v);
    CHECK(b.state.adam.step == a.state.adam.step);
    CHECK(untimed(b.state.history) == untimed(a.state.history));
    // The state file holds the 4 epochs now: resuming again runs none and changes nothing.
    int epochs = 0;
    FitHooks<float> count;
    count.on_epoch = [&](const EpochRecord&, const TrainState<float>&) { return ++epochs > 0; };
    DeepDiff<float> again = small_model(6, 7, v);
    const FitResult<float> c = fit(again, FitData{tr, va}, o, count);
    CHECK(epochs == 0);
    CHECK(again.params().values() == straight.params().values());
    CHECK(untimed(c.state.history) == untimed(a.state.history));
  }
}

TEST_CASE("fit: a resume with another recipe is refused, leaving model and state file as they were",
          "[train][fit][resume]") {
  const Split tr = small_split("train", 10, 5, 13), va = small_split("valid", 5, 5, 14);
  const deepdiff_test::TempDir tmp("deepdiff_fit");
  FitOptions o = small_options(2);
  o.state_file = tmp.file("state.bin");
  DeepDiff<float> m = small_model(5);
  fit(m, FitData{tr, va}, o);
  const std::string before = read_file(o.state_file);

  o.resume = true;
  o.train.epochs = 3;
  o.train.lr = 2e-2;
  o.train.batch_size = 4;
  DeepDiff<float> other = small_model(5, 5);
  const AlignedVector<float> start = other.params().values();
  try {
    fit(other, FitData{tr, va}, o);
    FAIL("no RecipeMismatch");
  } catch (const RecipeMismatch& e) {
    CHECK(e.path == o.state_file);
    REQUIRE(e.differences.size() == 2);
    CHECK(e.differences[0] == "batch_size: 5 in the state file, 4 now");
    CHECK(e.differences[1] == "lr: 0.01 in the state file, 0.02 now");
    CHECK_THAT(e.what(), Catch::Contains(o.state_file + " was trained with other settings:\n  batch_size"));
  }
  CHECK(other.params().values() == start);
  CHECK(read_file(o.state_file) == before);

  // Something that is not a state file at the path is an error naming it, not a fresh start.
  o = small_options(3);
  o.resume = true;
  o.state_file = tmp.file("a-folder");
  make_directories(o.state_file);
  CHECK_THROWS_WITH(fit(other, FitData{tr, va}, o), Catch::Contains("a-folder"));
  CHECK(other.params().values() == start);
}

TEST_CASE("fit: the test score is predict_split and pearson on the best epoch's parameters", "[train][fit]") {
  const Split tr = small_split("train", 12, 6, 21), va = small_split("valid", 6, 6, 22), te = small_split("test", 7, 6, 23);
  for (bool alpha : {false, true}) {
    DeepDiff<float> m = small_model(6, 1, Variant::raw_aux);
    FitOptions o = small_options(3);
    o.test_alpha = alpha;
    const FitResult<float> r = fit(m, FitData{tr, va, &te}, o);
    REQUIRE(r.test.has_value());
    CHECK(m.params().values() == r.state.best_params);
    const Predictions p = predict_split(m, te, o.train.batch_size, alpha);
    CHECK(r.test->pred == p.pred);
    CHECK(r.test->pred_a == p.pred_a);
    CHECK(r.test->target == p.target);
    CHECK(r.test->beta.storage() == p.beta.storage());
    CHECK(r.test->alpha.empty() == !alpha);
    if (alpha) CHECK(r.test->alpha.storage() == p.alpha.storage());
    CHECK(r.test_pcc == pearson(p.pred, p.target));
    CHECK(r.test_mse == mean_squared_error(p.pred, p.target));
    CHECK(std::isfinite(r.test_pcc));
  }
}
