// metrics.json, the record of one training run (`deepdiff train`, each run of deepdiff-pairs),
// as typed structs with nlohmann-json's to_json / from_json: the writer (run.hpp) fills a
// RunMetrics, the study (study/results.hpp) reads one back, and the keys are spelled here once.
//
//   {"complete": bool,
//    "settings": {data_root, cell_1, cell_2, model_name, epochs, lr, batch_size, clip, seed,
//                 threads, encoder_path, precision, bins, marks, hidden1, hidden2,
//                 train_genes, valid_genes[, test_genes], expression_scale,
//                 expression_divisor_1, expression_divisor_2[, median_y_train, mean_y_train]},
//    "best_epoch": int, "best_valid_pcc": number,
//    "epochs": [{epoch, train_loss, train_pcc, train_mse, valid_pcc, valid_mse,
//                train_seconds, valid_seconds}, ...],
//    ["test": {pcc[, spearman, r2, slope], mse[, mse_train_mean, sd_prediction, sd_target]
//              [, pcc_a, pcc_b], genes},]
//    ["warnings": ["...", ...],]   what the run printed as "warning:" (near-constant predictions,
//                                  a y that is mostly sequencing depth)
//    "timings": {epoch_seconds_total, mean_epoch_seconds, run_seconds}
//    ["model_details": {...}]      baselines: ridge {lambda, lambdas, valid_pccs}; xgboost
//                                  {best_iteration, rounds}; attentivechrome_diff {cell_a, cell_b:
//                                  {best_epoch, best_valid_pcc, epochs}} (each cell's own target)
//    ["provenance": {version, commit, command_line, started, data_root_absolute,
//                    files: [{name, bytes, fnv1a64}, ...][, prepare_json]}]}
//
// The keys in [] are absent from files written before them, and read back as absent.
// test: spearman (of ranks), r2 (1 - SS_res / SS_tot), slope (of y regressed on the
// prediction), mse_train_mean (the MSE of predicting the training genes' mean y for every test
// gene: the baseline mse must beat), sd_prediction and sd_target (population sds): the
// calibration that PCC, blind to scale and shift, does not show (data/metrics.hpp).
// provenance: the program's version and git commit, the command (shell-quoted), its start (ISO
// 8601, UTC), and the data files read, with their sizes and FNV-1a 64 checksums, so a result can
// be traced to the exact inputs (and to DATA_ROOT/prepare.json, which records prepare's).
//
// Numbers print as the shortest text that reads back exactly; NaN (a constant prediction's
// PCC), which JSON cannot spell, is written as null and read back as NaN. Keys keep the
// order above (ordered_json), so a file reads top-down like the run did.
#pragma once

#include <deepdiff/data/expression_scale.hpp>
#include <deepdiff/data/metrics.hpp>
#include <deepdiff/model/deepdiff_model.hpp>
#include <deepdiff/train/trainer.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
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
  // Of the LSTM products (train --precision); files written before bf16 say "float32": fp32.
  deepdiff::Precision precision = deepdiff::Precision::fp32;
  long long bins = 0, marks = 0, hidden1 = 0, hidden2 = 0;
  long long train_genes = 0, valid_genes = 0;
  std::optional<long long> test_genes;
  // train.expression_scale's divisors of cell 1 (A) and cell 2 (B), 1 for none, and the median
  // target y of the training genes (deepdiff train warns when it is far from 0).
  double expression_divisor_1 = 1, expression_divisor_2 = 1;
  std::optional<double> median_y_train;
  std::optional<double> mean_y_train;  // the constant whose test MSE is test.mse_train_mean
};

struct TestScores {
  double pcc = 0, mse = 0;
  std::optional<double> pcc_a, pcc_b;  // the aux heads, where the variant has them
  long long genes = 0;
  // The calibration beside PCC (absent in files written before it).
  std::optional<double> spearman, r2, slope, mse_train_mean, sd_prediction, sd_target;
};

// One data file a run read: its name in the data root, size and FNV-1a 64 (16 hex digits).
struct DataFileRecord {
  std::string name;
  long long bytes = 0;
  std::string fnv1a64;
};

struct Provenance {
  std::string version, commit, command_line, started, data_root_absolute;
  std::vector<DataFileRecord> files;
  std::optional<std::string> prepare_json;  // the absolute path of DATA_ROOT/prepare.json, when there is one
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
  std::vector<std::string> warnings;
  RunTimings timings;
  Json details;  // "model_details": what a baseline adds (null: nothing)
  std::optional<Provenance> provenance;
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
           {"precision", deepdiff::precision_name(s.precision)},
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
  if (s.mean_y_train) j["mean_y_train"] = *s.mean_y_train;
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
  {
    const std::string p = j.value("precision", std::string("float32"));
    s.precision = p == "float32" ? deepdiff::Precision::fp32 : deepdiff::parse_precision(p);
  }
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
  if (j.contains("mean_y_train") && !j.at("mean_y_train").is_null()) s.mean_y_train = j.at("mean_y_train").get<double>();
  else s.mean_y_train.reset();
}

