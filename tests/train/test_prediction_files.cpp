// The prediction and attention CSV files and top_genes.tsv (train/prediction_files.hpp): a file
// contract that tools/test_predict_parity.py and the study summaries read, so the exact text is
// checked.
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
  const PredictionLabels l{"H1", "K562", nullptr};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::string no_target =
      "# prediction = the model's y = log2((e_B + 1) / (e_A + 1)), A = H1 (cell-1), B = K562 (cell-2): y > 0 means "
      "higher in B; no target: the data has no expression tables";
  const std::string with_target =
      "# target = y = log2((e_B + 1) / (e_A + 1)), A = H1 (cell-1), B = K562 (cell-2): y > 0 means higher in B; "
      "prediction = the model's y; residual = prediction - target";
  const std::string aux = "; prediction_a, prediction_b = the model's log2(e_A + 1), log2(e_B + 1)";
  Predictions p;
  p.pred = {0.5, -1.25};
  CHECK(predictions_csv(s, p, l) == no_target + "\ngene_id,prediction\ng0,0.5\n\"g,1\",-1.25\n");
  p.target = {1, 0.1};
  CHECK(predictions_csv(s, p, l) ==
        with_target + "\ngene_id,prediction,target,residual\ng0,0.5,1,-0.5\n\"g,1\",-1.25,0.1,-1.35\n");
  p.pred_a = {2, nan};
  p.pred_b = {3, 1e-7};
  p.target_a = {4, 5};
  p.target_b = {6, 7.5};
  CHECK(predictions_csv(s, p, l) == with_target + aux + " (targets: target_a, target_b)\n" +
                                        "gene_id,prediction,prediction_a,prediction_b,target,target_a,target_b,residual\n"
                                        "g0,0.5,2,3,1,4,6,-0.5\n"
                                        "\"g,1\",-1.25,NaN,1e-07,0.1,5,7.5,-1.35\n");
  p.target.clear();
  p.target_a.clear();
  p.target_b.clear();
  CHECK(predictions_csv(s, p, l) ==
        no_target + aux + "\ngene_id,prediction,prediction_a,prediction_b\ng0,0.5,2,3\n\"g,1\",-1.25,NaN,1e-07\n");
}

TEST_CASE("predictions_csv: the residual is prediction - target, NaN where either is", "[train][prediction_files]") {
  Split s;
  s.gene_ids = {"a", "b", "c"};
  Predictions p;
  p.pred = {2.5, std::numeric_limits<double>::quiet_NaN(), -1};
  p.target = {1, 2, std::numeric_limits<double>::quiet_NaN()};
  const CsvTable t = read_csv_table("p.csv", predictions_csv(s, p, PredictionLabels()));
  CHECK(t.header_line == 2);
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0][3] == "1.5");
  CHECK(t.rows[1][3] == "NaN");
  CHECK(t.rows[2][3] == "NaN");
}

TEST_CASE("predictions_csv: the genes' symbol, chrom, tss, strand from genes.tsv, the scale in the comment",
          "[train][prediction_files]") {
  Split s;
  s.name = "test";
  s.gene_ids = {"ENSG1", "ENSG2"};
  s.scaling.scale = ExpressionScale::cpm;
  GeneTable genes;
  genes.path = "/data/genes.tsv";
  GeneInfo myc;
  myc.symbol = "MYC";
  myc.chrom = "chr8";
  myc.tss = 127736230;
  myc.strand = "+";
  genes.genes["ENSG1"] = myc;
  const PredictionLabels l{"E003", "E123", &genes};
  Predictions p;
  p.pred = {1, -1};
  p.target = {0.5, -2};
  const std::string text = predictions_csv(s, p, l);
  CHECK(text.rfind("# target = y = log2((e_B + 1) / (e_A + 1)), A = E003 (cell-1), B = E123 (cell-2): y > 0 means "
                   "higher in B; e = the expression counts divided by the cell's cpm divisor; prediction = the "
                   "model's y; residual = prediction - target; symbol, chrom, tss (0-based), strand from "
                   "/data/genes.tsv\n",
                   0) == 0);
  const CsvTable t = read_csv_table("p.csv", text);
  CHECK(t.header == std::vector<std::string>{"gene_id", "symbol", "chrom", "tss", "strand", "prediction", "target", "residual"});
  CHECK(t.rows[0] == std::vector<std::string>{"ENSG1", "MYC", "chr8", "127736230", "+", "1", "0.5", "0.5"});
  CHECK(t.rows[1] == std::vector<std::string>{"ENSG2", "", "", "", "", "-1", "-2", "1"});  // not in genes.tsv
}

