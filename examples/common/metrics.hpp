// metrics.json, the record of one training run (`deepdiff train`, each run of deepdiff-pairs),
// as typed structs with nlohmann-json's to_json / from_json: the writer (run.hpp) fills a
// RunMetrics, the study (study/results.hpp) reads one back, and the keys are spelled here once.
//
//   {"complete": bool,
//    "settings": {data_root, cell_1, cell_2, model_name, epochs, lr, batch_size, clip, seed,
//                 threads, encoder_path, precision, bins, marks, hidden1, hidden2,
//                 train_genes, valid_genes[, test_genes], expression_scale,
//                 expression_divisor_1, expression_divisor_2[, median_y_train]},
//    "best_epoch": int, "best_valid_pcc": number,
//    "epochs": [{epoch, train_loss, train_pcc, train_mse, valid_pcc, valid_mse,
//                train_seconds, valid_seconds}, ...],
//    ["test": {pcc, mse[, pcc_a, pcc_b], genes},]
//    "timings": {epoch_seconds_total, mean_epoch_seconds, run_seconds}
//    ["model_details": {...}]}   baselines: ridge {lambda, lambdas, valid_pccs}; xgboost
//                                {best_iteration, rounds}; attentivechrome_diff {cell_a, cell_b:
//                                {best_epoch, best_valid_pcc, epochs}} (each cell's own target)
//
// Numbers print as the shortest text that reads back exactly; NaN (a constant prediction's
// PCC), which JSON cannot spell, is written as null and read back as NaN. Keys keep the
// order above (ordered_json), so a file reads top-down like the run did.
#pragma once

#include <deepdiff/data/expression_scale.hpp>
#include <deepdiff/model/deepdiff_model.hpp>
#include <deepdiff/train/trainer.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace deepdiff_cli {

using Json = nlohmann::ordered_json;