inline void to_json(Json& j, const TestScores& t) {
  j = Json{{"pcc", t.pcc}};
  if (t.spearman) j["spearman"] = *t.spearman;
  if (t.r2) j["r2"] = *t.r2;
  if (t.slope) j["slope"] = *t.slope;
  j["mse"] = t.mse;
  if (t.mse_train_mean) j["mse_train_mean"] = *t.mse_train_mean;
  if (t.sd_prediction) j["sd_prediction"] = *t.sd_prediction;
  if (t.sd_target) j["sd_target"] = *t.sd_target;
  if (t.pcc_a) j["pcc_a"] = *t.pcc_a;
  if (t.pcc_b) j["pcc_b"] = *t.pcc_b;
  j["genes"] = t.genes;
}

inline void from_json(const Json& j, TestScores& t) {
  const auto optional = [&j](const char* key) {
    return j.contains(key) ? std::optional<double>(json_number(j.at(key))) : std::nullopt;
  };
  t.pcc = json_number(j.at("pcc"));
  t.mse = json_number(j.at("mse"));
  t.pcc_a = optional("pcc_a");
  t.pcc_b = optional("pcc_b");
  t.genes = j.value("genes", 0LL);
  t.spearman = optional("spearman");
  t.r2 = optional("r2");
  t.slope = optional("slope");
  t.mse_train_mean = optional("mse_train_mean");
  t.sd_prediction = optional("sd_prediction");
  t.sd_target = optional("sd_target");
}

// The test scores of predictions, with the calibration (data/metrics.hpp's prediction_scores).
inline TestScores test_scores(const deepdiff::PredictionScores& s, long long genes) {
  TestScores t;
  t.pcc = s.pcc;
  t.mse = s.mse;
  t.genes = genes;
  t.spearman = s.spearman;
  t.r2 = s.r2;
  t.slope = s.slope;
  t.mse_train_mean = s.mse_train_mean;
  t.sd_prediction = s.sd_prediction;
  t.sd_target = s.sd_target;
  return t;
}

inline void to_json(Json& j, const DataFileRecord& f) {
  j = Json{{"name", f.name}, {"bytes", f.bytes}, {"fnv1a64", f.fnv1a64}};
}

inline void from_json(const Json& j, DataFileRecord& f) {
  j.at("name").get_to(f.name);
  j.at("bytes").get_to(f.bytes);
  j.at("fnv1a64").get_to(f.fnv1a64);
}

inline void to_json(Json& j, const Provenance& p) {
  j = Json{{"version", p.version},
           {"commit", p.commit},
           {"command_line", p.command_line},
           {"started", p.started},
           {"data_root_absolute", p.data_root_absolute},
           {"files", p.files}};
  if (p.prepare_json) j["prepare_json"] = *p.prepare_json;
}

inline void from_json(const Json& j, Provenance& p) {
  j.at("version").get_to(p.version);
  j.at("commit").get_to(p.commit);
  j.at("command_line").get_to(p.command_line);
  j.at("started").get_to(p.started);
  j.at("data_root_absolute").get_to(p.data_root_absolute);
  p.files = j.at("files").get<std::vector<DataFileRecord>>();
  if (j.contains("prepare_json")) p.prepare_json = j.at("prepare_json").get<std::string>();
  else p.prepare_json.reset();
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
  if (!m.warnings.empty()) j["warnings"] = m.warnings;
  j["timings"] = m.timings;
  if (!m.details.is_null()) j["model_details"] = m.details;
  if (m.provenance) j["provenance"] = *m.provenance;
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
  m.warnings = j.contains("warnings") ? j.at("warnings").get<std::vector<std::string>>() : std::vector<std::string>();
  j.at("timings").get_to(m.timings);
  m.details = j.contains("model_details") ? j.at("model_details") : Json();
  if (j.contains("provenance")) m.provenance = j.at("provenance").get<Provenance>();
  else m.provenance.reset();
}

// The warning for predictions that barely vary (data/metrics.hpp's near_constant_prediction),
// empty when they vary enough; `who` names the predictor ("the kept epoch (3)").
inline std::string near_constant_warning(const deepdiff::PredictionScores& s, const std::string& who,
                                        const std::string& split) {
  if (!deepdiff::near_constant_prediction(s)) return "";
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "%s predicts a near-constant on %s: the predictions' sd is %.3g, %.2g%% of the sd of y (%.3g; under "
                "%g%% counts as near-constant), so its correlations and attention say little about the marks; train "
                "longer, or with another --lr",
                who.c_str(), split.c_str(), s.sd_prediction, 100.0 * s.sd_prediction / s.sd_target, s.sd_target,
                100.0 * deepdiff::kNearConstantSdFraction);
  return buf;
}

// Scores as a line prints them: "test PCC 0.6012, Spearman 0.5812, R^2 0.3401, slope 0.914, MSE
// 1.2345 (predicting the training mean: 2.0101)", `what` ("test") first when not empty.
inline std::string scores_text(const std::string& what, const deepdiff::PredictionScores& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "PCC %.4f, Spearman %.4f, R^2 %.4f, slope %.3f, MSE %.4f", s.pcc, s.spearman, s.r2,
                s.slope, s.mse);
  std::string t = what.empty() ? buf : what + " " + buf;
  if (!std::isnan(s.mse_train_mean)) {
    std::snprintf(buf, sizeof buf, " (predicting the training mean: %.4f)", s.mse_train_mean);
    t += buf;
  }
  return t;
}

// A metrics.json's text back as a RunMetrics; throws nlohmann::json::exception (parse_error
// with the byte position, out_of_range naming a missing key, type_error) on a bad file.
inline RunMetrics parse_metrics(const std::string& text) { return Json::parse(text).get<RunMetrics>(); }

}  // namespace deepdiff_cli
