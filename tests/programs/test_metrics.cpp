// examples/common/metrics.hpp: metrics.json as typed structs; the keys the readers rely on
// (tests/cli, tools/*.py, the study), NaN as null, numbers that read back exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "common/metrics.hpp"

using namespace deepdiff_cli;

namespace {

RunMetrics sample() {
  RunMetrics m;
  m.complete = true;
  m.settings.data_root = "/data/K\xC3\xA4se \"x\"";
  m.settings.cell1 = "E123";
  m.settings.cell2 = "E003";
  m.settings.model_name = "raw_aux";
  m.settings.train.epochs = 2;
  m.settings.train.lr = 1e-4;
  m.settings.train.batch_size = 10;
  m.settings.train.seed = 18446744073709551615ull;
  m.settings.train.path = deepdiff::EncoderPath::composed;
  m.settings.threads = 2;
  m.settings.bins = 200;
  m.settings.marks = 5;
  m.settings.hidden1 = 32;
  m.settings.hidden2 = 16;
  m.settings.train_genes = 10;
  m.settings.valid_genes = 5;
  m.settings.test_genes = 5;
  m.settings.train.expression_scale = deepdiff::ExpressionScale::size_factors;
  m.settings.expression_divisor_1 = 2.0604038942347853;
  m.settings.expression_divisor_2 = 0.48534173459781327;
  m.settings.median_y_train = -0.1;
  m.best_epoch = 2;
  m.best_valid_pcc = 0.1 + 0.2;  // 0.30000000000000004
  deepdiff::EpochRecord e;
  e.epoch = 1;
  e.train_loss = 1.0 / 3;
  e.train_pcc = std::numeric_limits<double>::quiet_NaN();  // a constant prediction
  e.train_mse = 2.5;
  e.valid_pcc = -0.125;
  e.valid_mse = 1e-300;
  e.train_seconds = 0.5;
  e.valid_seconds = 0.25;
  m.epochs = {e, e};
  m.epochs[1].epoch = 2;
  TestScores t;
  t.pcc = 0.5;
  t.mse = 0.75;
  t.pcc_a = 0.25;
  t.pcc_b = std::numeric_limits<double>::quiet_NaN();
  t.genes = 5;
  m.test = t;
  m.timings = RunTimings{1.5, 0.75, 2.0};
  return m;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

TEST_CASE("metrics.json: keys, order and the spelling the readers grep for", "[metrics]") {
  const std::string t = json_text(sample());
  CHECK(t.back() == '\n');
  CHECK(t.find("\"complete\": true") != std::string::npos);   // tests/cli greps this
  CHECK(t.find("\"epoch\": 2") != std::string::npos);
  CHECK(t.find("\"train_pcc\": null") != std::string::npos);  // NaN: JSON has no spelling for it
  CHECK(t.find("\"encoder_path\": \"composed\"") != std::string::npos);
  CHECK(t.find("\"seed\": 18446744073709551615") != std::string::npos);
  CHECK(t.find("\"best_valid_pcc\": 0.30000000000000004") != std::string::npos);
  CHECK(t.find("\"lr\": 0.0001") != std::string::npos);
  const Json j = Json::parse(t);
  std::vector<std::string> keys;
  for (const auto& kv : j.items()) keys.push_back(kv.key());
  CHECK(keys == std::vector<std::string>{"complete", "settings", "best_epoch", "best_valid_pcc", "epochs", "test", "timings"});
  keys.clear();
  for (const auto& kv : j.at("settings").items()) keys.push_back(kv.key());
  CHECK(keys == std::vector<std::string>{"data_root", "cell_1", "cell_2", "model_name", "epochs", "lr", "batch_size",
                                         "clip", "seed", "threads", "encoder_path", "precision", "bins", "marks",
                                         "hidden1", "hidden2", "train_genes", "valid_genes", "test_genes",
                                         "expression_scale", "expression_divisor_1", "expression_divisor_2",
                                         "median_y_train"});
  CHECK(t.find("\"expression_scale\": \"size-factors\"") != std::string::npos);
  CHECK(j.at("test").size() == 5);
  CHECK(j.at("test").at("pcc_b").is_null());
}

TEST_CASE("metrics.json: what is written reads back the same, bit for bit", "[metrics]") {
  const RunMetrics a = sample();
  const RunMetrics b = parse_metrics(json_text(a));
  CHECK(b.complete == a.complete);
  CHECK(b.settings.data_root == a.settings.data_root);
  CHECK(b.settings.model_name == a.settings.model_name);
  CHECK(b.settings.train.lr == a.settings.train.lr);
  CHECK(b.settings.train.seed == a.settings.train.seed);
  CHECK(b.settings.train.batch_size == a.settings.train.batch_size);
  CHECK(b.settings.train.path == deepdiff::EncoderPath::composed);
  CHECK(b.settings.test_genes == a.settings.test_genes);
  CHECK(b.settings.train.expression_scale == deepdiff::ExpressionScale::size_factors);
  CHECK(b.settings.expression_divisor_1 == a.settings.expression_divisor_1);
  CHECK(b.settings.expression_divisor_2 == a.settings.expression_divisor_2);
  CHECK(b.settings.median_y_train == a.settings.median_y_train);
  CHECK(b.best_valid_pcc == a.best_valid_pcc);
  REQUIRE(b.epochs.size() == 2);
  CHECK(b.epochs[1].epoch == 2);
  CHECK(b.epochs[0].train_loss == a.epochs[0].train_loss);
  CHECK(std::isnan(b.epochs[0].train_pcc));
  CHECK(b.epochs[0].valid_mse == 1e-300);
  REQUIRE(b.test.has_value());
  CHECK(b.test->pcc_a == 0.25);
  CHECK(same(*b.test->pcc_b, std::numeric_limits<double>::quiet_NaN()));
  CHECK(b.timings.run_seconds == 2.0);
  CHECK(json_text(b) == json_text(a));

  RunMetrics partial = a;
  partial.complete = false;
  partial.test.reset();
  partial.settings.test_genes.reset();
  const std::string pt = json_text(partial);
  CHECK(pt.find("\"test\"") == std::string::npos);
  CHECK(pt.find("test_genes") == std::string::npos);
  const RunMetrics pb = parse_metrics(pt);
  CHECK_FALSE(pb.test.has_value());
  CHECK_FALSE(pb.settings.test_genes.has_value());

  // A file written before --expression-scale: the paper's raw counts.
  Json old = Json::parse(json_text(a));
  for (const char* k : {"expression_scale", "expression_divisor_1", "expression_divisor_2", "median_y_train"})
    old.at("settings").erase(k);
  const RunMetrics ob = parse_metrics(old.dump());
  CHECK(ob.settings.train.expression_scale == deepdiff::ExpressionScale::none);
  CHECK(ob.settings.expression_divisor_1 == 1.0);
  CHECK(ob.settings.expression_divisor_2 == 1.0);
  CHECK_FALSE(ob.settings.median_y_train.has_value());
}

TEST_CASE("metrics.json: a damaged file throws, naming what is wrong", "[metrics]") {
  CHECK_THROWS_WITH(parse_metrics("{\"complete\": tru"), Catch::Contains("parse error"));
  Json j = sample();
  j.at("settings").erase("lr");
  CHECK_THROWS_WITH(parse_metrics(j.dump()), Catch::Contains("lr"));
  j = sample();
  j["best_epoch"] = "two";
  CHECK_THROWS_WITH(parse_metrics(j.dump()), Catch::Contains("type must be number"));
  // bytes that are not UTF-8 (a path in another encoding) do not make the file unwritable
  RunMetrics odd = sample();
  odd.settings.data_root = "/data/\xE4";
  CHECK(json_text(odd).find("\"data_root\": \"/data/\xEF\xBF\xBD\"") != std::string::npos);
}

TEST_CASE("metrics.json: calibration, warnings and provenance, written and read back", "[metrics]") {
  RunMetrics a = sample();
  a.settings.mean_y_train = 0.125;
  deepdiff::PredictionScores sc;
  sc.pcc = 0.5;
  sc.spearman = 0.45;
  sc.r2 = -0.25;
  sc.slope = std::numeric_limits<double>::quiet_NaN();  // a constant prediction
  sc.mse = 0.75;
  sc.mse_train_mean = 1.5;
  sc.sd_prediction = 0;
  sc.sd_target = 2;
  a.test = test_scores(sc, 5);
  a.test->pcc_a = 0.25;
  a.warnings = {"the kept epoch (1) predicts a near-constant"};
  Provenance p;
  p.version = "0.1.0";
  p.commit = "1a2b3c4-dirty";
  p.command_line = "deepdiff train --data-root 'my data'";
  p.started = "2024-05-01T12:34:56Z";
  p.data_root_absolute = "/data/my data";
  p.files = {DataFileRecord{"E003.train.csv", 12345, "a430d84680aabd0b"}};
  p.prepare_json = "/data/my data/prepare.json";
  a.provenance = p;
  const std::string t = json_text(a);
  const Json j = Json::parse(t);
  std::vector<std::string> keys;
  for (const auto& kv : j.items()) keys.push_back(kv.key());
  CHECK(keys == std::vector<std::string>{"complete", "settings", "best_epoch", "best_valid_pcc", "epochs", "test",
                                         "warnings", "timings", "provenance"});
  keys.clear();
  for (const auto& kv : j.at("test").items()) keys.push_back(kv.key());
  CHECK(keys == std::vector<std::string>{"pcc", "spearman", "r2", "slope", "mse", "mse_train_mean", "sd_prediction",
                                         "sd_target", "pcc_a", "genes"});
  CHECK(j.at("test").at("slope").is_null());
  CHECK(j.at("settings").at("mean_y_train") == 0.125);
  keys.clear();
  for (const auto& kv : j.at("provenance").items()) keys.push_back(kv.key());
  CHECK(keys == std::vector<std::string>{"version", "commit", "command_line", "started", "data_root_absolute", "files",
                                         "prepare_json"});
  CHECK(j.at("provenance").at("files").at(0).at("fnv1a64") == "a430d84680aabd0b");

  const RunMetrics b = parse_metrics(t);
  REQUIRE(b.test.has_value());
  CHECK(b.test->spearman == 0.45);
  CHECK(b.test->r2 == -0.25);
  CHECK(std::isnan(*b.test->slope));
  CHECK(b.test->mse_train_mean == 1.5);
  CHECK(b.test->sd_prediction == 0.0);
  CHECK(b.test->sd_target == 2.0);
  CHECK(b.settings.mean_y_train == 0.125);
  CHECK(b.warnings == a.warnings);
  REQUIRE(b.provenance.has_value());
  CHECK(b.provenance->command_line == p.command_line);
  CHECK(b.provenance->files.at(0).bytes == 12345);
  CHECK(b.provenance->prepare_json == p.prepare_json);
  CHECK(json_text(b) == t);

  // a file written before them reads back without them
  Json old = Json::parse(t);
  old.erase("warnings");
  old.erase("provenance");
  old.at("settings").erase("mean_y_train");
  for (const char* k : {"spearman", "r2", "slope", "mse_train_mean", "sd_prediction", "sd_target"}) old.at("test").erase(k);
  const RunMetrics o = parse_metrics(old.dump());
  CHECK(o.warnings.empty());
  CHECK_FALSE(o.provenance.has_value());
  CHECK_FALSE(o.settings.mean_y_train.has_value());
  CHECK_FALSE(o.test->spearman.has_value());
  CHECK_FALSE(o.test->sd_target.has_value());
  CHECK(o.test->pcc == 0.5);
  const std::string ot = json_text(o);
  CHECK(ot.find("warnings") == std::string::npos);
  CHECK(ot.find("provenance") == std::string::npos);
  CHECK(ot.find("spearman") == std::string::npos);
}

TEST_CASE("scores_text and near_constant_warning: the lines train and eval print", "[metrics]") {
  deepdiff::PredictionScores s;
  s.pcc = 0.61234;
  s.spearman = 0.5;
  s.r2 = 0.25;
  s.slope = 0.9;
  s.mse = 1.5;
  s.mse_train_mean = 2.25;
  s.sd_prediction = 1;
  s.sd_target = 2;
  CHECK(scores_text("test", s) ==
        "test PCC 0.6123, Spearman 0.5000, R^2 0.2500, slope 0.900, MSE 1.5000 (predicting the training mean: 2.2500)");
  s.mse_train_mean = std::numeric_limits<double>::quiet_NaN();
  CHECK(scores_text("", s) == "PCC 0.6123, Spearman 0.5000, R^2 0.2500, slope 0.900, MSE 1.5000");
  CHECK(near_constant_warning(s, "the kept epoch (3)", "the test genes").empty());
  s.sd_prediction = 0.013;
  s.sd_target = 4.9;
  CHECK(near_constant_warning(s, "the kept epoch (3)", "the test genes") ==
        "the kept epoch (3) predicts a near-constant on the test genes: the predictions' sd is 0.013, 0.27% of the sd "
        "of y (4.9; under 5% counts as near-constant), so its correlations and attention say little about the marks; "
        "train longer, or with another --lr");
}