// The text of a document: 2-space indents and a final newline. Bytes that are not UTF-8 (a
// path in another encoding) become U+FFFD instead of making the whole file unwritable.
inline std::string json_text(const Json& j) {
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

// A number that may be null (NaN when written).
inline double json_number(const Json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

// metrics.json "settings": the run's recipe (the library's TrainOptions; `shuffle` is not
// recorded: runs always shuffle) and what the data and model turned out to be.
struct RunSettings {
  std::string data_root, cell1, cell2, model_name;
  deepdiff::TrainOptions train;
  int threads = 0;
  std::string precision = "float32";
  long long bins = 0, marks = 0, hidden1 = 0, hidden2 = 0;
  long long train_genes = 0, valid_genes = 0;
  std::optional<long long> test_genes;
  // train.expression_scale's divisors of cell 1 (A) and cell 2 (B), 1 for none, and the median
  // target y of the training genes (deepdiff train warns when it is far from 0).
  double expression_divisor_1 = 1, expression_divisor_2 = 1;
  std::optional<double> median_y_train;
};

struct TestScores {
  double pcc = 0, mse = 0;
  std::optional<double> pcc_a, pcc_b;  // the aux heads, where the variant has them
  long long genes = 0;
};

struct RunTimings {
  double epoch_seconds_total = 0, mean_epoch_seconds = 0, run_seconds = 0;
};

struct RunMetrics {
  bool complete = false;
  RunSettings settings;
  int best_epoch = 0;
  double best_valid_pcc = 0;
  std::vector<deepdiff::EpochRecord> epochs;
  std::optional<TestScores> test;  // once the best epoch is scored on test
  RunTimings timings;
  Json details;  // "model_details": what a baseline adds (null: nothing)
};

inline void to_json(Json& j, const RunSettings& s) {
  j = Json{{"data_root", s.data_root},
           {"cell_1", s.cell1},
           {"cell_2", s.cell2},
           {"model_name", s.model_name},
           {"epochs", s.train.epochs},
           {"lr", s.train.lr},
           {"batch_size", static_cast<long long>(s.train.batch_size)},
           {"clip", s.train.clip},
           {"seed", s.train.seed},
           {"threads", s.threads},
           {"encoder_path", s.train.path == deepdiff::EncoderPath::composed ? "composed" : "fused"},
           {"precision", s.precision},
           {"bins", s.bins},
           {"marks", s.marks},
           {"hidden1", s.hidden1},
           {"hidden2", s.hidden2},
           {"train_genes", s.train_genes},
           {"valid_genes", s.valid_genes}};
  if (s.test_genes) j["test_genes"] = *s.test_genes;
  j["expression_scale"] = deepdiff::expression_scale_name(s.train.expression_scale);
  j["expression_divisor_1"] = s.expression_divisor_1;
  j["expression_divisor_2"] = s.expression_divisor_2;
  if (s.median_y_train) j["median_y_train"] = *s.median_y_train;
}

inline void from_json(const Json& j, RunSettings& s) {
  j.at("data_root").get_to(s.data_root);
  j.at("cell_1").get_to(s.cell1);
  j.at("cell_2").get_to(s.cell2);
  j.at("model_name").get_to(s.model_name);
  j.at("epochs").get_to(s.train.epochs);
  s.train.lr = json_number(j.at("lr"));
  s.train.batch_size = j.at("batch_size").get<deepdiff::Index>();
  s.train.clip = json_number(j.at("clip"));
  j.at("seed").get_to(s.train.seed);
  s.train.path = j.value("encoder_path", std::string("fused")) == "composed" ? deepdiff::EncoderPath::composed
                                                                              : deepdiff::EncoderPath::fused;
  s.threads = j.value("threads", 0);
  s.precision = j.value("precision", std::string("float32"));
  j.at("bins").get_to(s.bins);
  s.marks = j.value("marks", 0LL);
  j.at("hidden1").get_to(s.hidden1);
  s.hidden2 = j.value("hidden2", 0LL);
  j.at("train_genes").get_to(s.train_genes);
  j.at("valid_genes").get_to(s.valid_genes);
  if (j.contains("test_genes")) s.test_genes = j.at("test_genes").get<long long>();
  else s.test_genes.reset();
  // Files written before the option: the paper's raw counts.
  s.train.expression_scale = deepdiff::parse_expression_scale(j.value("expression_scale", std::string("none")));
  s.expression_divisor_1 = j.contains("expression_divisor_1") ? json_number(j.at("expression_divisor_1")) : 1.0;
  s.expression_divisor_2 = j.contains("expression_divisor_2") ? json_number(j.at("expression_divisor_2")) : 1.0;
  if (j.contains("median_y_train") && !j.at("median_y_train").is_null()) s.median_y_train = j.at("median_y_train").get<double>();
  else s.median_y_train.reset();
}

inline void to_json(Json& j, const TestScores& t) {
  j = Json{{"pcc", t.pcc}, {"mse", t.mse}};
  if (t.pcc_a) j["pcc_a"] = *t.pcc_a;
  if (t.pcc_b) j["pcc_b"] = *t.pcc_b;
  j["genes"] = t.genes;
}

inline void from_json(const Json& j, TestScores& t) {
  t.pcc = json_number(j.at("pcc"));
  t.mse = json_number(j.at("mse"));
  if (j.contains("pcc_a")) t.pcc_a = json_number(j.at("pcc_a"));
  if (j.contains("pcc_b")) t.pcc_b = json_number(j.at("pcc_b"));
  t.genes = j.value("genes", 0LL);
}

inline void to_json(Json& j, const RunTimings& t) {
  j = Json{{"epoch_seconds_total", t.epoch_seconds_total},
           {"mean_epoch_seconds", t.mean_epoch_seconds},
           {"run_seconds", t.run_seconds}};
}

inline void from_json(const Json& j, RunTimings& t) {
  t.epoch_seconds_total = json_number(j.at("epoch_seconds_total"));
  t.mean_epoch_seconds = json_number(j.at("mean_epoch_seconds"));
  t.run_seconds = json_number(j.at("run_seconds"));
}

// EpochRecord is the library's (namespace deepdiff); its JSON form is this file's business, so
// it is converted here by name rather than through an ADL hook in the library's namespace.
inline Json epoch_json(const deepdiff::EpochRecord& r) {
  return Json{{"epoch", r.epoch},           {"train_loss", r.train_loss},       {"train_pcc", r.train_pcc},
              {"train_mse", r.train_mse},   {"valid_pcc", r.valid_pcc},         {"valid_mse", r.valid_mse},
              {"train_seconds", r.train_seconds}, {"valid_seconds", r.valid_seconds}};
}

inline deepdiff::EpochRecord epoch_record(const Json& j) {
  deepdiff::EpochRecord r;
  j.at("epoch").get_to(r.epoch);
  r.train_loss = json_number(j.at("train_loss"));
  r.train_pcc = json_number(j.at("train_pcc"));
  r.train_mse = json_number(j.at("train_mse"));
  r.valid_pcc = json_number(j.at("valid_pcc"));
  r.valid_mse = json_number(j.at("valid_mse"));
  r.train_seconds = json_number(j.at("train_seconds"));
  r.valid_seconds = json_number(j.at("valid_seconds"));
  return r;
}

inline void to_json(Json& j, const RunMetrics& m) {
  Json epochs = Json::array();
  for (const deepdiff::EpochRecord& r : m.epochs) epochs.push_back(epoch_json(r));
  j = Json{{"complete", m.complete},
           {"settings", m.settings},
           {"best_epoch", m.best_epoch},
           {"best_valid_pcc", m.best_valid_pcc},
           {"epochs", std::move(epochs)}};
  if (m.test) j["test"] = *m.test;
  j["timings"] = m.timings;
  if (!m.details.is_null()) j["model_details"] = m.details;
}

inline void from_json(const Json& j, RunMetrics& m) {
  j.at("complete").get_to(m.complete);
  j.at("settings").get_to(m.settings);
  j.at("best_epoch").get_to(m.best_epoch);
  m.best_valid_pcc = json_number(j.at("best_valid_pcc"));
  m.epochs.clear();
  for (const Json& e : j.at("epochs")) m.epochs.push_back(epoch_record(e));
  if (j.contains("test")) m.test = j.at("test").get<TestScores>();
  else m.test.reset();
  j.at("timings").get_to(m.timings);
  m.details = j.contains("model_details") ? j.at("model_details") : Json();
}

// A metrics.json's text back as a RunMetrics; throws nlohmann::json::exception (parse_error
// with the byte position, out_of_range naming a missing key, type_error) on a bad file.
inline RunMetrics parse_metrics(const std::string& text) { return Json::parse(text).get<RunMetrics>(); }

}  // namespace deepdiff_cli