TEST_CASE("top_genes_tsv: the genes by |prediction|, largest first, with symbol and direction",
          "[train][prediction_files]") {
  Split s;
  s.name = "test";
  s.gene_ids = {"g1", "g2", "g3", "g4", "g5"};
  s.gene_symbols = {"ONE", "", "THREE", "FOUR", ""};
  GeneTable genes;
  GeneInfo two;
  two.symbol = "TWO";
  genes.genes["g2"] = two;
  const PredictionLabels l{"H1", "K562", &genes};
  Predictions p;
  p.pred = {0.5, -3, 3, std::numeric_limits<double>::quiet_NaN(), 0};
  p.target = {1, -2, 2.5, 0, 0.25};
  const std::string t = top_genes_tsv(s, p, l);
  CHECK(t ==
        "# the test genes ranked by |prediction| (largest predicted change first); prediction = the model's y = "
        "log2((e_B + 1) / (e_A + 1)), A = H1 (cell-1), B = K562 (cell-2): y > 0 means higher in B; direction = the "
        "sign of the prediction\n"
        "rank\tgene_id\tsymbol\tprediction\ttarget\tdirection\n"
        "1\tg2\tTWO\t-3\t-2\tdown in K562\n"  // ties keep the split's order; genes.tsv's symbol first
        "2\tg3\tTHREE\t3\t2.5\tup in K562\n"
        "3\tg1\tONE\t0.5\t1\tup in K562\n"
        "4\tg5\t\t0\t0.25\tno change\n"  // no symbol anywhere: empty
        "5\tg4\tFOUR\tNaN\t0\tno change\n");  // NaN last
  p.target.clear();
  const std::string u = top_genes_tsv(s, p, PredictionLabels{"H1", "K562", nullptr});
  CHECK(u.find("rank\tgene_id\tsymbol\tprediction\tdirection\n1\tg2\t\t-3\tdown in K562\n") != std::string::npos);
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

  const PredictionLabels l{"A1", "B1", nullptr};
  std::vector<std::string> files = write_prediction_files(d.path, "", s, m.beta_names(), m.alpha_names(), p, true, l);
  CHECK(files == std::vector<std::string>{"predictions.csv", "attention_beta.csv", "attention_alpha.csv"});
  CHECK(read_file(d.file("predictions.csv")) == predictions_csv(s, p, l));
  CHECK(read_file(d.file("attention_beta.csv")) == beta_csv(s, m.beta_names(), p));
  CHECK(read_file(d.file("attention_alpha.csv")) == alpha_csv(s, m.alpha_names(), p));
  // raw_aux: prediction_a/b columns, the "raw:"/"aux:" beta channels; no targets (no expression)
  const std::string pred = read_file(d.file("predictions.csv"));
  CHECK(pred.rfind("# prediction = the model's y = log2((e_B + 1) / (e_A + 1)), A = A1 (cell-1), B = B1 (cell-2)", 0) == 0);
  CHECK(pred.find("\ngene_id,prediction,prediction_a,prediction_b\nENSG0,") != std::string::npos);
  CHECK(read_file(d.file("attention_beta.csv")).rfind("gene_id,raw:A.H3K4me1,", 0) == 0);

  files = write_prediction_files(d.path, "valid", s, m.beta_names(), m.alpha_names(), p, false, l);
  CHECK(files == std::vector<std::string>{"predictions_valid.csv", "attention_beta_valid.csv"});
  CHECK(read_file(d.file("predictions_valid.csv")) == predictions_csv(s, p, l));
  // no channel names (train's predictions of other splits): the predictions file alone
  CHECK(write_prediction_files(d.path, "train", s, {}, {}, p, true, l) == std::vector<std::string>{"predictions_train.csv"});
  CHECK_FALSE(deepdiff_test::path_exists(d.file("attention_alpha_valid.csv")));
  // no alpha kept: no alpha file even when asked for
  const Predictions q = predict_split(m, s, 2, false);
  CHECK(write_prediction_files(d.path, "q", s, m.beta_names(), m.alpha_names(), q, true, l).size() == 2);
  CHECK_THROWS_WITH(write_prediction_files(d.file("missing"), "", s, m.beta_names(), m.alpha_names(), p, true, l), Catch::Contains("missing"));
}
