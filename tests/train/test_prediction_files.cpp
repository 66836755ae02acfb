// The prediction and attention CSV files (train/prediction_files.hpp): a file contract that
// tools/test_predict_parity.py and the study summaries read, so the exact text is checked.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "test_helpers.hpp"

using namespace deepdiff;

namespace {

Split two_genes() {
  Split s;
  s.name = "test";
  s.gene_ids = {"g0", "g,1"};  // a comma: the CSV writer quotes it
  return s;
}

}  // namespace

TEST_CASE("predictions_csv: columns by what is known, shortest round-trip numbers", "[train][prediction_files]") {
  const Split s = two_genes();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Predictions p;
  p.pred = {0.5, -1.25};
  CHECK(predictions_csv(s, p) == "gene_id,prediction\ng0,0.5\n\"g,1\",-1.25\n");
  p.target = {1, 0.1};
  CHECK(predictions_csv(s, p) == "gene_id,prediction,target\ng0,0.5,1\n\"g,1\",-1.25,0.1\n");
  p.pred_a = {2, nan};
  p.pred_b = {3, 1e-7};
  p.target_a = {4, 5};
  p.target_b = {6, 7.5};
  CHECK(predictions_csv(s, p) ==
        "gene_id,prediction,prediction_a,prediction_b,target,target_a,target_b\n"
        "g0,0.5,2,3,1,4,6\n"
        "\"g,1\",-1.25,NaN,1e-07,0.1,5,7.5\n");
  p.target.clear();
  p.target_a.clear();
  p.target_b.clear();
  CHECK(predictions_csv(s, p) == "gene_id,prediction,prediction_a,prediction_b\ng0,0.5,2,3\n\"g,1\",-1.25,NaN,1e-07\n");
}

TEST_CASE("beta_csv and alpha_csv: one column per channel, one row per gene (and channel for alpha)",
          "[train][prediction_files]") {
  const Split s = two_genes();
  Predictions p;
  p.beta = Tensor<float>::from(Shape{2, 3}, {0.25f, 0.5f, 0.25f, 0.1f, 0.7f, 0.2f});
  CHECK(beta_csv(s, {"A.H3K4me1", "B.H3K4me1", "D.H3K4me1"}, p) ==
        "gene_id,A.H3K4me1,B.H3K4me1,D.H3K4me1\n"
        "g0,0.25,0.5,0.25\n"
        "\"g,1\",0.1,0.7,0.2\n");
  p.alpha = Tensor<float>::from(Shape{2, 2, 3}, {0.5f, 0.25f, 0.25f, 1, 0, 0, 0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f});
  CHECK(alpha_csv(s, {"A.H3K4me1", "B.H3K4me1"}, p) ==
        "gene_id,channel,bin_1,bin_2,bin_3\n"
        "g0,A.H3K4me1,0.5,0.25,0.25\n"
        "g0,B.H3K4me1,1,0,0\n"
        "\"g,1\",A.H3K4me1,0.1,0.2,0.7\n"
        "\"g,1\",B.H3K4me1,0.3,0.3,0.4\n");
}

TEST_CASE("write_prediction_files: the files of a split, named by tag, with the model's channel names",
          "[train][prediction_files]") {
  ModelConfig c;
  c.variant = Variant::raw_aux;
  c.bins = 4;
  c.hidden1 = 4;
  DeepDiff<float> m(c);
  Rng rng(3);
  m.params().init_uniform(rng, -0.1, 0.1);
  Split s;
  s.name = "valid";
  s.bins = 4;
  s.marks = 5;
  for (int g = 0; g < 3; ++g) {
    s.gene_ids.push_back("ENSG" + std::to_string(g));
    s.gene_symbols.push_back("");
  }
  for (int i = 0; i < 3 * 4 * 5; ++i) {
    s.xa.push_back(static_cast<float>(rng.uniform(0, 5)));
    s.xb.push_back(static_cast<float>(rng.uniform(0, 5)));
  }
  const Predictions p = predict_split(m, s, 2, true);
  const deepdiff_test::TempDir d("deepdiff_prediction_files");

  std::vector<std::string> files = write_prediction_files(d.path, "", s, m.beta_names(), m.alpha_names(), p, true);
  CHECK(files == std::vector<std::string>{"predictions.csv", "attention_beta.csv", "attention_alpha.csv"});
  CHECK(read_file(d.file("predictions.csv")) == predictions_csv(s, p));
  CHECK(read_file(d.file("attention_beta.csv")) == beta_csv(s, m.beta_names(), p));
  CHECK(read_file(d.file("attention_alpha.csv")) == alpha_csv(s, m.alpha_names(), p));
  // raw_aux: prediction_a/b columns, the "raw:"/"aux:" beta channels; no targets (no expression)
  CHECK(read_file(d.file("predictions.csv")).rfind("gene_id,prediction,prediction_a,prediction_b\nENSG0,", 0) == 0);
  CHECK(read_file(d.file("attention_beta.csv")).rfind("gene_id,raw:A.H3K4me1,", 0) == 0);

  files = write_prediction_files(d.path, "valid", s, m.beta_names(), m.alpha_names(), p, false);
  CHECK(files == std::vector<std::string>{"predictions_valid.csv", "attention_beta_valid.csv"});
  CHECK(read_file(d.file("predictions_valid.csv")) == predictions_csv(s, p));
  CHECK_FALSE(deepdiff_test::path_exists(d.file("attention_alpha_valid.csv")));
  // no alpha kept: no alpha file even when asked for
  const Predictions q = predict_split(m, s, 2, false);
  CHECK(write_prediction_files(d.path, "q", s, m.beta_names(), m.alpha_names(), q, true).size() == 2);
  CHECK_THROWS_WITH(write_prediction_files(d.file("missing"), "", s, m.beta_names(), m.alpha_names(), p, true), Catch::Contains("missing"));
}
