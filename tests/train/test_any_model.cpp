// train/any_model.hpp: every model of the study by name behind one interface. Each kind is
// made, trained a little (fit_any), written (any_checkpoint), read back (load_any_model) and
// predicts the same numbers; 1 and 2 threads give the same model; names and sizes that
// cannot be are refused with the reason.
#include <catch2/catch.hpp>

#include <cmath>

#include <deepdiff/train/any_model.hpp>

#include "test_helpers.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {

// G genes x T bins x 5 marks of counts; y follows mark 0's difference so that something is
// learnable, with expression for every gene.
Split split_of(const std::string& name, Index G, Index T, std::uint64_t seed) {
  Rng rng(seed);
  Split s;
  s.name = name;
  s.bins = T;
  s.marks = 5;
  for (Index g = 0; g < G; ++g) {
    s.gene_ids.push_back(name + std::to_string(g));
    s.gene_symbols.push_back("");
    double da = 0, db = 0;
    for (Index t = 0; t < T; ++t)
      for (Index m = 0; m < 5; ++m) {
        const float a = static_cast<float>(std::floor(rng.uniform(0, 6))), b = static_cast<float>(std::floor(rng.uniform(0, 6)));
        s.xa.push_back(a);
        s.xb.push_back(b);
        if (m == 0) da += a, db += b;
      }
    s.ea.push_back(std::floor(std::exp2(da / static_cast<double>(T) * 2)));
    s.eb.push_back(std::floor(std::exp2(db / static_cast<double>(T) * 2)));
  }
  s.has_expression = true;
  return s;
}

AnyFitOptions quick() {
  AnyFitOptions o;
  o.fit.train.epochs = 2;
  o.fit.train.lr = 1e-2;
  o.fit.train.batch_size = 8;
  o.fit.train.seed = 3;
  return o;
}

AnyModel trained(const std::string& name, const Split& train, const Split& valid) {
  AnyModel m = make_any_model(name, train.bins, train.marks, 4);
  init_any_model(m, 3);
  fit_any(m, FitData{train, valid, nullptr}, quick());
  return m;
}

}  // namespace

TEST_CASE("any_model: every model name makes its kind and attention where the name says", "[train][any_model]") {
  for (const std::string& name : model_names()) {
    INFO(name);
    if (name == "xgboost" && !xgboost_available()) {
      CHECK_THROWS_WITH(make_any_model(name, 20, 5), Catch::Contains("XGBoost"));
      continue;
    }
    AnyModel m = make_any_model(name, 20, 5, 4);
    CHECK(m.name == name);
    CHECK(has_attention(m) == model_has_attention(name));
    CHECK(any_beta_names(m).empty() == !model_has_attention(name));
    const bool neural = is_variant_name(name) || name == "deepchrome" || name == "attentivechrome_diff";
    CHECK((any_parameter_count(m) > 0) == neural);
    CHECK(model_trained_in_epochs(name) == neural);
    CHECK(model_has_hidden(name) == (m.deepdiff || m.cell_a));  // the models built with hidden1
  }
  CHECK(any_beta_names(make_any_model("attentivechrome_diff", 20, 5, 4)).size() == 10);  // both cells' marks
  CHECK_THROWS_WITH(make_any_model("lasso", 20, 5), Catch::Contains("unknown model name 'lasso' (known: raw_d"));
  CHECK_THROWS_WITH(make_any_model("deepchrome", 13, 5), Catch::Contains("needs at least 14 bins"));
  CHECK_THROWS(make_any_model("ridge", 0, 5));
}

TEST_CASE("any_model: fit, write, read back, predict the same, 1 and 2 threads the same", "[train][any_model]") {
  const Split train = split_of("tr", 60, 20, 1), valid = split_of("va", 20, 20, 2), test = split_of("te", 15, 20, 3);
  TempDir d;
  for (const std::string name : {"raw_d", "ridge", "xgboost", "deepchrome", "attentivechrome_diff"}) {
    INFO(name);
    if (name == "xgboost" && !xgboost_available()) continue;  // the case above checks the refusal
    AnyModel m = trained(name, train, valid);
    const Predictions p = predict_any(m, test, 7, true);
    REQUIRE(p.pred.size() == 15);
    for (double v : p.pred) CHECK(std::isfinite(v));
    CHECK(p.target.size() == 15);
    CHECK(p.target[4] == Approx(test.y(4)));
    if (model_has_attention(name)) {
      CHECK(p.beta.dim(0) == 15);
      CHECK(p.alpha.dim(2) == 20);
    }

    const std::string path = d.file(name + ".bin");
    write_checkpoint(path, any_checkpoint(m));
    AnyModel back = load_any_model(path);
    CHECK(back.name == name);
    CHECK(predict_any(back, test, 5, false).pred == p.pred);  // another batch size, too

#ifdef _OPENMP
    const int was = omp_get_max_threads();
    omp_set_num_threads(1);
    AnyModel one = trained(name, train, valid);
    omp_set_num_threads(2);
    AnyModel two = trained(name, train, valid);
    omp_set_num_threads(was);
    CHECK(predict_any(one, test, 7, false).pred == predict_any(two, test, 7, false).pred);
    CHECK(predict_any(one, test, 7, false).pred == p.pred);  // and deterministic for the seed
#endif
  }
  AnyModel wrong_size = make_any_model("raw_d", 10, 5, 4);
  CHECK_THROWS(predict_any(wrong_size, test, 5, false));
}

TEST_CASE("any_model: the checkpoint keeps the targets' expression scale, none writes nothing", "[train][any_model][scale]") {
  const Split train = split_of("tr", 60, 20, 1), valid = split_of("va", 20, 20, 2);
  TempDir d;
  AnyModel m = trained("ridge", train, valid);
  const Checkpoint plain = any_checkpoint(m);
  CHECK(plain.meta.count("expression_scale") == 0);
  write_checkpoint(d.file("plain.bin"), plain);
  CHECK(load_any_model(d.file("plain.bin")).target_scaling == ExpressionScaling{});

  m.target_scaling = ExpressionScaling{ExpressionScale::cpm, 211.229747, 58.367197};
  write_checkpoint(d.file("cpm.bin"), any_checkpoint(m));
  CHECK(load_any_model(d.file("cpm.bin")).target_scaling == m.target_scaling);

  Checkpoint bad = any_checkpoint(m);
  bad.meta["expression_divisor_b"] = "-3";
  write_checkpoint(d.file("bad.bin"), bad);
  CHECK_THROWS_AS(load_any_model(d.file("bad.bin")), CheckpointError);
  CHECK_THROWS_WITH(load_any_model(d.file("bad.bin")), Catch::Contains("bad.bin") && Catch::Contains("expression_divisor_b"));
}
