// fit (train/fit.hpp): the epoch loop shared by `deepdiff train` and the Python package.
#include <catch2/catch.hpp>

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

DeepDiff<float> small_model(Index T) {
  ModelConfig c;
  c.bins = T;
  c.hidden1 = 4;
  DeepDiff<float> m(c);
  Rng init(1);
  m.params().init_uniform(init, -0.1, 0.1);
  return m;
}

}  // namespace

TEST_CASE("fit: runs the epochs and leaves the best epoch's parameters", "[train][fit]") {
  const Split tr = small_split("train", 12, 6, 1), va = small_split("valid", 6, 6, 2);
  DeepDiff<float> m = small_model(6);
  TrainOptions o;
  o.epochs = 4;
  o.lr = 1e-2;
  o.batch_size = 5;
  Trainer<float> t(m, o);
  std::vector<AlignedVector<float>> after;  // parameters after each epoch
  Index batches = 0;
  FitHooks h;
  h.on_batch = [&](Index done, Index total) {
    ++batches;
    CHECK(total == 12);
    CHECK(done <= total);
  };
  h.on_epoch = [&](const EpochRecord& r) {
    CHECK(r.epoch == static_cast<int>(after.size()) + 1);
    after.push_back(m.params().values());
    return true;
  };
  CHECK(fit(t, tr, va, h) == FitEnd::completed);
  REQUIRE(after.size() == 4);
  CHECK(batches == 4 * 3);
  const TrainState<float>& st = t.state();
  REQUIRE(st.best_epoch >= 1);
  CHECK(m.params().values() == after[static_cast<std::size_t>(st.best_epoch - 1)]);
  for (const EpochRecord& r : st.history) CHECK(r.valid_pcc <= st.best_valid_pcc);
}

TEST_CASE("fit: on_epoch false stops; a throwing hook leaves the best epoch or the start", "[train][fit]") {
  const Split tr = small_split("train", 10, 5, 3), va = small_split("valid", 5, 5, 4);
  TrainOptions o;
  o.epochs = 50;
  o.lr = 1e-2;
  {
    DeepDiff<float> m = small_model(5);
    Trainer<float> t(m, o);
    FitHooks h;
    h.on_epoch = [&](const EpochRecord& r) { return r.epoch < 2; };
    CHECK(fit(t, tr, va, h) == FitEnd::stopped);
    CHECK(t.state().epochs_done == 2);
  }
  {  // an exception in the middle of the first epoch: the parameters fit was called with
    DeepDiff<float> m = small_model(5);
    const AlignedVector<float> start = m.params().values();
    Trainer<float> t(m, o);
    FitHooks h;
    h.on_batch = [](Index done, Index) {
      if (done > 2) throw std::runtime_error("interrupted");
    };
    CHECK_THROWS_WITH(fit(t, tr, va, h), "interrupted");
    CHECK(m.params().values() == start);
  }
  {  // in the third epoch: the best of the two finished ones
    DeepDiff<float> m = small_model(5);
    Trainer<float> t(m, o);
    std::vector<AlignedVector<float>> after;
    FitHooks h;
    h.on_epoch = [&](const EpochRecord&) {
      after.push_back(m.params().values());
      return true;
    };
    h.on_batch = [&](Index done, Index) {
      if (after.size() == 2 && done > 2) throw std::runtime_error("interrupted");
    };
    CHECK_THROWS(fit(t, tr, va, h));
    REQUIRE(t.state().best_epoch >= 1);
    CHECK(m.params().values() == after[static_cast<std::size_t>(t.state().best_epoch - 1)]);
  }
}

TEST_CASE("fit: refuses bad options and splits that do not fit the model", "[train][fit]") {
  const Split tr = small_split("train", 6, 5, 5), va = small_split("valid", 4, 5, 6);
  DeepDiff<float> m = small_model(5);
  auto refuses = [&](TrainOptions o, const Split& a, const Split& b, const std::string& what) {
    Trainer<float> t(m, o);
    CHECK_THROWS_WITH(fit(t, a, b), Catch::Contains(what));
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
  Split no_expr = va;
  no_expr.has_expression = false;
  refuses(o, no_expr, va, "no expression values");
  Split empty = small_split("empty", 0, 5, 8);
  refuses(o, empty, va, "train split 'empty' has no genes");
  Split broken = tr;
  broken.xa.pop_back();
  refuses(o, broken, va, "is inconsistent");
}
